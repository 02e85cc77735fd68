"""Feed positions are handed out by a counter row created on first use: recipients reading
their feeds at the same moment on a fresh hub must all be answered (issue 12's national-year
bench saw four pull recipients get 500s from a unique violation on PostgreSQL)."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from tellonce.adapters.database.schema import hub_state
from tellonce.adapters.database.unit_of_work import SqlUnitOfWork
from tests.fakes import FakeClock

READERS = 4
ROUNDS = 15


def test_readers_racing_to_create_the_feed_counter_all_succeed(engine: sa.Engine) -> None:
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
        assert not failures, failures[0]
    with engine.connect() as connection:
        counter = connection.execute(
            sa.select(hub_state.c.value).where(hub_state.c.name == "feed")
        ).scalar_one()
    assert counter == 0
