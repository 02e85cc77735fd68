"""Recipients and the data-sharing agreements under which they may be told about life events.

These are plain values. The catalogue is authored as reviewed YAML (``catalogue/``), validated
and loaded by ``tellonce catalogue load``; every change to an agreement becomes a new version,
and every disclosure keeps the version it was made under.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from tellonce.domain.areas import Area


class RecipientKind(StrEnum):
    CENTRAL_GOVERNMENT = "central-government"
    LOCAL_AUTHORITY = "local-authority"
    NHS = "nhs"
    DEVOLVED = "devolved"
    PRIVATE = "private"


class Channel(StrEnum):
    PUSH = "push"
    PULL = "pull"
    BOTH = "both"


class AreaAddress(StrEnum):
    """Which address of a change of address decides whether a recipient's area applies."""

    OLD = "old"
    NEW = "new"
    EITHER = "either"


class DeadlineUnit(StrEnum):
    CALENDAR_DAYS = "calendar-days"
    WORKING_DAYS = "working-days"


# UK GDPR Article 6(1) points and their W3C DPV legal-basis codes.
ARTICLE_6_BASES: Mapping[str, str] = {
    "a": "dpv:Consent",
    "b": "dpv:Contract",
    "c": "dpv:LegalObligation",
    "d": "dpv:VitalInterest",
    "e": "dpv:PublicTask",
    "f": "dpv:LegitimateInterest",
}
# UK GDPR Article 9(2) conditions for special category data (health, for example).
ARTICLE_9_CONDITIONS = frozenset("abcdefghij")


@dataclass(frozen=True, slots=True)
class Recipient:
    id: str
    name: str
    controller: str
    kind: RecipientKind
    area: Area
    channel: Channel
    contact_email: str | None = None
    contact_url: str | None = None


@dataclass(frozen=True, slots=True)
class Purpose:
    dpv_code: str  # e.g. "dpv:ServiceProvision"
    description: str  # plain English, shown to citizens


@dataclass(frozen=True, slots=True)
class LegalGateway:
    citation: str  # e.g. "Digital Economy Act 2017, section 35"
    source: str  # URL of the legislation or published guidance
    verified: bool  # whether the citation was confirmed against the source


@dataclass(frozen=True, slots=True)
class LawfulBasis:
    article_6: str  # "a".."f"
    article_9: str | None = None  # "a".."j" where special category data is shared

    @property
    def dpv_code(self) -> str:
        return ARTICLE_6_BASES[self.article_6]

    def describe(self) -> str:
        text = f"UK GDPR Article 6(1)({self.article_6})"
        if self.article_9:
            text += f" and Article 9(2)({self.article_9})"
        return text


@dataclass(frozen=True, slots=True)
class RoutingQuestion:
    """A yes/no question that decides whether an agreement applies to a report."""

    id: str
    text: str
    applies_when: bool = True


@dataclass(frozen=True, slots=True)
class AcknowledgementDeadline:
    within: int
    unit: DeadlineUnit


@dataclass(frozen=True, slots=True)
class Agreement:
    id: str
    recipient_id: str
    title: str
    fields: Mapping[str, tuple[str, ...]]  # event type -> dotted paths the recipient receives
    purpose: Purpose
    lawful_basis: LawfulBasis
    gateway: LegalGateway | None  # None for consent-only agreements
    consent_required: bool
    retention: str  # plain English: how long the recipient keeps it
    acknowledgement: AcknowledgementDeadline
    area_address: AreaAddress = AreaAddress.EITHER
    questions: tuple[RoutingQuestion, ...] = ()
    version: int = 1

    @property
    def event_types(self) -> frozenset[str]:
        return frozenset(self.fields)

    @property
    def by_law(self) -> bool:
        return not self.consent_required

    def content_digest(self) -> str:
        """A stable hash of everything that defines the agreement except its version number.

        Loading the catalogue compares digests: the same content is the same version, a change
        is a new version.
        """
        content = asdict(self)
        content.pop("version")
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=_plain)
        return hashlib.sha256(canonical.encode()).hexdigest()


def _plain(value: object) -> Any:
    if isinstance(value, frozenset | set):
        return sorted(value)
    raise TypeError(type(value).__name__)


@dataclass(frozen=True, slots=True)
class Catalogue:
    recipients: Mapping[str, Recipient] = field(default_factory=dict)
    agreements: tuple[Agreement, ...] = ()

    def recipient(self, recipient_id: str) -> Recipient:
        return self.recipients[recipient_id]
