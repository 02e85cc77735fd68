"""The fault suite's harness (tests/faults/): real ``tellonce`` processes, receivers that
misbehave on purpose, a citizen submitting over HTTP, and the reconciliation every scenario
ends with — nothing lost, duplicates only as retries of the same ``webhook-id``, nothing
delivered that was not agreed — with the counts printed for docs/reliability.md.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from aiohttp import web
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tellonce.adapters.database.schema import (
    delivery_queue,
    disclosures,
    log_entries,
    recipients,
    reports,
)
from tellonce.bootstrap import Hub
from tellonce.domain.examples import example_payload
from tellonce.service_layer.endpoints import set_endpoint
from tests.support.processes import free_port


@dataclass(frozen=True)
class Counts:
    full: bool
    reports: int  # change-of-address reports submitted (five push disclosures each)
    kills: int  # worker SIGKILLs
    workers: int  # worker processes racing
    server_kills: int  # API server SIGKILLs during submissions


REDUCED = Counts(
    full=False,
    reports=int(os.environ.get("TELLONCE_FAULT_REPORTS", "80")),
    kills=3,
    workers=3,
    server_kills=2,
)
FULL = Counts(full=True, reports=1000, kills=12, workers=3, server_kills=5)


# (request, attempt for this webhook-id) -> the answer, or None to drop the connection.
Behaviour = Callable[[web.Request, int], Awaitable[web.StreamResponse | None]]


async def answer_ok(_: web.Request, __: int) -> web.StreamResponse:
    return web.Response(status=204)


@dataclass(frozen=True, slots=True)
class Arrival:
    path: str
    webhook_id: str
    event: dict[str, Any]
    status: int  # 0: the connection was dropped or hung
    at: float  # time.time() when it arrived


@dataclass
class FaultReceiver:
    """Receivers on 127.0.0.1 that verify every signature, answer per path as told, and
    record each request when it arrives."""

    behaviours: dict[str, Behaviour] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    arrivals: list[Arrival] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # One port per recipient, as separate public bodies have separate hosts: the sender's
    # pool caps connections per host, so receivers sharing one port would share that cap.
    ports: dict[str, int] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[path]}/hooks/{path}"

    def accepted(self) -> list[Arrival]:
        with self.lock:
            return [a for a in self.arrivals if 200 <= a.status < 300]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        body = await request.read()
        try:
            Webhook(self.secrets[path]).verify(body, dict(request.headers))
        except (KeyError, WebhookVerificationError):
            with self.lock:
                self.rejected.append(path)
            return web.Response(status=401)
        webhook_id = request.headers["webhook-id"]
        arrived = time.time()
        with self.lock:
            attempt = 1 + sum(1 for a in self.arrivals if a.webhook_id == webhook_id)
        behaviour = self.behaviours.get(path, answer_ok)
        response = await behaviour(request, attempt)
        status = 0 if response is None else response.status
        with self.lock:
            self.arrivals.append(Arrival(path, webhook_id, json.loads(body), status, arrived))
        if response is None:
            assert request.transport is not None
            request.transport.abort()  # a reset: no answer at all
            return web.Response(status=204)  # never written
        return response

    @contextmanager
    def running(self, paths: list[str]) -> Iterator[FaultReceiver]:
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, daemon=True)
        thread.start()
        app = web.Application()
        app.router.add_post("/hooks/{path}", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)

        async def start() -> None:
            await runner.setup()
            for path in paths:
                site = web.TCPSite(runner, "127.0.0.1", 0)
                await site.start()
                server = site._server  # aiohttp exposes the bound port only here
                assert server is not None
                self.ports[path] = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

        asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
        try:
            yield self
        finally:
            asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=30)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            loop.close()


def connect_all(hub: Hub, receiver: FaultReceiver, recipient_ids: list[str]) -> None:
    for recipient in recipient_ids:
        issued = set_endpoint(
            recipient,
            receiver.url(recipient),
            None,
            uow=hub.uow(),
            vault=hub.vault,
            clock=hub.clock,
            destinations=hub.destinations,
        )
        receiver.secrets[recipient] = issued.secret


def push_recipients(hub: Hub) -> list[str]:
    with hub.engine.connect() as connection:
        return sorted(
            connection.execute(
                sa.select(recipients.c.id).where(recipients.c.channel == "push")
            ).scalars()
        )


# --- processes -------------------------------------------------------------------------------


def wait_up(process: subprocess.Popen[bytes], url: str, timeout: float = 120) -> None:
    """Until ``tellonce serve`` answers /healthz: on two cores shared with the rest of the
    suite, start-up has taken more than the 30 s other tests allow."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert process.poll() is None, f"tellonce serve exited ({process.returncode})"
        assert time.monotonic() < deadline, f"tellonce serve not up after {timeout} s"
        time.sleep(0.2)


