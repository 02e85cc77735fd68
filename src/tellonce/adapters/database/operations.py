"""What an operator asks the database: is it there, is its schema current, is a worker alive,
is the log sequencer keeping up, and the figures behind the metrics (issue 15, ADR 0080).

Every figure is read from the database, never counted in a process's memory: any API process
answers a scrape with the same numbers, so several processes behind a load balancer need no
shared metrics directory (prometheus-client's multi-process mode) and a restart resets nothing.
Each query is an aggregate over an indexed column or a small table; ``docs/operations.md`` says
what they cost on a large hub.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.exc import IntegrityError

from tellonce.adapters.database.migrate import MIGRATIONS
from tellonce.adapters.database.schema import (
    citizen_messages,
    delivery_attempts,
    delivery_queue,
    disclosures,
    hub_state,
    log_checkpoints,
    log_entries,
    log_pending,
    recipient_messages,
    reports,
)
from tellonce.service_layer.operations import HEARTBEAT
from tellonce.service_layer.ports.operations import (
    DatabaseFigures,
    HistogramCounts,
    HubVitals,
    QueueFigures,
)

# Upper bounds, in seconds, of the latency histograms' buckets (+Inf is added by the collector).
ATTEMPT_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
LATENCY_BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 6 * 3600.0, 86400.0)


def head_revisions() -> frozenset[str]:
    """The newest migrations this code ships (what ``tellonce db upgrade`` would apply)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


