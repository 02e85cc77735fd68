"""The ports the use cases need, as small Protocols. Adapters implement them; tests use fakes."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Protocol, Self

from tellonce.domain.backoff import DeliveryVerdict
from tellonce.domain.catalogue import Agreement, Catalogue, Recipient
from tellonce.service_layer.log_ports import TransparencyLogRepository
from tellonce.service_layer.your_data import YourDataRepository


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
    def seal_secret(self, plaintext: bytes, context: bytes) -> bytes: ...
    def open_secret(self, ciphertext: bytes, context: bytes) -> bytes: ...
    def seal(self, key: PersonKey, plaintext: bytes, context: bytes) -> bytes: ...
    def open(self, key: PersonKey, ciphertext: bytes, context: bytes) -> bytes: ...
    def blind_index(self, purpose: str, value: str) -> bytes: ...
    def derive_person_key(self, key: PersonKey, purpose: str) -> bytes:
        """A 32-byte key for ``purpose`` derived from the person's data key: it is destroyed
        with the data key, so erasing the person erases it too."""
        ...


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
    sequence: int  # per person and recipient, increasing: apply changes in this order
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
    acknowledge_by: datetime | None = None  # the recipient's deadline, once delivered
    consent_withdrawn_at: datetime | None = None  # the citizen withdrew the consent behind it


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
    def agreement(self, agreement_id: str, version: int) -> Agreement: ...


class PeopleRepository(Protocol):
    def add(self, person_id: uuid.UUID, key: PersonKey, now: datetime) -> None: ...
    def key_for(self, person_id: uuid.UUID) -> PersonKey: ...
    def next_sequences(self, person_id: uuid.UUID, recipient_ids: Sequence[str]) -> list[int]:
        """The next disclosure sequence number for this person at each recipient."""
        ...


class AccountRepository(Protocol):
    def by_subject(self, subject_index: bytes) -> Account | None: ...
    def add(self, account: Account, subject_index: bytes, now: datetime) -> None: ...
    def add_session(
        self, token_hash: bytes, account_id: uuid.UUID, now: datetime, expires_at: datetime
    ) -> None: ...
    def for_session(self, token_hash: bytes, now: datetime) -> Account | None: ...
    def end_session(self, token_hash: bytes) -> None: ...


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


@dataclass(frozen=True, slots=True)
class ClaimedMessage:
    """A queued message claimed by a worker, with what it needs to build the event."""

    queue_id: int
    message_id: str
    kind: str  # "disclosure", "overdue" or "withdrawal" (consent withdrawn)
    attempts: int
    endpoint_url: str
    sealed_secrets: tuple[bytes, ...]
    disclosure: DisclosureRecord


@dataclass(frozen=True, slots=True)
class DisclosureRecord:
    """A disclosure with the report facts needed to rebuild its event (push or feed)."""

    id: uuid.UUID
    recipient_id: str
    state: str
    report_id: uuid.UUID
    report_reference: str
    event_type: str
    agreement_id: str
    agreement_version: int
    fields: tuple[str, ...]
    person_id: uuid.UUID
    person_key: PersonKey
    sealed_payload: bytes
    sequence: int
    created_at: datetime
    delivered_at: datetime | None
    acknowledged_at: datetime | None
    acknowledge_by: datetime | None
    outcome: str | None
    feed_position: int | None
    chases: int


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    message_id: str
    disclosure_id: uuid.UUID
    attempted_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: float
    verdict: str


class DeliveryRepository(Protocol):
    def claim(
        self, now: datetime, owner: str, lease_until: datetime, limit: int
    ) -> list[ClaimedMessage]: ...
    def record_attempts(self, attempts: Sequence[AttemptRecord]) -> None: ...
    def finish(self, queue_ids: Sequence[int], owner: str) -> set[int]: ...
    def reschedule(self, queue_id: int, owner: str, due_at: datetime, attempts: int) -> bool: ...
    def park(self, queue_id: int, owner: str, state: str, attempts: int) -> bool: ...
    def release(self, queue_id: int, owner: str) -> None: ...
    def enqueue(
        self, message_id: str, disclosure_id: uuid.UUID, kind: str, due_at: datetime
    ) -> None: ...
    def drop_pending_pushes(
        self,
        disclosure_ids: Sequence[uuid.UUID],
        now: datetime,
        kinds: Sequence[str] = ("disclosure",),
    ) -> None: ...
    def replay(
        self, disclosure_ids: Sequence[uuid.UUID] | None, now: datetime
    ) -> list[uuid.UUID]: ...
    def stuck(self) -> list[DisclosureRecord]: ...
    def in_flight(self, disclosure_id: uuid.UUID, now: datetime) -> bool:
        """Whether a worker holds a lease on a message for this disclosure right now."""
        ...


CONSENT_WITHDRAWN_KIND = "withdrawal"  # the delivery queue's kind for a consent-withdrawn notice


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """A consent choice as the withdrawal needs it."""

    id: uuid.UUID
    report_id: uuid.UUID
    person_id: uuid.UUID
    recipient_id: str
    agreement_id: str
    agreement_version: int
    decision: str  # "granted" or "refused"
    withdrawn_at: datetime | None
    disclosure_id: uuid.UUID | None  # the disclosure made under it, if it was granted


@dataclass(frozen=True, slots=True)
class WithdrawnDisclosure:
    """A delivered disclosure whose consent was withdrawn: what the recipient is told."""

    disclosure_id: uuid.UUID
    agreement_id: str
    agreement_version: int
    withdrawn_at: datetime
    feed_position: int


class ConsentRepository(Protocol):
    def for_account(self, consent_id: uuid.UUID, account_id: uuid.UUID) -> ConsentRecord | None:
        """The consent, only if it belongs to one of the account's reports."""
        ...

    def withdraw(self, consent_id: uuid.UUID, now: datetime) -> None: ...
    def withdrawn_at(self, disclosure_ids: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, datetime]:
        """When the consent behind each of these disclosures was withdrawn (if it was)."""
        ...

    def withdrawn_after_delivery(
        self, recipient_id: str, after: int, limit: int
    ) -> list[WithdrawnDisclosure]:
        """The recipient's delivered disclosures whose consent was withdrawn, in feed order."""
        ...