def hub_environment(hub: Hub, data_dir: Path, **extra: str) -> dict[str, str]:
    settings = hub.settings
    assert settings.master_keys is not None and settings.index_key is not None
    return {
        **os.environ,
        "TELLONCE_MODE": "development",
        "TELLONCE_DEMO_SIGN_IN": "true",
        "TELLONCE_DATA_DIR": str(data_dir),
        "TELLONCE_DATABASE_URL": hub.engine.url.render_as_string(hide_password=False),
        "TELLONCE_MASTER_KEYS": settings.master_keys.get_secret_value(),
        "TELLONCE_INDEX_KEY": settings.index_key.get_secret_value(),
        "TELLONCE_IN_PROCESS_WORKER": "false",
        # The suite's clients send from one address as fast as they can: the faults under test
        # are crashes and outages, not throttling (tests/e2e/test_rate_limits.py holds those).
        "TELLONCE_RATE_LIMITS": "false",
        "TELLONCE_WORKER_POLL_SECONDS": "0.1",
        "TELLONCE_LOG_CHECKPOINT_INTERVAL_SECONDS": "0.5",
        "PYTHONFAULTHANDLER": "1",  # SIGABRT dumps every thread's stack (log_tails)
        **extra,
    }


class Processes:
    """``tellonce`` processes started by one scenario, each logging to its own file; all
    killed on the way out, whatever happened."""

    def __init__(self, environment: dict[str, str], logs: Path) -> None:
        self.environment = environment
        self.logs = logs
        self.started: list[subprocess.Popen[bytes]] = []
        self.closing: list[Callable[[], None]] = []  # clients to close first

    def start(self, *args: str, name: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}-{len(self.started)}.log").open("wb")
        process = subprocess.Popen(  # noqa: S603 - our own command, no shell
            [sys.executable, "-m", "tellonce", *args],
            env=self.environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.started.append(process)
        return process

    def worker(self) -> subprocess.Popen[bytes]:
        return self.start("worker", name="worker")

    def server(self, port: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
        port = port or free_port()
        process = self.start("serve", "--port", str(port), name="serve")
        url = f"http://127.0.0.1:{port}"
        wait_up(process, url)
        return process, url

    def stop_all(self) -> None:
        for close in self.closing:
            close()
        for process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)

    def log_tails(self, lines: int = 12) -> str:
        """Every live process's Python stacks (faulthandler, on SIGABRT), then the end of
        every process's log, for a failure's message."""
        for process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGABRT)
                process.wait(timeout=10)
        return "\n".join(
            f"--- {p.name}\n" + "\n".join(p.read_text(errors="replace").splitlines()[-lines:])
            for p in sorted(self.logs.glob("*.log"))
        )


# --- citizens --------------------------------------------------------------------------------


class Citizen:
    """A citizen's client over HTTP: signed in once, one previewed change of address,
    submitted again and again (each with its own Idempotency-Key)."""

    def __init__(self, url: str, today: Any, *, timeout: float = 30.0) -> None:
        self.http = httpx.Client(base_url=url, timeout=timeout)
        signed_in = self.http.post("/api/v1/demo/sessions", json={"name": "Faulty Tester"})
        if signed_in.status_code != 201:
            self.http.close()
        assert signed_in.status_code == 201, signed_in.text
        self.http.headers["Authorization"] = f"Bearer {signed_in.json()['token']}"
        self.body: dict[str, Any] = {
            "event_type": "change-of-address",
            "payload": example_payload("change-of-address", today=today),
            "answers": {"holds-driving-licence": True},
        }
        preview = self.http.post("/api/v1/reports/preview", json=self.body)
        assert preview.status_code == 200, preview.text
        self.body["preview_digest"] = preview.json()["preview_digest"]
        self.body["consents"] = {}

    def submit(self, key: str | None = None) -> httpx.Response:
        return self.http.post(
            "/api/v1/reports",
            json=self.body,
            headers={"Idempotency-Key": key or uuid.uuid4().hex},
        )

    def close(self) -> None:
        self.http.close()


# --- reconciliation --------------------------------------------------------------------------


@dataclass
class Tally:
    scenario: str
    database: str
    faults: int = 0
    reports: int = 0
    disclosures: int = 0
    pushed: int = 0
    lost: int = 0
    duplicates: int = 0
    unexpected: int = 0
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def publish(self) -> None:
        """Print the counts (pytest shows them with -s or -rP) and append them to
        $TELLONCE_FAULT_REPORT, which ``make faults`` collects for docs/reliability.md."""
        line = json.dumps(asdict(self), sort_keys=True)
        print(f"\nFAULT-COUNTS {line}")
        target = os.environ.get("TELLONCE_FAULT_REPORT")
        if target:
            with Path(target).open("a", encoding="utf-8") as out:
                out.write(line + "\n")


