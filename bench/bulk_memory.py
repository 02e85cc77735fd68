"""Benchmark: what registrars' bulk requests add to a server process's memory.

    .venv/bin/python -m bench.bulk_memory [--requests 12] [--at-once 2] [--workers 2]

``tellonce serve --workers N`` on a fresh PostgreSQL database with the demo catalogue; a
register office sends ``--requests`` requests of 1,000 registered deaths, births and marriages
to ``POST /api/v1/registrar/reports``, ``--at-once`` at a time (as ``bench.national_year``
does). The resident memory of every server process is sampled every 0.2 s. One JSON object:
the rate, and each server process's RSS before and at its peak (the process that took the
requests is the one that grew).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.intake_http import ROOT, TELLONCE, _environment, _process, postgres_database
from bench.intake_http import rss_megabytes as rss
from bench.loopback import free_port
from bench.national_year import (
    BATCH,
    REGISTERED,
    _cli,
    _configure,
    _recipients,
    _registered_drafts,
    _registrar_stream,
)


def _servers(pid: int) -> dict[str, float]:
    """The server processes (uvicorn's workers), not the supervisor or its helpers."""
    return {name: mb for name, mb in rss(pid).items() if "spawn_main" in name}


def run(url: str, requests: int, at_once: int, workers: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        env = _environment(Path(tmp), url)
        _cli(env, "db", "upgrade")
        _cli(env, "catalogue", "load", str(ROOT / "catalogue"))
        # Push endpoints on a port nobody listens on: nothing here delivers.
        _, key = _configure(env, _recipients(url), free_port())
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        serve = [TELLONCE, "serve", "--port", str(port), "--workers", str(workers)]
        with _process(serve, env, port) as pid:
            drafts = _registered_drafts(base, key)
            before = _servers(pid)
            peak = dict(before)
            stop = threading.Event()

            def sample() -> None:
                while not stop.is_set():
                    for name, mb in _servers(pid).items():
                        peak[name] = max(peak.get(name, 0.0), mb)
                    time.sleep(0.2)

            sampler = threading.Thread(target=sample)
            sampler.start()
            counts = {event: BATCH * requests // len(REGISTERED) for event in REGISTERED}
            try:
                sent = asyncio.run(_registrar_stream(base, key, drafts, counts, at_once))
            finally:
                stop.set()
                sampler.join()
    return {
        "benchmark": "bulk_memory",
        "database": "postgres",
        "server_processes": workers,
        "requests": requests,
        "at_once": at_once,
        "bulk": sent,
        "rss_mb_before": sorted(before.values()),
        "rss_mb_peak": sorted(peak.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=12, help="requests of 1,000 reports")
    parser.add_argument("--at-once", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="serve's server processes")
    args = parser.parse_args()
    with postgres_database() as url:
        if url is None:
            print(json.dumps({"benchmark": "bulk_memory", "skipped": "no PostgreSQL"}))
            return
        psycopg = url.replace("postgresql://", "postgresql+psycopg://")
        print(json.dumps(run(psycopg, args.requests, args.at_once, args.workers)))


if __name__ == "__main__":
    main()
