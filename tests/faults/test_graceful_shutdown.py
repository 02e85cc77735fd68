"""SIGTERM: a worker finishes its batch or hands back its claims within the grace period; the
server answers the requests it has begun before it exits."""

from __future__ import annotations

import asyncio
import json
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from aiohttp import web

from tellonce.adapters.database.schema import delivery_queue
from tellonce.bootstrap import Hub
from tests.support.faults import (
    Citizen,
    FaultReceiver,
    Processes,
    Tally,
    connect_all,
    hub_environment,
    push_recipients,
    queue_empty,
    queue_summary,
    reconcile,
    wait_for,
)

pytestmark = pytest.mark.faults
GRACE = 3.0


def leased(hub: Hub) -> int:
    with hub.engine.connect() as connection:
        return int(
            connection.execute(
                sa.select(sa.func.count())
                .select_from(delivery_queue)
                .where(delivery_queue.c.lease_owner.is_not(None))
            ).scalar_one()
        )


@pytest.mark.parametrize("answer_seconds", [1.0, 30.0], ids=["finishes", "hands-back"])
def test_a_worker_stops_within_its_grace_on_sigterm(
    pg_hub: Hub, tmp_path: Path, answer_seconds: float
) -> None:
    hub = pg_hub
    finishes = answer_seconds < GRACE
    tally = Tally(f"worker SIGTERM ({'finishes' if finishes else 'hands back'})", "postgresql")
    hanging = threading.Event()

    async def slow(_: web.Request, __: int) -> web.StreamResponse:
        if hanging.is_set():
            await asyncio.sleep(answer_seconds)
        return web.Response(status=204)

    recipients = push_recipients(hub)
    receiver = FaultReceiver(behaviours=dict.fromkeys(recipients, slow))
    logs = tmp_path / "logs"
    logs.mkdir()
    environment = hub_environment(hub, tmp_path, TELLONCE_SHUTDOWN_GRACE_SECONDS=str(GRACE))
    with receiver.running(recipients):
        connect_all(hub, receiver, recipients)
        processes = Processes(environment, logs)
        accepted: set[str] = set()
        try:
            _server, url = processes.server()
            citizen = Citizen(url, hub.clock.now().date())
            processes.closing.append(citizen.close)
            hanging.set()
            for _ in range(4):
                response = citizen.submit()
                assert response.status_code == 201
                accepted.add(response.json()["reference"])
            worker = processes.worker()
            wait_for(lambda: leased(hub) > 0, timeout=60, what="a batch on the wire")
            time.sleep(0.3)
            signalled = time.monotonic()
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=GRACE + 15)
            stopped_in = time.monotonic() - signalled
            tally.faults = 1
            assert worker.returncode == 0
            # The bound: the grace, then handing back and closing, on a loaded machine.
            assert stopped_in < GRACE + 10, stopped_in
            assert leased(hub) == 0, "claims left leased after a clean stop"
            log = (logs / "worker-1.log").read_text()
            assert ("cleanly" if finishes else "cut short") in log, log
            hanging.clear()
            processes.worker()  # the claims handed back are taken at once, not after a lease
            wait_for(
                lambda: queue_empty(hub.engine),
                timeout=60,
                what="delivery by the next worker",
                explain=lambda: f"{queue_summary(hub.engine)}\n{processes.log_tails(40)}",
            )
        finally:
            processes.stop_all()
    tally.extra = {"stopped_in_s": round(stopped_in, 2), "grace_s": GRACE}
    reconcile(hub.engine, receiver, accepted, tally)


def slow_body(body: bytes, pieces: int, pause: float, sent: threading.Event) -> Iterator[bytes]:
    size = len(body) // pieces + 1
    for i in range(0, len(body), size):
        yield body[i : i + size]
        sent.set()
        time.sleep(pause)


def test_the_server_answers_requests_in_progress_before_it_exits(
    pg_hub: Hub, tmp_path: Path
) -> None:
    hub = pg_hub
    logs = tmp_path / "logs"
    logs.mkdir()
    processes = Processes(hub_environment(hub, tmp_path), logs)
    try:
        server, url = processes.server()
        citizen = Citizen(url, hub.clock.now().date())
        processes.closing.append(citizen.close)
        body = json.dumps(citizen.body).encode()
        started = threading.Event()
        answer: list[httpx.Response] = []

        def upload() -> None:
            answer.append(
                citizen.http.post(
                    "/api/v1/reports",
                    content=slow_body(body, 4, 0.5, started),
                    headers={"Content-Type": "application/json", "Idempotency-Key": "drain"},
                )
            )

        uploader = threading.Thread(target=upload)
        uploader.start()
        assert started.wait(timeout=10)
        server.send_signal(signal.SIGTERM)  # mid-upload: the request has begun
        uploader.join(timeout=30)
        server.wait(timeout=30)
    finally:
        processes.stop_all()
    assert answer and answer[0].status_code == 201, answer
    # uvicorn exits by re-raising the signal once it has drained.
    assert server.returncode in (0, -signal.SIGTERM)
    with hub.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM reports")).scalar_one() == 1
