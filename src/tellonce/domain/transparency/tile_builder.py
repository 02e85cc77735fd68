"""Appending to a tiled log: the right edge of the tree, kept as its partial tiles.

A tree of ``n`` leaves is fully described, for appending, by the right-most partial tile at
each tile level: every perfect subtree of its compact range lies inside one of them. So the
sequencer restores a ``TileBuilder`` from those few stored tiles (never recomputing the
tree), appends a batch of leaf hashes tile by tile -- each completed tile's root is hashed
once and becomes one hash of its parent tile -- and gets back exactly the tiles to store.
Hashing a tile at a time costs one leaf hash and, on average, one node hash per entry: the
two-SHA-256 limit. (``CompactRange.append`` produces the same hashes, but one Python call
per leaf and per finished node makes it about half as fast; the benchmark shows both.)

The auditor uses the same builder to recompute a whole log from its entry bundles.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

from tellonce.domain.transparency.errors import TileError
from tellonce.domain.transparency.merkle import (
    HASH_SIZE,
    CompactRange,
    consistency_proof,
    root_from_leaf_hashes,
    verify_consistency,
)
from tellonce.domain.transparency.tiles import TILE_HEIGHT, TILE_WIDTH, Tile, TileHashes

ReadTile = Callable[[Tile], bytes]


def leaf_hashes(entries: Iterable[bytes]) -> list[bytes]:
    """``merkle.leaf_hash`` of each entry, without a Python call per entry: the sequencer
    and the auditor hash every entry, and the call costs a fifth of the hash."""
    sha256 = hashlib.sha256
    return [sha256(b"\x00" + entry).digest() for entry in entries]


def _split(data: bytes) -> list[bytes]:
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


class TileBuilder:
    """The right edge of a tiled tree of ``size`` leaves; appends batches of leaf hashes."""

    __slots__ = ("_edge", "_size")

    def __init__(self, size: int = 0, edge: Sequence[bytes] = ()) -> None:
        """``edge[level]`` holds the hashes of the partial tile at that level (may be empty)."""
        self._size = size
        self._edge = list(edge)
        for level, data in enumerate(self._edge):
            if len(data) != (self._hashes_at(level) % TILE_WIDTH) * HASH_SIZE:
                raise TileError(f"edge tile at level {level} does not fit a tree of size {size}")
        if len(self._edge) < self._levels():
            raise TileError(f"a tree of size {size} needs {self._levels()} edge tiles")

    @classmethod
    def restore(cls, size: int, read_tile: ReadTile) -> TileBuilder:
        """Read the right-most partial tile of each level from storage: O(log n) reads."""
        edge = []
        level = 0
        while hashes := size >> (TILE_HEIGHT * level):
            index, width = divmod(hashes, TILE_WIDTH)
            edge.append(read_tile(Tile(level, index, width))[: width * HASH_SIZE] if width else b"")
            level += 1
        return cls(size, edge)

    @property
    def size(self) -> int:
        return self._size

    def _hashes_at(self, level: int) -> int:
        return self._size >> (TILE_HEIGHT * level)

    def _levels(self) -> int:
        level = 0
        while self._hashes_at(level):
            level += 1
        return level

    def append(self, leaf_hashes: Sequence[bytes]) -> list[tuple[Tile, bytes]]:
        """Append leaf hashes; return every tile that is new or wider, lowest level first."""
        if set(map(len, leaf_hashes)) - {HASH_SIZE}:
            raise TileError(f"every leaf hash must be {HASH_SIZE} bytes")
        changed: list[tuple[Tile, bytes]] = []
        new = list(leaf_hashes)
        level = 0
        while new:
            if level == len(self._edge):
                self._edge.append(b"")
            count = self._hashes_at(level)
            hashes = _split(self._edge[level]) + new
            first_tile = count // TILE_WIDTH
            new = []
            for start in range(0, len(hashes), TILE_WIDTH):
                chunk = hashes[start : start + TILE_WIDTH]
                tile = Tile(level, first_tile + start // TILE_WIDTH, len(chunk))
                data = b"".join(chunk)
                changed.append((tile, data))
                if tile.is_partial:
                    self._edge[level] = data
                else:
                    self._edge[level] = b""
                    new.append(root_from_leaf_hashes(chunk))
            level += 1
        self._size += len(leaf_hashes)
        return changed

    def edge_tiles(self) -> list[tuple[Tile, bytes]]:
        """The partial tile of each level that has one."""
        tiles = []
        for level, data in enumerate(self._edge):
            if data:
                count = self._hashes_at(level)
                tiles.append((Tile(level, count // TILE_WIDTH, count % TILE_WIDTH), data))
        return tiles

    def _read_edge(self, tile: Tile) -> bytes:
        data = self._edge[tile.level] if tile.level < len(self._edge) else b""
        if len(data) != tile.width * HASH_SIZE:
            raise TileError(f"tile {tile.path} is not on the right edge")
        return data

    def compact_range(self) -> CompactRange:
        """The compact range of the tree, read from the edge tiles alone."""
        hashes = TileHashes(self._size, self._read_edge)
        return CompactRange.from_storage(self._size, hashes.hash_at)

    def root(self) -> bytes:
        return self.compact_range().root()


def check_extends(
    old_size: int, old_root: bytes, new_size: int, new_root: bytes, read_tile: ReadTile
) -> None:
    """Raise ``ProofError`` unless the tree in ``read_tile``'s tiles extends the old tree.

    The sequencer calls this before signing, with the tiles it is about to store, so that
    the log never signs a checkpoint inconsistent with the last one.
    """
    hashes = TileHashes(new_size, read_tile)
    proof = consistency_proof(old_size, new_size, hashes.hash_at)
    verify_consistency(old_size, new_size, old_root, new_root, proof)
