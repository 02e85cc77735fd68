"""Benchmark: a pull recipient fetches its feed and acknowledges it, in pages of 500.

    .venv/bin/python -m bench.feed [--reports 5000] [--database sqlite|postgres|both]

Each change-of-address report tells one pull recipient (the agreed fields only). The recipient
then reads ``read_feed`` (fetching counts as delivering: the acknowledgement clock starts and a
``disclosure-delivered`` log entry is written) and acknowledges the page with ``acknowledge``
(its citizen is told, its reminders dropped), page after page until the feed is empty — the
use cases the API's ``GET /api/v1/feed`` and ``POST /api/v1/acknowledgements`` call. Printed:
disclosures fetched and acknowledged per second, and the fetch and acknowledge shares.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import tempfile
import time
import uuid
from pathlib import Path

from tests.factories import agreement, recipient

from bench.delivery import _drop, _fill, _postgres_url
from tellonce.adapters.clock import SystemClock
from tellonce.adapters.database.engine import create_database_engine
from tellonce.adapters.database.migrate import upgrade
from tellonce.bootstrap import Hub, build_vault
from tellonce.config import Mode, Settings
from tellonce.domain.catalogue import Catalogue, Channel
from tellonce.service_layer.acknowledgement import acknowledge
from tellonce.service_layer.catalogue import load_catalogue
from tellonce.service_layer.feed import MAX_PAGE, read_feed

PULL = "bench-pull"


def _hub(url: str, data_dir: Path) -> Hub:
    settings = Settings(
        mode=Mode.DEVELOPMENT,
        data_dir=data_dir,
        database_url=url,
        master_keys=f"k1:{base64.b64encode(secrets.token_bytes(32)).decode()}",
        index_key=base64.b64encode(secrets.token_bytes(32)).decode(),
    )
    engine = create_database_engine(url)
    upgrade(engine)
    hub = Hub(settings=settings, engine=engine, vault=build_vault(settings), clock=SystemClock())
    fields = {"change-of-address": ("person.name", "new_address", "move_date")}
    catalogue = Catalogue(
        recipients={PULL: recipient(PULL, channel=Channel.PULL)},
        agreements=(agreement(f"{PULL}-moves", PULL, fields),),
    )
    load_catalogue(catalogue, uow=hub.uow(), clock=hub.clock)
    return hub


def _run(database: str, url: str, reports: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        hub = _hub(url, Path(tmp))
        try:
            _fill(hub, reports)
            fetched = acknowledged = 0
            fetching = acknowledging = 0.0
            cursor = None
            while True:
                started = time.perf_counter()
                page = read_feed(
                    PULL,
                    cursor,
                    limit=MAX_PAGE,
                    unacknowledged_only=False,
                    uow_factory=hub.uow,
                    clock=hub.clock,
                    events=hub.events,
                )
                fetching += time.perf_counter() - started
                if not page.events:
                    break
                fetched += len(page.events)
                ids = [event["id"] for event in page.events]
                started = time.perf_counter()
                acknowledge(PULL, [uuid.UUID(i) for i in ids], uow=hub.uow(), clock=hub.clock)
                acknowledging += time.perf_counter() - started
                acknowledged += len(ids)
                cursor = page.next_cursor
                if not page.has_more:
                    break
        finally:
            hub.close()
    elapsed = fetching + acknowledging
    return {
        "benchmark": "feed_fetch_and_acknowledge",
        "database": database,
        "page": MAX_PAGE,
        "disclosures": fetched,
        "acknowledged": acknowledged,
        "per_s": round(fetched / elapsed) if elapsed else None,
        "fetch_per_s": round(fetched / fetching) if fetching else None,
        "acknowledge_per_s": round(acknowledged / acknowledging) if acknowledging else None,
        "load_average": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=5000)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    if args.database in {"sqlite", "both"}:
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(_run("sqlite", f"sqlite:///{tmp}/feed.db", args.reports)), flush=True)
    if args.database in {"postgres", "both"}:
        created = _postgres_url()
        if created is None:
            print(
                json.dumps({"benchmark": "feed_fetch_and_acknowledge", "skipped": "no PostgreSQL"})
            )
            return
        name, url = created
        try:
            print(json.dumps(_run("postgres", url, args.reports)), flush=True)
        finally:
            _drop(name)


if __name__ == "__main__":
    main()