class DisclosureRepository(Protocol):
    def get(self, disclosure_id: uuid.UUID) -> DisclosureRecord | None: ...
    def update(self, disclosure_id: uuid.UUID, now: datetime, **values: object) -> None: ...
    def mark_delivered(self, due: Sequence[tuple[uuid.UUID, datetime]], now: datetime) -> None:
        """Delivered at ``now`` (first time only), each with its acknowledgement deadline."""
        ...

    def mark_push_failed(self, ids: Sequence[uuid.UUID], state: str, now: datetime) -> None:
        """Move still-undelivered disclosures to ``state`` after a failed push."""
        ...

    def assign_feed_positions(self) -> int: ...
    def feed(
        self, recipient_id: str, after: int, limit: int, unacknowledged_only: bool
    ) -> list[DisclosureRecord]: ...
    def due_for_chase(self, now: datetime, limit: int) -> list[DisclosureRecord]: ...
    def addressee(self, disclosure_id: uuid.UUID) -> tuple[uuid.UUID, str]:
        """Who to tell about progress: the reporter's account, and the recipient's name."""
        ...


@dataclass(frozen=True, slots=True)
class Endpoint:
    recipient_id: str
    url: str | None
    state: str | None


class EndpointRepository(Protocol):
    def get(self, recipient_id: str) -> Endpoint | None: ...
    def set(self, recipient_id: str, url: str, now: datetime) -> None: ...
    def set_state(self, recipient_id: str, state: str, now: datetime) -> None: ...
    def add_secret(self, recipient_id: str, sealed: bytes, now: datetime) -> None: ...
    def retire_secrets(self, recipient_id: str, at: datetime) -> None: ...
    def release_disabled(self, recipient_id: str, now: datetime) -> int: ...


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    """A message to a citizen, claimed by a worker to send."""

    id: uuid.UUID  # stable across retries: the Notify reference, and the local outbox's key
    account_id: uuid.UUID
    template: str
    personalisation: Mapping[str, str]
    attempts: int


class CitizenMessageRepository(Protocol):
    """The outbox of messages to citizens; rows are written with what they announce."""

    def add(
        self,
        message_id: uuid.UUID,
        account_id: uuid.UUID,
        template: str,
        personalisation: Mapping[str, str],
        now: datetime,
    ) -> None: ...
    def claim(
        self, now: datetime, owner: str, lease_until: datetime, limit: int
    ) -> list[QueuedMessage]: ...
    def settle(
        self,
        owner: str,
        now: datetime,
        sent: Sequence[uuid.UUID],
        retry: Sequence[tuple[uuid.UUID, datetime]],
        failed: Sequence[uuid.UUID],
    ) -> None:
        """Record a batch's results; rows whose lease this owner lost are left alone."""
        ...


class PortalDraftRepository(Protocol):
    """The portal's answers in progress, sealed; each row visible only to its own account."""

    def add(
        self,
        draft_id: uuid.UUID,
        account_id: uuid.UUID,
        sealed: bytes,
        now: datetime,
        expires_at: datetime,
    ) -> None: ...
    def sealed(self, draft_id: uuid.UUID, account_id: uuid.UUID, now: datetime) -> bytes | None: ...
    def replace(
        self,
        draft_id: uuid.UUID,
        account_id: uuid.UUID,
        sealed: bytes,
        now: datetime,
        expires_at: datetime,
    ) -> bool: ...
    def delete(self, draft_id: uuid.UUID, account_id: uuid.UUID) -> None: ...
    def delete_expired(self, now: datetime) -> int: ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the ``with`` block without ``commit()`` rolls everything back."""

    catalogue: CatalogueRepository
    people: PeopleRepository
    accounts: AccountRepository
    recipient_keys: RecipientKeyRepository
    reports: ReportRepository
    idempotency: IdempotencyRepository
    deliveries: DeliveryRepository
    disclosures: DisclosureRepository
    endpoints: EndpointRepository
    log: TransparencyLogRepository
    portal_drafts: PortalDraftRepository
    your_data: YourDataRepository
    consents: ConsentRepository
    messages: CitizenMessageRepository

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


@dataclass(frozen=True, slots=True)
class OutgoingWebhook:
    url: str
    message_id: str
    body: bytes
    secrets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PushResult:
    status: int | None
    error: str | None
    duration_ms: float
    retry_after: timedelta | None
    verdict: DeliveryVerdict


class Pusher(Protocol):
    """Sends signed webhooks, many at once; never raises for HTTP or network trouble."""

    async def send_many(self, webhooks: Sequence[OutgoingWebhook]) -> list[PushResult]: ...
