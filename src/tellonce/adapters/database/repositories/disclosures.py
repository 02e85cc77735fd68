"""Disclosures: reading them with their report facts, their states, feed positions and chases."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tellonce.adapters.database.schema import (
    consent_records,
    disclosures,
    hub_state,
    people,
    recipients,
    reports,
)
from tellonce.domain.disclosures import OUTCOMES, UNDELIVERED, DisclosureState
from tellonce.service_layer.ports.disclosures import DisclosureRecord
from tellonce.service_layer.ports.vault import PersonKey

# A disclosure with the report facts needed to rebuild its event (push or feed); the queue's
# reads join it too.
RECORD_COLUMNS = (
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
RECORD_JOIN = disclosures.join(reports, reports.c.id == disclosures.c.report_id).join(
    people, people.c.id == disclosures.c.person_id
)


def disclosure_record(row: Any) -> DisclosureRecord:
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


class SqlDisclosureRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def get(self, disclosure_id: uuid.UUID) -> DisclosureRecord | None:
        row = self._connection.execute(
            sa.select(*RECORD_COLUMNS)
            .select_from(RECORD_JOIN)
            .where(disclosures.c.id == disclosure_id)
            .with_for_update(of=disclosures)
        ).one_or_none()
        return disclosure_record(row) if row else None

    def get_many(self, disclosure_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, DisclosureRecord]:
        if not disclosure_ids:
            return {}
        rows = self._connection.execute(
            sa.select(*RECORD_COLUMNS)
            .select_from(RECORD_JOIN)
            .where(disclosures.c.id.in_(sorted(set(disclosure_ids))))
            .order_by(disclosures.c.id)  # one lock order for every batch: no deadlocks
            .with_for_update(of=disclosures)
        )
        return {record.id: record for record in map(disclosure_record, rows)}

    def mark_acknowledged(self, states: Sequence[tuple[uuid.UUID, str]], now: datetime) -> None:
        if not states:
            return
        self._connection.execute(
            sa.update(disclosures)
            .where(disclosures.c.id == sa.bindparam("disclosure_id"))
            .values(
                state=sa.bindparam("new_state"),
                acknowledged_at=now,
                delivered_at=sa.func.coalesce(disclosures.c.delivered_at, now),
                next_chase_at=None,
                updated_at=now,
            ),
            [{"disclosure_id": i, "new_state": state} for i, state in states],
        )

    def addressees(
        self, disclosure_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, tuple[uuid.UUID, str]]:
        if not disclosure_ids:
            return {}
        rows = self._connection.execute(
            sa.select(disclosures.c.id, reports.c.account_id, recipients.c.name)
            .select_from(
                disclosures.join(reports, reports.c.id == disclosures.c.report_id).join(
                    recipients, recipients.c.id == disclosures.c.recipient_id
                )
            )
            .where(disclosures.c.id.in_(sorted(set(disclosure_ids))))
        )
        return {row.id: (row.account_id, row.name) for row in rows}

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
                # Disclosures are chased from when they became available (set at submission);
                # only one made before that has no deadline yet, and gets it at delivery.
                next_chase_at=sa.case(
                    (
                        sa.and_(
                            disclosures.c.acknowledge_by.is_(None),
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

    def assign_feed_positions(self, now: datetime) -> int:
        """Give every committed disclosure without one a feed position, in one serialised step.
        A disclosure of a report held for its cooling-off gets none before ``now`` reaches its
        end (ADR 0088), so the feed cannot serve it early nor a cursor pass it by.

        Positions come from a counter row locked for the length of this transaction, so they
        are handed out in commit order: a reader that has seen position N will later see every
        disclosure that gets a position, all of them above N. A PostgreSQL sequence could not
        promise that (sequence values are taken before commit, and commits land out of order).
        """
        counter = self._locked_counter("feed")
        pending = list(
            self._connection.execute(
                sa.select(disclosures.c.id)
                .where(
                    disclosures.c.feed_position.is_(None),
                    ~sa.exists().where(
                        reports.c.id == disclosures.c.report_id,
                        reports.c.held_until.is_not(None),
                        reports.c.held_until > now,
                    ),
                )
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
        # ON CONFLICT DO NOTHING: readers racing to create the counter on first use each see
        # the one row (an INSERT ... WHERE NOT EXISTS let both try, and one failed with a
        # unique violation on PostgreSQL, a 500 to a recipient reading its feed).
        insert = pg_insert if self._connection.dialect.name == "postgresql" else sqlite_insert
        self._connection.execute(
            insert(hub_state).values(name=name, value=0).on_conflict_do_nothing()
        )
        value: int = self._connection.execute(
            sa.select(hub_state.c.value).where(hub_state.c.name == name).with_for_update()
        ).scalar_one()
        return value

    def holds_feed_position(self, recipient_id: str, position: int) -> bool:
        found = self._connection.execute(
            sa.select(sa.literal(1)).where(
                disclosures.c.recipient_id == recipient_id,
                disclosures.c.feed_position == position,
            )
        ).first()
        return found is not None

    def feed(
        self, recipient_id: str, after: int, limit: int, unacknowledged_only: bool
    ) -> list[DisclosureRecord]:
        query = (
            sa.select(*RECORD_COLUMNS)
            .select_from(RECORD_JOIN)
            .where(
                disclosures.c.recipient_id == recipient_id,
                disclosures.c.feed_position > after,
                # Consent withdrawn: the data is not served again (the notice says so instead).
                disclosures.c.state != DisclosureState.WITHDRAWN.value,
                disclosures.c.state != DisclosureState.HELD.value,  # restricted or objected to
                disclosures.c.state != DisclosureState.CANCELLED.value,  # cancelled while held
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
        return [disclosure_record(row) for row in self._connection.execute(query)]

    def due_for_chase(self, now: datetime, limit: int) -> list[DisclosureRecord]:
        rows = self._connection.execute(
            sa.select(*RECORD_COLUMNS)
            .select_from(RECORD_JOIN)
            .where(
                disclosures.c.next_chase_at <= now,
                disclosures.c.acknowledged_at.is_(None),
            )
            .order_by(disclosures.c.next_chase_at)
            .limit(limit)
        )
        return [disclosure_record(row) for row in rows]

    def without_deadline(self, limit: int) -> list[DisclosureRecord]:
        """Undelivered, unanswered disclosures made before deadlines ran from availability."""
        rows = self._connection.execute(
            sa.select(*RECORD_COLUMNS)
            .select_from(RECORD_JOIN)
            .where(
                disclosures.c.acknowledge_by.is_(None),
                disclosures.c.acknowledged_at.is_(None),
                disclosures.c.state.in_([s.value for s in UNDELIVERED]),
            )
            .order_by(disclosures.c.created_at, disclosures.c.id)
            .limit(limit)
        )
        return [disclosure_record(row) for row in rows]

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
