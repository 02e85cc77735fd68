"""The worker's periodic searches read through their partial indexes (migration 0013), so a
round costs the rows it might act on, not every row stored: with 1,000,000 reports stored they
were full scans of 5.4 s and 1.6 s (docs/benchmarks.md, Growth). Each search's own statement,
as the repository sends it, is explained on both databases (PostgreSQL with sequential scans
discouraged: its tables here are too small to prefer an index otherwise)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from tellonce.adapters.database.unit_of_work import SqlUnitOfWork
from tellonce.service_layer.ports import UnitOfWork
from tests.fakes import FakeClock


@contextmanager
def statements(engine: sa.Engine) -> Iterator[list[tuple[str, Any]]]:
    sent: list[tuple[str, Any]] = []

    def before(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", before)


def plan(engine: sa.Engine, search: Callable[[UnitOfWork], object]) -> str:
    with statements(engine) as sent, SqlUnitOfWork(engine) as uow:
        search(uow)
    [(statement, parameters)] = [
        (s, p) for s, p in sent if s.lstrip().upper().startswith(("SELECT", "WITH"))
    ]
    with engine.connect() as connection:
        cursor = connection.connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = off")  # this transaction only
        cursor.execute(f"EXPLAIN {statement}", parameters)
        return "\n".join(str(row[0]) for row in cursor.fetchall())


def test_the_retention_search_reads_only_reports_still_holding_details(engine: sa.Engine) -> None:
    now = FakeClock().now()
    found = plan(engine, lambda uow: uow.rights.settled_reports(500, now))
    assert "ix_reports_unpurged_submitted_at" in found, found


def test_the_search_for_disclosures_without_a_deadline_reads_only_those(
    engine: sa.Engine,
) -> None:
    found = plan(engine, lambda uow: uow.disclosures.without_deadline(200))
    assert "ix_disclosures_without_deadline" in found, found
