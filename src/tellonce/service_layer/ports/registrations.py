"""Registration references recorded by registrars (ADR 0087)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class StoredRegistration:
    reference_hash: bytes
    registrar_account_id: uuid.UUID
    event_type: str
    sealed_details: bytes
    expires_at: datetime
    used_at: datetime | None
    report_id: uuid.UUID | None = None  # the report that used it


class RegistrationRepository(Protocol):
    def add(self, registration: StoredRegistration, now: datetime) -> None: ...
    def get(self, reference_hash: bytes) -> StoredRegistration | None: ...
    def use(self, reference_hash: bytes, report_id: uuid.UUID, now: datetime) -> bool:
        """Mark it used by ``report_id``; False if it was already used (a race lost)."""
        ...

    def delete_used_by(self, report_ids: Sequence[uuid.UUID]) -> int:
        """Delete the references these reports used, with their sealed registered details (the
        person who used one was erased); how many went."""
        ...

    def delete_spent(self, expired_before: datetime, limit: int) -> int:
        """Delete (at most ``limit``) references no longer needed: unused ones that expired
        before ``expired_before``, and used ones whose report's details were purged."""
        ...
