"""Idempotency keys, so a retried submission never makes a second report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class IdempotencyClaim:
    """The outcome of claiming an idempotency key."""

    status: str  # "claimed", "replay", "mismatch" or "in-progress"
    report_reference: str | None = None


class IdempotencyRepository(Protocol):
    def claim(
        self,
        caller: str,
        key: str,
        request_digest: str,
        now: datetime,
        locked_until: datetime,
        expires_at: datetime,
    ) -> IdempotencyClaim: ...
    def complete(self, caller: str, key: str, report_reference: str) -> None: ...
    def release(self, caller: str, key: str) -> None: ...
    def record_items(
        self,
        caller: str,
        references: Mapping[str, str],
        request_digest: str,
        locked_until: datetime,
        expires_at: datetime,
    ) -> None:
        """Completed rows under ``caller``, one per key (a bulk request's items, ADR 0071),
        replacing any left under it by an expired request."""
        ...

    def items(self, caller: str) -> dict[str, str]:
        """Every key under ``caller`` with its report reference."""
        ...
