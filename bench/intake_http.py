"""Benchmark: intake over HTTP — the real server, a real HTTP client — beside a bare endpoint.

    .venv/bin/python -m bench.intake_http [--database sqlite|postgres|both] [--workers 2]
        [--connections 1,8,32,64] [--duration 10] [--stored 0]

For each database: a fresh database, migrated, the demo catalogue loaded, then
``tellonce serve --workers N`` (demo mode) in its own process group. 64 demo citizens sign in;
``wrk`` (the HTTP load generator) posts the demo change-of-address — 5 recipients by law and
4 by consent, every consent granted: 9 disclosures, 5 outbox rows, consent evidence, log
entries, the payload sealed under the citizen's key — one report per request, each request
from the next citizen in turn, at each concurrency. Then, against the same database and with
the same number of server processes, the bare endpoint (``bench.bare_intake``: FastAPI, one
row inserted and committed per request) with the same ``wrk`` and the same body. One JSON
object per run: requests/s, p50/p99 latency, time-outs and errors, and the ratio to the bare
endpoint at the same concurrency.

``--stored N`` first stores N registered deaths through the registrars' bulk endpoint (growth:
the rates with N reports already stored), and every run reports the resident memory (RSS) of
each ``serve`` process (server processes and the worker beside them) after the load.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from bench.loopback import free_port, wait_until_listening
from tellonce.domain.examples import example_payload

POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ROOT = Path(__file__).resolve().parents[1]
TELLONCE = str(Path(sys.executable).with_name("tellonce"))
CITIZENS = 64
_YES = frozenset({"gets-dwp-benefit", "leeds-council-benefit"})

_LUA = """
local tokens = {%(tokens)s}
local body = [==[%(body)s]==]
local n = 0
request = function()
  n = n + 1
  local headers = {}
  headers["Content-Type"] = "application/json"
  if #tokens > 0 then
    headers["Authorization"] = "Bearer " .. tokens[(n %% #tokens) + 1]
  end
  return wrk.format("POST", "%(path)s", headers, body)
end
"""


def ensure_wrk() -> str:
    subprocess.run(  # noqa: S603 - our own script
        [str(ROOT / "scripts" / "ensure-debian-packages"), "/usr/bin/wrk:wrk"], check=True
    )
    return "/usr/bin/wrk"


def _environment(data_dir: Path, url: str | None) -> dict[str, str]:
    # wrk submits thousands a second from one address and one session: measured without the
    # rate limits (a limit would measure the 429 path) and without the cooling-off.
    env = dict(
        os.environ,
        TELLONCE_MODE="demo",
        TELLONCE_DATA_DIR=str(data_dir),
        TELLONCE_RATE_LIMITS="false",
        # Demo mode holds a change of address for 5 minutes (ADR 0088): the benchmarks measure
        # the pipeline, so nothing is held.
        TELLONCE_ADDRESS_COOLING_OFF_MINUTES="0",
    )
    if url:
        env["TELLONCE_DATABASE_URL"] = url
    else:
        env.pop("TELLONCE_DATABASE_URL", None)
    return env


@contextmanager
def _process(
    command: Sequence[str], env: dict[str, str], port: int, log: Path | None = None
) -> Iterator[int]:
    output = log.open("ab") if log else None
    process = subprocess.Popen(  # noqa: S603 - our own commands
        command,
        env=env,
        cwd=ROOT,
        start_new_session=True,  # its own process group: every worker process stops with it
        stdout=output or subprocess.DEVNULL,
        stderr=output or subprocess.DEVNULL,
    )
    try:
        wait_until_listening(port, timeout=120)  # a loaded machine starts processes slowly
        time.sleep(2.0)  # every worker process up
        yield process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if output:
            output.close()


def _prepare_body(base: str) -> tuple[list[str], str]:
    """64 signed-in demo citizens and the body every request posts."""
    with httpx.Client(base_url=base, timeout=30) as client:
        tokens = [
            client.post("/api/v1/demo/sessions", json={"name": f"bench-{i}"}).json()["token"]
            for i in range(CITIZENS)
        ]
        draft = {
            "event_type": "change-of-address",
            "payload": example_payload("change-of-address"),
            "answers": {},
        }
        signed_in = {"Authorization": f"Bearer {tokens[0]}"}
        plan = client.post("/api/v1/reports/preview", json=draft, headers=signed_in).json()
        # The mix: 5 recipients by law (two of them because of these answers), 4 by
        # consent.
        draft["answers"] = {q["id"]: q["id"] in _YES for q in plan["questions"]}
        preview = client.post("/api/v1/reports/preview", json=draft, headers=signed_in)
        preview.raise_for_status()
        plan = preview.json()
        body = dict(
            draft,
            consents={r["agreement_id"]: True for r in plan["by_consent"]},
            preview_digest=plan["preview_digest"],
        )
    return tokens, json.dumps(body)


def _wrk(
    wrk: str, base: str, path: str, script: Path, connections: int, duration: int
) -> dict[str, Any]:
    threads = min(2, connections)
    output = subprocess.run(  # noqa: S603 - wrk with our arguments
        [
            wrk,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "5s",
            "--latency",
            "-s",
            str(script),
            base + path,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return parse_wrk(output)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(output: str) -> dict[str, Any]:
    """Requests/s, p50 and p99 in milliseconds, time-outs and other errors from wrk's output."""

    def latency(percent: str) -> float | None:
        found = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        return round(float(found[1]) * _UNITS[found[2]], 2) if found else None

    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = re.search(r"connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    total = re.search(r"(\d+) requests in", output)
    return {
        "requests": int(total[1]) if total else 0,
        "per_s": round(float(rate[1])) if rate else 0,
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "timeouts": int(errors[4]) if errors else 0,
        "socket_errors": sum(int(errors[i]) for i in (1, 2, 3)) if errors else 0,
        "non_2xx": int(non_2xx[1]) if non_2xx else 0,
    }


def _script(directory: Path, name: str, tokens: Sequence[str], body: str, path: str) -> Path:
    script = directory / f"{name}.lua"
    quoted = ", ".join(f'"{t}"' for t in tokens)
    script.write_text(_LUA % {"tokens": quoted, "body": body, "path": path})
    return script


def _store(base: str, env: dict[str, str], count: int) -> float:
    """Store ``count`` registered deaths through the bulk endpoint; reports per second."""
    issued = subprocess.run(  # noqa: S603 - our own command
        [TELLONCE, "registrars", "create-key", "bench-register-office", "--environment", "test"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    key = next(line for line in issued.splitlines() if line.startswith("tlo_registrar_"))
    death: dict[str, Any] = {"event_type": "death", "payload": example_payload("death")}
    with httpx.Client(base_url=base, timeout=600) as client:
        # The routing questions a registrar answers, from the problems of an unanswered one.
        probe = client.post(
            "/api/v1/registrar/reports",
            json={"reports": [death]},
            headers={"Authorization": f"Bearer {key}"},
        ).json()["results"][0]
        pointers = [e["pointer"] for e in (probe["problem"] or {}).get("errors", [])]
        death["answers"] = {p.rsplit("/", 1)[-1]: True for p in pointers}
    started = time.perf_counter()
    with httpx.Client(base_url=base, timeout=600) as client:
        left = count
        while left:
            batch = min(left, 1000)
            answer = client.post(
                "/api/v1/registrar/reports",
                json={"reports": [death] * batch},
                headers={"Authorization": f"Bearer {key}"},
            )
            answer.raise_for_status()
            assert answer.json()["created"] == batch, answer.text[:500]
            left -= batch
    return count / (time.perf_counter() - started)


def rss_megabytes(pid: int) -> dict[str, float]:
    """Resident memory of a process and each of its descendants, in MB (Linux)."""
    found: dict[str, float] = {}
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            command = Path(f"/proc/{current}/cmdline").read_bytes().split(b"\0")
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except FileNotFoundError:
            continue
        rss = re.search(r"VmRSS:\s+(\d+) kB", status)
        label = " ".join(part.decode() for part in command[1:4])
        if rss:
            found[f"{current} {label}"] = round(int(rss[1]) / 1024, 1)
        pending += [int(child) for child in children]
    return found


def run(
    database: str,
    url: str | None,
    workers: int,
    connections: Sequence[int],
    duration: int,
    stored: int = 0,
) -> list[dict[str, Any]]:
    wrk = ensure_wrk()
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        env = _environment(data_dir, url)
        db_url = url or f"sqlite:///{data_dir / 'tellonce.db'}"
        subprocess.run([TELLONCE, "db", "upgrade"], env=env, check=True, capture_output=True)  # noqa: S603
        subprocess.run(  # noqa: S603
            [TELLONCE, "catalogue", "load", str(ROOT / "catalogue")],
            env=env,
            check=True,
            capture_output=True,
        )
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        serve = [TELLONCE, "serve", "--port", str(port)] + (
            ["--workers", str(workers)] if workers > 1 else []
        )
        with _process(serve, env, port) as pid:
            bulk_rate = _store(base, env, stored) if stored else None
            tokens, body = _prepare_body(base)
            script = _script(data_dir, "hub", tokens, body, "/api/v1/reports")
            hub = {c: _wrk(wrk, base, "/api/v1/reports", script, c, duration) for c in connections}
            memory = rss_megabytes(pid)
            stored_after = _count_reports(db_url)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        bare_cmd = [
            sys.executable,
            "-m",
            "bench.bare_intake",
            "--url",
            db_url,
            "--port",
            str(port),
            "--workers",
            str(workers),
        ]
        with _process(bare_cmd, env, port):
            script = _script(data_dir, "bare", [], body, "/bare")
            bare = {c: _wrk(wrk, base, "/bare", script, c, duration) for c in connections}
    for c in connections:
        results.append(
            {
                "benchmark": "intake_http",
                "database": database,
                "server_processes": workers,
                "connections": c,
                "hub": hub[c],
                "bare": bare[c],
                "ratio_to_bare": round(hub[c]["per_s"] / bare[c]["per_s"], 3)
                if bare[c]["per_s"]
                else None,
                "reports_stored_before": stored,
                "reports_stored_after": stored_after,
                "bulk_store_reports_per_s": round(bulk_rate) if bulk_rate else None,
                "rss_mb": memory,
                "load_average": os.getloadavg()[0],
            }
        )
    return results


def _count_reports(url: str) -> int:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            return int(connection.exec_driver_sql("SELECT count(*) FROM reports").scalar_one())
    finally:
        engine.dispose()


@contextmanager
def postgres_database(*, keep: bool = False) -> Iterator[str | None]:
    """A fresh PostgreSQL database for one run (None without PostgreSQL), dropped afterwards
    unless ``keep`` (to look at its plans: it is named in the output)."""
    admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"tellonce_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError:
        admin.dispose()
        yield None
        return
    try:
        yield sa.make_url(POSTGRES_ADMIN).set(database=name).render_as_string(False)
    finally:
        if not keep:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", default="1,8,32,64")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--stored", type=int, default=0, help="reports stored first (bulk)")
    args = parser.parse_args()
    connections = [int(c) for c in args.connections.split(",")]
    if args.database in {"sqlite", "both"}:
        for result in run("sqlite", None, args.workers, connections, args.duration, args.stored):
            print(json.dumps(result), flush=True)
    if args.database in {"postgres", "both"}:
        with postgres_database() as url:
            if url is None:
                print(json.dumps({"benchmark": "intake_http", "skipped": "no PostgreSQL"}))
                return
            for result in run(
                "postgres", url, args.workers, connections, args.duration, args.stored
            ):
                print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
