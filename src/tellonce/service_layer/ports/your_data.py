"""What the hub has done with a citizen's data, as stored: the reads behind "Your data"."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


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
    pushed: bool  # the recipient has a push endpoint (else it collects from its feed)


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
class SealedReport:
    """A report as stored: its details sealed under the subject's data key."""

    id: uuid.UUID
    reference: str
    event_type: str
    schema_version: int
    submitted_at: datetime
    subject_person_id: uuid.UUID
    sealed_payload: bytes


@dataclass(frozen=True, slots=True)
class MessageToYou:
    """A message the hub sent (or will send, or could not send) to the citizen."""

    id: uuid.UUID
    template: str
    personalisation: dict[str, str]
    state: str  # pending, sent, no-email (not emailed: no address given), failed
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class PushAttempt:
    """One attempt to push a message about one of the citizen's disclosures to a recipient.
    ``message_id`` is the disclosure id for the disclosure itself; any other id is an overdue
    reminder or a consent-withdrawn notice about it (none of which hold personal data)."""

    disclosure_id: uuid.UUID
    report_reference: str
    recipient_id: str
    message_id: str
    attempted_at: datetime
    status_code: int | None
    error: str | None  # short, with no address or body: "timeout after 10s"
    duration_ms: float
    verdict: str


class YourDataRepository(Protocol):
    def disclosures_for_account(self, account_id: uuid.UUID) -> Sequence[PastDisclosure]: ...
    def consents_for_account(self, account_id: uuid.UUID) -> Sequence[ConsentChoice]: ...
    def sealed_reports(self, account_id: uuid.UUID) -> Sequence[SealedReport]: ...
    def messages_for_account(self, account_id: uuid.UUID) -> Sequence[MessageToYou]: ...
    def push_attempts_for_account(self, account_id: uuid.UUID) -> Sequence[PushAttempt]: ...
