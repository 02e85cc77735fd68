"""Concurrency: worker processes share the queue safely; the feed never skips."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tellonce.adapters.clock import SystemClock
from tellonce.adapters.database.schema import delivery_queue, disclosures
from tellonce.bootstrap import Hub
from tellonce.entrypoints.demo.receivers import ReceiverServer
from tellonce.service_layer.feed import read_feed
from tellonce.service_layer.ports import Clock
from tellonce.service_layer.reporting import (
    ReportDraft,
    ReportSubmission,
    preview_report,
    submit_report,
)
from tests.support.api import draft, signed_in_account
from tests.support.delivery import connect, submit_move


@pytest.fixture
def clock() -> Clock:
    """These tests race real worker processes, which read the system clock: the hub shares it, so
    the tests hold whatever the date (a fake clock's fixed day would be past or future to them)."""
    return SystemClock()


def worker_environment(hub: Hub, tmp_path: Path) -> dict[str, str]:
    settings = hub.settings
    assert settings.master_keys is not None and settings.index_key is not None
    return {
        **os.environ,
        "TELLONCE_MODE": "development",
        "TELLONCE_DATA_DIR": str(tmp_path),
        "TELLONCE_DATABASE_URL": hub.engine.url.render_as_string(hide_password=False),
        "TELLONCE_MASTER_KEYS": settings.master_keys.get_secret_value(),
        "TELLONCE_INDEX_KEY": settings.index_key.get_secret_value(),
        "TELLONCE_WORKER_POLL_SECONDS": "0.1",
    }


def queue_size(hub: Hub) -> int:
    with hub.engine.connect() as connection:
        return int(
            connection.execute(sa.select(sa.func.count()).select_from(delivery_queue)).scalar_one()
        )


def test_two_worker_processes_never_deliver_a_disclosure_twice(
    client: TestClient, hub: Hub, tmp_path: Path
) -> None:
    for _ in range(30):
        submit_move(client, today=hub.clock.now().date())
    environment = worker_environment(hub, tmp_path)
    with ReceiverServer() as receiver:
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "tellonce", "worker"],
                env=environment,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        logs: list[list[str]] = [[], []]
        readers = [
            threading.Thread(target=lambda w=w, log=log: log.extend(w.stderr), daemon=True)
            for w, log in zip(workers, logs, strict=True)
        ]
        for reader in readers:
            reader.start()
        try:
            # Nothing is claimable until the endpoints exist: wait until both workers run, so
            # they really compete for the same rows.
            deadline = time.monotonic() + 60
            while not all(any("started" in line for line in log) for log in logs):
                assert time.monotonic() < deadline, logs
                time.sleep(0.1)
            connect(hub, receiver)
            while queue_size(hub) and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            for worker in workers:
                worker.terminate()
                worker.wait(timeout=30)
            for reader in readers:
                reader.join(timeout=10)
            for worker in workers:
                assert worker.stderr is not None
                worker.stderr.close()
        assert queue_size(hub) == 0, logs
        received = Counter(r.webhook_id for r in receiver.state.received)
    assert len(received) == 150
    assert received.most_common(1)[0][1] == 1  # nobody got anything twice


def test_the_feed_never_skips_under_concurrent_submissions(hub: Hub) -> None:
    from tellonce.service_layer.catalogue import load_catalogue
    from tests.factories import small_catalogue

    load_catalogue(small_catalogue(), uow=hub.uow(), clock=hub.clock)
    body = draft(today=hub.clock.now().date(), holds_driving_licence=True)
    plan = preview_report(
        ReportDraft(body["event_type"], body["payload"], body["answers"]),
        uow=hub.uow(),
        clock=hub.clock,
    )
    submitted: list[str] = []
    lock = threading.Lock()

    def submitter(name: str) -> None:
        account = signed_in_account(hub, name)
        for _ in range(15):
            result = submit_report(
                ReportSubmission(
                    ReportDraft(body["event_type"], body["payload"], body["answers"]),
                    consents={"charity-newsletter": True},
                    preview_digest=plan.digest(),
                    method="api",
                ),
                account=account,
                uow_factory=hub.uow,
                vault=hub.vault,
                clock=hub.clock,
            )
            with lock:
                submitted.append(result.report.reference)

    threads = [threading.Thread(target=submitter, args=(f"c{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    seen: list[str] = []
    cursor: str | None = None
    while True:
        running = any(t.is_alive() for t in threads)
        page = read_feed(
            "a-charity",
            cursor,
            limit=7,
            unacknowledged_only=False,
            uow_factory=hub.uow,
            clock=hub.clock,
            events=hub.events,
        )
        seen += [e["data"]["report_reference"] for e in page.events]
        cursor = page.next_cursor
        if not running and not page.has_more and not page.events:
            break
    for thread in threads:
        thread.join()
    assert len(submitted) == 60
    assert sorted(seen) == sorted(submitted)  # every one, exactly once
    with hub.engine.connect() as connection:
        positions = (
            connection.execute(
                sa.select(disclosures.c.feed_position).where(
                    disclosures.c.recipient_id == "a-charity"
                )
            )
            .scalars()
            .all()
        )
    assert len(set(positions)) == 60


def test_a_worker_process_killed_mid_batch_loses_nothing_and_resends_with_the_same_ids(
    client: TestClient, hub: Hub, tmp_path: Path
) -> None:
    for _ in range(4):
        submit_move(client, today=hub.clock.now().date())
    environment = {**worker_environment(hub, tmp_path), "TELLONCE_DELIVERY_LEASE_SECONDS": "2"}

    def slow(_: str, __: int) -> tuple[int, dict[str, str]]:
        time.sleep(0.2)  # one request at a time: the batch is still on the wire when killed
        return 204, {}

    def start_worker() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "tellonce", "worker"],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    with ReceiverServer() as receiver:
        receiver.state.behaviour = slow
        connect(hub, receiver)
        doomed = start_worker()
        deadline = time.monotonic() + 60
        while len(receiver.state.received) < 3:
            assert time.monotonic() < deadline, "the first worker sent nothing"
            time.sleep(0.02)
        doomed.kill()  # SIGKILL: no clean-up, its claims stay leased
        doomed.wait(timeout=10)
        first = {r.webhook_id for r in receiver.state.received}
        assert queue_size(hub) > 0, "killed too late: the batch was already settled"
        survivor = start_worker()
        try:
            while queue_size(hub) and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            survivor.terminate()
            survivor.wait(timeout=30)
        assert queue_size(hub) == 0
        received = list(receiver.state.received)
    by_id: dict[str, list[dict[str, object]]] = {}
    for r in received:
        by_id.setdefault(r.webhook_id, []).append(r.event)
    assert len(by_id) == 20  # every disclosure arrived
    assert first <= set(by_id)
    for events in by_id.values():  # a repeat is the same message again, never a different one
        assert all(event == events[0] for event in events)
    assert any(len(events) > 1 for events in by_id.values())  # the kill really cost a resend
    with hub.engine.connect() as connection:
        delivered = connection.execute(
            sa.select(sa.func.count())
            .select_from(disclosures)
            .where(disclosures.c.delivered_at.is_not(None))
        ).scalar_one()
    assert delivered == 20
