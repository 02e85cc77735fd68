"""A worker's clock stepped forward and back while it delivers (as NTP steps a wall clock):
nothing is lost, nothing is sent twice, and a clock behind the servers' delays delivery by
about its lag, no more.

The worker is the real one (``run_worker``: its lanes, leases, heartbeat) in this process,
on a clock that is the system's plus an offset the test steps; reports come through the API
on the system clock. (libfaketime would step a separate process's clock, but a worker under it
stalled until the offset returned to zero, for reasons not yet understood: see
docs/reliability.md.)
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tellonce.adapters.clock import SystemClock
from tellonce.adapters.database.schema import delivery_attempts
from tellonce.bootstrap import Hub
from tellonce.entrypoints.asgi import create_app
from tellonce.entrypoints.worker import run_worker
from tests.support.delivery import submit_move
from tests.support.faults import (
    Counts,
    FaultReceiver,
    Tally,
    connect_all,
    push_recipients,
    queue_empty,
    queue_summary,
    reconcile,
    wait_for,
)

pytestmark = pytest.mark.faults
# Within the five minutes receivers allow a webhook-timestamp (docs/webhooks.md): a worker
# further off has every push refused as a replay (401, not retried: dead-lettered).
STEPS = (timedelta(seconds=120), timedelta(0), timedelta(seconds=-45), timedelta(0))


class SteppedClock:
    """The system clock plus an offset that the test steps."""

    def __init__(self) -> None:
        self.offset = timedelta(0)
        self._system = SystemClock()

    def now(self) -> datetime:
        return self._system.now() + self.offset


def test_a_worker_clock_stepped_forward_and_back_loses_nothing(
    any_hub: Hub, tmp_path: Path, counts: Counts
) -> None:
    hub = any_hub
    tally = Tally("worker clock stepped forward and back", hub.engine.dialect.name)
    stepped = SteppedClock()
    settings = hub.settings.model_copy(update={"worker_poll_seconds": 0.1})
    worker_hub = Hub(settings=settings, engine=hub.engine, vault=hub.vault, clock=stepped)
    recipients = push_recipients(hub)
    receiver = FaultReceiver()
    accepted: dict[str, float] = {}
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    worker = threading.Thread(target=lambda: loop.run_until_complete(run_worker(worker_hub, stop)))
    with receiver.running(recipients), TestClient(create_app(hub)) as client:
        connect_all(hub, receiver, recipients)
        worker.start()
        try:
            pause = 10.0 if counts.full else 2.5
            for step in STEPS:
                stepped.offset = step
                tally.faults += 1
                ends = time.monotonic() + pause
                while time.monotonic() < ends:
                    report = submit_move(client, today=hub.clock.now().date())
                    accepted[report["reference"]] = time.time()
                    time.sleep(0.2)
            wait_for(
                lambda: queue_empty(hub.engine),
                timeout=120,
                what="delivery after the clock settled",
                explain=lambda: queue_summary(hub.engine),
            )
        finally:
            loop.call_soon_threadsafe(stop.set)
            worker.join(timeout=30)
            loop.close()
    with hub.engine.connect() as connection:
        stamps = connection.execute(sa.select(delivery_attempts.c.attempted_at)).scalars().all()
    # The steps took: attempts are stamped up to two minutes ahead and 45 s behind.
    now = hub.clock.now()
    assert any(s > now + timedelta(seconds=60) for s in stamps)
    waits = [a.at - accepted[a.event["data"]["report_reference"]] for a in receiver.accepted()]
    tally.extra = {
        "steps_s": [s.total_seconds() for s in STEPS],
        "max_wait_s": round(max(waits), 2),
    }
    reconcile(hub.engine, receiver, set(accepted), tally)
    assert tally.duplicates == 0
    # A worker 45 s behind sees new messages as due 45 s late: about that long, no longer.
    assert max(waits) < 45 + 10, tally.extra
