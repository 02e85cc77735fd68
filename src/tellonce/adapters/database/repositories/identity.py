"""People (and their wrapped data keys), accounts, sessions and recipient API keys."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
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

    def add(self, keys: Mapping[uuid.UUID, PersonKey], now: datetime) -> None:
        if keys:
            self._connection.execute(
                _INSERT_PERSON,
                [
                    {
                        "id": person_id,
                        "data_key_id": key.data_key_id,
                        "master_key_id": key.master_key_id,
                        "wrapped_key": key.wrapped,
                        "created_at": now,
                    }
                    for person_id, key in keys.items()
                ],
            )

    def key_for(self, person_id: uuid.UUID) -> PersonKey:
        row = self._connection.execute(
            sa.select(people.c.data_key_id, people.c.master_key_id, people.c.wrapped_key).where(
                people.c.id == person_id
            )
        ).one()
        return PersonKey(row.data_key_id, row.master_key_id, row.wrapped_key)

    def next_sequences(self, wanted: Sequence[tuple[uuid.UUID, Sequence[str]]]) -> list[list[int]]:
        # One upsert with RETURNING for the whole batch, each (person, recipient) pair once
        # with the number of reports that take a number there: the row locks make concurrent
        # reports about one person take distinct, increasing numbers at each recipient. Pairs
        # in a fixed order, so two transactions lock rows in the same order.
        counts: Counter[tuple[uuid.UUID, str]] = Counter(
            (person_id, r) for person_id, recipient_ids in wanted for r in set(recipient_ids)
        )
        if not counts:
            return [[] for _ in wanted]
        pairs = sorted(counts, key=lambda pair: (pair[0].bytes, pair[1]))
        if self._connection.dialect.name == "postgresql":
            params: dict[str, object] = {
                "persons": [p for p, _ in pairs],
                "recipients": [r for _, r in pairs],
                "counts": [counts[pair] for pair in pairs],
            }
        else:
            rows = [[p.hex, r, counts[p, r]] for p, r in pairs]
            params = {"pairs": json.dumps(rows)}
        statement = _TAKE_SEQUENCES[self._connection.dialect.name]
        last = {
            (row.person_id, row.recipient_id): int(row.last_sequence)
            for row in self._connection.execute(statement, params)
        }
        # Each pair's numbers were taken as a block ending at ``last``: hand them out in order.
        taken = {pair: last[pair] - counts[pair] for pair in pairs}
        numbers = []
        for person_id, recipient_ids in wanted:
            mine = {}
            for r in sorted(set(recipient_ids)):
                taken[person_id, r] += 1
                mine[r] = taken[person_id, r]
            numbers.append([mine[r] for r in recipient_ids])
        return numbers


_INSERT_PERSON = sa.insert(people)


def _take_sequences(source: str) -> sa.TextualSelect:
    """One statement for any number of pairs, each database reading them from one parameter
    (PostgreSQL arrays, SQLite a JSON array): a multi-row VALUES would be compiled afresh for
    every size. ``WHERE true`` keeps SQLite's parser from reading ON CONFLICT as a join's ON."""
    sql = (
        "INSERT INTO disclosure_sequences (person_id, recipient_id, last_sequence) "
        f"{source} WHERE true "
        "ON CONFLICT (person_id, recipient_id) DO UPDATE "
        "SET last_sequence = disclosure_sequences.last_sequence + excluded.last_sequence "
        "RETURNING person_id, recipient_id, last_sequence"
    )
    return sa.text(sql).columns(
        disclosure_sequences.c.person_id,
        disclosure_sequences.c.recipient_id,
        disclosure_sequences.c.last_sequence,
    )


_TAKE_SEQUENCES = {
    "postgresql": _take_sequences(
        "SELECT p, r, n FROM unnest(CAST(:persons AS uuid[]), CAST(:recipients AS text[]), "
        "CAST(:counts AS bigint[])) AS pairs(p, r, n)"
    ),
    "sqlite": _take_sequences(
        "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
        "json_extract(value, '$[2]') FROM json_each(:pairs)"
    ),
}


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
