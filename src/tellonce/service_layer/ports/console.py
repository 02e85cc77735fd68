"""What the recipient console, the hub's administration and the public register read and
write beyond the other ports: staff and their sessions, catalogue proposals, and the
aggregate reads (inbox pages, endpoint health, queue depth, statistics)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tellonce.domain.catalogue import Agreement, Recipient
from tellonce.service_layer.ports.disclosures import DisclosureRecord
from tellonce.service_layer.ports.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class StaffMember:
    id: uuid.UUID
    email: str
    name: str
    role: str  # operator, manager, caseworker
    recipient_id: str | None  # None for the hub's operators


@dataclass(frozen=True, slots=True)
class InboxQuery:
    recipient_id: str
    event_type: str | None = None
    state: str | None = None
    overdue_only: bool = False
    since: datetime | None = None
    until: datetime | None = None
    newest_first: bool = True
    offset: int = 0
    limit: int = 25


@dataclass(frozen=True, slots=True)
class InboxRow:
    id: uuid.UUID
    event_type: str
    state: str
    agreement_id: str
    created_at: datetime
    acknowledge_by: datetime | None
    acknowledged_at: datetime | None
    outcome: str | None


@dataclass(frozen=True, slots=True)
class Attempt:
    attempted_at: datetime
    status_code: int | None
    error: str | None
    verdict: str


@dataclass(frozen=True, slots=True)
class ApiKey:
    prefix: str
    environment: str
    label: str | None
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class Proposal:
    id: uuid.UUID
    kind: str  # agreement, recipient, retirement
    subject_id: str
    agreement: Agreement | None  # the proposed version (kind agreement)
    recipient: Recipient | None  # the proposed recipient (kind recipient)
    summary: str
    state: str  # proposed, approved, rejected
    proposed_by: uuid.UUID
    proposed_at: datetime
    decided_by: uuid.UUID | None
    decided_at: datetime | None


@dataclass(frozen=True, slots=True)
class AgreementVersion:
    agreement_id: str
    version: int
    recipient_id: str
    digest: str
    published_at: datetime
    superseded_at: datetime | None


@dataclass(frozen=True, slots=True)
class QueueDepth:
    recipient_id: str
    pending: int
    dead: int
    oldest_due: datetime | None
    overdue: int


@dataclass(frozen=True, slots=True)
class DisclosureCount:
    """Disclosures grouped by recipient, event type and month, with acknowledgement and
    outcome times in hours (None where none has happened)."""

    recipient_id: str
    event_type: str
    month: str  # YYYY-MM
    acknowledged_hours: tuple[float, ...]
    outcome_hours: tuple[float, ...]
    count: int


class StaffRepository(Protocol):
    def add(self, member: StaffMember, now: datetime) -> None: ...
    def by_email(self, email: str) -> StaffMember | None: ...
    def get(self, staff_id: uuid.UUID) -> StaffMember | None: ...
    def of_recipient(self, recipient_id: str) -> list[StaffMember]: ...
    def remove(self, staff_id: uuid.UUID, now: datetime) -> None: ...
    def add_session(
        self, token_hash: bytes, staff_id: uuid.UUID, now: datetime, expires_at: datetime
    ) -> None: ...
    def for_session(self, token_hash: bytes, now: datetime) -> StaffMember | None: ...
    def end_session(self, token_hash: bytes) -> None: ...


class ProposalRepository(Protocol):
    def add(self, proposal: Proposal) -> None: ...
    def get(self, proposal_id: uuid.UUID) -> Proposal | None:
        """The proposal, locked until the transaction ends (two approvers cannot race)."""
        ...

    def all(self, limit: int) -> list[Proposal]: ...
    def decide(self, proposal_id: uuid.UUID, state: str, by: uuid.UUID, at: datetime) -> None: ...


class ConsoleReads(Protocol):
    def inbox(self, query: InboxQuery, now: datetime) -> tuple[list[InboxRow], int]:
        """A page of a recipient's disclosures (never another's), and how many match."""
        ...

    def records(self, recipient_id: str, ids: Sequence[uuid.UUID]) -> list[DisclosureRecord]:
        """The recipient's disclosures among ``ids`` (others' are silently left out)."""
        ...

    def attempts(self, recipient_id: str, limit: int) -> list[Attempt]: ...
    def api_keys(self, recipient_id: str) -> list[ApiKey]: ...
    def key_recipient(self, prefix: str) -> str | None: ...
    def agreement_history(self) -> list[AgreementVersion]: ...
    def queue_depths(self, now: datetime) -> list[QueueDepth]: ...
    def disclosure_counts(self) -> list[DisclosureCount]: ...


class ConsoleUnitOfWork(UnitOfWork, Protocol):
    staff: StaffRepository
    proposals: ProposalRepository
    console: ConsoleReads


class ConsoleUnitOfWorkFactory(Protocol):
    def __call__(self) -> ConsoleUnitOfWork: ...
