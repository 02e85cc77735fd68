"""The portal's answers in progress."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol


class PortalDraftRepository(Protocol):
    """The portal's answers in progress, sealed; each row visible only to its own account."""

    def add(
        self,
        draft_id: uuid.UUID,
        account_id: uuid.UUID,
        sealed: bytes,
        now: datetime,
        expires_at: datetime,
    ) -> None: ...
    def sealed(self, draft_id: uuid.UUID, account_id: uuid.UUID, now: datetime) -> bytes | None: ...
    def replace(
        self,
        draft_id: uuid.UUID,
        account_id: uuid.UUID,
        sealed: bytes,
        now: datetime,
        expires_at: datetime,
    ) -> bool: ...
    def delete(self, draft_id: uuid.UUID, account_id: uuid.UUID) -> None: ...
    def delete_expired(self, now: datetime) -> int: ...