class SqlOperations:
    """The operator's questions, on one engine."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def vitals(self) -> HubVitals:
        """Raises the driver's error when the database cannot be reached."""
        with self.engine.connect() as connection:
            revision = connection.execute(sa.text("SELECT version_num FROM alembic_version")).all()
            heartbeat = connection.execute(
                sa.select(hub_state.c.lease_expires_at).where(hub_state.c.name == HEARTBEAT)
            ).scalar_one_or_none()
            oldest_pending = connection.execute(
                sa.select(log_entries.c.recorded_at).where(
                    log_entries.c.id
                    == sa.select(sa.func.min(log_pending.c.first_entry_id)).scalar_subquery()
                )
            ).scalar_one_or_none()
        return HubVitals(
            revisions=frozenset(str(row[0]) for row in revision),
            worker_heartbeat_at=heartbeat,
            oldest_unsequenced_entry_at=oldest_pending,
        )

    def beat(self, owner: str, now: datetime) -> None:
        """Record that a worker (``owner``) is alive at ``now``: one row, the latest beat wins."""
        with self.engine.begin() as connection:
            updated = connection.execute(
                sa.update(hub_state)
                .where(hub_state.c.name == HEARTBEAT)
                .values(lease_owner=owner[:64], lease_expires_at=now)
            )
            if updated.rowcount:
                return
            try:
                with connection.begin_nested():  # another worker may create it first
                    connection.execute(
                        sa.insert(hub_state).values(
                            name=HEARTBEAT, value=0, lease_owner=owner[:64], lease_expires_at=now
                        )
                    )
            except IntegrityError:
                pass

    def release_claims(self, owner: str) -> int:
        """Hand back every message ``owner`` still holds (a worker stopping): due at once for
        the next worker, as they were before the claim."""
        released = 0
        with self.engine.begin() as connection:
            for table in (delivery_queue, citizen_messages, recipient_messages):
                released += connection.execute(
                    sa.update(table)
                    .where(table.c.lease_owner == owner, table.c.state == "pending")
                    .values(lease_owner=None, lease_expires_at=None)
                ).rowcount
        return released

    def figures(self, now: datetime) -> DatabaseFigures:
        with self.engine.connect() as connection:
            accepted: dict[Any, Any] = dict(
                connection.execute(
                    sa.select(reports.c.event_type, sa.func.count()).group_by(reports.c.event_type)
                ).all()
            )
            by_state: dict[Any, Any] = dict(
                connection.execute(
                    sa.select(disclosures.c.state, sa.func.count()).group_by(disclosures.c.state)
                ).all()
            )
            attempts: dict[Any, Any] = dict(
                connection.execute(
                    sa.select(delivery_attempts.c.verdict, sa.func.count()).group_by(
                        delivery_attempts.c.verdict
                    )
                ).all()
            )
            overdue: dict[Any, Any] = dict(
                connection.execute(
                    sa.select(disclosures.c.recipient_id, sa.func.count())
                    .where(disclosures.c.state == "overdue")
                    .group_by(disclosures.c.recipient_id)
                ).all()
            )
            queues = self._queues(connection, now)
            attempt_histogram = _histogram(
                connection,
                delivery_attempts.c.duration_ms / 1000.0,
                ATTEMPT_BUCKETS,
                delivery_attempts,
            )
            latency_histogram = _histogram(
                connection,
                _seconds_between(connection, disclosures.c.created_at, disclosures.c.delivered_at),
                LATENCY_BUCKETS,
                disclosures,
                disclosures.c.delivered_at.is_not(None),
            )
            log_size = connection.execute(sa.select(sa.func.max(log_checkpoints.c.size))).scalar()
            signed_at = connection.execute(
                sa.select(sa.func.max(log_checkpoints.c.signed_at))
            ).scalar()
            entries = connection.execute(
                sa.select(sa.func.count()).select_from(log_entries)
            ).scalar_one()
        return DatabaseFigures(
            reports_by_event_type={str(k): int(v) for k, v in accepted.items()},
            disclosures_by_state={str(k): int(v) for k, v in by_state.items()},
            attempts_by_verdict={str(k): int(v) for k, v in attempts.items()},
            overdue_by_recipient={str(k): int(v) for k, v in overdue.items()},
            queues=queues,
            attempt_seconds=attempt_histogram,
            delivery_seconds=latency_histogram,
            log_size=int(log_size or 0),
            log_entries=int(entries),
            checkpoint_signed_at=None if signed_at is None else _aware(signed_at),
        )

    def _queues(self, connection: sa.Connection, now: datetime) -> list[QueueFigures]:
        # Pending push messages per recipient, and when the oldest was queued.
        rows = connection.execute(
            sa.select(
                disclosures.c.recipient_id,
                sa.func.count(),
                sa.func.min(delivery_queue.c.created_at),
            )
            .select_from(delivery_queue.join(disclosures))
            .where(delivery_queue.c.state == "pending")
            .group_by(disclosures.c.recipient_id)
        ).all()
        return [
            QueueFigures(
                recipient_id=str(recipient),
                depth=int(count),
                oldest_age_seconds=max(0.0, (now - _aware(oldest)).total_seconds())
                if oldest is not None
                else 0.0,
            )
            for recipient, count, oldest in rows
        ]


def _aware(value: object) -> datetime:
    """Aggregates (MIN, MAX) bypass the column's type on SQLite: back to aware UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _seconds_between(
    connection: sa.Connection, start: sa.ColumnElement[datetime], end: sa.ColumnElement[datetime]
) -> sa.ColumnElement[Any]:
    if connection.dialect.name == "sqlite":
        return (sa.func.julianday(end) - sa.func.julianday(start)) * 86400.0
    return sa.func.extract("epoch", end - start)


def _histogram(
    connection: sa.Connection,
    value: sa.ColumnElement[Any],
    buckets: tuple[float, ...],
    table: sa.Table,
    *where: sa.ColumnElement[bool],
) -> HistogramCounts:
    """Cumulative bucket counts, the sum and the count, in one pass over ``table``."""
    columns = [sa.func.sum(sa.case((value <= bound, 1), else_=0)) for bound in buckets]
    row = connection.execute(
        sa.select(*columns, sa.func.coalesce(sa.func.sum(value), 0.0), sa.func.count())
        .select_from(table)
        .where(*where)
    ).one()
    counts = [int(c or 0) for c in row[: len(buckets)]]
    return HistogramCounts(
        buckets=tuple(zip(buckets, counts, strict=True)),
        total=float(row[len(buckets)] or 0.0),
        count=int(row[len(buckets) + 1]),
    )
