"""Feed positions are handed out by a counter row created on first use: recipients reading
their feeds at the same moment on a fresh hub must all be answered (issue 12's national-year
bench saw four pull recipients get 500s from a unique violation on PostgreSQL)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

from tellonce.adapters.database.schema import hub_state
from tellonce.adapters.database.unit_of_work import SqlUnitOfWork
from tests.fakes import FakeClock
from tests.support.databases import migrated_database

READERS = 4
ROUNDS = 15


@contextlib.contextmanager
def own_database(shared: sa.Engine, folder: Path) -> Iterator[sa.Engine]:
    """On SQLite a file of this test's own: the session's file has been written by hundreds of
    tests and processes before, and CI once saw an unexplained "disk I/O error" here (see
    docs/reliability.md); the race under test is PostgreSQL's."""
    if shared.dialect.name != "sqlite":
        yield shared
        return
    with migrated_database("sqlite", folder) as engine:
        yield engine


def described(error: BaseException) -> str:
    """The error with SQLite's extended result code (SQLITE_IOERR_SHMMAP, ...) when it has one."""
    cause = getattr(error, "orig", None)
    return f"{error!r} ({getattr(cause, 'sqlite_errorname', 'no SQLite code')})"


def test_readers_racing_to_create_the_feed_counter_all_succeed(
    engine: sa.Engine, tmp_path: Path
) -> None:
    with own_database(engine, tmp_path) as database:
        race(database)


def race(engine: sa.Engine) -> None:
    now = FakeClock().now()
    failures: list[BaseException] = []

    def assign(start: threading.Barrier) -> None:
        try:
            start.wait()
            with SqlUnitOfWork(engine) as uow:
                uow.disclosures.assign_feed_positions(now)
                uow.commit()
        except BaseException as error:
            failures.append(error)

    for _ in range(ROUNDS):
        with engine.begin() as connection:
            connection.execute(sa.delete(hub_state).where(hub_state.c.name == "feed"))
        start = threading.Barrier(READERS)
        threads = [threading.Thread(target=assign, args=(start,)) for _ in range(READERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not failures, [described(error) for error in failures]
    with engine.connect() as connection:
        counter = connection.execute(
            sa.select(hub_state.c.value).where(hub_state.c.name == "feed")
        ).scalar_one()
    assert counter == 0
