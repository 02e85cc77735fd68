"""Benchmark: growth — intake and delivery rates, and memory, with 10k, 100k and 1M reports
stored, on PostgreSQL, over HTTP.

    .venv/bin/python -m bench.growth [--sizes 10000,100000,1000000] [--workers 2]
        [--connections 8] [--duration 10]

A fresh PostgreSQL database, migrated, the demo catalogue loaded, every push recipient's
endpoint on a loopback receiver (its own process). ``tellonce serve --workers N`` runs
throughout without a worker of its own. At each size:

1. **Fill** the database to that many reports by cloning the reports already there in SQL:
   each clone a new person (with a copy of the original's wrapped key), a new report with a
   new reference, and its disclosures as answered long ago (``actioned``, with feed positions
   beyond the feed counter, which is moved past them). Storing 1M reports through the API at
   today's intake rate would take hours; cloning gives the tables and their indexes the same
   shape in seconds. Not cloned: log entries (the log has its own benchmarks at 1M entries),
   delivery attempts, consent records and messages — so those tables stay small here.
   ``VACUUM ANALYZE`` after each fill, as autovacuum would in time.
2. **Intake**: ``wrk`` posts the issue's change of address (9 disclosures, 5 pushes) for
   ``--duration`` seconds at ``--connections``; reports/s, p50/p99, time-outs.
3. **Delivery**: one ``tellonce worker`` started on the queue the intake left; pushes/s from
   its first attempt to its last (its start-up not counted), until the queue is empty.
4. **Memory**: the RSS of every ``serve`` process after the intake and of the worker at the
   end of its run.

One JSON object per size, then the spread of each rate across sizes (the issue's target: within
20 % of each other).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.intake_http import (
    ROOT,
    TELLONCE,
    _environment,
    _prepare_body,
    _process,
    _script,
    _wrk,
    ensure_wrk,
    postgres_database,
    rss_megabytes,
)
from bench.loopback import free_port, serve_receiver, wait_until_listening
from bench.national_year import _cli, _configure, _recipients
from tellonce.adapters.database.repositories.disclosures import SqlDisclosureRepository

# One statement per table: clone_map pairs each new report and person with an original.
_CLONE = [
    """CREATE TEMP TABLE clone_map ON COMMIT DROP AS
       SELECT r.id AS old_id, r.subject_person_id AS old_person,
              gen_random_uuid() AS new_id, gen_random_uuid() AS new_person
       FROM reports r CROSS JOIN generate_series(1, %(copies)s) AS g
       WHERE r.cancelled_at IS NULL
       LIMIT %(need)s""",
    """INSERT INTO people (id, data_key_id, master_key_id, wrapped_key, created_at)
       SELECT m.new_person, p.data_key_id, p.master_key_id, p.wrapped_key, p.created_at
       FROM clone_map m JOIN people p ON p.id = m.old_person""",
    """INSERT INTO reports (id, reference, account_id, subject_person_id, event_type,
           schema_version, sealed_payload, preview_digest, channel, submitted_at, reporter_role)
       SELECT m.new_id, 'G' || upper(substr(md5(m.new_id::text), 1, 15)), r.account_id,
              m.new_person, r.event_type, r.schema_version, r.sealed_payload, r.preview_digest,
              r.channel, r.submitted_at, r.reporter_role
       FROM clone_map m JOIN reports r ON r.id = m.old_id""",
    """INSERT INTO disclosures (id, report_id, recipient_id, agreement_id, agreement_version,
           basis, fields, state, created_at, updated_at, delivered_at, acknowledged_at, outcome,
           outcome_at, person_id, sequence, feed_position, chases)
       SELECT gen_random_uuid(), m.new_id, d.recipient_id, d.agreement_id, d.agreement_version,
              d.basis, d.fields, 'actioned', d.created_at, d.created_at, d.created_at,
              d.created_at, 'actioned', d.created_at, m.new_person, d.sequence,
              (SELECT value FROM hub_state WHERE name = 'feed')
                + row_number() OVER (ORDER BY m.new_id, d.recipient_id),
              0
       FROM clone_map m JOIN disclosures d ON d.report_id = m.old_id""",
    """UPDATE hub_state SET value = (SELECT max(feed_position) FROM disclosures)
       WHERE name = 'feed'""",
]


def fill(engine: sa.Engine, size: int) -> dict[str, Any]:
    """Clone reports until ``size`` are stored; how many were added, and how long it took."""
    started = time.perf_counter()
    with engine.begin() as connection:
        have = int(connection.exec_driver_sql("SELECT count(*) FROM reports").scalar_one())
        need = size - have
        if need > 0:
            # Every disclosure has its feed position before the clones take theirs.
            connection.exec_driver_sql(
                "INSERT INTO hub_state (name, value) VALUES ('feed', 0) ON CONFLICT DO NOTHING"
            )
            SqlDisclosureRepository(connection).assign_feed_positions(datetime.now(UTC))
            for statement in _CLONE:
                connection.exec_driver_sql(statement, {"copies": need // have + 1, "need": need})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
    return {"added": max(need, 0), "fill_seconds": round(time.perf_counter() - started, 1)}


def _count(engine: sa.Engine, sql: str) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql(sql).scalar_one())


def _drain(env: dict[str, str], engine: sa.Engine) -> dict[str, Any]:
    """One worker on the queue intake left: pushes per second from its first attempt to its
    last (its start-up is not counted), and its memory."""
    queued = _count(engine, "SELECT count(*) FROM delivery_queue")
    with engine.connect() as connection:
        before = connection.exec_driver_sql("SELECT count(*) FROM delivery_attempts").scalar_one()
    worker = subprocess.Popen(
        [sys.executable, "-m", "tellonce", "worker"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    memory: dict[str, float] = {}
    try:
        while _count(engine, "SELECT count(*) FROM delivery_queue") > 0:
            memory = rss_megabytes(worker.pid) or memory
            time.sleep(0.1)
        memory = rss_megabytes(worker.pid) or memory
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    with engine.connect() as connection:
        attempts, first, last = connection.exec_driver_sql(
            "SELECT count(*), min(attempted_at), max(attempted_at) FROM "
            "(SELECT attempted_at FROM delivery_attempts ORDER BY id OFFSET %(before)s) AS run",
            {"before": before},
        ).one()
    seconds = (last - first).total_seconds() if attempts > 1 else None
    return {
        "queued": queued,
        "attempts": attempts,
        "seconds": round(seconds, 2) if seconds else None,
        "per_s": round(attempts / seconds) if seconds else None,
        "worker_rss_mb": max(memory.values(), default=None),
    }


def run(url: str, sizes: list[int], workers: int, connections: int, duration: int) -> list[Any]:
    wrk = ensure_wrk()
    receiver_port = free_port()
    receiver = multiprocessing.get_context("spawn").Process(
        target=serve_receiver, args=(receiver_port,)
    )
    receiver.start()
    engine = sa.create_engine(url)
    results: list[dict[str, Any]] = []
    try:
        wait_until_listening(receiver_port)
        with tempfile.TemporaryDirectory() as tmp:
            env = _environment(Path(tmp), url)
            env["TELLONCE_IN_PROCESS_WORKER"] = "false"  # delivery is measured on its own
            env["TELLONCE_WORKER_POLL_SECONDS"] = "0.05"
            _cli(env, "db", "upgrade")
            _cli(env, "catalogue", "load", str(ROOT / "catalogue"))
            _configure(env, _recipients(url), receiver_port)
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            serve = [TELLONCE, "serve", "--port", str(port), "--workers", str(workers)]
            with _process(serve, env, port) as serve_pid:
                tokens, body = _prepare_body(base)
                script = _script(Path(tmp), "hub", tokens, body, "/api/v1/reports")
                _wrk(wrk, base, "/api/v1/reports", script, connections, 5)  # the seed
                _drain(env, engine)
                for size in sizes:
                    filled = fill(engine, size)
                    intake = _wrk(wrk, base, "/api/v1/reports", script, connections, duration)
                    serve_rss = rss_megabytes(serve_pid)
                    delivery = _drain(env, engine)
                    result = {
                        "benchmark": "growth",
                        "database": "postgres",
                        "database_name": sa.make_url(url).database,
                        "reports_stored": size,
                        **filled,
                        "disclosures_stored": _count(engine, "SELECT count(*) FROM disclosures"),
                        "intake": intake,
                        "delivery": delivery,
                        "serve_rss_mb": serve_rss,
                        "database_mb": round(
                            _count(engine, "SELECT pg_database_size(current_database())") / 2**20
                        ),
                        "load_average": round(os.getloadavg()[0], 2),
                    }
                    print(json.dumps(result), flush=True)
                    results.append(result)
    finally:
        engine.dispose()
        receiver.terminate()
        receiver.join()
    return results


def spread(values: list[float]) -> float | None:
    """How far the lowest is below the highest, as a share of the highest."""
    if not values:
        return None
    low, high = min(values), max(values)
    return round(1 - low / high, 3) if high else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with postgres_database(keep=args.keep) as url:
        if url is None:
            print(json.dumps({"benchmark": "growth", "skipped": "no PostgreSQL"}))
            return
        results = run(url, sizes, args.workers, args.connections, args.duration)
    summary = {
        "benchmark": "growth-summary",
        "intake_spread": spread([r["intake"]["per_s"] for r in results]),
        "delivery_spread": spread([r["delivery"]["per_s"] or 0 for r in results]),
        "target_spread": 0.2,
    }
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
