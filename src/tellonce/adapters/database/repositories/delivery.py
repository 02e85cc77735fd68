"""The delivery queue (transactional outbox): claims with leases, attempts, dead letters."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tellonce.adapters.database.repositories.disclosures import (
    RECORD_COLUMNS,
    RECORD_JOIN,
    disclosure_record,
)
from tellonce.adapters.database.schema import (
    delivery_attempts,
    delivery_queue,
    disclosures,
    recipient_secrets,
    recipients,
)
from tellonce.domain.delivery_queue import QueueKind
from tellonce.domain.disclosures import DisclosureState
from tellonce.service_layer.ports.deliveries import AttemptRecord, ClaimedMessage, NewQueuedMessage
from tellonce.service_layer.ports.disclosures import DisclosureRecord

_DISABLED_ENDPOINTS = sa.select(recipients.c.id).where(recipients.c.endpoint_state == "disabled")


class SqlDeliveryRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def claim(
        self,
        now: datetime,
        owner: str,
        lease_until: datetime,
        limit: int,
        skip_recipients: Collection[str] = (),
    ) -> list[ClaimedMessage]:
        q = delivery_queue
        # The queue and the recipients only: the recipient is on the queue row (migration
        # 0014), so a claim costs no lookup in ``disclosures`` for every message waiting.
        due = (
            sa.select(q.c.id)
            .join(recipients, recipients.c.id == q.c.recipient_id)
            .where(
                q.c.state == "pending",
                q.c.due_at <= now,
                sa.or_(q.c.lease_expires_at.is_(None), q.c.lease_expires_at < now),
                recipients.c.endpoint_state == "enabled",
            )
            .order_by(q.c.due_at, q.c.id)
            .limit(limit)
        )
        if skip_recipients:
            due = due.where(q.c.recipient_id.not_in(sorted(skip_recipients)))
        if self._connection.dialect.name == "postgresql":
            # Several workers claim at once without waiting on each other's rows.
            due = due.with_for_update(of=q, skip_locked=True)
        ids = list(self._connection.execute(due).scalars())
        if not ids:
            return []
        self._connection.execute(
            sa.update(q)
            .where(q.c.id.in_(ids))
            .values(lease_owner=owner, lease_expires_at=lease_until)
        )
        rows = self._connection.execute(
            sa.select(
                q.c.id.label("queue_id"),
                q.c.message_id,
                q.c.kind,
                q.c.attempts,
                recipients.c.endpoint_url,
                *RECORD_COLUMNS,
            )
            .select_from(
                RECORD_JOIN.join(q, q.c.disclosure_id == disclosures.c.id).join(
                    recipients, recipients.c.id == disclosures.c.recipient_id
                )
            )
            .where(q.c.id.in_(ids))
            .order_by(q.c.due_at, q.c.id)
        ).all()
        secrets = self._live_secrets({row.recipient_id for row in rows}, now)
        return [
            ClaimedMessage(
                queue_id=row.queue_id,
                message_id=row.message_id,
                kind=QueueKind(row.kind),
                attempts=row.attempts,
                endpoint_url=row.endpoint_url,
                sealed_secrets=secrets.get(row.recipient_id, ()),
                disclosure=disclosure_record(row),
            )
            for row in rows
        ]

    def _live_secrets(self, recipient_ids: set[str], now: datetime) -> dict[str, tuple[bytes, ...]]:
        rows = self._connection.execute(
            sa.select(recipient_secrets.c.recipient_id, recipient_secrets.c.sealed_secret)
            .where(
                recipient_secrets.c.recipient_id.in_(recipient_ids),
                sa.or_(
                    recipient_secrets.c.retires_at.is_(None), recipient_secrets.c.retires_at > now
                ),
            )
            .order_by(recipient_secrets.c.created_at.desc())
        )
        found: dict[str, tuple[bytes, ...]] = {}
        for row in rows:
            found[row.recipient_id] = (*found.get(row.recipient_id, ()), row.sealed_secret)
        return found

    def record_attempts(self, attempts: Sequence[AttemptRecord]) -> None:
        if attempts:
            self._connection.execute(
                sa.insert(delivery_attempts),
                [
                    {
                        "message_id": a.message_id,
                        "disclosure_id": a.disclosure_id,
                        "attempted_at": a.attempted_at,
                        "status_code": a.status_code,
                        "error": a.error,
                        "duration_ms": a.duration_ms,
                        "verdict": a.verdict,
                    }
                    for a in attempts
                ],
            )

    def _mine(self, queue_id: int, owner: str) -> sa.ColumnElement[bool]:
        # A worker only settles rows it still holds: if its lease ran out and another worker
        # took the row over, the other worker's result counts.
        return sa.and_(delivery_queue.c.id == queue_id, delivery_queue.c.lease_owner == owner)

    def finish(self, queue_ids: Sequence[int], owner: str) -> set[int]:
        """Delivered: drop the rows this worker still holds; returns the ids it dropped."""
        if not queue_ids:
            return set()
        deleted = self._connection.execute(
            sa.delete(delivery_queue)
            .where(delivery_queue.c.id.in_(queue_ids), delivery_queue.c.lease_owner == owner)
            .returning(delivery_queue.c.id)
        )
        return set(deleted.scalars())

    def reschedule(self, queue_id: int, owner: str, due_at: datetime, attempts: int) -> bool:
        return self._settle(queue_id, owner, state="pending", due_at=due_at, attempts=attempts)

    def park(self, queue_id: int, owner: str, state: str, attempts: int) -> bool:
        return self._settle(queue_id, owner, state=state, attempts=attempts)

    def _settle(self, queue_id: int, owner: str, **values: Any) -> bool:
        updated = self._connection.execute(
            sa.update(delivery_queue)
            .where(self._mine(queue_id, owner))
            .values(lease_owner=None, lease_expires_at=None, **values)
        )
        return bool(updated.rowcount)

    def release(self, queue_id: int, owner: str) -> None:
        self._settle(queue_id, owner)

    def enqueue(self, messages: Sequence[NewQueuedMessage]) -> None:
        if messages:
            self._connection.execute(
                sa.insert(delivery_queue),
                [
                    {
                        "message_id": m.message_id,
                        "disclosure_id": m.disclosure_id,
                        "recipient_id": m.recipient_id,
                        "kind": m.kind.value,
                        "state": "pending",
                        "due_at": m.due_at,
                        "attempts": 0,
                        "created_at": m.due_at,
                    }
                    for m in messages
                ],
            )

    def drop_pending_pushes(
        self,
        disclosure_ids: Sequence[uuid.UUID],
        now: datetime,
        kinds: Sequence[QueueKind] = (QueueKind.DISCLOSURE,),
    ) -> None:
        """Fetched or answered already: no need to push. Rows in flight are left to finish."""
        self._connection.execute(
            sa.delete(delivery_queue).where(
                delivery_queue.c.disclosure_id.in_(disclosure_ids),
                delivery_queue.c.kind.in_([kind.value for kind in kinds]),
                sa.or_(
                    delivery_queue.c.lease_expires_at.is_(None),
                    delivery_queue.c.lease_expires_at < now,
                ),
            )
        )

    def replay(self, disclosure_ids: Sequence[uuid.UUID] | None, now: datetime) -> list[uuid.UUID]:
        condition = delivery_queue.c.state == "dead"
        if disclosure_ids is not None:
            condition = sa.and_(condition, delivery_queue.c.disclosure_id.in_(disclosure_ids))
        replayed = list(
            self._connection.execute(
                sa.update(delivery_queue)
                .where(condition)
                .values(state="pending", due_at=now, attempts=0)
                .returning(delivery_queue.c.disclosure_id)
            ).scalars()
        )
        if replayed:
            self._connection.execute(
                sa.update(disclosures)
                .where(
                    disclosures.c.id.in_(replayed),
                    disclosures.c.state == DisclosureState.DEAD_LETTERED.value,
                )
                .values(
                    # Queued again, or waiting for its endpoint if that is disabled (finding 6).
                    state=sa.case(
                        (
                            disclosures.c.recipient_id.in_(_DISABLED_ENDPOINTS),
                            DisclosureState.ENDPOINT_DISABLED.value,
                        ),
                        else_=DisclosureState.QUEUED.value,
                    ),
                    updated_at=now,
                )
            )
        return replayed

    def stuck(self) -> list[DisclosureRecord]:
        """What waits for an administrator: dead letters, and pushes held by a 410 Gone."""
        rows = self._connection.execute(
            sa.select(*RECORD_COLUMNS)
            .select_from(
                RECORD_JOIN.join(delivery_queue, delivery_queue.c.disclosure_id == disclosures.c.id)
            )
            .where(
                sa.or_(
                    delivery_queue.c.state == "dead",
                    disclosures.c.state == DisclosureState.ENDPOINT_DISABLED.value,
                ),
                delivery_queue.c.kind == QueueKind.DISCLOSURE.value,
            )
            .order_by(disclosures.c.created_at)
        )
        return [disclosure_record(row) for row in rows]

    def escalated(self) -> list[DisclosureRecord]:
        rows = self._connection.execute(
            sa.select(*RECORD_COLUMNS)
            .select_from(RECORD_JOIN)
            .where(
                disclosures.c.escalated_at.is_not(None),
                disclosures.c.acknowledged_at.is_(None),
                disclosures.c.state != DisclosureState.WITHDRAWN.value,
            )
            .order_by(disclosures.c.escalated_at)
        )
        return [disclosure_record(row) for row in rows]

    def in_flight(self, disclosure_id: uuid.UUID, now: datetime) -> bool:
        # FOR UPDATE: a worker's claim (SKIP LOCKED) cannot take these rows until we are done.
        leases = self._connection.execute(
            sa.select(delivery_queue.c.lease_expires_at)
            .where(delivery_queue.c.disclosure_id == disclosure_id)
            .with_for_update()
        ).scalars()
        return any(lease is not None and lease >= now for lease in leases)
