"""The database going away under load: PostgreSQL stopped and restarted (a cluster of the
test's own), and SQLite locked by another process. The API answers 503 problem+json with
Retry-After meanwhile, recovers by itself, and nothing is lost or corrupted."""

from __future__ import annotations

import contextlib
import errno
import shutil
import sqlite3
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tellonce.adapters.clock import SystemClock
from tellonce.adapters.database.engine import create_database_engine
from tellonce.adapters.database.migrate import upgrade
from tellonce.bootstrap import Hub, build_vault
from tellonce.service_layer.catalogue import load_catalogue
from tests.factories import small_catalogue
from tests.support.databases import make_settings, migrated_database
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
)
from tests.support.own_postgres import own_postgres

pytestmark = pytest.mark.faults


def fill_all_but(filler: Path, spare: int) -> None:
    """Fills the filesystem holding `filler` up to `spare` bytes. The hub writes to the same disk
    meanwhile (its worker, its WAL), so fill until the disk refuses, then give `spare` back."""
    chunk = b"\0" * (1024 * 1024)
    with filler.open("wb", buffering=0) as out:
        while True:
            try:
                out.write(chunk)
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
                if len(chunk) <= 4096:
                    break
                chunk = chunk[: len(chunk) // 2]
    with filler.open("r+b") as out:
        out.truncate(max(filler.stat().st_size - spare, 0))


class CarefulClient:
    """Submits with a key and retries on no answer, 503 or 409, noting every answer."""

    def __init__(self, citizen: Citizen) -> None:
        self.citizen = citizen
        self.answers: Counter[str] = Counter()
        self.unavailable: list[httpx.Response] = []

    def submit(self, deadline: float) -> str:
        key = uuid.uuid4().hex
        while True:
            assert time.monotonic() < deadline, f"key {key} never accepted: {self.answers}"
            try:
                response = self.citizen.submit(key)
            except httpx.TransportError as error:
                self.answers[type(error).__name__] += 1
                time.sleep(0.1)
                continue
            self.answers[str(response.status_code)] += 1
            if response.status_code in (200, 201):
                return str(response.json()["reference"])
            assert response.status_code in (409, 503), response.text
            if response.status_code == 503:
                self.unavailable.append(response)
            time.sleep(0.1)


def test_postgresql_stopped_and_restarted_under_load(tmp_path: Path, counts: Counts) -> None:
    tally = Tally("PostgreSQL stopped and restarted under load", "postgresql")
    started = time.monotonic()
    with own_postgres() as cluster:
        engine = create_database_engine(cluster.url)
        upgrade(engine)
        settings = make_settings(tmp_path, cluster.url)
        hub = Hub(
            settings=settings, engine=engine, vault=build_vault(settings), clock=SystemClock()
        )
        load_catalogue(small_catalogue(), uow=hub.uow(), clock=hub.clock)
        receiver = FaultReceiver()
        recipients = push_recipients(hub)
        logs = tmp_path / "logs"
        logs.mkdir()
        accepted: set[str] = set()
        ready_while_down: list[int] = []
        with receiver.running(recipients):
            connect_all(hub, receiver, recipients)
            # Claims a worker held when the database went away come back after the lease
            # (its settlement failed with the connection): a short lease, so the test waits
            # seconds for them, not the default ten minutes (docs/reliability.md).
            environment = hub_environment(hub, tmp_path, TELLONCE_DELIVERY_LEASE_SECONDS="15")
            processes = Processes(environment, logs)
            try:
                _server, url = processes.server()
                processes.worker()
                processes.worker()
                client = CarefulClient(Citizen(url, hub.clock.now().date(), timeout=15))
                processes.closing.append(client.citizen.close)
                reports = max(30, counts.reports // 3)
                # Keys in flight when it stopped stay locked for two minutes (docs/operations.md).
                deadline = time.monotonic() + 240 + reports

                def submit_all() -> None:
                    for _ in range(reports):
                        accepted.add(client.submit(deadline))
                        time.sleep(0.05)

                submitter = threading.Thread(target=submit_all)
                submitter.start()
                wait_for(lambda: len(accepted) >= reports // 3, timeout=60, what="first reports")
                cluster.stop("fast")
                tally.faults += 1
                time.sleep(2)
                ready_while_down.append(httpx.get(f"{url}/readyz", timeout=10).status_code)
                time.sleep(1)
                cluster.start()
                submitter.join()
                wait_for(
                    lambda: queue_empty(engine),
                    timeout=120,
                    what="delivery after the restart",
                    explain=lambda: f"{queue_summary(engine)}\n{processes.log_tails(40)}",
                )
            finally:
                processes.stop_all()
            tally.seconds = round(time.monotonic() - started, 1)
            tally.extra = {"answers": dict(client.answers)}
            assert ready_while_down == [503]
            assert client.unavailable, f"no 503 while the database was down: {client.answers}"
            for response in client.unavailable:
                assert response.headers["content-type"] == "application/problem+json"
                assert int(response.headers["retry-after"]) > 0
                assert response.json()["type"] == "/problems/service-unavailable"
            reconcile(engine, receiver, accepted, tally)
            assert tally.reports == len(accepted)
        engine.dispose()


def test_a_sqlite_database_locked_for_seconds_answers_503_then_recovers(
    sqlite_hub: Hub, tmp_path: Path
) -> None:
    hub = sqlite_hub
    tally = Tally("SQLite file locked for seconds", "sqlite")
    database = hub.engine.url.database
    assert database is not None
    logs = tmp_path / "logs"
    logs.mkdir()
    receiver = FaultReceiver()
    recipients = push_recipients(hub)
    with receiver.running(recipients):
        connect_all(hub, receiver, recipients)
        environment = hub_environment(
            hub,
            tmp_path,
            TELLONCE_IN_PROCESS_WORKER="true",
            TELLONCE_SQLITE_BUSY_TIMEOUT_SECONDS="1",
        )
        processes = Processes(environment, logs)
        accepted: set[str] = set()
        try:
            _server, url = processes.server()
            client = CarefulClient(Citizen(url, hub.clock.now().date(), timeout=15))
            processes.closing.append(client.citizen.close)
            deadline = time.monotonic() + 90
            accepted.add(client.submit(deadline))
            # Another process takes the write lock and holds it for three seconds.
            holder = sqlite3.connect(database, timeout=10, isolation_level=None)
            holder.execute("BEGIN EXCLUSIVE")
            tally.faults += 1
            locked_at = time.monotonic()
            try:
                while time.monotonic() - locked_at < 3:
                    response = client.citizen.submit()
                    client.answers[str(response.status_code)] += 1
                    if response.status_code == 503:
                        client.unavailable.append(response)
            finally:
                holder.execute("ROLLBACK")
                holder.close()
            for _ in range(5):
                accepted.add(client.submit(deadline))
            wait_for(
                lambda: queue_empty(hub.engine),
                timeout=60,
                what="delivery",
                explain=lambda: f"{queue_summary(hub.engine)}\n{processes.log_tails(40)}",
            )
        finally:
            processes.stop_all()
    tally.extra = {"answers": dict(client.answers)}
    assert client.unavailable, client.answers
    assert set(client.answers) <= {"201", "503"}, client.answers
    for response in client.unavailable:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["retry-after"] == "5"
    with hub.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
    reconcile(hub.engine, receiver, accepted, tally)
    assert tally.reports == len(accepted)  # a 503 accepted nothing


@contextlib.contextmanager
def small_disk(folder: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``folder`` (needs root; skipped where mounting is not
    allowed, as in an unprivileged container)."""
    folder.mkdir()
    mounted = subprocess.run(  # noqa: S603 - fixed program, no shell
        [
            shutil.which("mount") or "mount",
            "-t",
            "tmpfs",
            "-o",
            f"size={size}",
            "tmpfs",
            str(folder),
        ],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run([shutil.which("umount") or "umount", "-l", str(folder)], check=False)  # noqa: S603


def test_a_full_disk_answers_503_without_corruption_then_recovers(tmp_path: Path) -> None:
    tally = Tally("SQLite disk full", "sqlite")
    with (
        small_disk(tmp_path / "disk", "8m") as disk,
        migrated_database("sqlite", disk) as engine,
    ):
        settings = make_settings(tmp_path, engine.url.render_as_string(hide_password=False))
        hub = Hub(
            settings=settings, engine=engine, vault=build_vault(settings), clock=SystemClock()
        )
        load_catalogue(small_catalogue(), uow=hub.uow(), clock=hub.clock)
        recipients = push_recipients(hub)
        receiver = FaultReceiver()
        logs = tmp_path / "logs"
        logs.mkdir()
        accepted: set[str] = set()
        filler = disk / "filler"
        with receiver.running(recipients):
            connect_all(hub, receiver, recipients)
            # Claims held when the disk filled wait for their lease (reliability.md, 7).
            environment = hub_environment(
                hub,
                tmp_path,
                TELLONCE_IN_PROCESS_WORKER="true",
                TELLONCE_DELIVERY_LEASE_SECONDS="10",
            )
            processes = Processes(environment, logs)
            try:
                _server, url = processes.server()
                client = CarefulClient(Citizen(url, hub.clock.now().date(), timeout=30))
                processes.closing.append(client.citizen.close)
                deadline = time.monotonic() + 120
                accepted.add(client.submit(deadline))
                # Fill the disk but for a little, then submit until the hub says 503.
                fill_all_but(filler, 64 * 1024)
                tally.faults = 1
                for _ in range(200):
                    response = client.citizen.submit()
                    client.answers[str(response.status_code)] += 1
                    if response.status_code == 201:
                        accepted.add(response.json()["reference"])
                    elif response.status_code == 503:
                        client.unavailable.append(response)
                        break
                filler.unlink()  # space again
                for _ in range(3):
                    accepted.add(client.submit(deadline))
                wait_for(
                    lambda: queue_empty(engine),
                    timeout=60,
                    what="delivery",
                    explain=lambda: f"{queue_summary(engine)}\n{processes.log_tails(40)}",
                )
            finally:
                processes.stop_all()
        tally.extra = {"answers": dict(client.answers)}
        assert client.unavailable, client.answers
        assert set(client.answers) <= {"201", "503"}, client.answers
        assert client.unavailable[0].headers["content-type"] == "application/problem+json"
        assert "retry-after" in client.unavailable[0].headers
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
        reconcile(engine, receiver, accepted, tally)
        assert tally.reports == len(accepted)
