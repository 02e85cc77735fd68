"""The baseline for the HTTP intake benchmark: a bare FastAPI endpoint that inserts the body as
one row and commits, on the same database engine (SQLite WAL with ``BEGIN IMMEDIATE``, or
PostgreSQL through psycopg) and served the same way as ``tellonce serve``.

    BENCH_BARE_DATABASE_URL=sqlite:///... uvicorn --factory bench.bare_intake:create_app

``python -m bench.bare_intake --url URL --port P --workers N`` serves it with N processes.
"""

from __future__ import annotations

import argparse
import os
import uuid
from typing import Any

import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI, status

from tellonce.adapters.database.engine import create_database_engine

URL_VARIABLE = "BENCH_BARE_DATABASE_URL"
_metadata = sa.MetaData()
bare_reports = sa.Table(
    "bench_bare_reports",
    _metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("body", sa.JSON, nullable=False),
)


def create_table(url: str) -> None:
    engine = create_database_engine(url)
    _metadata.create_all(engine)
    engine.dispose()


def create_app() -> FastAPI:
    engine = create_database_engine(os.environ[URL_VARIABLE])
    app = FastAPI()

    # A plain ``def``, like the hub's routes: FastAPI runs it in its thread pool.
    @app.post("/bare", status_code=status.HTTP_201_CREATED)
    def bare(body: dict[str, Any]) -> dict[str, str]:
        row_id = uuid.uuid4()
        with engine.begin() as connection:
            connection.execute(sa.insert(bare_reports).values(id=row_id, body=body))
        return {"id": str(row_id)}

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    create_table(args.url)
    os.environ[URL_VARIABLE] = args.url
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
