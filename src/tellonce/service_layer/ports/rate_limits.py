"""Where request counts are kept: one process's memory, or the database every process shares."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class RateLimitStore(Protocol):
    def hit(self, bucket: str, window_start: datetime, expires_at: datetime) -> int:
        """Count one request in ``bucket``'s window; the count including it."""
        ...