def leaves(value: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from leaves(inner, f"{prefix}{key}.")
    else:
        yield prefix.rstrip(".")


def reconcile(
    engine: sa.Engine,
    receiver: FaultReceiver,
    accepted: set[str],
    tally: Tally,
    *,
    undelivered: set[str] = frozenset(),  # type: ignore[assignment]
) -> None:
    """Every accepted report whole; every push disclosure delivered and received (but to the
    recipients in ``undelivered``, whose endpoints gave up as docs/webhooks.md says); nothing
    received twice but as the same message again; nothing received that was not agreed."""
    with engine.connect() as connection:
        stored = dict(connection.execute(sa.select(reports.c.reference, reports.c.id)).all())
        rows = connection.execute(
            sa.select(
                disclosures.c.id,
                disclosures.c.report_id,
                disclosures.c.recipient_id,
                disclosures.c.fields,
                disclosures.c.delivered_at,
                recipients.c.channel,
            ).join(recipients)
        ).all()
        logged = set(
            connection.execute(
                sa.select(log_entries.c.report_id).where(log_entries.c.report_id.is_not(None))
            ).scalars()
        )
        waiting = connection.execute(
            sa.select(sa.func.count())
            .select_from(delivery_queue.join(disclosures))
            .where(
                delivery_queue.c.state == "pending",
                disclosures.c.recipient_id.not_in(undelivered),
            )
        ).scalar_one()
    missing = accepted - set(stored)
    assert not missing, f"{len(missing)} accepted report(s) missing"
    per_report = Counter(row.report_id for row in rows)
    # Whole: every stored report (acknowledged or not) has its disclosures and its log entries.
    assert len(set(per_report.values())) == 1, f"reports with differing disclosures: {per_report}"
    assert set(per_report) == set(stored.values()), "a report without disclosures"
    assert logged >= set(stored.values()), "a report without its log entries"
    pushes = {
        str(row.id): row
        for row in rows
        if row.channel == "push" and row.recipient_id not in undelivered
    }
    not_delivered = [key for key, row in pushes.items() if row.delivered_at is None]
    assert not not_delivered, f"{len(not_delivered)} push disclosure(s) not delivered"
    assert waiting == 0, f"{waiting} message(s) still queued"
    arrivals = receiver.accepted()
    by_id: dict[str, list[Arrival]] = {}
    for arrival in arrivals:
        by_id.setdefault(arrival.webhook_id, []).append(arrival)
    lost = set(pushes) - set(by_id)
    unexpected = {i for i in set(by_id) - set(pushes) if by_id[i][0].path not in undelivered}
    for webhook_id, copies in by_id.items():
        first = copies[0].event
        assert all(c.event == first for c in copies), "a repeat that is not the same message"
        row = pushes.get(webhook_id)
        if row is None:
            continue
        assert all(c.path == row.recipient_id for c in copies), "sent to the wrong recipient"
        agreed = list(row.fields)
        sent = list(leaves(first["data"]["payload"]))
        beyond = [p for p in sent if not any(p == f or p.startswith(f + ".") for f in agreed)]
        assert not beyond, f"fields not agreed were sent: {beyond}"
    assert not receiver.rejected, "a request whose signature failed"
    tally.reports = len(stored)
    tally.disclosures = len(rows)
    tally.pushed = len(pushes)
    tally.lost = len(lost)
    tally.unexpected = len(unexpected)
    tally.duplicates = len(arrivals) - len(by_id)
    tally.publish()
    assert not lost and not unexpected


def wait_for(
    condition: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    explain: Callable[[], str] = lambda: "",
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{explain()}")
        time.sleep(0.1)


def queue_empty(engine: sa.Engine) -> bool:
    with engine.connect() as connection:
        return (
            connection.execute(sa.select(sa.func.count()).select_from(delivery_queue)).scalar_one()
            == 0
        )


def queue_summary(engine: sa.Engine) -> str:
    """What is still queued (and, on PostgreSQL, what every session is waiting for), for a
    failure's message."""
    q = delivery_queue.c
    leased = q.lease_owner.is_not(None)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(
                q.kind,
                q.state,
                leased,
                sa.func.count(),
                sa.func.max(q.attempts),
                sa.func.min(q.due_at),
            ).group_by(q.kind, q.state, leased)
        ).all()
        activity: list[Any] = []
        if engine.dialect.name == "postgresql":
            activity = list(
                connection.exec_driver_sql(
                    "SELECT state, wait_event_type, wait_event, left(query, 60)"
                    " FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).all()
            )
    queued = "; ".join(
        f"{k}/{s}{' leased' if held else ''}: {n} (attempts<={a}, due>={d})"
        for k, s, held, n, a, d in rows
    )
    return f"{queued}; sessions: {[tuple(a) for a in activity]}"
