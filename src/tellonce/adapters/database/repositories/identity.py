"""People (and their wrapped data keys), accounts, sessions and recipient API keys."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from tellonce.adapters.database.schema import (
    accounts,
    disclosure_sequences,
    people,
    recipient_keys,
    registrar_keys,
    sessions,
)
from tellonce.service_layer.ports.identity import (
    Account,
    RecipientKeyHolder,
    RegistrarKey,
    RegistrarKeyHolder,
    SessionSeen,
)
from tellonce.service_layer.ports.vault import PersonKey


def _aware(value: datetime, now: datetime) -> datetime:
    # SQLite hands back naive datetimes: they were written as UTC.
    return value if value.tzinfo else value.replace(tzinfo=now.tzinfo)


class SqlPeopleRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def add(self, person_id: uuid.UUID, key: PersonKey, now: datetime) -> None:
        self._connection.execute(
            sa.insert(people).values(
                id=person_id,
                data_key_id=key.data_key_id,
                master_key_id=key.master_key_id,
                wrapped_key=key.wrapped,
                created_at=now,
            )
        )

    def key_for(self, person_id: uuid.UUID) -> PersonKey:
        row = self._connection.execute(
            sa.select(people.c.data_key_id, people.c.master_key_id, people.c.wrapped_key).where(
                people.c.id == person_id
            )
        ).one()
        return PersonKey(row.data_key_id, row.master_key_id, row.wrapped_key)

    def next_sequences(self, person_id: uuid.UUID, recipient_ids: Sequence[str]) -> list[int]:
        # One multi-row upsert with RETURNING: the row locks make concurrent reports about one
        # person take distinct, increasing numbers at each recipient. The statement is built
        # once per number of recipients (compiling a fresh multi-row VALUES on every report
        # was 7 % of intake).
        if not recipient_ids:
            return []
        wanted = sorted(set(recipient_ids))
        statement = _next_sequences_statement(len(wanted))
        params: dict[str, object] = {"person_id": person_id}
        params.update({f"r{i}": r for i, r in enumerate(wanted)})
        taken = {
            row.recipient_id: int(row.last_sequence)
            for row in self._connection.execute(statement, params)
        }
        return [taken[r] for r in recipient_ids]


@functools.cache
def _next_sequences_statement(count: int) -> sa.TextualSelect:
    """Text, not an ``insert().values([...])``: SQLAlchemy cannot cache a multi-row VALUES
    ("no key"), so that compiled afresh on every report. The same SQL serves both databases
    (SQLite 3.35+ and PostgreSQL both have ON CONFLICT ... RETURNING)."""
    rows = ", ".join(f"(:person_id, :r{i}, 1)" for i in range(count))
    # Numbered placeholders only, never values.
    sql = (
        "INSERT INTO disclosure_sequences (person_id, recipient_id, last_sequence) "  # noqa: S608
        f"VALUES {rows} "
        "ON CONFLICT (person_id, recipient_id) DO UPDATE "
        "SET last_sequence = disclosure_sequences.last_sequence + 1 "
        "RETURNING recipient_id, last_sequence"
    )
    return (
        sa.text(sql)
        .bindparams(sa.bindparam("person_id", type_=disclosure_sequences.c.person_id.type))
        .columns(disclosure_sequences.c.recipient_id, disclosure_sequences.c.last_sequence)
    )


class SqlAccountRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def by_subject(self, subject_index: bytes) -> Account | None:
        row = self._connection.execute(
            sa.select(accounts.c.id, accounts.c.person_id).where(
                accounts.c.subject_index == subject_index
            )
        ).one_or_none()
        return Account(row.id, row.person_id) if row else None

    def add(self, account: Account, subject_index: bytes, now: datetime) -> None:
        self._connection.execute(
            sa.insert(accounts).values(
                id=account.id,
                person_id=account.person_id,
                subject_index=subject_index,
                created_at=now,
            )
        )

    def add_session(
        self,
        token_hash: bytes,
        account_id: uuid.UUID,
        now: datetime,
        expires_at: datetime,
        *,
        via: str,
        vot: str | None,
    ) -> None:
        self._connection.execute(
            sa.insert(sessions).values(
                token_hash=token_hash,
                account_id=account_id,
                created_at=now,
                expires_at=expires_at,
                last_seen_at=now,
                via=via,
                vot=vot,
            )
        )

    def for_session(
        self, token_hash: bytes, now: datetime, idle_since: datetime
    ) -> SessionSeen | None:
        row = self._connection.execute(
            sa.select(accounts.c.id, accounts.c.person_id, sessions.c.last_seen_at)
            .join(sessions, sessions.c.account_id == accounts.c.id)
            .where(
                sessions.c.token_hash == token_hash,
                sessions.c.expires_at > now,
                sessions.c.last_seen_at > idle_since,
            )
        ).one_or_none()
        if row is None:
            return None
        return SessionSeen(Account(row.id, row.person_id), _aware(row.last_seen_at, now))

    def mark_seen(self, token_hash: bytes, now: datetime) -> None:
        self._connection.execute(
            sa.update(sessions).where(sessions.c.token_hash == token_hash).values(last_seen_at=now)
        )

    def end_session(self, token_hash: bytes) -> str | None:
        row = self._connection.execute(
            sa.delete(sessions).where(sessions.c.token_hash == token_hash).returning(sessions.c.via)
        ).one_or_none()
        return str(row.via) if row else None

    def add_registrar_key(self, key: RegistrarKey, key_hash: bytes, now: datetime) -> None:
        self._connection.execute(
            sa.insert(registrar_keys).values(
                id=key.id,
                registrar_id=key.registrar_id,
                account_id=key.account_id,
                environment=key.environment,
                prefix=key.prefix,
                key_hash=key_hash,
                label=key.label,
                scopes=" ".join(sorted(key.scopes)),
                created_at=now,
            )
        )

    def for_registrar_key(self, key_hash: bytes) -> RegistrarKeyHolder | None:
        row = self._connection.execute(
            sa.select(
                accounts.c.id,
                accounts.c.person_id,
                registrar_keys.c.environment,
                registrar_keys.c.scopes,
            )
            .join(registrar_keys, registrar_keys.c.account_id == accounts.c.id)
            .where(registrar_keys.c.key_hash == key_hash, registrar_keys.c.revoked_at.is_(None))
        ).one_or_none()
        if row is None:
            return None
        return RegistrarKeyHolder(
            Account(row.id, row.person_id), row.environment, frozenset(row.scopes.split())
        )

    def revoke_registrar_key(self, prefix: str, now: datetime) -> bool:
        result = self._connection.execute(
            sa.update(registrar_keys)
            .where(registrar_keys.c.prefix == prefix, registrar_keys.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return result.rowcount > 0


class SqlRecipientKeyRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def add(
        self,
        key_id: uuid.UUID,
        recipient_id: str,
        environment: str,
        prefix: str,
        key_hash: bytes,
        label: str | None,
        now: datetime,
        *,
        scopes: frozenset[str],
    ) -> None:
        self._connection.execute(
            sa.insert(recipient_keys).values(
                scopes=" ".join(sorted(scopes)),
                id=key_id,
                recipient_id=recipient_id,
                environment=environment,
                prefix=prefix,
                key_hash=key_hash,
                label=label,
                created_at=now,
            )
        )

    def holder_for(self, key_hash: bytes) -> RecipientKeyHolder | None:
        row = self._connection.execute(
            sa.select(
                recipient_keys.c.recipient_id,
                recipient_keys.c.environment,
                recipient_keys.c.scopes,
            ).where(recipient_keys.c.key_hash == key_hash, recipient_keys.c.revoked_at.is_(None))
        ).one_or_none()
        if row is None:
            return None
        return RecipientKeyHolder(row.recipient_id, row.environment, frozenset(row.scopes.split()))

    def revoke(self, prefix: str, now: datetime) -> str | None:
        owners = self._connection.execute(
            sa.update(recipient_keys)
            .where(recipient_keys.c.prefix == prefix, recipient_keys.c.revoked_at.is_(None))
            .values(revoked_at=now)
            .returning(recipient_keys.c.recipient_id)
        ).scalars()
        return next(iter(owners), None)
