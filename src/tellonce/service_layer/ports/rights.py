"""Rights requests with their deadlines, restriction and objection flags, and what erasure
destroys."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from tellonce.domain.rights import Pause
from tellonce.service_layer.ports.consents import WithdrawnDisclosure


@dataclass(frozen=True, slots=True)
class RightsRequestRecord:
    """A rights request as stored. ``due_on`` is None while the clock is paused."""

    id: uuid.UUID
    account_id: uuid.UUID
    person_id: uuid.UUID
    kind: str  # domain.rights.RightKind
    state: str  # domain.rights.RequestState
    received_at: datetime
    due_on: date | None
    extension_months: int = 0
    extension_reason: str | None = None
    pauses: tuple[Pause, ...] = ()
    outcome: str | None = None
    limits: tuple[Mapping[str, Any], ...] = field(default=())
    closed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NewCorrection:
    id: uuid.UUID
    report_id: uuid.UUID
    disclosure_id: uuid.UUID
    recipient_id: str
    fields: tuple[str, ...]  # the recipient's agreed paths the correction touched
    created_at: datetime
    request_id: uuid.UUID | None = None  # the rectification request it answers

    @property
    def message_id(self) -> str:
        return str(self.id)


@dataclass(frozen=True, slots=True)
class CorrectionView:
    """A correction as the citizen and the recipient follow it."""

    id: uuid.UUID
    report_id: uuid.UUID
    disclosure_id: uuid.UUID
    recipient_id: str
    fields: tuple[str, ...]
    created_at: datetime
    delivered_at: datetime | None  # first pushed and accepted, or collected
    acknowledged_at: datetime | None
    outcome: str | None
    outcome_reason: str | None  # opened by the use case; the repository gives None
    outcome_at: datetime | None
    sealed_outcome_reason: bytes | None = None  # under the subject's key (ADR 0077)


@dataclass(frozen=True, slots=True)
class ConsentEvidence:
    """What a consent record needs beyond the "Your data" listing."""

    consent_id: uuid.UUID
    event_type: str
    recipient_controller: str
    preview_version: int


@dataclass(frozen=True, slots=True)
class SettledReport:
    """A report whose every disclosure is final (an outcome, dead-lettered, never sent)."""

    report_id: uuid.UUID
    event_type: str
    subject_person_id: uuid.UUID
    settled_at: datetime  # when the last of them became final (or the report was made)


class RightsRepository(Protocol):
    def add(self, request: RightsRequestRecord) -> None: ...
    def save(self, request: RightsRequestRecord) -> None:
        """Store the request's state, deadline, extension, pauses and outcome."""
        ...

    def get(self, request_id: uuid.UUID) -> RightsRequestRecord | None: ...
    def for_account(self, account_id: uuid.UUID) -> list[RightsRequestRecord]:
        """The account's requests, newest first."""
        ...

    def listing(self, *, overdue_on: date | None, limit: int) -> list[RightsRequestRecord]:
        """Requests not closed, soonest due first (paused last); with ``overdue_on``, only
        those whose deadline is before that day."""
        ...

    def active_flags(self, account_id: uuid.UUID) -> set[str]:
        """The kinds (restriction, objection) in force for the account."""
        ...

    def set_flag(
        self, account_id: uuid.UUID, kind: str, request_id: uuid.UUID, now: datetime
    ) -> None: ...

    def lift_flag(self, account_id: uuid.UUID, kind: str, now: datetime) -> bool:
        """Lift the flag; False if it was not in force."""
        ...

    def destroy_keys(self, person_ids: Sequence[uuid.UUID], now: datetime) -> None:
        """Crypto-shredding: forget each person's wrapped data key and note when."""
        ...

    def erased_at(self, person_id: uuid.UUID) -> datetime | None: ...
    def repoint_account(self, account_id: uuid.UUID, person_id: uuid.UUID) -> None:
        """After erasure the account carries on as a new person with a new key: what the
        citizen does next is theirs again, and unlinkable to what was erased."""
        ...

    def delete_drafts(self, account_id: uuid.UUID) -> int:
        """Answers in progress in the portal (sealed under the citizen's key)."""
        ...

    def reseal_report(self, report_id: uuid.UUID, sealed_payload: bytes) -> None:
        """The report's details, corrected (rectification)."""
        ...

    def add_corrections(self, corrections: Sequence[NewCorrection]) -> None: ...
    def corrected_fields(self, message_ids: Sequence[str]) -> Mapping[str, list[str]]: ...
    def corrections_for_report(self, report_id: uuid.UUID) -> list[CorrectionView]: ...
    def corrections_for_recipient(
        self, recipient_id: str, *, unanswered_only: bool
    ) -> list[CorrectionView]:
        """The recipient's corrections, oldest first."""
        ...

    def unanswered_for_request(self, request_id: uuid.UUID) -> int:
        """How many of a rectification's corrections no recipient has answered yet."""
        ...

    def request_of_correction(self, correction_id: uuid.UUID) -> uuid.UUID | None: ...
    def mark_corrections_fetched(self, ids: Sequence[uuid.UUID], now: datetime) -> None: ...
    def answer_correction(
        self,
        correction_id: uuid.UUID,
        now: datetime,
        *,
        outcome: str | None = None,
        sealed_reason: bytes | None = None,
    ) -> None:
        """Acknowledge (no outcome) or record the outcome with its reason, sealed under the
        subject's key; acknowledging is implied."""
        ...

    def settled_reports(self, limit: int, submitted_before: datetime) -> list[SettledReport]:
        """Reports not yet purged, submitted before ``submitted_before``, whose disclosures are
        all final, longest settled first. (A report settles after it is submitted, so one
        submitted since cannot be past any retention period counted from then.)"""
        ...

    def live_reports_of(self, person_id: uuid.UUID) -> set[uuid.UUID]:
        """The person's reports whose details have not been purged."""
        ...

    def has_account(self, person_id: uuid.UUID) -> bool: ...
    def purge_payload(self, report_id: uuid.UUID, now: datetime, *, delete: bool) -> None:
        """Mark the report's details destroyed; ``delete`` also drops the sealed payload
        (when the person's key stays, because they have other data)."""
        ...

    def purged_at(self, report_id: uuid.UUID) -> datetime | None: ...
    def erased_after_delivery(
        self, recipient_id: str, after: int, limit: int
    ) -> list[WithdrawnDisclosure]:
        """The recipient's delivered consent disclosures whose subject was erased, in feed
        order (``withdrawn_at``: when the subject was erased)."""
        ...

    def consent_evidence(self, account_id: uuid.UUID) -> list[ConsentEvidence]: ...
    def only_in_account(self, account_id: uuid.UUID) -> list[uuid.UUID]:
        """The people whose data the hub holds only through this account: its own person and
        the subjects of its reports (a baby, someone who died) that no other account reports."""
        ...
