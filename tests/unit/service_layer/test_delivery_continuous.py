"""deliver_continuously, the worker's loop, on the fakes: each message settled as its answer
comes, claiming while slow sends are in flight, and what a worker holds bounded."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import Counter
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, cast

import pytest

from tellonce.service_layer.delivery import DeliveryRound, DeliveryService, deliver_continuously
from tellonce.service_layer.ports.pusher import OutgoingWebhook, PushResult
from tests.fakes import FakeDatabase, FakeUnitOfWork, RecordingPusher
from tests.support.fake_world import World

pytestmark = pytest.mark.anyio
POLL = 0.01


@dataclass
class HangingPusher(RecordingPusher):
    """Answers at once, except that pushes to ``hanging`` wait until ``release`` is set."""

    hanging: str = "dwp"
    release: asyncio.Event = field(default_factory=asyncio.Event)
    waiting: int = 0
    most_waiting: int = 0

    async def send(self, webhook: OutgoingWebhook) -> PushResult:
        if webhook.url.endswith("/" + self.hanging):
            self.waiting += 1
            self.most_waiting = max(self.most_waiting, self.waiting)
            try:
                await self.release.wait()
            finally:
                self.waiting -= 1
        return await super().send(webhook)


def states(world: World) -> Counter[tuple[str, str]]:
    return Counter((d.recipient_id, d.state) for d in world.database.tables.disclosures.values())


async def eventually(condition: object, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, f"timed out: {condition}"
        await asyncio.sleep(0.01)


def started(delivery: DeliveryService) -> tuple[asyncio.Event, asyncio.Task[DeliveryRound]]:
    """The worker's loop, running: set the event to stop it, await the task for its totals."""
    stop = asyncio.Event()
    return stop, asyncio.create_task(deliver_continuously(delivery, stop, poll=POLL))


class OneAtATime:
    """Units of work of the fake database, one at a time: the loop claims and settles in
    threads side by side, and the fake does not model isolation (the last commit wins)."""

    def __init__(self, database: FakeDatabase, lock: threading.Lock, down: threading.Event) -> None:
        self._uow = database.uow()
        self._lock = lock
        self._down = down  # while set, every unit of work fails as the database would

    def __enter__(self) -> FakeUnitOfWork:
        if self._down.is_set():
            raise ConnectionError("the database went away")
        self._lock.acquire()
        return self._uow.__enter__()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self._uow.__exit__(kind, exc, tb)
        finally:
            self._lock.release()


@pytest.fixture(autouse=True)
def database_down(world: World, delivery: DeliveryService) -> threading.Event:
    """Set it and the database has gone away (for every unit of work the loop begins)."""
    lock, down = threading.Lock(), threading.Event()
    delivery.uow_factory = cast(Any, lambda: OneAtATime(world.database, lock, down))
    return down


@pytest.fixture
def hanging(delivery: DeliveryService) -> HangingPusher:
    pusher = HangingPusher()
    delivery.pusher = pusher
    return pusher


async def test_a_hanging_receiver_delays_nobody_else(
    world: World, delivery: DeliveryService, hanging: HangingPusher
) -> None:
    world.submit()
    stop, loop = started(delivery)
    await eventually(lambda: states(world)[("dvla", "delivered")] == 1)
    # A report submitted while dwp's push hangs: dvla has it at once, without waiting for dwp.
    world.submit()
    await eventually(lambda: states(world)[("dvla", "delivered")] == 2)
    assert hanging.waiting == 2
    assert states(world)[("dwp", "delivered")] == 0
    hanging.release.set()
    await eventually(lambda: states(world)[("dwp", "delivered")] == 2)
    stop.set()
    totals = await loop
    assert (totals.claimed, totals.delivered) == (4, 4)
    assert not world.database.tables.attempts[-1:] or all(
        a.verdict == "delivered" for a in world.database.tables.attempts
    )


async def test_a_recipient_at_its_bound_gets_no_more_claims_until_some_settle(
    world: World, delivery: DeliveryService, hanging: HangingPusher
) -> None:
    delivery.in_flight_per_recipient = 2
    delivery.batch_size = 1  # one message a claim: the bound is then exact
    for _ in range(5):
        world.submit()
    stop, loop = started(delivery)
    await eventually(lambda: states(world)[("dvla", "delivered")] == 5)
    await asyncio.sleep(0.05)
    assert hanging.most_waiting == 2  # dwp's other three stay queued, unclaimed
    leased = [q for q in world.database.tables.queue.values() if q.lease_owner is not None]
    assert len(leased) == 2
    hanging.release.set()
    await eventually(lambda: states(world)[("dwp", "delivered")] == 5)
    stop.set()
    assert (await loop).delivered == 10


async def test_stop_settles_what_is_in_flight(
    world: World, delivery: DeliveryService, hanging: HangingPusher
) -> None:
    world.submit()
    stop, loop = started(delivery)
    await eventually(lambda: hanging.waiting == 1)
    stop.set()
    await asyncio.sleep(0.05)
    assert not loop.done()  # it waits for dwp's answer, then settles it
    hanging.release.set()
    totals = await loop
    assert totals.delivered == 2
    assert states(world)[("dwp", "delivered")] == 1


async def test_cancelled_it_leaves_the_claims_held_for_handing_back(
    world: World, delivery: DeliveryService, hanging: HangingPusher
) -> None:
    world.submit()
    _, loop = started(delivery)  # cancelled, not stopped
    await eventually(lambda: hanging.waiting == 1)
    await eventually(lambda: states(world)[("dvla", "delivered")] == 1)
    loop.cancel()
    with pytest.raises(asyncio.CancelledError):
        await loop
    assert hanging.waiting == 0  # the send was cancelled too
    [held] = [q for q in world.database.tables.queue.values() if q.lease_owner is not None]
    assert world.database.tables.disclosures[held.disclosure_id].recipient_id == "dwp"
    assert states(world)[("dwp", "delivered")] == 0


async def test_until_idle_returns_when_nothing_is_due(
    world: World, delivery: DeliveryService, pusher: RecordingPusher
) -> None:
    for _ in range(3):
        world.submit()
    totals = await deliver_continuously(delivery, asyncio.Event(), poll=POLL, until_idle=True)
    assert (totals.claimed, totals.delivered) == (6, 6)
    assert len(pusher.sent) == 6


async def test_a_settlement_that_fails_is_settled_again_when_the_database_is_back(
    world: World,
    delivery: DeliveryService,
    hanging: HangingPusher,
    database_down: threading.Event,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """docs/reliability.md, finding 7: an answer whose settlement failed because the database
    went away is settled once it is back, not left leased until its lease runs out (the fake
    clock never moves, so no lease runs out here), and it is not sent again."""
    world.submit()
    stop, loop = started(delivery)
    await eventually(lambda: hanging.waiting == 1)
    await eventually(lambda: states(world)[("dvla", "delivered")] == 1)
    database_down.set()
    with caplog.at_level(logging.WARNING, logger="tellonce"):
        hanging.release.set()  # dwp answers while the database is away
        await eventually(lambda: "delivery settlement failed" in caplog.text)
    assert states(world)[("dwp", "delivered")] == 0
    database_down.clear()
    await eventually(lambda: states(world)[("dwp", "delivered")] == 1)
    assert not [q for q in world.database.tables.queue.values() if q.lease_owner is not None]
    stop.set()
    assert (await loop).delivered == 2
    assert [w.url.rsplit("/", 1)[-1] for w in hanging.sent].count("dwp") == 1
