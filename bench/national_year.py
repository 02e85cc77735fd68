"""Benchmark: a national year in miniature — the UK's annual mix of life events through intake,
delivery, the pull feed and acknowledgement, on PostgreSQL, over HTTP.

    .venv/bin/python -m bench.national_year [--reports 100000] [--workers 2] [--delivery 2]
        [--connections 32]

The mix (per year, UK, rounded; the sources and the arithmetic are in docs/benchmarks.md):
deaths 600,000, births 600,000, marriages and civil partnerships 250,000, house moves
3,000,000 (people who tell their benefits, tax, council and licence holders), changes of name
100,000 (deed polls and the like, not counted with marriages) — 4,550,000 reports, scaled to
``--reports``.

The paths real deployments would use: register offices send registered deaths, births and
marriages to ``POST /api/v1/registrar/reports`` in batches of 1,000; citizens send moves and
changes of name one per request to ``POST /api/v1/reports`` (``--connections`` at once, 64
signed-in demo citizens in turn). Fresh PostgreSQL database, the demo catalogue, every push
recipient's endpoint on a loopback receiver (its own process), a key for every pull recipient;
``tellonce serve --workers N`` and ``--delivery`` ``tellonce worker`` processes run throughout
(the worker delivers while intake runs, as it would). After intake: every pull recipient reads
its feed in pages of 500 and acknowledges each page (``GET /api/v1/feed``, ``POST
/api/v1/acknowledgements``), one recipient after another (four at once met IntegrityErrors
on PostgreSQL: see docs/benchmarks.md). One JSON object: per-stage throughput,
the time until the push queue was empty, the total wall time and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import sqlalchemy as sa

from bench.intake_http import (
    ROOT,
    TELLONCE,
    _environment,
    _process,
    postgres_database,
    rss_megabytes,
)
from bench.loopback import free_port, serve_receiver, wait_until_listening
from tellonce.bootstrap import bootstrap
from tellonce.config import Settings
from tellonce.domain.examples import example_payload
from tellonce.service_layer.endpoints import set_endpoint
from tellonce.service_layer.identity import create_recipient_key, create_registrar_key

# Reports a year in the UK (rounded; see docs/benchmarks.md for the sources).
ANNUAL = {
    "death": 600_000,
    "birth": 600_000,
    "marriage": 250_000,
    "change-of-address": 3_000_000,
    "change-of-name": 100_000,
}
REGISTERED = ("death", "birth", "marriage")
CITIZENS = 64
BATCH = 1000
SERVE_LOG = Path(tempfile.gettempdir()) / "national_year_serve.log"
_YES = frozenset({"gets-dwp-benefit", "leeds-council-benefit"})


def mix(reports: int) -> dict[str, int]:
    """``reports`` split in the annual proportions (the remainder goes to moves)."""
    total = sum(ANNUAL.values())
    counts = {event: reports * n // total for event, n in ANNUAL.items()}
    counts["change-of-address"] += reports - sum(counts.values())
    return counts


def _say(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def _cli(env: dict[str, str], *args: str) -> str:
    return subprocess.run(  # noqa: S603 - our own command
        [TELLONCE, *args], env=env, check=True, capture_output=True, text=True
    ).stdout


def _recipients(url: str) -> dict[str, list[str]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT id, channel FROM recipients").all()
    finally:
        engine.dispose()
    found: dict[str, list[str]] = {"push": [], "pull": []}
    for recipient_id, channel in rows:
        found[str(channel)].append(str(recipient_id))
    return found


def _configure(
    env: dict[str, str], recipients: dict[str, list[str]], receiver_port: int
) -> tuple[dict[str, str], str]:
    """Push endpoints on the loopback receiver, a key per pull recipient and one registrar key,
    in this process (a ``tellonce`` command per recipient takes seconds each on a busy machine)."""
    os.environ.update(env)
    hub = bootstrap(Settings())
    try:
        for recipient_id in recipients["push"]:
            set_endpoint(
                recipient_id,
                f"http://127.0.0.1:{receiver_port}/hooks/{recipient_id}",
                None,
                uow=hub.uow(),
                vault=hub.vault,
                clock=hub.clock,
                destinations=hub.destinations,
            )
        pull_keys = {
            recipient_id: create_recipient_key(
                recipient_id, "test", None, uow=hub.uow(), clock=hub.clock
            ).key
            for recipient_id in recipients["pull"]
        }
        registrar = create_registrar_key(
            "year-office", "test", None, uow_factory=hub.uow, vault=hub.vault, clock=hub.clock
        )
    finally:
        hub.close()
    return pull_keys, registrar.key


def _count(engine: sa.Engine, sql: str) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql(sql).scalar_one())


def _registered_drafts(base: str, key: str) -> dict[str, dict[str, Any]]:
    """One draft per registered event, answering "yes" to the questions a registrar must."""
    drafts: dict[str, dict[str, Any]] = {}
    with httpx.Client(base_url=base, timeout=120) as client:
        for event in REGISTERED:
            draft: dict[str, Any] = {"event_type": event, "payload": example_payload(event)}
            probe = client.post(
                "/api/v1/registrar/reports",
                json={"reports": [draft]},
                headers={"Authorization": f"Bearer {key}"},
            ).json()["results"][0]
            # The probe was written if it needed no answers: it counts as one of the year's.
            pointers = [e["pointer"] for e in (probe["problem"] or {}).get("errors", [])]
            draft["answers"] = {p.rsplit("/", 1)[-1]: True for p in pointers}
            drafts[event] = draft
    return drafts


def _citizen_bodies(base: str) -> tuple[list[str], dict[str, str]]:
    with httpx.Client(base_url=base, timeout=120) as client:
        tokens = [
            client.post("/api/v1/demo/sessions", json={"name": f"year-{i}"}).json()["token"]
            for i in range(CITIZENS)
        ]
        signed_in = {"Authorization": f"Bearer {tokens[0]}"}
        bodies = {}
        for event in ("change-of-address", "change-of-name"):
            draft: dict[str, Any] = {
                "event_type": event,
                "payload": example_payload(event),
                "answers": {},
            }
            plan = client.post("/api/v1/reports/preview", json=draft, headers=signed_in).json()
            draft["answers"] = {q["id"]: q["id"] in _YES for q in plan["questions"]}
            preview = client.post("/api/v1/reports/preview", json=draft, headers=signed_in)
            preview.raise_for_status()
            plan = preview.json()
            bodies[event] = json.dumps(
                dict(
                    draft,
                    consents={r["agreement_id"]: True for r in plan["by_consent"]},
                    preview_digest=plan["preview_digest"],
                )
            )
    return tokens, bodies


async def _registrar_stream(
    base: str,
    key: str,
    drafts: dict[str, dict[str, Any]],
    counts: dict[str, int],
    at_once: int = 2,
) -> dict[str, Any]:
    """Register offices' batches of 1,000, in the mix's order, ``at_once`` requests at a time."""
    queue = [drafts[event] for event in REGISTERED for _ in range(counts[event])]
    batches = [queue[i : i + BATCH] for i in range(0, len(queue), BATCH)]
    created = 0
    started = time.perf_counter()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=900)) as session:

        async def office() -> None:
            nonlocal created
            while batches:
                batch = batches.pop()
                async with session.post(
                    f"{base}/api/v1/registrar/reports",
                    json={"reports": batch},
                    headers={"Authorization": f"Bearer {key}"},
                ) as response:
                    answer = await response.json()
                    assert response.status == 200, answer
                    created += answer["created"]

        await asyncio.gather(*(office() for _ in range(at_once)))
    elapsed = time.perf_counter() - started
    return {"reports": created, "seconds": round(elapsed, 1), "per_s": round(created / elapsed)}


async def _citizen_stream(
    base: str, tokens: list[str], bodies: dict[str, str], counts: dict[str, int], connections: int
) -> dict[str, Any]:
    """Citizens' moves and changes of name, one per request, ``connections`` at once."""
    queue = [bodies[e] for e in ("change-of-address", "change-of-name") for _ in range(counts[e])]
    queue.reverse()
    created = failed = 0
    latencies: list[float] = []
    started = time.perf_counter()
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=60)
    ) as session:

        async def citizen(n: int) -> None:
            nonlocal created, failed
            while queue:
                body = queue.pop()
                headers = {
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {tokens[n % len(tokens)]}",
                }
                sent = time.perf_counter()
                async with session.post(
                    f"{base}/api/v1/reports", data=body, headers=headers
                ) as response:
                    await response.read()
                    latencies.append(time.perf_counter() - sent)
                    if response.status == 201:
                        created += 1
                    else:
                        failed += 1
                n += connections

        await asyncio.gather(*(citizen(n) for n in range(connections)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "reports": created,
        "failed": failed,
        "seconds": round(elapsed, 1),
        "per_s": round(created / elapsed) if elapsed else 0,
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1) if latencies else None,
    }


