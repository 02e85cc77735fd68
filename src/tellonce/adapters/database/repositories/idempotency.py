"""Idempotency keys: one row per (caller, key), claimed before the work and completed with it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tellonce.adapters.database.schema import idempotency_keys
from tellonce.service_layer.ports.idempotency import IdempotencyClaim


class SqlIdempotencyRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def claim(
        self,
        caller: str,
        key: str,
        request_digest: str,
        now: datetime,
        locked_until: datetime,
        expires_at: datetime,
    ) -> IdempotencyClaim:
        values = {
            "caller": caller,
            "key": key,
            "request_digest": request_digest,
            "locked_until": locked_until,
            "expires_at": expires_at,
        }
        insert = pg_insert if self._connection.dialect.name == "postgresql" else sqlite_insert
        # ON CONFLICT DO NOTHING: a concurrent claimer sees the row instead of an error that
        # would abort the transaction on PostgreSQL.
        inserted = self._connection.execute(
            insert(idempotency_keys)
            .values(**values)
            .on_conflict_do_nothing()
            .returning(idempotency_keys.c.key)
        ).first()
        if inserted is not None:
            return IdempotencyClaim("claimed")
        row = (
            self._connection.execute(
                sa.select(idempotency_keys)
                .where(idempotency_keys.c.caller == caller, idempotency_keys.c.key == key)
                .with_for_update()
            )
            .mappings()
            .one()
        )
        retake = row["expires_at"] <= now or (
            row["report_reference"] is None and row["locked_until"] <= now
        )
        if retake:
            # Expired, or abandoned by a process that died mid-request: start afresh.
            self._connection.execute(
                sa.update(idempotency_keys)
                .where(idempotency_keys.c.caller == caller, idempotency_keys.c.key == key)
                .values(report_reference=None, **values)
            )
            return IdempotencyClaim("claimed")
        if row["request_digest"] != request_digest:
            return IdempotencyClaim("mismatch")
        if row["report_reference"] is None:
            return IdempotencyClaim("in-progress")
        return IdempotencyClaim("replay", row["report_reference"])

    def complete(self, caller: str, key: str, report_reference: str) -> None:
        self._connection.execute(
            sa.update(idempotency_keys)
            .where(idempotency_keys.c.caller == caller, idempotency_keys.c.key == key)
            .values(report_reference=report_reference)
        )

    def release(self, caller: str, key: str) -> None:
        self._connection.execute(
            sa.delete(idempotency_keys).where(
                idempotency_keys.c.caller == caller,
                idempotency_keys.c.key == key,
                idempotency_keys.c.report_reference.is_(None),
            )
        )

    def record_items(
        self,
        caller: str,
        references: Mapping[str, str],
        request_digest: str,
        locked_until: datetime,
        expires_at: datetime,
    ) -> None:
        self._connection.execute(
            sa.delete(idempotency_keys).where(idempotency_keys.c.caller == caller)
        )
        if references:
            self._connection.execute(
                sa.insert(idempotency_keys),
                [
                    {
                        "caller": caller,
                        "key": key,
                        "request_digest": request_digest,
                        "report_reference": reference,
                        "locked_until": locked_until,
                        "expires_at": expires_at,
                    }
                    for key, reference in references.items()
                ],
            )

    def items(self, caller: str) -> dict[str, str]:
        rows = self._connection.execute(
            sa.select(idempotency_keys.c.key, idempotency_keys.c.report_reference).where(
                idempotency_keys.c.caller == caller
            )
        )
        return {key: reference for key, reference in rows if reference is not None}
