"""The outboxes of messages to citizens and to recipients' contacts: claimed with a lease,
like the delivery queue. One base class holds what both outboxes do alike."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

import sqlalchemy as sa

from tellonce.adapters.database.schema import citizen_messages, recipient_messages, recipients
from tellonce.domain.record_ids import new_record_id
from tellonce.service_layer.ports.messages import (
    NewCitizenMessage,
    QueuedContactMessage,
    QueuedMessage,
    SettledMessage,
)


class _SqlOutbox:
    """A table of messages: ``pending`` until sent (or settled ``no-email``/``failed``), each
    claimed by one worker at a time under a lease. ``addressee`` names the column that says who
    the message is for."""

    table: sa.Table
    addressee: str

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def _add(
        self,
        messages: Sequence[tuple[uuid.UUID, object, str, Mapping[str, str]]],
        now: datetime,
    ) -> None:
        """Messages (id, addressee, template, personalisation) in one statement. Parameters,
        not .values(): the statement is the same for every message (a new statement per
        message was most of acknowledging a feed page, issue 12)."""
        if not messages:
            return
        self._connection.execute(
            sa.insert(self.table),
            [
                {
                    "id": message_id,
                    "template": template,
                    "personalisation": dict(personalisation),
                    "state": "pending",
                    "due_at": now,
                    "attempts": 0,
                    "created_at": now,
                    self.addressee: addressee,
                }
                for message_id, addressee, template, personalisation in messages
            ],
        )

    def _lease(
        self, now: datetime, owner: str, lease_until: datetime, limit: int
    ) -> list[uuid.UUID]:
        """The ids of up to ``limit`` due messages, now leased to ``owner`` (oldest first)."""
        t = self.table
        due = (
            sa.select(t.c.id)
            .where(
                t.c.state == "pending",
                t.c.due_at <= now,
                sa.or_(t.c.lease_expires_at.is_(None), t.c.lease_expires_at < now),
            )
            .order_by(t.c.due_at, t.c.id)
            .limit(limit)
        )
        if self._connection.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        ids = list(self._connection.execute(due).scalars())
        if ids:
            self._connection.execute(
                sa.update(t)
                .where(t.c.id.in_(ids))
                .values(lease_owner=owner, lease_expires_at=lease_until)
            )
        return ids

    def settle(
        self,
        owner: str,
        now: datetime,
        sent: Sequence[uuid.UUID],
        retry: Sequence[tuple[uuid.UUID, datetime]],
        failed: Sequence[uuid.UUID],
        no_email: Sequence[uuid.UUID] = (),
    ) -> None:
        t = self.table
        held = t.c.lease_owner == owner
        released = {"lease_owner": None, "lease_expires_at": None}
        for state, ids in (("sent", sent), ("no-email", no_email)):
            if ids:
                self._connection.execute(
                    sa.update(t)
                    .where(t.c.id.in_(ids), held)
                    .values(state=state, sent_at=now, attempts=t.c.attempts + 1, **released)
                )
        if failed:
            self._connection.execute(
                sa.update(t)
                .where(t.c.id.in_(failed), held)
                .values(state="failed", attempts=t.c.attempts + 1, **released)
            )
        for message_id, due_at in retry:
            self._connection.execute(
                sa.update(t)
                .where(t.c.id == message_id, held)
                .values(due_at=due_at, attempts=t.c.attempts + 1, **released)
            )


class SqlCitizenMessageRepository(_SqlOutbox):
    table = citizen_messages
    addressee = "account_id"

    def add(
        self,
        message_id: uuid.UUID,
        account_id: uuid.UUID,
        template: str,
        personalisation: Mapping[str, str],
        now: datetime,
    ) -> None:
        self._add([(message_id, account_id, template, personalisation)], now)

    def add_many(self, messages: Sequence[NewCitizenMessage], now: datetime) -> None:
        self._add(
            [(new_record_id(), m.account_id, m.template, m.personalisation) for m in messages],
            now,
        )

    def claim(
        self, now: datetime, owner: str, lease_until: datetime, limit: int
    ) -> list[QueuedMessage]:
        ids = self._lease(now, owner, lease_until, limit)
        if not ids:
            return []
        m = citizen_messages
        rows = self._connection.execute(
            sa.select(m.c.id, m.c.account_id, m.c.template, m.c.personalisation, m.c.attempts)
            .where(m.c.id.in_(ids))
            .order_by(m.c.due_at, m.c.id)
        )
        return [QueuedMessage(*row) for row in rows]

    def settled_for(self, account_id: uuid.UUID) -> list[SettledMessage]:
        m = citizen_messages
        rows = self._connection.execute(
            sa.select(m.c.id, m.c.template, m.c.personalisation, m.c.state, m.c.sent_at)
            .where(m.c.account_id == account_id, m.c.state.in_(("sent", "no-email")))
            .order_by(m.c.sent_at.desc(), m.c.id)
        )
        return [
            SettledMessage(r.id, r.template, r.personalisation, r.state, r.sent_at) for r in rows
        ]


class SqlRecipientMessageRepository(_SqlOutbox):
    table = recipient_messages
    addressee = "recipient_id"

    def add(
        self,
        message_id: uuid.UUID,
        recipient_id: str,
        template: str,
        personalisation: Mapping[str, str],
        now: datetime,
    ) -> None:
        self._add([(message_id, recipient_id, template, personalisation)], now)

    def claim(
        self, now: datetime, owner: str, lease_until: datetime, limit: int
    ) -> list[QueuedContactMessage]:
        ids = self._lease(now, owner, lease_until, limit)
        if not ids:
            return []
        r = recipient_messages
        rows = self._connection.execute(
            sa.select(
                r.c.id,
                r.c.recipient_id,
                recipients.c.contact_email,
                r.c.template,
                r.c.personalisation,
                r.c.attempts,
            )
            .join(recipients, recipients.c.id == r.c.recipient_id)
            .where(r.c.id.in_(ids))
            .order_by(r.c.due_at, r.c.id)
        )
        return [QueuedContactMessage(*row) for row in rows]