async def _intake(
    base: str,
    registrar_key: str,
    drafts: dict[str, dict[str, Any]],
    tokens: list[str],
    bodies: dict[str, str],
    counts: dict[str, int],
    connections: int,
) -> tuple[dict[str, Any], dict[str, Any]]:
    registrars, citizens = await asyncio.gather(
        _registrar_stream(base, registrar_key, drafts, counts),
        _citizen_stream(base, tokens, bodies, counts, connections),
    )
    return registrars, citizens


async def _pull(base: str, keys: dict[str, str], concurrency: int = 1) -> dict[str, Any]:
    """Every pull recipient reads its whole feed in pages of 500 and acknowledges each page."""
    pending = list(keys.items())
    fetched = acknowledged = 0
    started = time.perf_counter()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:

        async def recipient() -> None:
            nonlocal fetched, acknowledged
            while pending:
                _, key = pending.pop()
                headers = {"Authorization": f"Bearer {key}"}
                cursor = None
                while True:
                    params = {"limit": "500", **({"after": cursor} if cursor else {})}
                    async with session.get(
                        f"{base}/api/v1/feed", params=params, headers=headers
                    ) as response:
                        page = await response.json()
                        assert response.status == 200, page
                    ids = [event["id"] for event in page["events"]]
                    fetched += len(ids)
                    if ids:
                        async with session.post(
                            f"{base}/api/v1/acknowledgements",
                            json={"disclosure_ids": ids},
                            headers=headers,
                        ) as response:
                            answer = await response.read()
                            assert response.status < 300, answer[:300]
                        acknowledged += len(ids)
                    cursor = page["next_cursor"]
                    if not page["has_more"]:
                        break

        await asyncio.gather(*(recipient() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {
        "recipients": len(keys),
        "fetched": fetched,
        "acknowledged": acknowledged,
        "seconds": round(elapsed, 1),
        "per_s": round(acknowledged / elapsed) if elapsed else 0,
    }


def _start_workers(env: dict[str, str], count: int) -> list[subprocess.Popen[bytes]]:
    return [
        subprocess.Popen(
            [sys.executable, "-m", "tellonce", "worker"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]


def _stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _tally(engine: sa.Engine) -> dict[str, Any]:
    with engine.connect() as connection:
        states = connection.exec_driver_sql(
            "SELECT state, count(*) FROM disclosures GROUP BY state"
        ).all()
    return {
        "reports_stored": _count(engine, "SELECT count(*) FROM reports"),
        "push_deliveries": _count(
            engine, "SELECT count(*) FROM delivery_attempts WHERE status_code BETWEEN 200 AND 299"
        ),
        "disclosures_delivered": _count(
            engine, "SELECT count(*) FROM disclosures WHERE delivered_at IS NOT NULL"
        ),
        "disclosure_states": {str(state): int(n) for state, n in states},
    }


def run(
    url: str, reports: int, workers: int, delivery_processes: int, connections: int
) -> dict[str, Any]:
    counts = mix(reports)
    receiver_port = free_port()
    receiver = multiprocessing.get_context("spawn").Process(
        target=serve_receiver, args=(receiver_port,)
    )
    receiver.start()
    engine = sa.create_engine(url)
    workers_started: list[subprocess.Popen[bytes]] = []
    try:
        wait_until_listening(receiver_port)
        with tempfile.TemporaryDirectory() as tmp:
            env = _environment(Path(tmp), url)
            env["TELLONCE_WORKER_POLL_SECONDS"] = "0.05"
            _cli(env, "db", "upgrade")
            _cli(env, "catalogue", "load", str(ROOT / "catalogue"))
            _say("migrated, catalogue loaded")
            recipients = _recipients(url)
            pull_keys, registrar_key = _configure(env, recipients, receiver_port)
            _say("keys issued")
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            serve = [TELLONCE, "serve", "--port", str(port), "--workers", str(workers)]
            with _process(serve, env, port, SERVE_LOG) as serve_pid:
                _say("serving")
                drafts = _registered_drafts(base, registrar_key)
                probes = _count(engine, "SELECT count(*) FROM reports")
                tokens, bodies = _citizen_bodies(base)
                workers_started = _start_workers(env, delivery_processes)
                _say("workers started; intake")
                load_before = os.getloadavg()
                started = time.perf_counter()
                registrars, citizens = asyncio.run(
                    _intake(base, registrar_key, drafts, tokens, bodies, counts, connections)
                )
                intake_done = time.perf_counter() - started
                queued_at_intake_end = _count(engine, "SELECT count(*) FROM delivery_queue")
                _say("intake done; pull")
                pull = asyncio.run(_pull(base, pull_keys))
                _say("pull done; waiting for the push queue")
                while _count(engine, "SELECT count(*) FROM delivery_queue") > 0:
                    time.sleep(0.2)
                push_done = time.perf_counter() - started
                wall = time.perf_counter() - started
                memory = rss_megabytes(serve_pid)
                for worker in workers_started:
                    memory.update(rss_megabytes(worker.pid))
            tally = _tally(engine)
    finally:
        _stop(workers_started)
        engine.dispose()
        receiver.terminate()
        receiver.join()
    return {
        "benchmark": "national_year",
        "database": "postgres",
        "reports_asked": reports,
        "mix": counts,
        "probe_reports": probes,
        "server_processes": workers,
        "worker_processes": delivery_processes,
        "registrar_bulk": registrars,
        "citizens_http": citizens,
        "intake_seconds": round(intake_done, 1),
        "intake_per_s": round((registrars["reports"] + citizens["reports"]) / intake_done),
        "push_queue_left_at_intake_end": queued_at_intake_end,
        "push_queue_empty_after_s": round(push_done, 1),
        "push_per_s_over_the_run": round(int(tally["push_deliveries"]) / push_done),
        "pull_fetch_and_acknowledge": pull,
        **tally,
        "wall_seconds": round(wall, 1),
        "target_seconds_for_100k": 600,
        "rss_mb": memory,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2, help="serve's server processes")
    parser.add_argument("--delivery", type=int, default=2, help="tellonce worker processes")
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    with postgres_database() as url:
        if url is None:
            print(json.dumps({"benchmark": "national_year", "skipped": "no PostgreSQL"}))
            return
        result = run(
            url.replace("postgresql://", "postgresql+psycopg://"),
            args.reports,
            args.workers,
            args.delivery,
            args.connections,
        )
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
