"""``tellonce serve --workers N``: N server processes on one port and, where the server delivers
in-process (SQLite), exactly one worker process beside them; concurrent requests spread over
the processes stay correct (every report whole, one report per Idempotency-Key)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tellonce.adapters.clock import SystemClock
from tellonce.adapters.database.schema import disclosures, log_entries, reports
from tellonce.bootstrap import Hub
from tellonce.entrypoints.asgi import create_app
from tellonce.service_layer.catalogue import load_catalogue
from tellonce.service_layer.ports import Clock
from tests.factories import small_catalogue
from tests.support.api import draft
from tests.support.processes import free_port, wait_until_up

pytestmark = pytest.mark.xdist_group("processes")


@pytest.fixture
def clock() -> Clock:
    """The server processes read the system clock: the hub shares it, whatever the date."""
    return SystemClock()


def _children(pid: int) -> list[str]:
    """The command lines of a process's children (Linux)."""
    found = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            found.append(Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode())
        except FileNotFoundError:
            continue
    return found


def _serve(hub: Hub, tmp_path: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    settings = hub.settings
    assert settings.master_keys is not None and settings.index_key is not None
    # The test's environment (so a faked clock reaches the server processes too), with the
    # hub's settings over any TELLONCE_ variables it has.
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TELLONCE_")},
        "TELLONCE_MODE": "development",
        "TELLONCE_DEMO_SIGN_IN": "true",
        "TELLONCE_DATA_DIR": str(tmp_path),
        "TELLONCE_DATABASE_URL": hub.engine.url.render_as_string(hide_password=False),
        "TELLONCE_MASTER_KEYS": settings.master_keys.get_secret_value(),
        "TELLONCE_INDEX_KEY": settings.index_key.get_secret_value(),
    }
    return subprocess.Popen(  # noqa: S603 - our own command, no shell
        [sys.executable, "-m", "tellonce", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _submit(base: str, token: str, body: dict[str, Any], key: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    return httpx.post(f"{base}/api/v1/reports", json=body, headers=headers, timeout=60)


def test_serve_with_two_workers_runs_two_server_processes_and_stays_correct(
    hub: Hub, tmp_path: Path
) -> None:
    load_catalogue(small_catalogue(), uow=hub.uow(), clock=hub.clock)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(hub, tmp_path, port, workers=2)
    try:
        wait_until_up(server, base)
        children = _children(server.pid)
        servers = [c for c in children if "spawn_main" in c]
        delivery = [c for c in children if "tellonce worker" in c]
        assert len(servers) == 2, children
        # The in-process worker runs once, beside the server processes (SQLite), or not at all
        # (PostgreSQL: operators run `tellonce worker`).
        expected_workers = 1 if hub.engine.dialect.name == "sqlite" else 0
        assert len(delivery) == expected_workers, children

        tokens = [
            httpx.post(f"{base}/api/v1/demo/sessions", json={"name": f"c{i}"}).json()["token"]
            for i in range(4)
        ]
        body = draft(today=hub.clock.now().date(), holds_driving_licence=True)
        preview = httpx.post(
            f"{base}/api/v1/reports/preview",
            json=body,
            headers={"Authorization": f"Bearer {tokens[0]}"},
        ).json()
        body |= {"preview_digest": preview["preview_digest"], "consents": {}}

        # 24 reports at once over 4 citizens, and 8 repeats of one Idempotency-Key.
        with ThreadPoolExecutor(16) as pool:
            plain = list(pool.map(lambda i: _submit(base, tokens[i % 4], body), range(24)))
            repeats = list(
                pool.map(lambda _: _submit(base, tokens[0], body, key="same-key"), range(8))
            )
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=60)
    assert server.returncode == 0, stderr.decode()

    assert [r.status_code for r in plain] == [201] * 24, [r.text for r in plain]
    statuses = Counter(r.status_code for r in repeats)
    assert set(statuses) <= {201, 409}, [r.text for r in repeats]
    created = {r.json()["reference"] for r in repeats if r.status_code == 201}
    assert len(created) == 1  # every 201 is the one report, first or replayed

    with hub.engine.connect() as connection:
        stored = connection.execute(sa.select(sa.func.count()).select_from(reports)).scalar()
        told = connection.execute(sa.select(sa.func.count()).select_from(disclosures)).scalar()
        logged = connection.execute(sa.select(sa.func.count()).select_from(log_entries)).scalar()
    assert stored == 25
    per_report = len(plain[0].json()["disclosures"])
    assert told == 25 * per_report
    assert logged is not None and logged >= told  # written with the reports
    # The response was built from what was written: it is what the report reads back as.
    reference = plain[0].json()["reference"]
    token = tokens[0]
    # (Read through an in-process hub: the server has stopped.)
    with TestClient(create_app(hub)) as client:
        fetched = client.get(
            f"/api/v1/reports/{reference}", headers={"Authorization": f"Bearer {token}"}
        )
    assert fetched.status_code == 200, fetched.text
    assert fetched.json() == plain[0].json()
