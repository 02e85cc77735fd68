"""Portal drafts: sealed answers in progress, each visible only to its own account."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa

from tellonce.adapters.database.schema import portal_drafts


class SqlPortalDraftRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def add(
        self,
        draft_id: uuid.UUID,
        account_id: uuid.UUID,
        sealed: bytes,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        self._connection.execute(
            sa.insert(portal_drafts).values(
                id=draft_id,
                account_id=account_id,
                sealed_answers=sealed,
                updated_at=now,
                expires_at=expires_at,
            )
        )

    def sealed(self, draft_id: uuid.UUID, account_id: uuid.UUID, now: datetime) -> bytes | None:
        found: bytes | None = self._connection.execute(
            sa.select(portal_drafts.c.sealed_answers).where(
                portal_drafts.c.id == draft_id,
                portal_drafts.c.account_id == account_id,
                portal_drafts.c.expires_at > now,
            )
        ).scalar_one_or_none()
        return found

    def replace(
        self,
        draft_id: uuid.UUID,
        account_id: uuid.UUID,
        sealed: bytes,
        now: datetime,
        expires_at: datetime,
    ) -> bool:
        result = self._connection.execute(
            sa.update(portal_drafts)
            .where(
                portal_drafts.c.id == draft_id,
                portal_drafts.c.account_id == account_id,
                portal_drafts.c.expires_at > now,
            )
            .values(sealed_answers=sealed, updated_at=now, expires_at=expires_at)
        )
        return result.rowcount == 1

    def delete(self, draft_id: uuid.UUID, account_id: uuid.UUID) -> None:
        self._connection.execute(
            sa.delete(portal_drafts).where(
                portal_drafts.c.id == draft_id, portal_drafts.c.account_id == account_id
            )
        )

    def delete_expired(self, now: datetime) -> int:
        result = self._connection.execute(
            sa.delete(portal_drafts).where(portal_drafts.c.expires_at <= now)
        )
        return result.rowcount
