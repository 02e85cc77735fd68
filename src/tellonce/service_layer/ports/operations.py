"""The operations port: what the database says of the hub's health (readiness) and the figures
an operator watches (metrics). Adapter: adapters/database/operations.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class HubVitals:
    revisions: frozenset[str]  # the database's applied migration heads
    worker_heartbeat_at: datetime | None
    oldest_unsequenced_entry_at: datetime | None


@dataclass(frozen=True)
class HistogramCounts:
    buckets: tuple[tuple[float, int], ...]  # (upper bound, cumulative count)
    total: float
    count: int


@dataclass(frozen=True)
class QueueFigures:
    recipient_id: str
    depth: int
    oldest_age_seconds: float


@dataclass(frozen=True)
class DatabaseFigures:
    reports_by_event_type: dict[str, int]
    disclosures_by_state: dict[str, int]
    attempts_by_verdict: dict[str, int]
    overdue_by_recipient: dict[str, int]
    queues: list[QueueFigures]
    attempt_seconds: HistogramCounts
    delivery_seconds: HistogramCounts
    log_size: int  # leaves in the newest signed checkpoint
    log_entries: int  # entries written, sequenced or not
    checkpoint_signed_at: datetime | None


class Operations(Protocol):
    def vitals(self) -> HubVitals: ...

    def beat(self, owner: str, now: datetime) -> None: ...

    def figures(self, now: datetime) -> DatabaseFigures: ...
