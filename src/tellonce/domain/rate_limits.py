"""Fixed-window rate limits: at most ``requests`` in each ``window``, windows aligned to the
epoch so that every process sharing a store counts the same window."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Limit:
    requests: int
    window: timedelta


def window_start(now: datetime, window: timedelta) -> datetime:
    elapsed = (now - EPOCH) // window
    return EPOCH + elapsed * window


def retry_after_seconds(now: datetime, window: timedelta) -> int:
    """Whole seconds until the window that holds ``now`` ends (at least 1)."""
    left = window_start(now, window) + window - now
    return max(1, math.ceil(left.total_seconds()))
