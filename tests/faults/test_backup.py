"""``tellonce backup`` while the hub runs, restored into an empty database: the log verifies
and delivery resumes where the copy left off, sending nothing twice."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from tellonce.adapters.database.engine import create_database_engine
from tellonce.bootstrap import Hub
from tests.support.databases import create_postgres_database, drop_postgres_database
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


def tellonce(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own command, no shell
        [sys.executable, "-m", "tellonce", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@contextmanager
def restored(hub: Hub, copy: Path, folder: Path) -> Iterator[sa.Engine]:
    """The copy restored into an empty database, as docs/operations.md says to."""
    if hub.engine.dialect.name == "sqlite":
        target = folder / "restored.db"
        shutil.copyfile(copy, target)
        engine = create_database_engine(f"sqlite:///{target}")
        try:
            yield engine
        finally:
            engine.dispose()
        return
    name, engine = create_postgres_database()
    try:
        url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        done = subprocess.run(  # noqa: S603 - fixed program, no shell
            [
                shutil.which("pg_restore") or "pg_restore",
                "--no-owner",
                "--exit-on-error",
                f"--dbname={url}",
                str(copy),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        yield engine
    finally:
        engine.dispose()
        drop_postgres_database(name)


def test_a_backup_restored_into_an_empty_database_verifies_and_resumes(
    any_hub: Hub, tmp_path: Path
) -> None:
    hub = any_hub
    backend = hub.engine.dialect.name
    tally = Tally("backup, restore, resume", backend)
    recipients = push_recipients(hub)
    receiver = FaultReceiver()
    logs = tmp_path / "logs"
    logs.mkdir()
    copy = tmp_path / "copies" / "tellonce.backup"
    accepted: set[str] = set()
    with receiver.running(recipients):
        connect_all(hub, receiver, recipients)
        environment = hub_environment(hub, tmp_path)
        processes = Processes(environment, logs)
        try:
            _server, url = processes.server()
            citizen = Citizen(url, hub.clock.now().date())
            processes.closing.append(citizen.close)

            def submit(times: int) -> None:
                for _ in range(times):
                    response = citizen.submit()
                    assert response.status_code == 201, response.text
                    accepted.add(response.json()["reference"])

            submit(6)
            worker = processes.worker()
            wait_for(lambda: queue_empty(hub.engine), timeout=60, what="the first deliveries")
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
            submit(4)  # queued, not yet sent, when the copy is made: the server still runs
            made = tellonce(environment, "backup", str(copy))
            assert made.returncode == 0, made.stderr
            assert tellonce(environment, "backup", str(copy)).returncode == 1  # never overwrites
        finally:
            processes.stop_all()
        delivered_before = len(receiver.accepted())
        assert delivered_before == 30
        with restored(hub, copy, tmp_path) as engine:
            url = engine.url.render_as_string(hide_password=False)
            on_copy = {**environment, "TELLONCE_DATABASE_URL": url}
            verified = tellonce(on_copy, "log", "verify")
            assert verified.returncode == 0, verified.stdout + verified.stderr
            resumed = Processes(on_copy, logs)
            try:
                resumed.worker()
                wait_for(
                    lambda: queue_empty(engine),
                    timeout=60,
                    what="delivery from the restored copy",
                    explain=lambda: f"{queue_summary(engine)}\n{resumed.log_tails(40)}",
                )
            finally:
                resumed.stop_all()
            assert tellonce(on_copy, "log", "verify").returncode == 0
            tally.faults = 1
            tally.extra = {"delivered_before_copy": delivered_before}
            reconcile(engine, receiver, accepted, tally)
    assert tally.reports == 10 and tally.duplicates == 0
