"""The delivery queue (transactional outbox), delivery attempts, disclosures and endpoints."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tellonce.adapters.database.schema import (
    consent_records,
    delivery_attempts,
    delivery_queue,
    disclosures,
    hub_state,
    people,
    recipient_secrets,
    recipients,
    reports,
)
from tellonce.domain.disclosures import OUTCOMES, UNDELIVERED, DisclosureState
from tellonce.service_layer.ports import (
    AttemptRecord,
    ClaimedMessage,
    DisclosureRecord,
    Endpoint,
    PersonKey,
)

_RECORD_COLUMNS = (
    disclosures.c.id,
    disclosures.c.recipient_id,
    disclosures.c.state,
    disclosures.c.report_id,
    reports.c.reference,
    reports.c.event_type,
    disclosures.c.agreement_id,
    disclosures.c.agreement_version,
    disclosures.c.fields,
    disclosures.c.person_id,
    people.c.data_key_id,
    people.c.master_key_id,
    people.c.wrapped_key,
    reports.c.sealed_payload,
    disclosures.c.sequence,
    disclosures.c.created_at,
    disclosures.c.delivered_at,
    disclosures.c.acknowledged_at,
    disclosures.c.acknowledge_by,
    disclosures.c.outcome,
    disclosures.c.feed_position,
    disclosures.c.chases,
)
_RECORD_JOIN = disclosures.join(reports, reports.c.id == disclosures.c.report_id).join(
    people, people.c.id == disclosures.c.person_id
)


def _record(row: Any) -> DisclosureRecord:
    return DisclosureRecord(
        id=row.id,
        recipient_id=row.recipient_id,
        state=row.state,
        report_id=row.report_id,
        report_reference=row.reference,
        event_type=row.event_type,
        agreement_id=row.agreement_id,
        agreement_version=row.agreement_version,
        fields=tuple(row.fields),
        person_id=row.person_id,
        person_key=PersonKey(row.data_key_id, row.master_key_id, row.wrapped_key),
        sealed_payload=row.sealed_payload,
        sequence=row.sequence,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
        acknowledged_at=row.acknowledged_at,
        acknowledge_by=row.acknowledge_by,
        outcome=row.outcome,
        feed_position=row.feed_position,
        chases=row.chases,
    )


class SqlDeliveryRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def claim(
        self, now: datetime, owner: str, lease_until: datetime, limit: int
    ) -> list[ClaimedMessage]:
        q = delivery_queue
        due = (
            sa.select(q.c.id)
            .join(disclosures, disclosures.c.id == q.c.disclosure_id)
            .join(recipients, recipients.c.id == disclosures.c.recipient_id)
            .where(
                q.c.state == "pending",
                q.c.due_at <= now,
                sa.or_(q.c.lease_expires_at.is_(None), q.c.lease_expires_at < now),
                recipients.c.endpoint_state == "enabled",
            )
            .order_by(q.c.due_at, q.c.id)
            .limit(limit)
        )
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
                *_RECORD_COLUMNS,
            )
            .select_from(
                _RECORD_JOIN.join(q, q.c.disclosure_id == disclosures.c.id).join(
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
                kind=row.kind,
                attempts=row.attempts,
                endpoint_url=row.endpoint_url,
                sealed_secrets=secrets.get(row.recipient_id, ()),
                disclosure=_record(row),
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

    def enqueue(
        self, message_id: str, disclosure_id: uuid.UUID, kind: str, due_at: datetime
    ) -> None:
        self._connection.execute(
            sa.insert(delivery_queue).values(
                message_id=message_id,
                disclosure_id=disclosure_id,
                kind=kind,
                state="pending",
                due_at=due_at,
                attempts=0,
                created_at=due_at,
            )
        )

    def drop_pending_pushes(
        self,
        disclosure_ids: Sequence[uuid.UUID],
        now: datetime,
        kinds: Sequence[str] = ("disclosure",),
    ) -> None:
        """Fetched or answered already: no need to push. Rows in flight are left to finish."""
        self._connection.execute(
            sa.delete(delivery_queue).where(
                delivery_queue.c.disclosure_id.in_(disclosure_ids),
                delivery_queue.c.kind.in_(kinds),
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
                .values(state=DisclosureState.QUEUED.value, updated_at=now)
            )
        return replayed

    def stuck(self) -> list[DisclosureRecord]:
        """What waits for an administrator: dead letters, and pushes held by a 410 Gone."""
        rows = self._connection.execute(
            sa.select(*_RECORD_COLUMNS)
            .select_from(
                _RECORD_JOIN.join(
                    delivery_queue, delivery_queue.c.disclosure_id == disclosures.c.id
                )
            )
            .where(
                sa.or_(
                    delivery_queue.c.state == "dead",
                    disclosures.c.state == DisclosureState.ENDPOINT_DISABLED.value,
                ),
                delivery_queue.c.kind == "disclosure",
            )
            .order_by(disclosures.c.created_at)
        )
        return [_record(row) for row in rows]

    def in_flight(self, disclosure_id: uuid.UUID, now: datetime) -> bool:
        # FOR UPDATE: a worker's claim (SKIP LOCKED) cannot take these rows until we are done.
        leases = self._connection.execute(
            sa.select(delivery_queue.c.lease_expires_at)
            .where(delivery_queue.c.disclosure_id == disclosure_id)
            .with_for_update()
        ).scalars()
        return any(lease is not None and lease >= now for lease in leases)


class SqlDisclosureRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def get(self, disclosure_id: uuid.UUID) -> DisclosureRecord | None:
        row = self._connection.execute(
            sa.select(*_RECORD_COLUMNS)
            .select_from(_RECORD_JOIN)
            .where(disclosures.c.id == disclosure_id)
            .with_for_update(of=disclosures)
        ).one_or_none()
        return _record(row) if row else None

    def update(self, disclosure_id: uuid.UUID, now: datetime, **values: object) -> None:
        self._connection.execute(
            sa.update(disclosures)
            .where(disclosures.c.id == disclosure_id)
            .values(updated_at=now, **values)
        )

    def mark_delivered(self, due: Sequence[tuple[uuid.UUID, datetime]], now: datetime) -> None:
        if not due:
            return
        # OR of equalities, not IN: an expanding IN cannot be used with executemany.
        undelivered = sa.or_(*(disclosures.c.state == s.value for s in UNDELIVERED))
        self._connection.execute(
            sa.update(disclosures)
            .where(disclosures.c.id == sa.bindparam("disclosure_id"))
            .values(
                state=sa.case(
                    (undelivered, DisclosureState.DELIVERED.value),
                    else_=disclosures.c.state,
                ),
                delivered_at=sa.func.coalesce(disclosures.c.delivered_at, now),
                acknowledge_by=sa.func.coalesce(
                    disclosures.c.acknowledge_by, sa.bindparam("due_by")
                ),
                next_chase_at=sa.case(
                    (
                        sa.and_(
                            disclosures.c.delivered_at.is_(None),
                            disclosures.c.acknowledged_at.is_(None),
                        ),
                        sa.bindparam("due_by"),
                    ),
                    else_=disclosures.c.next_chase_at,
                ),
                updated_at=now,
            ),
            [{"disclosure_id": i, "due_by": by} for i, by in due],
        )

    def mark_push_failed(self, ids: Sequence[uuid.UUID], state: str, now: datetime) -> None:
        if ids:
            self._connection.execute(
                sa.update(disclosures)
                .where(
                    disclosures.c.id.in_(ids),
                    disclosures.c.state.in_([s.value for s in UNDELIVERED]),
                )
                .values(state=state, updated_at=now)
            )

    def assign_feed_positions(self) -> int:
        """Give every committed disclosure without one a feed position, in one serialised step.

        Positions come from a counter row locked for the length of this transaction, so they
        are handed out in commit order: a reader that has seen position N will later see every
        disclosure that gets a position, all of them above N. A PostgreSQL sequence could not
        promise that (sequence values are taken before commit, and commits land out of order).
        """
        counter = self._locked_counter("feed")
        pending = list(
            self._connection.execute(
                sa.select(disclosures.c.id)
                .where(disclosures.c.feed_position.is_(None))
                .order_by(disclosures.c.created_at, disclosures.c.id)
            ).scalars()
        )
        if not pending:
            return 0
        self._connection.execute(
            sa.update(disclosures)
            .where(disclosures.c.id == sa.bindparam("disclosure_id"))
            .values(feed_position=sa.bindparam("position")),
            [
                {"disclosure_id": disclosure_id, "position": counter + offset}
                for offset, disclosure_id in enumerate(pending, start=1)
            ],
        )
        self._connection.execute(
            sa.update(hub_state)
            .where(hub_state.c.name == "feed")
            .values(value=counter + len(pending))
        )
        return len(pending)

    def _locked_counter(self, name: str) -> int:
        self._connection.execute(
            sa.insert(hub_state).from_select(
                ["name", "value"],
                sa.select(sa.literal(name), sa.literal(0)).where(
                    ~sa.exists().where(hub_state.c.name == name)
                ),
            )
        )
        value: int = self._connection.execute(
            sa.select(hub_state.c.value).where(hub_state.c.name == name).with_for_update()
        ).scalar_one()
        return value

    def feed(
        self, recipient_id: str, after: int, limit: int, unacknowledged_only: bool
    ) -> list[DisclosureRecord]:
        query = (
            sa.select(*_RECORD_COLUMNS)
            .select_from(_RECORD_JOIN)
            .where(
                disclosures.c.recipient_id == recipient_id,
                disclosures.c.feed_position > after,
                # Consent withdrawn: the data is not served again (the notice says so instead).
                disclosures.c.state != DisclosureState.WITHDRAWN.value,
                ~sa.exists().where(
                    consent_records.c.report_id == disclosures.c.report_id,
                    consent_records.c.agreement_id == disclosures.c.agreement_id,
                    consent_records.c.withdrawn_at.is_not(None),
                ),
            )
            .order_by(disclosures.c.feed_position)
            .limit(limit)
        )
        if unacknowledged_only:
            query = query.where(
                disclosures.c.acknowledged_at.is_(None),
                disclosures.c.state.not_in([s.value for s in OUTCOMES]),
            )
        return [_record(row) for row in self._connection.execute(query)]

    def due_for_chase(self, now: datetime, limit: int) -> list[DisclosureRecord]:
        rows = self._connection.execute(
            sa.select(*_RECORD_COLUMNS)
            .select_from(_RECORD_JOIN)
            .where(
                disclosures.c.next_chase_at <= now,
                disclosures.c.acknowledged_at.is_(None),
            )
            .order_by(disclosures.c.next_chase_at)
            .limit(limit)
        )
        return [_record(row) for row in rows]

    def addressee(self, disclosure_id: uuid.UUID) -> tuple[uuid.UUID, str]:
        row = self._connection.execute(
            sa.select(reports.c.account_id, recipients.c.name)
            .select_from(
                disclosures.join(reports, reports.c.id == disclosures.c.report_id).join(
                    recipients, recipients.c.id == disclosures.c.recipient_id
                )
            )
            .where(disclosures.c.id == disclosure_id)
        ).one()
        return row.account_id, row.name


class SqlEndpointRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def get(self, recipient_id: str) -> Endpoint | None:
        row = self._connection.execute(
            sa.select(
                recipients.c.id, recipients.c.endpoint_url, recipients.c.endpoint_state
            ).where(recipients.c.id == recipient_id)
        ).one_or_none()
        return Endpoint(row.id, row.endpoint_url, row.endpoint_state) if row else None

    def set(self, recipient_id: str, url: str, now: datetime) -> None:
        self._connection.execute(
            sa.update(recipients)
            .where(recipients.c.id == recipient_id)
            .values(endpoint_url=url, endpoint_state="enabled", endpoint_changed_at=now)
        )

    def set_state(self, recipient_id: str, state: str, now: datetime) -> None:
        self._connection.execute(
            sa.update(recipients)
            .where(recipients.c.id == recipient_id)
            .values(endpoint_state=state, endpoint_changed_at=now)
        )

    def add_secret(self, recipient_id: str, sealed: bytes, now: datetime) -> None:
        self._connection.execute(
            sa.insert(recipient_secrets).values(
                id=uuid.uuid4(), recipient_id=recipient_id, sealed_secret=sealed, created_at=now
            )
        )

    def retire_secrets(self, recipient_id: str, at: datetime) -> None:
        self._connection.execute(
            sa.update(recipient_secrets)
            .where(
                recipient_secrets.c.recipient_id == recipient_id,
                sa.or_(
                    recipient_secrets.c.retires_at.is_(None), recipient_secrets.c.retires_at > at
                ),
            )
            .values(retires_at=at)
        )

    def release_disabled(self, recipient_id: str, now: datetime) -> int:
        """After re-enabling: disclosures parked by a 410 go back to the queue."""
        updated = self._connection.execute(
            sa.update(disclosures)
            .where(
                disclosures.c.recipient_id == recipient_id,
                disclosures.c.state == DisclosureState.ENDPOINT_DISABLED.value,
            )
            .values(state=DisclosureState.QUEUED.value, updated_at=now)
        )
        self._connection.execute(
            sa.update(delivery_queue)
            .where(
                delivery_queue.c.disclosure_id.in_(
                    sa.select(disclosures.c.id).where(disclosures.c.recipient_id == recipient_id)
                ),
                delivery_queue.c.state == "pending",
            )
            .values(due_at=now)
        )
        return int(updated.rowcount)
