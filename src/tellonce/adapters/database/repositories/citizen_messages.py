"""The outbox of messages to citizens: claimed with a lease, like the delivery queue."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

import sqlalchemy as sa

from tellonce.adapters.database.schema import citizen_messages
from tellonce.service_layer.ports import QueuedMessage

m = citizen_messages


class SqlCitizenMessageRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def add(
        self,
        message_id: uuid.UUID,
        account_id: uuid.UUID,
        template: str,
        personalisation: Mapping[str, str],
        now: datetime,
    ) -> None:
        self._connection.execute(
            sa.insert(m).values(
                id=message_id,
                account_id=account_id,
                template=template,
                personalisation=dict(personalisation),
                state="pending",
                due_at=now,
                attempts=0,
                created_at=now,
            )
        )

    def claim(
        self, now: datetime, owner: str, lease_until: datetime, limit: int
    ) -> list[QueuedMessage]:
        due = (
            sa.select(m.c.id)
            .where(
                m.c.state == "pending",
                m.c.due_at <= now,
                sa.or_(m.c.lease_expires_at.is_(None), m.c.lease_expires_at < now),
            )
            .order_by(m.c.due_at, m.c.id)
            .limit(limit)
        )
        if self._connection.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        ids = list(self._connection.execute(due).scalars())
        if not ids:
            return []
        rows = self._connection.execute(
            sa.update(m)
            .where(m.c.id.in_(ids))
            .values(lease_owner=owner, lease_expires_at=lease_until)
            .returning(m.c.id, m.c.account_id, m.c.template, m.c.personalisation, m.c.attempts)
        ).all()
        return sorted(
            (
                QueuedMessage(r.id, r.account_id, r.template, r.personalisation, r.attempts)
                for r in rows
            ),
            key=lambda message: ids.index(message.id),
        )

    def settle(
        self,
        owner: str,
        now: datetime,
        sent: Sequence[uuid.UUID],
        retry: Sequence[tuple[uuid.UUID, datetime]],
        failed: Sequence[uuid.UUID],
    ) -> None:
        held = m.c.lease_owner == owner
        released = {"lease_owner": None, "lease_expires_at": None}
        if sent:
            self._connection.execute(
                sa.update(m)
                .where(m.c.id.in_(sent), held)
                .values(state="sent", sent_at=now, attempts=m.c.attempts + 1, **released)
            )
        if failed:
            self._connection.execute(
                sa.update(m)
                .where(m.c.id.in_(failed), held)
                .values(state="failed", attempts=m.c.attempts + 1, **released)
            )
        for message_id, due_at in retry:
            self._connection.execute(
                sa.update(m)
                .where(m.c.id == message_id, held)
                .values(due_at=due_at, attempts=m.c.attempts + 1, **released)
            )
