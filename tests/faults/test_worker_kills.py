"""Delivery workers SIGKILLed at random moments while several race on PostgreSQL: nothing is
lost, and a disclosure arrives twice only as a retry of the same message (``webhook-id``)."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiohttp import web

from tellonce.adapters.database.schema import delivery_queue
from tellonce.bootstrap import Hub
from tests.support.faults import (
    Citizen,
    Counts,
    FaultReceiver,
    Processes,
    Tally,
    connect_all,
    hub_environment,
    push_recipients,
    queue_empty,
    queue_summary,
    reconcile,
)

pytestmark = pytest.mark.faults


def holds_claims(hub: Hub, pid: int) -> bool:
    """Whether the worker with this process id holds leased messages right now (its name is
    host-pid-random)."""
    with hub.engine.connect() as connection:
        return bool(
            connection.execute(
                sa.select(sa.func.count())
                .select_from(delivery_queue)
                .where(
                    delivery_queue.c.lease_owner.like(f"%-{pid}-%"),
                    delivery_queue.c.lease_expires_at > hub.clock.now(),
                )
            ).scalar_one()
        )


def test_workers_killed_mid_batch_lose_nothing(pg_hub: Hub, tmp_path: Path, counts: Counts) -> None:
    hub = pg_hub
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    tally = Tally("worker SIGKILLs mid-batch", "postgresql", extra={"seed": seed})
    started = time.monotonic()

    async def a_little_slow(_: web.Request, __: int) -> web.StreamResponse:
        await asyncio.sleep(0.02 + 0.08 * random.random())  # batches stay on the wire a while
        return web.Response(status=204)

    receiver = FaultReceiver()
    logs = tmp_path / "logs"
    logs.mkdir()
    recipients = push_recipients(hub)
    with receiver.running(recipients):
        receiver.behaviours = dict.fromkeys(recipients, a_little_slow)
        connect_all(hub, receiver, recipients)
        environment = hub_environment(
            hub,
            tmp_path,
            TELLONCE_DELIVERY_LEASE_SECONDS="4",  # a killed worker's claims return soon
        )
        processes = Processes(environment, logs)
        accepted: set[str] = set()
        refused: list[int] = []
        try:
            _server, url = processes.server()
            workers = [processes.worker() for _ in range(counts.workers)]
            citizen = Citizen(url, hub.clock.now().date())
            processes.closing.append(citizen.close)

            def submit_all() -> None:
                for _ in range(counts.reports):
                    response = citizen.submit()
                    if response.status_code == 201:
                        accepted.add(response.json()["reference"])
                    else:
                        refused.append(response.status_code)

            submitter = threading.Thread(target=submit_all)
            submitter.start()
            deadline = time.monotonic() + 120 + counts.reports * 0.5
            while submitter.is_alive() or not queue_empty(hub.engine):
                assert time.monotonic() < deadline, (
                    f"delivery did not finish: {queue_summary(hub.engine)}; "
                    f"{len(receiver.arrivals)} arrivals, {len(accepted)} accepted"
                )
                time.sleep(rng.uniform(0.05, 0.4))
                if tally.faults >= counts.kills:
                    continue
                victim = rng.randrange(len(workers))
                if not holds_claims(hub, workers[victim].pid):
                    continue  # a kill between batches would prove less
                workers[victim].kill()
                workers[victim].wait(timeout=10)
                workers[victim] = processes.worker()
                tally.faults += 1
            submitter.join()
        finally:
            processes.stop_all()
        tally.seconds = round(time.monotonic() - started, 1)
        assert not refused, f"submissions refused: {refused}"
        assert len(accepted) == counts.reports
        # The kills land while claims are held; with few reports the queue can drain first.
        assert tally.faults >= (counts.kills if counts.full else 1), tally
        reconcile(hub.engine, receiver, accepted, tally)
