"""Intake under faults: the API server SIGKILLed during a stream of submissions, and the same
Idempotency-Key sent many times at once. A client that retries with its key never makes two
reports, and nothing acknowledged is missing or half-written."""

from __future__ import annotations

import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

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
    wait_for,
    wait_up,
)
from tests.support.processes import free_port

pytestmark = pytest.mark.faults


def submit_until_accepted(citizen: Citizen, key: str, deadline: float) -> tuple[str, int]:
    """What a careful client does: on no answer, a 5xx or a 409 in progress, the same request
    again with the same key. Returns the reference and how many tries it took."""
    tries = 0
    while True:
        tries += 1
        assert time.monotonic() < deadline, f"key {key} never accepted"
        try:
            response = citizen.submit(key)
        except httpx.TransportError:
            time.sleep(0.05)
            continue
        if response.status_code in (200, 201):
            return response.json()["reference"], tries
        assert response.status_code in (409, 500, 502, 503), response.text
        time.sleep(0.05)


def test_the_api_server_killed_mid_stream_leaves_nothing_half_written(
    pg_hub: Hub, tmp_path: Path, counts: Counts
) -> None:
    hub = pg_hub
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    tally = Tally("API server SIGKILLs during submissions", "postgresql", extra={"seed": seed})
    receiver = FaultReceiver()
    logs = tmp_path / "logs"
    logs.mkdir()
    started = time.monotonic()
    recipients = push_recipients(hub)
    with receiver.running(recipients):
        connect_all(hub, receiver, recipients)
        processes = Processes(hub_environment(hub, tmp_path), logs)
        accepted: dict[str, str] = {}
        retried = 0
        try:
            port = free_port()
            server, url = processes.server(port)
            processes.worker()
            citizen = Citizen(url, hub.clock.now().date(), timeout=10)
            processes.closing.append(citizen.close)
            reports = max(40, counts.reports // 2)
            deadline = time.monotonic() + 120 + reports

            def submit_all() -> None:
                nonlocal retried
                for _ in range(reports):
                    key = uuid.uuid4().hex
                    reference, tries = submit_until_accepted(citizen, key, deadline)
                    accepted[key] = reference
                    retried += tries > 1

            submitter = threading.Thread(target=submit_all)
            submitter.start()
            while submitter.is_alive() and tally.faults < counts.server_kills:
                time.sleep(rng.uniform(0.3, 1.2))
                server.kill()  # SIGKILL: mid-request, mid-transaction, wherever it was
                server.wait(timeout=10)
                tally.faults += 1
                server = processes.start("serve", "--port", str(port), name="serve")
                wait_up(server, url)
            submitter.join()
            wait_for(
                lambda: queue_empty(hub.engine),
                timeout=120,
                what="delivery",
                explain=lambda: f"{queue_summary(hub.engine)}\n{processes.log_tails(40)}",
            )
        finally:
            processes.stop_all()
    tally.seconds = round(time.monotonic() - started, 1)
    tally.extra["submissions_retried"] = retried
    assert tally.faults >= 1
    # One report per key, whatever the kills did: no key made two, none was lost.
    assert len(set(accepted.values())) == len(accepted)
    reconcile(hub.engine, receiver, set(accepted.values()), tally)
    assert tally.reports == len(accepted), "a report stored that no client was told of"


def test_the_same_idempotency_key_at_once_makes_one_report(any_hub: Hub, tmp_path: Path) -> None:
    hub = any_hub
    backend = hub.engine.dialect.name
    tally = Tally("concurrent duplicate Idempotency-Key", backend)
    logs = tmp_path / "logs"
    logs.mkdir()
    processes = Processes(hub_environment(hub, tmp_path), logs)
    outcomes: list[int] = []
    references: set[str] = set()
    try:
        _server, url = processes.server()
        citizen = Citizen(url, hub.clock.now().date())
        processes.closing.append(citizen.close)
        deadline = time.monotonic() + 60
        for _ in range(5):
            key = uuid.uuid4().hex

            def once(key: str = key) -> tuple[int, str | None]:
                response = citizen.submit(key)
                ok = response.status_code in (200, 201)
                return response.status_code, response.json()["reference"] if ok else None

            with ThreadPoolExecutor(8) as pool:
                answers = list(pool.map(lambda _: once(), range(8)))
            outcomes += [status for status, _ in answers]
            assert {s for s, _ in answers} <= {200, 201, 409}, answers
            firsts = {r for _, r in answers if r is not None}
            # Those told "in progress" retry, and get the one report too.
            settled = submit_until_accepted(citizen, key, deadline)[0]
            assert firsts <= {settled}, answers
            references.add(settled)
    finally:
        processes.stop_all()
    tally.faults = len(outcomes)
    tally.reports = len(references)
    tally.extra = {"answers": {str(s): outcomes.count(s) for s in sorted(set(outcomes))}}
    tally.publish()
    assert len(references) == 5
    with hub.engine.connect() as connection:
        from tellonce.adapters.database.schema import reports

        stored = connection.execute(reports.select()).all()
    assert len(stored) == 5  # eight at once, five times: five reports
