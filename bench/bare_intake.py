"""The baseline for the HTTP intake benchmark: a bare FastAPI endpoint that inserts the body as
one row and commits, on the same database engine (SQLite WAL with ``BEGIN IMMEDIATE``, or
PostgreSQL through psycopg) and served the same way as ``tellonce serve``.

    BENCH_BARE_DATABASE_URL=sqlite:///... uvicorn --factory bench.bare_intake:create_app

``python -m bench.bare_intake --url URL --port P --workers N`` serves it with N processes.

``--rows R`` makes it write R rows a request instead of one (the body in the first, a small
object in the others), all in one ``executemany`` and one transaction, and ``--ids`` chooses
their ids: ``random`` (UUID version 4) or ``ordered`` (version 7, as the hub's reports and
disclosures have, ADR 0097). ``bench.row_floor`` uses it to measure what writing a report's
rows costs, with no other work.
"""

from __future__ import annotations

import argparse
import os
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI, status

from tellonce.adapters.database.engine import create_database_engine
from tellonce.domain.record_ids import new_record_id

URL_VARIABLE = "BENCH_BARE_DATABASE_URL"
ROWS_VARIABLE = "BENCH_BARE_ROWS"
IDS_VARIABLE = "BENCH_BARE_IDS"
_IDS: dict[str, Callable[[], uuid.UUID]] = {"random": uuid.uuid4, "ordered": new_record_id}
_metadata = sa.MetaData()
bare_reports = sa.Table(
    "bench_bare_reports",
    _metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    # The request a row belongs to, indexed as a report's rows are by its id.
    sa.Column("request_id", sa.Uuid, index=True),
    sa.Column("body", sa.JSON, nullable=False),
)


def create_table(url: str) -> None:
    engine = create_database_engine(url)
    _metadata.create_all(engine)
    engine.dispose()


def create_app() -> FastAPI:
    engine = create_database_engine(os.environ[URL_VARIABLE])
    rows = int(os.environ.get(ROWS_VARIABLE, "1"))
    new_id = _IDS[os.environ.get(IDS_VARIABLE, "random")]
    insert = sa.insert(bare_reports)
    app = FastAPI()

    # A plain ``def``, like the hub's routes: FastAPI runs it in its thread pool.
    @app.post("/bare", status_code=status.HTTP_201_CREATED)
    def bare(body: dict[str, Any]) -> dict[str, str]:
        row_id = new_id()
        first = {"id": row_id, "request_id": row_id, "body": body}
        others = [{"id": new_id(), "request_id": row_id, "body": {"n": n}} for n in range(1, rows)]
        with engine.begin() as connection:
            connection.execute(insert, [first, *others])
        return {"id": str(row_id)}

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--rows", type=int, default=1, help="rows written a request")
    parser.add_argument("--ids", choices=sorted(_IDS), default="random")
    args = parser.parse_args()
    create_table(args.url)
    os.environ[URL_VARIABLE] = args.url
    os.environ[ROWS_VARIABLE] = str(args.rows)
    os.environ[IDS_VARIABLE] = args.ids
    uvicorn.run(
        "bench.bare_intake:create_app",
        factory=True,
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
