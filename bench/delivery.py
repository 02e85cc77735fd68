"""Benchmark: the delivery worker end to end, beside a bare aiohttp POST loop, same run.

    .venv/bin/python -m bench.delivery [--reports 1000] [--database sqlite|postgres|both]

Five push recipients share one loopback receiver (a separate process). The contender is the
real worker path — claim a batch with leases, open each sealed payload, build and sign the
CloudEvent, POST, record every attempt and settle — until the queue is empty. The baseline posts
the same number of small bodies with a bare aiohttp loop at the worker's overall concurrency.
One JSON object per database is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import multiprocessing
import secrets
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from tests.factories import agreement, recipient

from bench.loopback import bare_post_loop, free_port, serve_receiver, wait_until_listening
from tellonce.adapters.clock import SystemClock
from tellonce.adapters.database.engine import create_database_engine
from tellonce.adapters.database.migrate import upgrade
from tellonce.bootstrap import Hub, build_vault
from tellonce.config import Mode, Settings
from tellonce.domain.catalogue import Catalogue
from tellonce.domain.examples import example_payload
from tellonce.service_layer.catalogue import load_catalogue
from tellonce.service_layer.delivery import deliver_continuously
from tellonce.service_layer.endpoints import set_endpoint
from tellonce.service_layer.identity import start_session
from tellonce.service_layer.reporting import (
    ReportDraft,
    ReportSubmission,
    preview_report,
    submit_report,
)

POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
RECIPIENTS = [f"bench-{i}" for i in range(5)]
CONCURRENCY = 40  # 5 endpoints x 8 in flight each


def _catalogue() -> Catalogue:
    fields = {"change-of-address": ("person.name", "new_address", "move_date")}
    return Catalogue(
        recipients={r: recipient(r) for r in RECIPIENTS},
        agreements=tuple(agreement(f"{r}-moves", r, fields) for r in RECIPIENTS),
    )


def _hub(url: str, data_dir: Path, receiver_port: int) -> Hub:
    settings = Settings(
        mode=Mode.DEVELOPMENT,
        data_dir=data_dir,
        database_url=url,
        master_keys=f"k1:{base64.b64encode(secrets.token_bytes(32)).decode()}",
        index_key=base64.b64encode(secrets.token_bytes(32)).decode(),
        push_concurrency=CONCURRENCY,
    )
    engine = create_database_engine(url)
    upgrade(engine)
    hub = Hub(settings=settings, engine=engine, vault=build_vault(settings), clock=SystemClock())
    load_catalogue(_catalogue(), uow=hub.uow(), clock=hub.clock)
    for r in RECIPIENTS:
        set_endpoint(
            r,
            f"http://127.0.0.1:{receiver_port}/hooks/{r}",
            None,
            uow=hub.uow(),
            vault=hub.vault,
            clock=hub.clock,
            destinations=hub.destinations,
        )
    return hub


def _fill(hub: Hub, reports: int) -> float:
    session = start_session(
        "bench",
        "mover",
        uow_factory=hub.uow,
        vault=hub.vault,
        clock=hub.clock,
        lifetime=timedelta(hours=1),
    )
    draft = ReportDraft("change-of-address", example_payload("change-of-address"))
    digest = preview_report(draft, uow=hub.uow(), clock=hub.clock).digest()
    started = time.perf_counter()
    for _ in range(reports):
        submit_report(
            ReportSubmission(draft, {}, digest, "api"),
            account=session.account,
            uow_factory=hub.uow,
            vault=hub.vault,
            clock=hub.clock,
        )
    return reports / (time.perf_counter() - started)


async def _drain(hub: Hub) -> tuple[int, float]:
    """Deliver until the queue is empty, as the worker does (``deliver_continuously``: each
    message settled as its answer comes, claiming while sends are in flight)."""
    async with hub.pusher() as pusher:
        service = hub.delivery_service(pusher, owner="bench")
        started = time.perf_counter()
        round_ = await deliver_continuously(service, asyncio.Event(), poll=0.05, until_idle=True)
        return round_.delivered, time.perf_counter() - started


def _run(database: str, url: str, reports: int, port: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        hub = _hub(url, Path(tmp), port)
        try:
            intake_rate = _fill(hub, reports)
            delivered, elapsed = asyncio.run(_drain(hub))
            expected = reports * len(RECIPIENTS)
            bare = asyncio.run(
                bare_post_loop(f"http://127.0.0.1:{port}/hook", expected, CONCURRENCY)
            )
        finally:
            hub.close()
    rate = delivered / elapsed
    return {
        "benchmark": "delivery_worker",
        "database": database,
        "disclosures": expected,
        "delivered": delivered,
        "worker_per_s": round(rate),
        "bare_aiohttp_per_s": round(bare),
        "ratio_to_bare": round(rate / bare, 3),
        "intake_reports_per_s_single_thread": round(intake_rate),
    }


def _postgres_url() -> tuple[str, str] | None:
    admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            name = f"tellonce_bench_{uuid.uuid4().hex[:8]}"
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError:
        return None
    finally:
        admin.dispose()
    return name, sa.make_url(POSTGRES_ADMIN).set(database=name).render_as_string(False)


def _drop(name: str) -> None:
    admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    port = free_port()
    receiver = multiprocessing.get_context("spawn").Process(target=serve_receiver, args=(port,))
    receiver.start()
    try:
        wait_until_listening(port)
        if args.database in {"sqlite", "both"}:
            with tempfile.TemporaryDirectory() as tmp:
                url = f"sqlite:///{tmp}/bench.db"
                print(json.dumps(_run("sqlite", url, args.reports, port)))
        if args.database in {"postgres", "both"}:
            created = _postgres_url()
            if created is None:
                print(
                    json.dumps(
                        {
                            "benchmark": "delivery_worker",
                            "database": "postgres",
                            "skipped": "PostgreSQL not reachable",
                        }
                    )
                )
                return
            name, url = created
            try:
                print(json.dumps(_run("postgres", url, args.reports, port)))
            finally:
                _drop(name)
    finally:
        receiver.terminate()
        receiver.join()


if __name__ == "__main__":
    main()
