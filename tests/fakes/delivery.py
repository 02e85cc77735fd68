"""The in-memory delivery queue (claims with leases, attempts, dead letters) and disclosures."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from tellonce.domain.delivery_queue import QueueKind
from tellonce.domain.disclosures import OUTCOMES, UNDELIVERED, DisclosureState
from tellonce.service_layer.ports.deliveries import (
    AttemptRecord,
    ClaimedMessage,
    NewQueuedMessage,
)
from tellonce.service_layer.ports.disclosures import DisclosureRecord
from tests.fakes.tables import DisclosureRow, QueueRow, Tables

_UNDELIVERED = {s.value for s in UNDELIVERED}


class FakeDeliveryRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def claim(
        self,
        now: datetime,
        owner: str,
        lease_until: datetime,
        limit: int,
        skip_recipients: Collection[str] = (),
    ) -> list[ClaimedMessage]:
        due = [
            row
            for row in self._t.queue.values()
            if row.state == "pending"
            and row.due_at <= now
            and (row.lease_expires_at is None or row.lease_expires_at < now)
            and self._recipient(row).endpoint_state == "enabled"
            and self._t.disclosures[row.disclosure_id].recipient_id not in skip_recipients
        ]
        due.sort(key=lambda row: (row.due_at, row.id))
        claimed = []
        for row in due[:limit]:
            row.lease_owner, row.lease_expires_at = owner, lease_until
            recipient = self._recipient(row)
            claimed.append(
                ClaimedMessage(
                    queue_id=row.id,
                    message_id=row.message_id,
                    kind=QueueKind(row.kind),
                    attempts=row.attempts,
                    endpoint_url=recipient.endpoint_url or "",
                    sealed_secrets=self._live_secrets(recipient.recipient.id, now),
                    disclosure=self._t.record(self._t.disclosures[row.disclosure_id]),
                )
            )
        return claimed

    def _recipient(self, row: QueueRow):  # type: ignore[no-untyped-def]
        return self._t.recipients[self._t.disclosures[row.disclosure_id].recipient_id]

    def _live_secrets(self, recipient_id: str, now: datetime) -> tuple[bytes, ...]:
        live = [
            s
            for s in self._t.secrets
            if s.recipient_id == recipient_id and (s.retires_at is None or s.retires_at > now)
        ]
        live.sort(key=lambda s: s.created_at, reverse=True)
        return tuple(s.sealed for s in live)

    def record_attempts(self, attempts: Sequence[AttemptRecord]) -> None:
        self._t.attempts.extend(attempts)

    def _mine(self, queue_id: int, owner: str) -> QueueRow | None:
        row = self._t.queue.get(queue_id)
        return row if row is not None and row.lease_owner == owner else None

    def finish(self, queue_ids: Sequence[int], owner: str) -> set[int]:
        finished = {i for i in queue_ids if self._mine(i, owner) is not None}
        for queue_id in finished:
            del self._t.queue[queue_id]
        return finished

    def reschedule(self, queue_id: int, owner: str, due_at: datetime, attempts: int) -> bool:
        return self._settle(queue_id, owner, state="pending", due_at=due_at, attempts=attempts)

    def park(self, queue_id: int, owner: str, state: str, attempts: int) -> bool:
        return self._settle(queue_id, owner, state=state, attempts=attempts)

    def release(self, queue_id: int, owner: str) -> None:
        self._settle(queue_id, owner)

    def _settle(self, queue_id: int, owner: str, **values: object) -> bool:
        row = self._mine(queue_id, owner)
        if row is None:  # its lease passed to another worker: that worker's result counts
            return False
        row.lease_owner = row.lease_expires_at = None
        for name, value in values.items():
            setattr(row, name, value)
        return True

    def enqueue(self, messages: Sequence[NewQueuedMessage]) -> None:
        for message in messages:
            self._t.queue_ids += 1
            self._t.queue[self._t.queue_ids] = QueueRow(
                id=self._t.queue_ids,
                message_id=message.message_id,
                disclosure_id=message.disclosure_id,
                kind=message.kind.value,
                state="pending",
                due_at=message.due_at,
                attempts=0,
                created_at=message.due_at,
            )

    def drop_pending_pushes(
        self,
        disclosure_ids: Sequence[uuid.UUID],
        now: datetime,
        kinds: Sequence[QueueKind] = (QueueKind.DISCLOSURE,),
    ) -> None:
        wanted = {kind.value for kind in kinds}
        dropped = [
            row.id
            for row in self._t.queue.values()
            if row.disclosure_id in disclosure_ids
            and row.kind in wanted
            and (row.lease_expires_at is None or row.lease_expires_at < now)
        ]
        for queue_id in dropped:
            del self._t.queue[queue_id]

    def replay(self, disclosure_ids: Sequence[uuid.UUID] | None, now: datetime) -> list[uuid.UUID]:
        replayed = []
        for row in self._t.queue.values():
            if row.state == "dead" and (
                disclosure_ids is None or row.disclosure_id in disclosure_ids
            ):
                row.state, row.due_at, row.attempts = "pending", now, 0
                replayed.append(row.disclosure_id)
        for disclosure_id in replayed:
            disclosure = self._t.disclosures[disclosure_id]
            if disclosure.state == DisclosureState.DEAD_LETTERED:
                disabled = self._t.recipients[disclosure.recipient_id].endpoint_state == "disabled"
                state = DisclosureState.ENDPOINT_DISABLED if disabled else DisclosureState.QUEUED
                disclosure.state, disclosure.updated_at = state.value, now
        return replayed

    def stuck(self) -> list[DisclosureRecord]:
        rows = [
            self._t.disclosures[q.disclosure_id]
            for q in self._t.queue.values()
            if q.kind == QueueKind.DISCLOSURE
            and (
                q.state == "dead"
                or self._t.disclosures[q.disclosure_id].state == DisclosureState.ENDPOINT_DISABLED
            )
        ]
        rows.sort(key=lambda row: row.created_at)
        return [self._t.record(row) for row in rows]

    def escalated(self) -> list[DisclosureRecord]:
        rows = [
            row
            for row in self._t.disclosures.values()
            if row.escalated_at is not None
            and row.acknowledged_at is None
            and row.state != DisclosureState.WITHDRAWN
        ]
        rows.sort(key=lambda row: row.escalated_at or row.created_at)
        return [self._t.record(row) for row in rows]

    def in_flight(self, disclosure_id: uuid.UUID, now: datetime) -> bool:
        return any(
            row.disclosure_id == disclosure_id
            and row.lease_expires_at is not None
            and row.lease_expires_at >= now
            for row in self._t.queue.values()
        )


class FakeDisclosureRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def get(self, disclosure_id: uuid.UUID) -> DisclosureRecord | None:
        row = self._t.disclosures.get(disclosure_id)
        return None if row is None else self._t.record(row)

    def get_many(self, disclosure_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, DisclosureRecord]:
        return {
            i: self._t.record(self._t.disclosures[i])
            for i in disclosure_ids
            if i in self._t.disclosures
        }

    def mark_acknowledged(self, states: Sequence[tuple[uuid.UUID, str]], now: datetime) -> None:
        for disclosure_id, state in states:
            row = self._t.disclosures[disclosure_id]
            row.state, row.acknowledged_at = state, now
            row.delivered_at = row.delivered_at or now
            row.next_chase_at, row.updated_at = None, now

    def addressees(
        self, disclosure_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, tuple[uuid.UUID, str]]:
        return {i: self.addressee(i) for i in disclosure_ids}

    def update(self, disclosure_id: uuid.UUID, now: datetime, **values: object) -> None:
        row = self._t.disclosures.get(disclosure_id)
        if row is None:
            return
        for name, value in values.items():
            if not hasattr(row, name):  # as the database would refuse an unknown column
                raise AttributeError(f"disclosures has no column {name}")
            setattr(row, name, value)
        row.updated_at = now

    def mark_delivered(self, due: Sequence[tuple[uuid.UUID, datetime]], now: datetime) -> None:
        for disclosure_id, due_by in due:
            row = self._t.disclosures[disclosure_id]
            # Every new value is computed from the old row, as one UPDATE's SET clauses are.
            if row.acknowledge_by is None and row.acknowledged_at is None:
                row.next_chase_at = due_by
            if row.state in _UNDELIVERED:
                row.state = DisclosureState.DELIVERED.value
            row.delivered_at = row.delivered_at or now
            row.acknowledge_by = row.acknowledge_by or due_by
            row.updated_at = now

    def mark_push_failed(self, ids: Sequence[uuid.UUID], state: str, now: datetime) -> None:
        for disclosure_id in ids:
            row = self._t.disclosures.get(disclosure_id)
            if row is not None and row.state in _UNDELIVERED:
                row.state, row.updated_at = state, now

    def assign_feed_positions(self, now: datetime) -> int:
        def held(row: DisclosureRow) -> bool:
            until = self._t.reports[row.report_id].held_until
            return until is not None and until > now

        pending = [
            row
            for row in self._t.disclosures.values()
            if row.feed_position is None and not held(row)
        ]
        pending.sort(key=lambda row: (row.created_at, row.id))
        for row in pending:
            self._t.feed_counter += 1
            row.feed_position = self._t.feed_counter
        return len(pending)

    def holds_feed_position(self, recipient_id: str, position: int) -> bool:
        return any(
            row.recipient_id == recipient_id and row.feed_position == position
            for row in self._t.disclosures.values()
        )

    def feed(
        self, recipient_id: str, after: int, limit: int, unacknowledged_only: bool
    ) -> list[DisclosureRecord]:
        rows = []
        for row in self._t.disclosures.values():
            consent = self._t.consent_for(row)
            if (
                row.recipient_id != recipient_id
                or row.feed_position is None
                or row.feed_position <= after
                or row.state
                in {DisclosureState.WITHDRAWN, DisclosureState.HELD, DisclosureState.CANCELLED}
                or (consent is not None and consent.withdrawn_at is not None)
            ):
                continue
            if unacknowledged_only and (
                row.acknowledged_at is not None or row.state in {s.value for s in OUTCOMES}
            ):
                continue
            rows.append(row)
        rows.sort(key=lambda row: row.feed_position or 0)
        return [self._t.record(row) for row in rows[:limit]]

    def due_for_chase(self, now: datetime, limit: int) -> list[DisclosureRecord]:
        rows = [
            row
            for row in self._t.disclosures.values()
            if row.next_chase_at is not None
            and row.next_chase_at <= now
            and row.acknowledged_at is None
        ]
        rows.sort(key=lambda row: row.next_chase_at or now)
        return [self._t.record(row) for row in rows[:limit]]

    def without_deadline(self, limit: int) -> list[DisclosureRecord]:
        rows = [
            row
            for row in self._t.disclosures.values()
            if row.acknowledge_by is None
            and row.acknowledged_at is None
            and row.state in _UNDELIVERED
        ]
        rows.sort(key=lambda row: (row.created_at, row.id))
        return [self._t.record(row) for row in rows[:limit]]

    def addressee(self, disclosure_id: uuid.UUID) -> tuple[uuid.UUID, str]:
        row = self._t.disclosures[disclosure_id]
        report = self._t.reports[row.report_id]
        return report.account_id, self._t.recipients[row.recipient_id].recipient.name
