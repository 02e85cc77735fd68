"""The in-memory database the fake repositories share: plain rows in dicts and lists.

A fake unit of work works on a deep copy of these tables and puts it back on commit, so
rolling back is simply dropping the copy — the same all-or-nothing a database transaction has.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tellonce.domain.catalogue import Agreement, Recipient
from tellonce.service_layer.ports.disclosures import DisclosureRecord
from tellonce.service_layer.ports.identity import RegistrarKey
from tellonce.service_layer.ports.registrations import StoredRegistration
from tellonce.service_layer.ports.reports import NewConsentRecord, NewDisclosure, NewReport
from tellonce.service_layer.ports.transparency import PendingLogEntry, StoredCheckpoint
from tellonce.service_layer.ports.vault import PersonKey


@dataclass
class RecipientRow:
    recipient: Recipient
    endpoint_url: str | None = None
    endpoint_state: str | None = None
    endpoint_changed_at: datetime | None = None


@dataclass
class SecretRow:
    recipient_id: str
    sealed: bytes
    created_at: datetime
    retires_at: datetime | None = None


@dataclass
class AgreementRow:
    agreement: Agreement
    digest: str
    published_at: datetime
    superseded_at: datetime | None = None


@dataclass
class DisclosureRow:
    id: uuid.UUID
    report_id: uuid.UUID
    recipient_id: str
    agreement_id: str
    agreement_version: int
    basis: str
    fields: tuple[str, ...]
    state: str
    created_at: datetime
    updated_at: datetime
    person_id: uuid.UUID
    sequence: int
    acknowledge_by: datetime | None
    next_chase_at: datetime | None
    delivered_at: datetime | None = None
    acknowledged_at: datetime | None = None
    outcome: str | None = None
    outcome_reason: str | None = None
    sealed_outcome_reason: bytes | None = None
    outcome_at: datetime | None = None
    feed_position: int | None = None
    chases: int = 0
    escalated_at: datetime | None = None

    @classmethod
    def new(cls, d: NewDisclosure) -> DisclosureRow:
        return cls(
            id=d.id,
            report_id=d.report_id,
            recipient_id=d.recipient_id,
            agreement_id=d.agreement_id,
            agreement_version=d.agreement_version,
            basis=d.basis,
            fields=tuple(d.fields),
            state=d.state,
            created_at=d.created_at,
            updated_at=d.created_at,
            person_id=d.person_id,
            sequence=d.sequence,
            acknowledge_by=d.acknowledge_by,
            next_chase_at=d.acknowledge_by,
        )


@dataclass
class ConsentRow:
    record: NewConsentRecord
    withdrawn_at: datetime | None = None


@dataclass
class QueueRow:
    id: int
    message_id: str
    disclosure_id: uuid.UUID
    kind: str
    state: str
    due_at: datetime
    attempts: int
    created_at: datetime
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None


@dataclass
class OutboxRow:
    """A message to a citizen (``to`` is the account id) or to a recipient's contact."""

    id: uuid.UUID
    to: Any
    template: str
    personalisation: dict[str, str]
    state: str
    due_at: datetime
    attempts: int
    created_at: datetime
    sent_at: datetime | None = None
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None


@dataclass
class LogEntryRow:
    id: int
    pending: PendingLogEntry
    leaf: int | None = None


@dataclass
class Tables:
    recipients: dict[str, RecipientRow] = field(default_factory=dict)
    secrets: list[SecretRow] = field(default_factory=list)
    agreements: list[AgreementRow] = field(default_factory=list)
    people: dict[uuid.UUID, PersonKey] = field(default_factory=dict)
    sequences: dict[tuple[uuid.UUID, str], int] = field(default_factory=dict)
    accounts: dict[uuid.UUID, tuple[uuid.UUID, bytes]] = field(default_factory=dict)
    sessions: dict[bytes, tuple[uuid.UUID, datetime, datetime, str]] = field(default_factory=dict)
    registrations: dict[bytes, StoredRegistration] = field(default_factory=dict)
    recipient_keys: dict[bytes, dict[str, Any]] = field(default_factory=dict)
    registrar_keys: dict[bytes, tuple[RegistrarKey, datetime | None]] = field(default_factory=dict)
    reports: dict[uuid.UUID, NewReport] = field(default_factory=dict)
    cancelled_reports: dict[uuid.UUID, datetime] = field(default_factory=dict)
    disclosures: dict[uuid.UUID, DisclosureRow] = field(default_factory=dict)
    consents: dict[uuid.UUID, ConsentRow] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    queue: dict[int, QueueRow] = field(default_factory=dict)
    queue_ids: int = 0  # the last id handed out (an identity column)
    attempts: list[Any] = field(default_factory=list)
    feed_counter: int = 0
    citizen_messages: dict[uuid.UUID, OutboxRow] = field(default_factory=dict)
    recipient_messages: dict[uuid.UUID, OutboxRow] = field(default_factory=dict)
    drafts: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    log_entries: list[LogEntryRow] = field(default_factory=list)  # ascending ids
    log_leaves: list[int] = field(default_factory=list)  # entry id of each leaf, in order
    commitments: dict[uuid.UUID, Any] = field(default_factory=dict)
    checkpoints: list[StoredCheckpoint] = field(default_factory=list)
    tiles: dict[tuple[int, int], bytes] = field(default_factory=dict)
    log_lease: tuple[str | None, datetime | None] | None = None  # None: no row yet
    rights_requests: dict[uuid.UUID, Any] = field(default_factory=dict)  # RightsRequestRecord
    flags: list[dict[str, Any]] = field(default_factory=list)
    erased: dict[uuid.UUID, datetime] = field(default_factory=dict)
    corrections: dict[uuid.UUID, Any] = field(default_factory=dict)  # fakes.rights.CorrectionRow
    purged: dict[uuid.UUID, datetime] = field(default_factory=dict)  # report id -> when

    def record(self, row: DisclosureRow) -> DisclosureRecord:
        """A disclosure with its report's facts and its subject's key (the SQL join)."""
        report = self.reports[row.report_id]
        return DisclosureRecord(
            id=row.id,
            recipient_id=row.recipient_id,
            state=row.state,
            report_id=row.report_id,
            report_reference=report.reference,
            event_type=report.event_type,
            agreement_id=row.agreement_id,
            agreement_version=row.agreement_version,
            fields=row.fields,
            person_id=row.person_id,
            person_key=self.people[row.person_id],
            sealed_payload=report.sealed_payload,
            sequence=row.sequence,
            created_at=row.created_at,
            delivered_at=row.delivered_at,
            acknowledged_at=row.acknowledged_at,
            acknowledge_by=row.acknowledge_by,
            outcome=row.outcome,
            feed_position=row.feed_position,
            chases=row.chases,
        )

    def consent_for(self, row: DisclosureRow) -> ConsentRow | None:
        """The consent a disclosure was made under (same report and agreement), if any."""
        for consent in self.consents.values():
            record = consent.record
            if record.report_id == row.report_id and record.agreement_id == row.agreement_id:
                return consent
        return None
