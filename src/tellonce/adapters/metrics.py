"""Prometheus metrics (prometheus-client), read from the database at scrape time (ADR 0080).

A custom collector, not counters in memory: every API process answers a scrape with the
database's figures, so any number of processes can be scraped (or one, behind the balancer)
and the totals neither double nor reset on restart. Counters are monotonic because the rows
behind them are append-only (reports, delivery attempts) or only move forward (disclosures'
delivery times). Labels hold event types, states, verdicts and recipient ids: never a person.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import (
    CollectorRegistry,
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from tellonce.service_layer.ports.operations import DatabaseFigures, HistogramCounts

METRICS_CONTENT_TYPE = CONTENT_TYPE_LATEST


class HubCollector(Collector):
    """The hub's figures, cached for ``cache_seconds`` so that several scrapers cost one query
    round per interval."""

    def __init__(
        self,
        figures: Callable[[datetime], DatabaseFigures],
        now: Callable[[], datetime],
        *,
        cache_seconds: float,
    ) -> None:
        self._figures = figures
        self._now = now
        self._cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._cached: tuple[float, DatabaseFigures, datetime] | None = None

    def _current(self) -> tuple[DatabaseFigures, datetime]:
        with self._lock:
            fresh = self._cached is not None and (
                time.monotonic() - self._cached[0] < self._cache_seconds
            )
            if not fresh:
                now = self._now()
                self._cached = (time.monotonic(), self._figures(now), now)
            assert self._cached is not None
            return self._cached[1], self._cached[2]

    def collect(self) -> Iterator[Metric]:
        figures, now = self._current()
        yield _counter(
            "tellonce_reports_accepted",
            "Reports accepted, by life event type",
            "event_type",
            figures.reports_by_event_type,
        )
        yield _gauge(
            "tellonce_disclosures",
            "Disclosures in each state",
            "state",
            figures.disclosures_by_state,
        )
        yield _counter(
            "tellonce_delivery_attempts",
            "Push attempts, by outcome",
            "outcome",
            figures.attempts_by_verdict,
        )
        yield _gauge(
            "tellonce_disclosures_overdue",
            "Disclosures past their acknowledgement deadline, by recipient",
            "recipient",
            figures.overdue_by_recipient,
        )
        depth = GaugeMetricFamily(
            "tellonce_queue_depth", "Push messages waiting, by recipient", labels=["recipient"]
        )
        oldest = GaugeMetricFamily(
            "tellonce_queue_oldest_age_seconds",
            "Age of the oldest push message waiting, by recipient",
            labels=["recipient"],
        )
        for queue in figures.queues:
            depth.add_metric([queue.recipient_id], queue.depth)
            oldest.add_metric([queue.recipient_id], queue.oldest_age_seconds)
        yield depth
        yield oldest
        yield _histogram(
            "tellonce_delivery_attempt_seconds",
            "How long each push attempt took",
            figures.attempt_seconds,
        )
        yield _histogram(
            "tellonce_delivery_latency_seconds",
            "From a report's acceptance to its disclosure's delivery",
            figures.delivery_seconds,
        )
        yield GaugeMetricFamily(
            "tellonce_log_size", "Leaves in the newest signed checkpoint", value=figures.log_size
        )
        yield GaugeMetricFamily(
            "tellonce_log_entries",
            "Log entries written, sequenced or not",
            value=figures.log_entries,
        )
        signed_at = figures.checkpoint_signed_at
        # No checkpoint yet: NaN, which an alert on the age (> threshold) does not match.
        age = float("nan") if signed_at is None else max((now - signed_at).total_seconds(), 0.0)
        yield GaugeMetricFamily(
            "tellonce_log_checkpoint_age_seconds", "Age of the newest signed checkpoint", value=age
        )


def _counter(name: str, documentation: str, label: str, values: dict[str, int]) -> Metric:
    family = CounterMetricFamily(name, documentation, labels=[label])
    for key, value in sorted(values.items()):
        family.add_metric([key], value)
    return family


def _gauge(name: str, documentation: str, label: str, values: dict[str, int]) -> Metric:
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for key, value in sorted(values.items()):
        family.add_metric([key], value)
    return family


def _histogram(name: str, documentation: str, counts: HistogramCounts) -> Metric:
    buckets: list[tuple[str, float]] = [(repr(bound), n) for bound, n in counts.buckets]
    buckets.append(("+Inf", counts.count))
    return HistogramMetricFamily(name, documentation, buckets=buckets, sum_value=counts.total)


def metrics_registry(collector: HubCollector) -> CollectorRegistry:
    """A registry of the hub's figures only (no process metrics: they would differ per
    process, and the figures are the hub's, not one process's)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return registry


def render_metrics(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)
