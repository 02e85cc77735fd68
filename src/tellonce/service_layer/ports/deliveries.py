"""The delivery queue (the transactional outbox): the one way in, claims with leases, attempts."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tellonce.domain.delivery_queue import QueueKind
from tellonce.service_layer.ports.disclosures import DisclosureRecord


@dataclass(frozen=True, slots=True)
class NewQueuedMessage:
    """A message for the worker to push, written in the transaction of what it is about."""

    message_id: str  # the webhook-id: stable across retries
    disclosure_id: uuid.UUID
    kind: QueueKind
    due_at: datetime
    recipient_id: str  # whose endpoint: the claim reads the queue without the disclosures


@dataclass(frozen=True, slots=True)
class ClaimedMessage:
    """A queued message claimed by a worker, with what it needs to build the event."""

    queue_id: int
    message_id: str
    kind: QueueKind
    attempts: int
    endpoint_url: str
    sealed_secrets: tuple[bytes, ...]
    disclosure: DisclosureRecord


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
        self,
        now: datetime,
        owner: str,
        lease_until: datetime,
        limit: int,
        skip_recipients: Collection[str] = (),
    ) -> list[ClaimedMessage]:
        """Lease up to ``limit`` due messages, oldest first, none for ``skip_recipients``
        (the ones this worker already has enough of in flight)."""
        ...

    def record_attempts(self, attempts: Sequence[AttemptRecord]) -> None: ...
    def finish(self, queue_ids: Sequence[int], owner: str) -> set[int]: ...
    def reschedule(self, queue_id: int, owner: str, due_at: datetime, attempts: int) -> bool: ...
    def park(self, queue_id: int, owner: str, state: str, attempts: int) -> bool: ...
    def release(self, queue_id: int, owner: str) -> None: ...
    def enqueue(self, messages: Sequence[NewQueuedMessage]) -> None:
        """The one way into the queue, for every kind of message (one statement for many)."""
        ...

    def drop_pending_pushes(
        self,
        disclosure_ids: Sequence[uuid.UUID],
        now: datetime,
        kinds: Sequence[QueueKind] = (QueueKind.DISCLOSURE,),
    ) -> None: ...
    def replay(
        self, disclosure_ids: Sequence[uuid.UUID] | None, now: datetime
    ) -> list[uuid.UUID]: ...
    def stuck(self) -> list[DisclosureRecord]: ...
    def escalated(self) -> list[DisclosureRecord]:
        """Disclosures still unacknowledged after the escalation threshold of reminders."""
        ...

    def in_flight(self, disclosure_id: uuid.UUID, now: datetime) -> bool:
        """Whether a worker holds a lease on a message for this disclosure right now."""
        ...
