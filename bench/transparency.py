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
import os
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
from tellonce.domain.transparency.merkle import CompactRange, inclusion_proof, leaf_hash
from tellonce.domain.transparency.tile_builder import TileBuilder
from tellonce.domain.transparency.tile_cache import CachedTileHashes, TileCache
from tellonce.service_layer.ports.transparency import PendingLogEntry
from tellonce.service_layer.transparency.entries import integrate_pending
from tellonce.service_layer.transparency.reads import (
    LogReads,
    storage_fetch,
    verify_log,
    verify_stored_checkpoints,
)

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


def pymerkle_rate(batch: list[bytes]) -> float:
    def run() -> None:
        tree = InmemoryTree(algorithm="sha256")
        for entry in batch:
            tree.append_entry(entry)

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
    pymerkle = pymerkle_rate(batch[:50_000])  # slower: a sample keeps the run short
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


def sequencer(kind: str, url: str, count: int) -> dict[str, Any]:
    """The sequencer, between two measurements of its baselines (this machine is shared:
    the mean of before and after is fairer than one measurement at the start of the run)."""
    sample = list(entries(min(count, 100_000)))
    before = sha256_limit(sample), pymerkle_rate(sample[:20_000])
    with hub_on(url) as hub:
        written = fill(hub, count)
        started = time.perf_counter()
        done = integrate_pending(hub.log_sequencer(owner="bench"))
        rate = done.entries / (time.perf_counter() - started)
    after = sha256_limit(sample), pymerkle_rate(sample[:20_000])
    limit, pymerkle = (before[0] + after[0]) / 2, (before[1] + after[1]) / 2
    return {
        "benchmark": "log_sequencer",
        "database": kind,
        "entries": done.entries,
        "batches": done.batches,
        "integrated_per_s": round(rate),
        "sha256_limit_per_s": round(limit),
        "pymerkle_per_s": round(pymerkle),
        "ratio_to_limit": round(rate / limit, 3),
        "ratio_to_pymerkle": round(rate / pymerkle, 2),
        "pending_writes_per_s": round(written),
    }


def _timed(run: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, this process's CPU seconds): on a shared machine the second is the
    steadier measure of work that never waits on another process."""
    started, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - started, time.process_time() - cpu


def proofs_beside_baseline(hub: Hub, kind: str, size: int, count: int) -> dict[str, Any]:
    """Inclusion proofs through the service (database, tile cache) beside the same proofs
    computed from tiles already in memory, in alternating rounds so both see the same load."""
    rng = random.Random(1)
    indices = [rng.randrange(size) for _ in range(count)]
    cold = indices[: max(1, count // 10)]
    cold_seconds, _ = _timed(  # every proof with an empty cache: database reads and hashing
        lambda: [LogReads(hub.uow, TileCache()).inclusion_proof(i, size) for i in cold]
    )
    # Warm: the default cache, which holds every tile of a million-entry log (about 3,950 of
    # its 4,096, some 64 MB) -- the steady state of a server whose working set fits its cache.
    reads = LogReads(hub.uow, TileCache())
    assert size // 256 + 64 <= reads.tiles.max_tiles, "the log outgrows the default cache"
    default = LogReads(hub.uow, TileCache(2048))  # half the default: the newest ~half-million
    with hub.uow() as uow:
        tiles = {(t, i): d for t in range(4) for i, d in uow.log.tiles(t, 0, 2**40).items()}
    memory = TileCache(8192)

    def from_memory(index: int) -> list[bytes]:
        hashes = CachedTileHashes(size, lambda t: tiles[t.level, t.index][: t.width * 32], memory)
        return hashes.inclusion_proof(index)

    def reference(index: int) -> list[bytes]:  # RFC 9162's recursion, one hash at a time
        hashes = CachedTileHashes(size, lambda t: tiles[t.level, t.index][: t.width * 32], memory)
        return inclusion_proof(index, size, hashes.hash_at)

    for index in indices:  # warm both, and check they agree with the reference
        assert reads.inclusion_proof(index, size).hashes == tuple(reference(index))
        from_memory(index)
        default.inclusion_proof(index, size)
    service, baseline, generic, small = [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]
    for start in range(0, count, 1000):
        chunk = indices[start : start + 1000]
        for total, run in [
            (service, lambda chunk=chunk: [reads.inclusion_proof(i, size) for i in chunk]),
            (baseline, lambda chunk=chunk: [from_memory(i) for i in chunk]),
            (generic, lambda chunk=chunk: [reference(i) for i in chunk]),
            (small, lambda chunk=chunk: [default.inclusion_proof(i, size) for i in chunk]),
        ]:
            wall, cpu = _timed(run)
            total[0] += wall
            total[1] += cpu
    return {
        "benchmark": "log_inclusion_proofs",
        "database": kind,
        "log_size": size,
        "proofs": count,
        "service_warm_per_s": round(count / service[0]),
        "service_warm_per_cpu_s": round(count / service[1]),
        "service_cold_per_s": round(len(cold) / cold_seconds),
        "in_memory_tiles_per_s": round(count / baseline[0]),
        "in_memory_tiles_per_cpu_s": round(count / baseline[1]),
        "reference_algorithm_per_s": round(count / generic[0]),
        "service_half_cache_per_s": round(count / small[0]),
        "warm_to_in_memory": round(baseline[0] / service[0], 3),
    }


def million(kind: str, url: str, size: int, proofs: int) -> list[dict[str, Any]]:
    with hub_on(url) as hub:
        fill(hub, size)
        integrate_pending(hub.log_sequencer(owner="bench"))
        proofs_result = proofs_beside_baseline(hub, kind, size, proofs)
        verifier = hub.log_signer.verifier()
        sample = list(entries(100_000))
        before = sha256_limit(sample)
        started = time.perf_counter()
        audit = verify_log(storage_fetch(hub.uow), verifier)
        checked = verify_stored_checkpoints(hub.uow, verifier, audit.checkpoint.size)
        verify_seconds = time.perf_counter() - started
        limit = (before + sha256_limit(sample)) / 2
    return [
        proofs_result,
        {
            "benchmark": "log_verify",
            "database": kind,
            "log_size": audit.checkpoint.size,
            "checkpoints_checked": checked,
            "seconds": round(verify_seconds, 1),
            "entries_per_s": round(audit.checkpoint.size / verify_seconds),
            "sha256_limit_per_s": round(limit),
            "ratio_to_limit": round(audit.checkpoint.size / verify_seconds / limit, 3),
        },
    ]


def emit(result: dict[str, Any]) -> None:
    """Print one benchmark, with the machine's load: this 2-core machine is shared."""
    print(json.dumps({**result, "load_average_1m": round(os.getloadavg()[0], 1)}), flush=True)


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
    emit(baseline)
    for kind in _databases(args.database):
        with database(kind) as url:
            emit(sequencer(kind, url, args.entries))
    for kind in _databases(args.million):
        with database(kind) as url:
            for result in million(kind, url, args.log_size, args.proofs):
                emit(result)


if __name__ == "__main__":
    main()
