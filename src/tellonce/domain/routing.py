"""The routing policy: for one report, which agreements apply, why, and what each recipient gets.

Pure and deterministic: the same report and catalogue give the same plan, which is what lets the
citizen's preview be hashed and compared at submission (consent is to *that* preview).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tellonce.domain.areas import Area, Nation, PostcodeUnits
from tellonce.domain.catalogue import Agreement, AreaAddress, Catalogue, Recipient, RoutingQuestion
from tellonce.domain.events import area_addresses, select_fields

# Bump when the shape of the preview (and so its digest) changes.
PREVIEW_VERSION = 1


class Basis(StrEnum):
    LAW = "law"
    CONSENT = "consent"


@dataclass(frozen=True, slots=True)
class AreaMatch:
    """Which of the report's addresses put it in the recipient's area, and how: a whole nation
    the recipient serves, or one of its postcode units. The portal words it for people."""

    address: str  # a key of ``area_addresses(event_type)``: "old", "new" or "address"
    nation: Nation | None  # the nation served, when a whole nation decided; else None
    rule: str  # the deciding rule, as in the reason: "nation england", "postcode district LS6"


@dataclass(frozen=True, slots=True)
class Route:
    """One agreement that applies to the report."""

    agreement: Agreement
    recipient: Recipient
    reasons: tuple[str, ...]
    fields: tuple[str, ...]
    payload: Mapping[str, Any] = field(repr=False)  # the report's validated payload
    area: AreaMatch | None = None  # the second reason, as data

    @property
    def data(self) -> dict[str, Any]:
        """Exactly what the recipient would receive (selected when shown: submitting a
        report never needs it)."""
        return select_fields(self.payload, self.fields)

    @property
    def basis(self) -> Basis:
        return Basis.CONSENT if self.agreement.consent_required else Basis.LAW


@dataclass(frozen=True, slots=True)
class RoutingPlan:
    event_type: str
    routes: tuple[Route, ...]
    # Questions whose answers are needed before the plan is complete.
    unanswered: tuple[RoutingQuestion, ...]

    @property
    def by_law(self) -> tuple[Route, ...]:
        return tuple(r for r in self.routes if r.basis is Basis.LAW)

    @property
    def by_consent(self) -> tuple[Route, ...]:
        return tuple(r for r in self.routes if r.basis is Basis.CONSENT)

    def route_for(self, agreement_id: str) -> Route | None:
        return next((r for r in self.routes if r.agreement.id == agreement_id), None)

    def digest(self) -> str:
        """Hash of what the citizen is shown: who, under which agreement version, which fields.

        Values are left out on purpose — a hash of a few personal details is guessable, and the
        digest is stored beside consent records as evidence of the preview's shape.
        """
        shape = {
            "preview_version": PREVIEW_VERSION,
            "event_type": self.event_type,
            "routes": sorted(
                [r.agreement.id, r.agreement.version, r.recipient.id, r.basis.value, list(r.fields)]
                for r in self.routes
            ),
        }
        canonical = json.dumps(shape, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def plan_routes(
    event_type: str,
    payload: Mapping[str, Any],
    answers: Mapping[str, bool],
    catalogue: Catalogue,
) -> RoutingPlan:
    """Decide every agreement for a report. ``payload`` is the validated JSON-mode payload."""
    routes: list[Route] = []
    unanswered: dict[str, RoutingQuestion] = {}
    for agreement in sorted(catalogue.agreements, key=lambda a: a.id):
        if event_type not in agreement.fields:
            continue
        recipient = catalogue.recipient(agreement.recipient_id)
        area = area_match(event_type, payload, agreement, recipient.area)
        if area is None:
            continue
        answer_reasons, missing = _answer_reasons(agreement.questions, answers)
        for question in missing:
            unanswered.setdefault(question.id, question)
        if answer_reasons is None:
            continue
        fields = agreement.fields[event_type]
        routes.append(
            Route(
                agreement=agreement,
                recipient=recipient,
                reasons=(f"the report is a {event_type}", _area_reason(area), *answer_reasons),
                fields=fields,
                payload=payload,
                area=area,
            )
        )
    return RoutingPlan(event_type, tuple(routes), tuple(unanswered.values()))


def area_match(
    event_type: str, payload: Mapping[str, Any], agreement: Agreement, area: Area
) -> AreaMatch | None:
    """Why the recipient's area applies, or None if the report is outside it."""
    addresses = area_addresses(event_type)
    if "old" in addresses:  # a move: the agreement says which end of it matters
        wanted: Sequence[str] = {
            AreaAddress.OLD: ("old",),
            AreaAddress.NEW: ("new",),
            AreaAddress.EITHER: ("old", "new"),
        }[agreement.area_address]
    else:
        wanted = tuple(addresses)
    for which in wanted:
        postcode = _postcode_at(payload, addresses[which])
        if postcode is None:
            continue
        rule = area.matching_rule(postcode)
        if rule is not None and rule[0]:
            nation = PostcodeUnits.of(postcode).nation()
            by_nation = rule[1] == f"nation {nation.value}"
            return AreaMatch(which, nation if by_nation else None, rule[1])
    return None


def _area_reason(area: AreaMatch) -> str:
    labels = {"old": "previous address", "new": "new address", "address": "address"}
    return f"the {labels[area.address]} is in the area served ({area.rule})"


def _postcode_at(payload: Mapping[str, Any], path: str) -> str | None:
    node: Any = payload
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    postcode = node.get("postcode") if isinstance(node, Mapping) else None
    return postcode if isinstance(postcode, str) else None


def _answer_reasons(
    questions: Sequence[RoutingQuestion], answers: Mapping[str, bool]
) -> tuple[tuple[str, ...] | None, list[RoutingQuestion]]:
    """Reasons from the answers; None if an answer rules the agreement out or is missing."""
    reasons: list[str] = []
    missing = [q for q in questions if q.id not in answers]
    if missing:
        return None, missing
    for question in questions:
        if answers[question.id] is not question.applies_when:
            return None, []
        reasons.append(f"you answered {'yes' if answers[question.id] else 'no'}: {question.text}")
    return tuple(reasons), []
