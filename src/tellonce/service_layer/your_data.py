"""What the hub has done with a citizen's data: every disclosure and every consent choice.

This is the citizen's own view (UK GDPR Art. 15 in spirit): who received which of their details,
when, why and under what law, what each recipient did with it, and the consents they gave or
refused. The rights issue builds requests (access, rectification, erasure...) on top of it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # ports.py imports this module's repository Protocol at run time
    from tellonce.domain.catalogue import Catalogue
    from tellonce.service_layer.ports import Account, UnitOfWork


@dataclass(frozen=True, slots=True)
class PastDisclosure:
    """One disclosure of the citizen's data, with the agreement version it was made under."""

    id: uuid.UUID
    report_reference: str
    event_type: str
    recipient_id: str
    recipient_name: str
    controller: str
    agreement_id: str
    agreement_version: int
    agreement_title: str
    basis: str  # "law" or "consent"
    fields: tuple[str, ...]
    purpose: str  # plain English
    purpose_code: str  # W3C DPV
    lawful_basis: str  # e.g. "UK GDPR Article 6(1)(e)"
    gateway: str | None  # the law cited, for disclosures made by law
    gateway_source: str | None
    retention: str
    state: str
    created_at: datetime
    delivered_at: datetime | None
    acknowledged_at: datetime | None
    outcome: str | None
    outcome_at: datetime | None


@dataclass(frozen=True, slots=True)
class ConsentChoice:
    """One consent the citizen gave or refused, with the evidence kept beside it."""

    id: uuid.UUID
    report_reference: str
    recipient_name: str
    agreement_id: str
    agreement_version: int
    agreement_title: str
    decision: str  # "granted" or "refused"
    purpose: str  # plain English
    purpose_code: str  # W3C DPV
    method: str
    preview_digest: str
    recorded_at: datetime
    withdrawn_at: datetime | None


@dataclass(frozen=True, slots=True)
class YourData:
    disclosures: tuple[PastDisclosure, ...]
    consents: tuple[ConsentChoice, ...]


@dataclass(frozen=True, slots=True)
class SealedReport:
    """A report as stored: its details sealed under the subject's data key."""

    id: uuid.UUID
    reference: str
    event_type: str
    schema_version: int
    submitted_at: datetime
    subject_person_id: uuid.UUID
    sealed_payload: bytes


class YourDataRepository(Protocol):
    def disclosures_for_account(self, account_id: uuid.UUID) -> Sequence[PastDisclosure]: ...
    def consents_for_account(self, account_id: uuid.UUID) -> Sequence[ConsentChoice]: ...
    def sealed_reports(self, account_id: uuid.UUID) -> Sequence[SealedReport]: ...


def data_for_account(account: Account, uow: UnitOfWork) -> YourData:
    """Every disclosure from the citizen's reports and every consent choice, newest first."""
    with uow:
        disclosures = uow.your_data.disclosures_for_account(account.id)
        consents = uow.your_data.consents_for_account(account.id)
    return YourData(
        disclosures=tuple(sorted(disclosures, key=lambda d: d.created_at, reverse=True)),
        consents=tuple(sorted(consents, key=lambda c: c.recorded_at, reverse=True)),
    )


def agreements_in_force(uow: UnitOfWork) -> Catalogue:
    """Every recipient and current agreement: what the privacy notice tells the public."""
    with uow:
        return uow.catalogue.current()
