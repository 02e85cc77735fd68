"""Reports as submitted (with their disclosures and consent records) and as tracked."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class NewReport:
    id: uuid.UUID
    reference: str
    account_id: uuid.UUID
    subject_person_id: uuid.UUID
    event_type: str
    schema_version: int
    sealed_payload: bytes
    preview_digest: str
    channel: str
    submitted_at: datetime
    reporter_role: str | None = None  # acting for others (ADR 0088)
    held_until: datetime | None = None  # the address cooling-off: nothing leaves before it


@dataclass(frozen=True, slots=True)
class NewDisclosure:
    id: uuid.UUID
    report_id: uuid.UUID
    recipient_id: str
    agreement_id: str
    agreement_version: int
    basis: str
    fields: Sequence[str]
    state: str
    created_at: datetime
    person_id: uuid.UUID  # the subject
    sequence: int  # per person and recipient, increasing: apply changes in this order
    # Counted from when the disclosure is available (queued to push, or in the feed), so a
    # recipient that never collects it, or whose pushes fail, is chased all the same.
    acknowledge_by: datetime | None = None


@dataclass(frozen=True, slots=True)
class NewConsentRecord:
    id: uuid.UUID
    report_id: uuid.UUID
    person_id: uuid.UUID
    recipient_id: str
    agreement_id: str
    agreement_version: int
    decision: str  # "granted" or "refused"
    purpose: str  # W3C DPV purpose code
    legal_basis: str  # W3C DPV legal basis code
    preview_version: int
    preview_digest: str
    method: str
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class DisclosureView:
    id: uuid.UUID
    recipient_id: str
    recipient_name: str
    agreement_id: str
    agreement_version: int
    basis: str
    fields: tuple[str, ...]
    state: str
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None
    acknowledged_at: datetime | None
    outcome: str | None
    outcome_reason: str | None
    outcome_at: datetime | None
    acknowledge_by: datetime | None = None  # the recipient's deadline, from availability
    consent_withdrawn_at: datetime | None = None  # the citizen withdrew the consent behind it
    chases: int = 0  # reminders sent to the recipient so far
    escalated_at: datetime | None = None  # unanswered reminders handed to the operators
    pushed: bool = True  # the recipient has a push endpoint (else it collects from its feed)
    # The recipient's reason, sealed under the subject's key (ADR 0086); opened by the use case.
    sealed_outcome_reason: bytes | None = None


@dataclass(frozen=True, slots=True)
class ReportView:
    id: uuid.UUID
    reference: str
    event_type: str
    schema_version: int
    submitted_at: datetime
    disclosures: tuple[DisclosureView, ...]
    subject_person_id: uuid.UUID | None = None  # whose key seals the recipients' reasons
    reporter_role: str | None = None  # in what capacity the reporter acted (ADR 0088)
    held_until: datetime | None = None  # held for the cooling-off until then
    cancelled_at: datetime | None = None  # cancelled by the citizen before anything left


@dataclass(frozen=True, slots=True)
class HeldReport:
    """A report's hold, as cancelling it needs it."""

    id: uuid.UUID
    reference: str
    subject_person_id: uuid.UUID
    event_type: str
    held_until: datetime | None
    cancelled_at: datetime | None


class ReportRepository(Protocol):
    def references_taken(self, references: Sequence[str]) -> set[str]:
        """Which of these references a stored report already has."""
        ...

    def add(
        self,
        reports: Sequence[NewReport],
        disclosures: Sequence[NewDisclosure],
        consents: Sequence[NewConsentRecord],
    ) -> None:
        """New reports with their disclosures and consent records (one statement a table)."""
        ...

    def pushed(self, recipient_ids: Sequence[str]) -> dict[str, str]:
        """Which of these recipients have a push endpoint (the others collect from a feed), each
        with its state: "enabled", or "disabled" after a 410 Gone or by an operator."""
        ...

    def view(self, reference: str, account_id: uuid.UUID) -> ReportView | None: ...
    def for_account(self, account_id: uuid.UUID, limit: int, offset: int) -> list[ReportView]: ...
    def held(self, reference: str, account_id: uuid.UUID) -> HeldReport | None:
        """The account's report with this reference, as its hold stands (for cancelling)."""
        ...

    def cancel(self, report_id: uuid.UUID, now: datetime) -> list[uuid.UUID]:
        """Mark the report cancelled and its disclosures ``cancelled``; the disclosures' ids."""
        ...
