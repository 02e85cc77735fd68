"""The ports the use cases need, as small Protocols. Adapters implement them; tests use fakes."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from tellonce.domain.catalogue import Agreement, Catalogue, Recipient


class SealedDataError(Exception):
    """Personal data could not be opened: wrong key, tampered ciphertext or an erased person."""


@dataclass(frozen=True, slots=True)
class PersonKey:
    """A person's data key as stored: wrapped by a master key, or destroyed (``wrapped`` None)."""

    data_key_id: uuid.UUID
    master_key_id: str | None
    wrapped: bytes | None


class Vault(Protocol):
    def new_person_key(self) -> PersonKey: ...
    def seal(self, key: PersonKey, plaintext: bytes, context: bytes) -> bytes: ...
    def open(self, key: PersonKey, ciphertext: bytes, context: bytes) -> bytes: ...
    def blind_index(self, purpose: str, value: str) -> bytes: ...


class Clock(Protocol):
    def now(self) -> datetime: ...


# --- rows the use cases write -------------------------------------------------------------


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
    sequence: int  # per person, increasing: recipients apply changes in this order
    push: bool  # whether a delivery-queue row is written for the worker


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


# --- what the use cases read ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Account:
    id: uuid.UUID
    person_id: uuid.UUID


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


@dataclass(frozen=True, slots=True)
class ReportView:
    id: uuid.UUID
    reference: str
    event_type: str
    schema_version: int
    submitted_at: datetime
    disclosures: tuple[DisclosureView, ...]


@dataclass(frozen=True, slots=True)
class IdempotencyClaim:
    """The outcome of claiming an idempotency key."""

    status: str  # "claimed", "replay", "mismatch" or "in-progress"
    report_reference: str | None = None


@dataclass(frozen=True, slots=True)
class PublishedVersion:
    version: int
    digest: str


# --- repositories ---------------------------------------------------------------------------


class CatalogueRepository(Protocol):
    def current(self) -> Catalogue: ...
    def save_recipient(self, recipient: Recipient, now: datetime) -> None: ...
    def published_versions(self) -> Mapping[str, PublishedVersion]: ...
    def publish(self, agreement: Agreement, digest: str, now: datetime) -> None: ...
    def retire(self, agreement_id: str, now: datetime) -> None: ...
    def agreement_definition(self, agreement_id: str, version: int) -> Mapping[str, Any]: ...


class PeopleRepository(Protocol):
    def add(self, person_id: uuid.UUID, key: PersonKey, now: datetime) -> None: ...
    def key_for(self, person_id: uuid.UUID) -> PersonKey: ...
    def take_sequences(self, person_id: uuid.UUID, count: int) -> range:
        """Reserve ``count`` consecutive disclosure sequence numbers for a person."""
        ...


class AccountRepository(Protocol):
    def by_subject(self, subject_index: bytes) -> Account | None: ...
    def add(self, account: Account, subject_index: bytes, now: datetime) -> None: ...
    def add_session(
        self, token_hash: bytes, account_id: uuid.UUID, now: datetime, expires_at: datetime
    ) -> None: ...
    def for_session(self, token_hash: bytes, now: datetime) -> Account | None: ...


class RecipientKeyRepository(Protocol):
    def add(
        self,
        key_id: uuid.UUID,
        recipient_id: str,
        environment: str,
        prefix: str,
        key_hash: bytes,
        label: str | None,
        now: datetime,
    ) -> None: ...
    def recipient_for(self, key_hash: bytes) -> str | None: ...
    def revoke(self, prefix: str, now: datetime) -> bool: ...


class ReportRepository(Protocol):
    def reference_taken(self, reference: str) -> bool: ...
    def add(
        self,
        report: NewReport,
        disclosures: Sequence[NewDisclosure],
        consents: Sequence[NewConsentRecord],
    ) -> None: ...
    def view(self, reference: str, account_id: uuid.UUID) -> ReportView | None: ...
    def for_account(self, account_id: uuid.UUID, limit: int, offset: int) -> list[ReportView]: ...


class IdempotencyRepository(Protocol):
    def claim(
        self,
        caller: str,
        key: str,
        request_digest: str,
        now: datetime,
        locked_until: datetime,
        expires_at: datetime,
    ) -> IdempotencyClaim: ...
    def complete(self, caller: str, key: str, report_reference: str) -> None: ...
    def release(self, caller: str, key: str) -> None: ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the ``with`` block without ``commit()`` rolls everything back."""

    catalogue: CatalogueRepository
    people: PeopleRepository
    accounts: AccountRepository
    recipient_keys: RecipientKeyRepository
    reports: ReportRepository
    idempotency: IdempotencyRepository

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
