"""Registration references recorded by registrars (ADR 0087)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from tellonce.adapters.database.schema import registration_references as table
from tellonce.adapters.database.schema import reports
from tellonce.service_layer.ports.registrations import StoredRegistration


class SqlRegistrationRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def add(self, registration: StoredRegistration, now: datetime) -> None:
        self._connection.execute(
            sa.insert(table).values(
                reference_hash=registration.reference_hash,
                registrar_account_id=registration.registrar_account_id,
                event_type=registration.event_type,
                sealed_details=registration.sealed_details,
                created_at=now,
                expires_at=registration.expires_at,
            )
        )

    def get(self, reference_hash: bytes) -> StoredRegistration | None:
        row = self._connection.execute(
            sa.select(table).where(table.c.reference_hash == reference_hash)
        ).one_or_none()
        if row is None:
            return None
        return StoredRegistration(
            row.reference_hash,
            row.registrar_account_id,
            row.event_type,
            row.sealed_details,
            row.expires_at,
            row.used_at,
            row.report_id,
        )

    def use(self, reference_hash: bytes, report_id: uuid.UUID, now: datetime) -> bool:
        # Conditional on used_at IS NULL: of two reports racing for one reference, one wins.
        result = self._connection.execute(
            sa.update(table)
            .where(table.c.reference_hash == reference_hash, table.c.used_at.is_(None))
            .values(used_at=now, report_id=report_id)
        )
        return result.rowcount == 1

    def delete_used_by(self, report_ids: Sequence[uuid.UUID]) -> int:
        if not report_ids:
            return 0
        result = self._connection.execute(
            sa.delete(table).where(table.c.report_id.in_(list(report_ids)))
        )
        return result.rowcount

    def delete_spent(self, expired_before: datetime, limit: int) -> int:
        purged = sa.select(reports.c.id).where(reports.c.payload_purged_at.is_not(None))
        spent = (
            sa.select(table.c.reference_hash)
            .where(
                sa.or_(
                    sa.and_(table.c.used_at.is_(None), table.c.expires_at < expired_before),
                    table.c.report_id.in_(purged),
                )
            )
            .order_by(table.c.expires_at)
            .limit(limit)
        )
        # Through a list: PostgreSQL has no LIMIT on DELETE, and SQLite none by default.
        hashes = list(self._connection.execute(spent).scalars())
        if not hashes:
            return 0
        result = self._connection.execute(
            sa.delete(table).where(table.c.reference_hash.in_(hashes))
        )
        return result.rowcount
