"""The public register (no sign-in): every recipient and agreement in force with its version
history, statistics protected against small counts (ADR 0090), and the log's latest
checkpoint. Nothing here is personal data: it is built from the catalogue and from counts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from tellonce.domain.catalogue import Catalogue
from tellonce.domain.statistics import ProtectedCount, protect, protected_median
from tellonce.service_layer.ports.console import (
    AgreementVersion,
    ConsoleUnitOfWorkFactory,
    DisclosureCount,
)
from tellonce.service_layer.ports.transparency import StoredCheckpoint


@dataclass(frozen=True, slots=True)
class Register:
    catalogue: Catalogue
    history: list[AgreementVersion]
    checkpoint: StoredCheckpoint | None


def public_register(*, uow_factory: ConsoleUnitOfWorkFactory) -> Register:
    with uow_factory() as uow:
        return Register(
            uow.catalogue.current(), uow.console.agreement_history(), uow.log.latest_checkpoint()
        )


@dataclass(frozen=True, slots=True)
class StatisticRow:
    key: str  # a recipient id, an event type or a month (YYYY-MM)
    disclosures: ProtectedCount
    acknowledged_median_hours: int | None
    outcome_median_hours: int | None


@dataclass(frozen=True, slots=True)
class Statistics:
    by_recipient: list[StatisticRow]
    by_event_type: list[StatisticRow]
    by_month: list[StatisticRow]
    total: ProtectedCount


def _rows(counts: Iterable[DisclosureCount], key_of: str) -> list[StatisticRow]:
    grouped: dict[str, list[DisclosureCount]] = defaultdict(list)
    for count in counts:
        grouped[getattr(count, key_of)].append(count)
    return [
        StatisticRow(
            key,
            protect(sum(c.count for c in members)),
            protected_median(h for c in members for h in c.acknowledged_hours),
            protected_median(h for c in members for h in c.outcome_hours),
        )
        for key, members in sorted(grouped.items())
    ]


def statistics(*, uow_factory: ConsoleUnitOfWorkFactory) -> Statistics:
    with uow_factory() as uow:
        counts = uow.console.disclosure_counts()
    return Statistics(
        by_recipient=_rows(counts, "recipient_id"),
        by_event_type=_rows(counts, "event_type"),
        by_month=_rows(counts, "month"),
        total=protect(sum(c.count for c in counts)),
    )
