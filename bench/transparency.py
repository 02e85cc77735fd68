"""Benchmark: the transparency log, each figure beside its baseline in the same run.

    .venv/bin/python -m bench.transparency [--entries 200000] [--log-size 1000000]
        [--database sqlite|postgres|both] [--million sqlite|postgres|both|none]

Prints one JSON object per benchmark:

* ``log_append_in_memory`` -- the hashing limit (two SHA-256 calls per append: the leaf and,
  on average, one interior node), ``TileBuilder`` (how the sequencer appends),
  ``CompactRange.append`` and pymerkle's ``InmemoryTree``, on the same entries.
* ``log_sequencer`` (per database) -- pending entries integrated durably: numbered, tiles
  stored, checkpoint signed, one committed transaction per batch of 100,000.
* ``log_inclusion_proofs`` (per database) -- random inclusion proofs on a 1,000,000-entry log
  through the service layer (database reads, the hub's tile cache), cold then warm.
* ``log_verify`` (per database) -- ``tellonce log verify`` of that log from storage: every
  entry read and hashed, every tile recomputed and compared, every checkpoint checked.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import random
import secrets
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pymerkle import InmemoryTree

from tellonce.adapters.clock import SystemClock
from tellonce.adapters.database.engine import create_database_engine
from tellonce.adapters.database.migrate import upgrade
from tellonce.bootstrap import Hub, build_vault
from tellonce.config import Mode, Settings
from tellonce.domain.transparency.merkle import CompactRange, leaf_hash
from tellonce.domain.transparency.tile_builder import TileBuilder
from tellonce.service_layer.log_ports import PendingLogEntry
from tellonce.service_layer.log_reads import (
    inclusion_proof_for,
    storage_fetch,
    verify_log,
    verify_stored_checkpoints,
)
from tellonce.service_layer.transparency import integrate_pending

POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
FILL_CHUNK = 20_000
# A real "disclosure-authorised" entry's shape and size (about 420 bytes).
TEMPLATE = (
    '{"agreement":{"id":"leeds-council-tax-moves","version":1},"basis":"law",'
    '"commitment":"%s","event_type":"change-of-address","fields":["move_date","new_address",'
    '"person.date_of_birth","person.name","previous_address"],"id":"%s",'
    '"kind":"disclosure-authorised","legal_basis":"dpv:PublicTask",'
    '"purpose":"dpv:ServiceProvision","recipient":"leeds-council-tax",'
    '"time":"2026-11-25T10:00:00Z","v":1}'
)


def entries(count: int) -> Iterator[bytes]:
    for _ in range(count):
        commitment = base64.b64encode(secrets.token_bytes(32)).decode()
        yield (TEMPLATE % (commitment, uuid.uuid4())).encode()


def _rate(count: int, run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return count / (time.perf_counter() - started)


def sha256_limit(batch: list[bytes]) -> float:
    """Two SHA-256 calls per append, and nothing else: the ceiling for any Python log."""
    sha256 = hashlib.sha256

    def run() -> None:
        for entry in batch:
            leaf = sha256(b"\x00" + entry).digest()
            sha256(b"\x01" + leaf + leaf).digest()

    return _rate(len(batch), run)


def in_memory(count: int) -> dict[str, Any]:
    batch = list(entries(count))
    limit = sha256_limit(batch)
    tiles = _rate(count, lambda: TileBuilder().append([leaf_hash(e) for e in batch]))

    def compact() -> None:
        edge = CompactRange()
        for entry in batch:
            edge.append(leaf_hash(entry))

    compact_rate = _rate(count, compact)
    sample = batch[: min(count, 50_000)]  # pymerkle is slower; a sample keeps the run short

    def theirs() -> None:
        tree = InmemoryTree(algorithm="sha256")
        for entry in sample:
            tree.append_entry(entry)

    pymerkle = _rate(len(sample), theirs)
    return {
        "benchmark": "log_append_in_memory",
        "entries": count,
        "sha256_limit_per_s": round(limit),
        "tile_builder_per_s": round(tiles),
        "compact_range_per_s": round(compact_rate),
        "pymerkle_per_s": round(pymerkle),
        "tile_builder_to_limit": round(tiles / limit, 3),
        "tile_builder_to_pymerkle": round(tiles / pymerkle, 2),
    }


@contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    name = f"tellonce_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(POSTGRES_ADMIN).set(database=name).render_as_string(False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def hub_on(url: str) -> Iterator[Hub]:
    with tempfile.TemporaryDirectory() as tmp:
        key = base64.b64encode(secrets.token_bytes(32)).decode()
        settings = Settings(
            mode=Mode.DEVELOPMENT,
            data_dir=Path(tmp),
            database_url=url,
            master_keys=f"k1:{key}",
            index_key=key,
        )
        engine = create_database_engine(url)
        upgrade(engine)
        hub = Hub(
            settings=settings, engine=engine, vault=build_vault(settings), clock=SystemClock()
        )
        try:
            yield hub
        finally:
            hub.close()


def fill(hub: Hub, count: int) -> float:
    """Write pending entries as use cases do (chunks of 20,000 per transaction)."""
    now = datetime.now(UTC)
    generated = entries(count)

    def run() -> None:
        for start in range(0, count, FILL_CHUNK):
            chunk = [next(generated) for _ in range(min(FILL_CHUNK, count - start))]
            with hub.uow() as uow:
                uow.log.add_pending([PendingLogEntry("bench", e, now) for e in chunk])
                uow.commit()

    return _rate(count, run)


def sequencer(kind: str, url: str, count: int, baseline: dict[str, Any]) -> dict[str, Any]:
    with hub_on(url) as hub:
        written = fill(hub, count)
        started = time.perf_counter()
        done = integrate_pending(hub.log_sequencer(owner="bench"))
        rate = done.entries / (time.perf_counter() - started)
    return {
        "benchmark": "log_sequencer",
        "database": kind,
        "entries": done.entries,
        "batches": done.batches,
        "integrated_per_s": round(rate),
        "sha256_limit_per_s": baseline["sha256_limit_per_s"],
        "pymerkle_per_s": baseline["pymerkle_per_s"],
        "ratio_to_limit": round(rate / baseline["sha256_limit_per_s"], 3),
        "ratio_to_pymerkle": round(rate / baseline["pymerkle_per_s"], 2),
        "pending_writes_per_s": round(written),
    }


def million(kind: str, url: str, size: int, proofs: int) -> list[dict[str, Any]]:
    with hub_on(url) as hub:
        fill(hub, size)
        integrate_pending(hub.log_sequencer(owner="bench"))
        rng = random.Random(1)
        rates = []
        for _ in range(2):  # cold (empty tile cache), then warm
            indices = [rng.randrange(size) for _ in range(proofs)]

            def prove(indices: list[int] = indices) -> None:
                for index in indices:
                    inclusion_proof_for(index, size, uow=hub.uow(), cache=hub.log_tiles)

            rates.append(_rate(proofs, prove))
        verifier = hub.log_signer.verifier()
        started = time.perf_counter()
        audit = verify_log(storage_fetch(hub.uow), verifier)
        checked = verify_stored_checkpoints(hub.uow, verifier, audit.checkpoint.size)
        verify_seconds = time.perf_counter() - started
    return [
        {
            "benchmark": "log_inclusion_proofs",
            "database": kind,
            "log_size": size,
            "proofs": proofs,
            "cold_cache_per_s": round(rates[0]),
            "warm_cache_per_s": round(rates[1]),
            "tile_cache_tiles": hub.log_tiles.max_tiles,
        },
        {
            "benchmark": "log_verify",
            "database": kind,
            "log_size": audit.checkpoint.size,
            "checkpoints_checked": checked,
            "seconds": round(verify_seconds, 1),
            "entries_per_s": round(audit.checkpoint.size / verify_seconds),
        },
    ]


def _databases(choice: str) -> list[str]:
    return {"both": ["sqlite", "postgres"], "none": []}.get(choice, [choice])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--log-size", type=int, default=1_000_000)
    parser.add_argument("--proofs", type=int, default=20_000)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--million", choices=["sqlite", "postgres", "both", "none"], default="both")
    args = parser.parse_args()
    baseline = in_memory(args.entries)
    print(json.dumps(baseline), flush=True)
    for kind in _databases(args.database):
        with database(kind) as url:
            print(json.dumps(sequencer(kind, url, args.entries, baseline)), flush=True)
    for kind in _databases(args.million):
        with database(kind) as url:
            for result in million(kind, url, args.log_size, args.proofs):
                print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
