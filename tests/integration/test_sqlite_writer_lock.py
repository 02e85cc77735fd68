"""SQLite's writer lock (ADR 0070): writers queue on it, across threads and processes, and are
released after COMMIT or ROLLBACK; read-only units of work never wait for it."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tellonce.adapters.database.engine import create_database_engine
from tellonce.adapters.database.unit_of_work import SqlUnitOfWork

_metadata = sa.MetaData()
counter = sa.Table("counter", _metadata, sa.Column("n", sa.Integer, nullable=False))


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'lock.db'}"
    engine = create_database_engine(url)
    _metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(sa.insert(counter).values(n=0))
    engine.dispose()
    yield url


def _increment(engine: sa.Engine, times: int) -> None:
    for _ in range(times):
        with engine.begin() as connection:  # read, then write: lost updates if not serialised
            n = connection.execute(sa.select(counter.c.n)).scalar_one()
            connection.execute(sa.update(counter).values(n=n + 1))


def _increment_in_a_process(url: str, times: int) -> None:
    engine = create_database_engine(url)
    _increment(engine, times)
    engine.dispose()


def _count(url: str) -> int:
    engine = create_database_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(sa.select(counter.c.n)).scalar_one())
    finally:
        engine.dispose()


def test_writers_in_threads_and_processes_queue_and_lose_nothing(database: str) -> None:
    engine = create_database_engine(database)
    threads = [threading.Thread(target=_increment, args=(engine, 50)) for _ in range(4)]
    spawn = multiprocessing.get_context("spawn")
    processes = [
        spawn.Process(target=_increment_in_a_process, args=(database, 50)) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for process in processes:
        process.start()
    for thread in threads:
        thread.join(timeout=120)
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    engine.dispose()
    assert _count(database) == 6 * 50


def test_a_reader_does_not_wait_for_a_writer_and_sees_the_last_commit(database: str) -> None:
    engine = create_database_engine(database)
    with engine.begin() as writer:
        writer.execute(sa.update(counter).values(n=41))  # uncommitted, lock held
        started = time.monotonic()
        with SqlUnitOfWork(engine, read_only=True) as uow:
            seen = uow.connection.execute(sa.select(counter.c.n)).scalar_one()
        assert time.monotonic() - started < 1.0
        assert seen == 0
    with SqlUnitOfWork(engine, read_only=True) as uow:
        assert uow.connection.execute(sa.select(counter.c.n)).scalar_one() == 41
    engine.dispose()


def test_the_lock_is_released_after_a_rollback_and_a_failed_transaction(database: str) -> None:
    engine = create_database_engine(database)
    with pytest.raises(RuntimeError), engine.begin() as connection:
        connection.execute(sa.update(counter).values(n=5))
        raise RuntimeError("half-way")
    with SqlUnitOfWork(engine) as uow:  # rolled back on leaving without commit()
        uow.connection.execute(sa.update(counter).values(n=7))
    done = threading.Event()

    def write() -> None:
        _increment(engine, 1)
        done.set()

    threading.Thread(target=write).start()
    assert done.wait(timeout=10), "the writer lock was not released"
    assert _count(database) == 1
    engine.dispose()
