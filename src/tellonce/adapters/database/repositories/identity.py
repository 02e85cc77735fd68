"""People (and their wrapped data keys), accounts, sessions and recipient API keys."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tellonce.adapters.database.schema import (
    accounts,
    disclosure_sequences,
    people,
    recipient_keys,
    sessions,
)
from tellonce.service_layer.ports import Account, PersonKey


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
        # person take distinct, increasing numbers at each recipient.
        if not recipient_ids:
            return []
        insert = pg_insert if self._connection.dialect.name == "postgresql" else sqlite_insert
        upsert = (
            insert(disclosure_sequences)
            .values(
                [
                    {"person_id": person_id, "recipient_id": r, "last_sequence": 1}
                    for r in sorted(set(recipient_ids))
                ]
            )
            .on_conflict_do_update(
                index_elements=["person_id", "recipient_id"],
                set_={"last_sequence": disclosure_sequences.c.last_sequence + 1},
            )
            .returning(disclosure_sequences.c.recipient_id, disclosure_sequences.c.last_sequence)
        )
        taken = {
            row.recipient_id: int(row.last_sequence) for row in self._connection.execute(upsert)
        }
        return [taken[r] for r in recipient_ids]


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
        self, token_hash: bytes, account_id: uuid.UUID, now: datetime, expires_at: datetime
    ) -> None:
        self._connection.execute(
            sa.insert(sessions).values(
                token_hash=token_hash, account_id=account_id, created_at=now, expires_at=expires_at
            )
        )

    def for_session(self, token_hash: bytes, now: datetime) -> Account | None:
        row = self._connection.execute(
            sa.select(accounts.c.id, accounts.c.person_id)
            .join(sessions, sessions.c.account_id == accounts.c.id)
            .where(sessions.c.token_hash == token_hash, sessions.c.expires_at > now)
        ).one_or_none()
        return Account(row.id, row.person_id) if row else None

    def end_session(self, token_hash: bytes) -> None:
        self._connection.execute(sa.delete(sessions).where(sessions.c.token_hash == token_hash))


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
    ) -> None:
        self._connection.execute(
            sa.insert(recipient_keys).values(
                id=key_id,
                recipient_id=recipient_id,
                environment=environment,
                prefix=prefix,
                key_hash=key_hash,
                label=label,
                created_at=now,
            )
        )

    def recipient_for(self, key_hash: bytes) -> str | None:
        recipient_id: str | None = self._connection.execute(
            sa.select(recipient_keys.c.recipient_id).where(
                recipient_keys.c.key_hash == key_hash, recipient_keys.c.revoked_at.is_(None)
            )
        ).scalar_one_or_none()
        return recipient_id

    def revoke(self, prefix: str, now: datetime) -> bool:
        result = self._connection.execute(
            sa.update(recipient_keys)
            .where(recipient_keys.c.prefix == prefix, recipient_keys.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return result.rowcount > 0
