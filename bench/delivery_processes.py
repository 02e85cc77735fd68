"""Benchmark: delivery with 1, 2 and 4 ``tellonce worker`` processes on one PostgreSQL database.

    .venv/bin/python -m bench.delivery_processes [--reports 1000] [--processes 1,2,4]

For each process count: a fresh database, ``--reports`` change-of-address reports to five push
recipients (bench.delivery's catalogue) submitted with the queue left full, one loopback
receiver process, then N worker processes started together; the rate is counted from the first
recorded attempt to an empty queue (start-up excluded). Printed beside the bare aiohttp loop to
the same receiver, measured in the same run.
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

import sqlalchemy as sa

from bench.delivery import CONCURRENCY, _drop, _fill, _hub, _postgres_url
from bench.loopback import bare_post_loop, free_port, serve_receiver, wait_until_listening
from tellonce.adapters.database.schema import delivery_attempts, delivery_queue


def _count(engine: sa.Engine, table: sa.Table) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def _run(url: str, reports: int, processes: int, port: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        hub = _hub(url, Path(tmp), port)
        _fill(hub, reports)
        settings = hub.settings
        assert settings.master_keys is not None and settings.index_key is not None
        env = {
            **os.environ,
            "TELLONCE_MODE": "development",
            "TELLONCE_DATA_DIR": tmp,
            "TELLONCE_DATABASE_URL": url,
            "TELLONCE_MASTER_KEYS": settings.master_keys.get_secret_value(),
            "TELLONCE_INDEX_KEY": settings.index_key.get_secret_value(),
            "TELLONCE_WORKER_POLL_SECONDS": "0.05",
            "TELLONCE_PUSH_CONCURRENCY": str(CONCURRENCY),
        }
        expected = _count(hub.engine, delivery_queue)
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "tellonce", "worker"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(processes)
        ]
        try:
            while _count(hub.engine, delivery_attempts) == 0:
                time.sleep(0.01)
            started = time.perf_counter()
            while _count(hub.engine, delivery_queue) > 0:
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=60)
            hub.close()
    return {"processes": processes, "delivered": expected, "per_s": round(expected / elapsed)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--processes", default="1,2,4")
    args = parser.parse_args()
    port = free_port()
    receiver = multiprocessing.get_context("spawn").Process(target=serve_receiver, args=(port,))
    receiver.start()
    try:
        wait_until_listening(port)
        for count in (int(p) for p in args.processes.split(",")):
            created = _postgres_url()
            if created is None:
                print(json.dumps({"benchmark": "delivery_processes", "skipped": "no PostgreSQL"}))
                return
            name, url = created
            try:
                result = _run(url, args.reports, count, port)
            finally:
                _drop(name)
            bare = asyncio.run(
                bare_post_loop(f"http://127.0.0.1:{port}/hook", args.reports * 5, CONCURRENCY)
            )
            print(
                json.dumps(
                    {
                        "benchmark": "delivery_processes",
                        "database": "postgres",
                        **result,
                        "bare_aiohttp_per_s": round(bare),
                        "ratio_to_bare": round(int(str(result["per_s"])) / bare, 3),
                        "load_average": os.getloadavg()[0],
                    }
                ),
                flush=True,
            )
    finally:
        receiver.terminate()
        receiver.join()


if __name__ == "__main__":
    main()
