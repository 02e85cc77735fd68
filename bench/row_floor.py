"""Benchmark: the floor under intake — what writing one report's rows costs with no other work.

    .venv/bin/python -m bench.row_floor [--database sqlite|postgres|both] [--workers 2]
        [--rows 41] [--connections 8,64] [--duration 10]

The bare endpoint of ``bench.intake_http`` (``bench.bare_intake``: FastAPI, the same engine and
process count as ``tellonce serve --workers N``) three ways on a fresh database, one after the
other in the same run, with the same ``wrk``:

1. one row a request (``intake_http``'s baseline);
2. ``--rows`` rows a request, in one ``executemany`` and one transaction, with random ids
   (UUID version 4);
3. the same rows with time-ordered ids (UUID version 7, ADR 0097).

41 is what one of ``intake_http``'s change-of-address reports inserts: the report, 9
disclosures, 4 consent records, 4 outbox rows, 13 log entries, a pending marker and 9
delivery commitments (its 9 sequence numbers are updates). Each row here is indexed twice (its
id and the request's id), as a report's rows are by their own id and the report's.

No authentication, validation, routing, encryption or log entries: the gap between this and the
hub's own rate (``bench.intake_http``) is the hub's own work; the gap between this and one row
is the database's. One JSON object per database and concurrency.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.intake_http import _environment, _process, _script, _wrk, ensure_wrk, postgres_database
from bench.loopback import free_port

REPORT_ROWS = 41
_BODY = json.dumps({"event_type": "change-of-address", "payload": {"new_address": "1 Road"}})


@dataclass(frozen=True)
class Runs:
    """How each variant is loaded: the same for all three."""

    wrk: str
    workers: int
    rows: int
    connections: list[int]
    duration: int


def _serve_and_load(
    url: str, env: dict[str, str], data_dir: Path, variant: tuple[int, str], runs: Runs
) -> dict[int, dict[str, Any]]:
    rows, ids = variant
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "bench.bare_intake",
        "--url",
        url,
        "--port",
        str(port),
        "--workers",
        str(runs.workers),
        "--rows",
        str(rows),
        "--ids",
        ids,
    ]
    base = f"http://127.0.0.1:{port}"
    with _process(command, env, port):
        script = _script(data_dir, f"floor-{rows}-{ids}", [], _BODY, "/bare")
        return {
            c: _wrk(runs.wrk, base, "/bare", script, c, runs.duration) for c in runs.connections
        }


@contextmanager
def _fresh_database(database: str, data_dir: Path, name: str) -> Iterator[str]:
    """A fresh database for one variant: each starts from an empty table."""
    if database == "sqlite":
        yield f"sqlite:///{data_dir / name}.db"
        return
    with postgres_database() as url:
        if url is None:
            raise SystemExit("no PostgreSQL at 127.0.0.1:5432")
        yield url


def run(database: str, runs: Runs) -> list[dict[str, Any]]:
    variants = [(1, "random"), (runs.rows, "random"), (runs.rows, "ordered")]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        env = _environment(data_dir, None)
        for rows, ids in variants:
            with _fresh_database(database, data_dir, f"floor-{rows}-{ids}") as url:
                results[rows, ids] = _serve_and_load(url, env, data_dir, (rows, ids), runs)
    one, random_ids, ordered_ids = (results[v] for v in variants)
    return [
        {
            "benchmark": "row_floor",
            "database": database,
            "server_processes": runs.workers,
            "connections": c,
            "rows": runs.rows,
            "one_row": one[c],
            "random_ids": random_ids[c],
            "ordered_ids": ordered_ids[c],
            "random_ratio_to_one_row": round(random_ids[c]["per_s"] / one[c]["per_s"], 3),
            "ordered_ratio_to_one_row": round(ordered_ids[c]["per_s"] / one[c]["per_s"], 3),
        }
        for c in runs.connections
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rows", type=int, default=REPORT_ROWS)
    parser.add_argument("--connections", default="8,64")
    parser.add_argument("--duration", type=int, default=10)
    args = parser.parse_args()
    runs = Runs(
        wrk=ensure_wrk(),
        workers=args.workers,
        rows=args.rows,
        connections=[int(c) for c in args.connections.split(",")],
        duration=args.duration,
    )
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    for database in databases:
        for result in run(database, runs):
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
