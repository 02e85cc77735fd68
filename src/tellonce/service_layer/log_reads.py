"""Reading the transparency log: C2SP tlog-tiles resources, proofs, and whole-log audits.

Everything here is read from stored tiles and entries; nothing recomputes the tree except
``verify_log``, which does so on purpose. Stored tiles are always the tiles of the latest
checkpoint, and a tile at a smaller width is a prefix of the stored one, so any size up to
the latest can be served and proven from one row per tile.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tellonce.domain.errors import FieldProblem, InvalidInput, NotFound
from tellonce.domain.transparency.audit import Fetch, audit_log
from tellonce.domain.transparency.checkpoints import Checkpoint, open_checkpoint
from tellonce.domain.transparency.errors import ProofError, TileError, TransparencyError
from tellonce.domain.transparency.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    range_hash,
    verify_consistency,
)
from tellonce.domain.transparency.notes import NoteVerifier
from tellonce.domain.transparency.tile_cache import CachedTileHashes, TileCache
from tellonce.domain.transparency.tiles import (
    TILE_WIDTH,
    Tile,
    TileHashes,
    encode_entry_bundle,
    parse_tile_path,
)
from tellonce.service_layer.log_ports import StoredCheckpoint, TransparencyLogRepository
from tellonce.service_layer.ports import UnitOfWork, UnitOfWorkFactory

CHECKPOINT_PATH = "checkpoint"


def stored_tile_reader(log: TransparencyLogRepository) -> Callable[[Tile], bytes]:
    """Read a tile at a given width from storage (a prefix of the stored, widest version)."""

    def read(tile: Tile) -> bytes:
        data = log.tile(tile.level, tile.index)
        wanted = tile.width * 32
        if data is None or len(data) < wanted or (not tile.is_partial and len(data) != wanted):
            raise TileError(f"the log has no tile {tile.path}")
        return data[:wanted]

    return read


@dataclass(frozen=True, slots=True)
class LogResource:
    data: bytes
    immutable: bool  # a full tile or entry bundle: its bytes never change


def log_resource(path: str, *, uow: UnitOfWork) -> LogResource:
    """A C2SP tlog-tiles resource by its log-relative path (``checkpoint``, ``tile/...``)."""
    with uow:
        if path == CHECKPOINT_PATH:
            latest = uow.log.latest_checkpoint()
            if latest is None:
                raise NotFound("The log has not signed a checkpoint yet")
            return LogResource(latest.note.encode(), immutable=False)
        try:
            tile, is_entries = parse_tile_path(path)
            if is_entries:
                start = tile.index * TILE_WIDTH
                entries = uow.log.entries(start, start + tile.width)
                if len(entries) != tile.width:
                    raise TileError("not sequenced yet")
                data = encode_entry_bundle(entries)
            else:
                data = stored_tile_reader(uow.log)(tile)
        except TileError as error:
            raise NotFound("The log has no such tile or entry bundle (yet)") from error
        return LogResource(data, immutable=not tile.is_partial)


def latest_checkpoint(*, uow: UnitOfWork) -> StoredCheckpoint | None:
    with uow:
        return uow.log.latest_checkpoint()


@dataclass(frozen=True, slots=True)
class ProofAnswer:
    first: int  # the leaf index (inclusion) or the old size (consistency)
    size: int
    hashes: tuple[bytes, ...]


def _latest_size(uow: UnitOfWork) -> int:
    latest = uow.log.latest_checkpoint()
    return 0 if latest is None else latest.size


def _check_size(name: str, size: int, latest: int, smallest: int) -> None:
    if size > latest:
        raise InvalidInput([FieldProblem((name,), f"The log has only {latest} entries so far")])
    if size < smallest:
        raise InvalidInput([FieldProblem((name,), f"Give a tree size of at least {smallest}")])


def inclusion_proof_for(
    index: int, size: int | None, *, uow: UnitOfWork, cache: TileCache
) -> ProofAnswer:
    """RFC 9162 inclusion proof of leaf ``index`` in the tree of ``size`` (default: latest)."""
    with uow:
        latest = _latest_size(uow)
        size = latest if size is None else size
        _check_size("size", size, latest, smallest=1)
        if not 0 <= index < size:
            raise InvalidInput([FieldProblem(("index",), f"Give an index below the size {size}")])
        hashes = CachedTileHashes(size, stored_tile_reader(uow.log), cache)
        return ProofAnswer(index, size, tuple(inclusion_proof(index, size, hashes.hash_at)))


def consistency_proof_for(
    first: int, second: int | None, *, uow: UnitOfWork, cache: TileCache
) -> ProofAnswer:
    """RFC 9162 consistency proof from tree size ``first`` to ``second`` (default: latest)."""
    with uow:
        latest = _latest_size(uow)
        second = latest if second is None else second
        _check_size("to", second, latest, smallest=0)
        if not 0 <= first <= second:
            raise InvalidInput([FieldProblem(("from",), f"Give a size from 0 to {second}")])
        hashes = CachedTileHashes(second, stored_tile_reader(uow.log), cache)
        proof = consistency_proof(first, second, hashes.hash_at)
        return ProofAnswer(first, second, tuple(proof))


# --- verifying the whole log -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LogAudit:
    checkpoint: Checkpoint
    note: str
    entries_by_kind: dict[str, int] = field(default_factory=dict)
    trusted_size: int | None = None
    checkpoints_checked: int = 0


def _count_kinds(counts: Counter[str]) -> Callable[[Sequence[bytes]], None]:
    def count(entries: Sequence[bytes]) -> None:
        for entry in entries:
            try:
                kind = json.loads(entry)["kind"]
            except (ValueError, KeyError, TypeError) as exc:
                raise TileError("a log entry is not a JSON object with a kind") from exc
            counts[str(kind)] += 1

    return count


def verify_log(
    fetch: Fetch, log_key: NoteVerifier, *, trusted_checkpoint: str | None = None
) -> LogAudit:
    """Recompute the log behind its latest checkpoint from the entries alone; check the
    signature, every tile, the root, and consistency with a checkpoint seen before.

    Raise a ``TransparencyError`` saying what failed.
    """
    note = fetch(CHECKPOINT_PATH).decode("utf-8")
    checkpoint = open_checkpoint(note, log_key)
    counts: Counter[str] = Counter()
    audit_log(checkpoint, fetch, _count_kinds(counts))
    trusted_size = None
    if trusted_checkpoint is not None:
        trusted = open_checkpoint(trusted_checkpoint, log_key)
        if trusted.size > checkpoint.size:
            raise ProofError(
                f"the log has shrunk: it was {trusted.size} entries and is now {checkpoint.size}"
            )
        hashes = TileHashes(checkpoint.size, lambda tile: fetch(tile.path))
        proof = consistency_proof(trusted.size, checkpoint.size, hashes.hash_at)
        verify_consistency(
            trusted.size, checkpoint.size, trusted.root_hash, checkpoint.root_hash, proof
        )
        trusted_size = trusted.size
    return LogAudit(checkpoint, note, dict(counts), trusted_size)


def storage_fetch(uow_factory: UnitOfWorkFactory) -> Fetch:
    """``fetch`` over the hub's own storage, as the HTTP endpoints would serve it.

    Each read is its own short transaction, so auditing never blocks the sequencer; the log
    is append-only, so reads at different moments still describe one tree.
    """

    def fetch(path: str) -> bytes:
        try:
            return log_resource(path, uow=uow_factory()).data
        except NotFound as error:
            raise TileError(f"the log has no {path}") from error

    return fetch


def verify_stored_checkpoints(
    uow_factory: UnitOfWorkFactory, log_key: NoteVerifier, size: int, *, page: int = 1000
) -> int:
    """Check every stored checkpoint up to ``size``: signed by the log, and its root is the
    root of the stored tree at its size -- so no two of them are inconsistent."""
    checked, after = 0, -1
    while True:
        with uow_factory() as uow:
            batch = uow.log.checkpoints(after, page)
            hashes = CachedTileHashes(size, stored_tile_reader(uow.log), TileCache(64))
            for stored in batch:
                if stored.size > size:
                    return checked
                _check_stored(stored, log_key, hashes)
                checked += 1
        if len(batch) < page:
            return checked
        after = batch[-1].size


def _check_stored(
    stored: StoredCheckpoint, log_key: NoteVerifier, hashes: CachedTileHashes
) -> None:
    checkpoint = open_checkpoint(stored.note, log_key)
    expected = range_hash(0, stored.size, hashes.hash_at) if stored.size else EMPTY_ROOT
    if checkpoint.size != stored.size or {checkpoint.root_hash, stored.root_hash} != {expected}:
        raise TransparencyError(f"the stored checkpoint of size {stored.size} is not of this tree")
