"""Reading the transparency log: C2SP tlog-tiles resources, proofs, and whole-log audits.

Everything here is read from stored tiles and entries; nothing recomputes the tree except
``verify_log``, which does so on purpose. Stored tiles are always the tiles of the latest
checkpoint, and a tile at a smaller width is a prefix of the stored one, so any size up to
the latest can be served and proven from one row per tile.
"""

from __future__ import annotations

import contextlib
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from tellonce.domain.errors import FieldProblem, InvalidInput, NotFound
from tellonce.domain.transparency.audit import Fetch, audit_log
from tellonce.domain.transparency.checkpoints import Checkpoint, open_checkpoint
from tellonce.domain.transparency.errors import ProofError, TileError, TransparencyError
from tellonce.domain.transparency.merkle import (
    EMPTY_ROOT,
    consistency_proof,
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
from tellonce.service_layer.ports import UnitOfWork, UnitOfWorkFactory
from tellonce.service_layer.ports.transparency import StoredCheckpoint, TransparencyLogRepository

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


@dataclass(frozen=True, slots=True)
class ProofAnswer:
    first: int  # the leaf index (inclusion) or the old size (consistency)
    size: int
    hashes: tuple[bytes, ...]


def _check_size(name: str, size: int, latest: int, smallest: int) -> None:
    if size > latest:
        raise InvalidInput(
            [FieldProblem(("query", name), f"The log has only {latest} entries so far")]
        )
    if size < smallest:
        raise InvalidInput(
            [FieldProblem(("query", name), f"Give a tree size of at least {smallest}")]
        )


class LogReads:
    """Proofs as one process serves them: from a shared tile cache, and the latest checkpoint
    re-read at most every ``freshness`` seconds (or when asked about a larger tree). A proof
    whose tiles are cached touches no database; a miss opens one short transaction."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, tiles: TileCache | None = None, freshness: float = 1.0
    ) -> None:
        self._uow_factory = uow_factory
        self.tiles = TileCache() if tiles is None else tiles
        self._freshness = freshness
        self._latest: StoredCheckpoint | None = None
        self._read_at = -math.inf

    def latest(self, *, at_least: int = 0) -> StoredCheckpoint | None:
        latest, now = self._latest, time.monotonic()
        if latest is None or latest.size < at_least or now - self._read_at > self._freshness:
            with self._uow_factory() as uow:
                latest = uow.log.latest_checkpoint()
            self._latest, self._read_at = latest, now
        return latest

    @contextlib.contextmanager
    def _hashes(self, size: int) -> Iterator[CachedTileHashes]:
        opened: list[UnitOfWork] = []

        def read(tile: Tile) -> bytes:
            if not opened:
                opened.append(self._uow_factory().__enter__())
            return stored_tile_reader(opened[0].log)(tile)

        try:
            yield CachedTileHashes(size, read, self.tiles)
        finally:
            for uow in opened:
                uow.__exit__(None, None, None)

    def _size(self, name: str, size: int | None, smallest: int) -> int:
        latest = self.latest(at_least=size or 0)
        latest_size = 0 if latest is None else latest.size
        size = latest_size if size is None else size
        _check_size(name, size, latest_size, smallest)
        return size

    def inclusion_proof(self, index: int, size: int | None = None) -> ProofAnswer:
        """RFC 9162 inclusion proof of leaf ``index`` in the tree of ``size`` (default: latest)."""
        size = self._size("size", size, smallest=1)
        if not 0 <= index < size:
            raise InvalidInput(
                [FieldProblem(("query", "index"), f"Give an index below the size {size}")]
            )
        with self._hashes(size) as hashes:
            return ProofAnswer(index, size, tuple(hashes.inclusion_proof(index)))

    def consistency_proof(self, first: int, second: int | None = None) -> ProofAnswer:
        """RFC 9162 consistency proof from tree size ``first`` to ``second`` (default: latest)."""
        second = self._size("to", second, smallest=0)
        if not 0 <= first <= second:
            raise InvalidInput([FieldProblem(("query", "from"), f"Give a size from 0 to {second}")])
        with self._hashes(second) as hashes:
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


# The top-level "kind" of a canonical entry (a quoted key cannot occur inside a JSON string,
# and no tellonce entry nests one). A scan, not a parse: parsing a million entries would take
# a third of a full audit, for a summary line.
_KIND = re.compile(rb'"kind":"([a-z-]{1,40})"')


def _count_kinds(counts: Counter[bytes]) -> Callable[[Sequence[bytes]], None]:
    def count(entries: Sequence[bytes]) -> None:
        for entry in entries:
            found = _KIND.search(entry)
            counts[found[1] if found else b"(not a tellonce entry)"] += 1

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
    counts: Counter[bytes] = Counter()
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
    kinds = {kind.decode(): count for kind, count in counts.items()}
    return LogAudit(checkpoint, note, kinds, trusted_size)


class _StorageSource:
    """``fetch`` over the hub's own storage, reading ahead in bulk for an audit.

    An audit asks for every bundle and tile in order; one short transaction per 64 of them
    (not one per resource) keeps a million-entry audit to a few hundred queries, and never
    holds a transaction open for long. The log is append-only, so reads made at different
    moments still describe one tree.
    """

    AHEAD = 64

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory
        self._entries: tuple[int, list[bytes]] = (0, [])  # first leaf, entries from it
        self._tiles: dict[int, dict[int, bytes]] = {}  # by level, then index

    def fetch(self, path: str) -> bytes:
        if path == CHECKPOINT_PATH:
            return log_resource(path, uow=self._uow_factory()).data
        try:
            tile, is_entries = parse_tile_path(path)
        except TileError as error:
            raise TileError(f"the log has no {path}") from error
        if is_entries:
            return encode_entry_bundle(self._bundle(tile))
        data = self._tile(tile)
        if len(data) < tile.width * 32 or (not tile.is_partial and len(data) != tile.width * 32):
            raise TileError(f"the log has no {path}")
        return data[: tile.width * 32]

    def _bundle(self, tile: Tile) -> list[bytes]:
        start = tile.index * TILE_WIDTH
        first, held = self._entries
        if not first <= start < first + len(held) - tile.width + 1:
            with self._uow_factory() as uow:
                held = uow.log.entries(start, start + self.AHEAD * TILE_WIDTH)
            first = start
            self._entries = (first, held)
        found = held[start - first : start - first + tile.width]
        if len(found) != tile.width:
            raise TileError(f"the log has no {tile.entries_path}")
        return found

    def _tile(self, tile: Tile) -> bytes:
        held = self._tiles.get(tile.level, {})
        if tile.index not in held:
            with self._uow_factory() as uow:
                held = uow.log.tiles(tile.level, tile.index, tile.index + self.AHEAD)
            self._tiles[tile.level] = held
        return held.get(tile.index, b"")


def storage_fetch(uow_factory: UnitOfWorkFactory) -> Fetch:
    """``fetch(path)`` over the hub's own storage: what the HTTP endpoints would serve."""
    return _StorageSource(uow_factory).fetch


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
