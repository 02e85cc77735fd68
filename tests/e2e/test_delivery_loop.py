"""The worker's loop (``deliver_continuously``) against a real receiver on both databases:
messages claimed while others are on the wire and settled together as their answers come —
and every message still ends exactly once, in the right state."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tellonce.adapters.database.schema import delivery_attempts, delivery_queue, log_entries
from tellonce.bootstrap import Hub
from tellonce.domain.backoff import RetrySchedule
from tellonce.entrypoints.demo.receivers import ReceiverServer
from tellonce.service_layer.delivery import DeliveryRound, deliver_continuously
from tests.fakes import FakeClock
from tests.support.api import count
from tests.support.delivery import connect, submit_move

REPORTS = 7  # 35 messages to 5 receivers, claimed 4 at a time


@pytest.fixture
def receiver() -> Iterator[ReceiverServer]:
    with ReceiverServer() as server:
        yield server


def drain(hub: Hub, batch_size: int = 4) -> DeliveryRound:
    async def go() -> DeliveryRound:
        async with hub.pusher() as pusher:
            service = hub.delivery_service(pusher, owner="pipeline")
            service.batch_size = batch_size
            service.schedule = RetrySchedule.from_spec("1s,1s", jitter=0)
            return await deliver_continuously(service, asyncio.Event(), poll=0.01, until_idle=True)

    return asyncio.run(go())


def delivered_entries(hub: Hub) -> int:
    with hub.engine.connect() as connection:
        return int(
            connection.execute(
                sa.select(sa.func.count())
                .select_from(log_entries)
                .where(log_entries.c.kind == "disclosure-delivered")
            ).scalar_one()
        )


def test_the_loop_settles_every_message_once(
    client: TestClient, hub: Hub, receiver: ReceiverServer
) -> None:
    for _ in range(REPORTS):
        submit_move(client)
    connect(hub, receiver)
    # dvla answers 503 the first time each message reaches it: retried, not lost.
    receiver.state.behaviour = lambda path, attempt: (
        503 if path == "dvla" and attempt == 1 else 204,
        {},
    )

    first = drain(hub)

    assert first == DeliveryRound(claimed=5 * REPORTS, delivered=4 * REPORTS, retrying=REPORTS)
    assert count(hub, delivery_attempts) == 5 * REPORTS
    assert count(hub, delivery_queue) == REPORTS  # dvla's, rescheduled
    assert delivered_entries(hub) == 4 * REPORTS
    assert drain(hub).claimed == 0  # dvla's are not due yet

    assert isinstance(hub.clock, FakeClock)
    hub.clock.advance(timedelta(seconds=2))
    assert drain(hub) == DeliveryRound(claimed=REPORTS, delivered=REPORTS)
    assert count(hub, delivery_queue) == 0
    assert delivered_entries(hub) == 5 * REPORTS
    accepted = Counter(r.webhook_id for r in receiver.state.delivered())
    assert len(accepted) == 5 * REPORTS and set(accepted.values()) == {1}
    assert receiver.state.rejected == []
