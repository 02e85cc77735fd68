"""Small-count protection for the public register's statistics (ADR 0090).

The published method: a count from 1 to ``THRESHOLD - 1`` is suppressed (shown as "fewer
than 10"); every other count is rounded to the nearest ``ROUND_TO``, so a suppressed cell
cannot be recovered by subtracting the others from a total. A time (median hours to
acknowledge, or to an outcome) is published only over at least ``THRESHOLD`` disclosures,
rounded to the hour. Zero is published as zero: that nothing was shared reveals no one.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

THRESHOLD = 10
ROUND_TO = 5


@dataclass(frozen=True, slots=True)
class ProtectedCount:
    value: int | None  # None: suppressed

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def csv(self) -> str:
        return f"<{THRESHOLD}" if self.value is None else str(self.value)


def protect(count: int) -> ProtectedCount:
    if count < 0:
        raise ValueError("a count is never negative")
    if count == 0:
        return ProtectedCount(0)
    if count < THRESHOLD:
        return ProtectedCount(None)
    # Round half up to the nearest ROUND_TO, and never below the threshold.
    return ProtectedCount(max(THRESHOLD, ROUND_TO * ((count + ROUND_TO // 2) // ROUND_TO)))


def protected_median(hours: Iterable[float]) -> int | None:
    values = list(hours)
    if len(values) < THRESHOLD:
        return None
    return round(statistics.median(values))


def protect_all(counts: Mapping[str, int]) -> dict[str, ProtectedCount]:
    return {key: protect(value) for key, value in counts.items()}
