"""Complete-subtree hashes from tiles, with a shared, bounded cache of the tiles' interiors.

A proof needs a few hashes from each of a few tiles, and every one of them is an interior
hash of some tile (row ``h`` of a tile holds its subtrees of ``2**h`` tile-level hashes), so
a tile costs up to 255 SHA-256 calls the first time it is read. In an append-only log the
tile at (level, index, width) never changes, so a process can keep what it computed and
share it between requests: entries never go stale, the cache only needs a size bound.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from tellonce.domain.transparency.errors import ProofError, TileError
from tellonce.domain.transparency.merkle import HASH_SIZE, range_hash
from tellonce.domain.transparency.tiles import TILE_WIDTH, Tile, tile_rows, tile_width

ReadTile = Callable[[Tile], bytes]
Rows = tuple[bytes, ...]  # row h: the tile's subtree hashes of height h, concatenated


class TileCache:
    """A thread-safe LRU of tiles' rows, keyed by (level, index, width)."""

    def __init__(self, max_tiles: int = 4096) -> None:
        self.max_tiles = max_tiles
        self._rows: OrderedDict[tuple[int, int, int], Rows] = OrderedDict()
        self._edges: OrderedDict[tuple[int, int], tuple[bytes, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._rows)

    def rows(self, tile: Tile, read: ReadTile) -> Rows:
        key = (tile.level, tile.index, tile.width)
        with self._lock:
            rows = self._rows.get(key)
            if rows is not None:
                self._rows.move_to_end(key)
                return rows
        data = read(tile)  # outside the lock: this may be a database round trip
        if len(data) != tile.width * HASH_SIZE:
            raise TileError(f"tile {tile.path} holds {len(data)} bytes, not {tile.width} hashes")
        rows = tuple(b"".join(row) for row in tile_rows(data))
        with self._lock:
            self._rows[key] = rows
            while len(self._rows) > self.max_tiles:
                self._rows.popitem(last=False)
        return rows

    def edge(
        self, size: int, inner: int, compute: Callable[[], tuple[bytes, ...]]
    ) -> tuple[bytes, ...]:
        """The tail of every inclusion proof in the tree of ``size`` whose leaf meets the
        right edge at level ``inner``: it depends on nothing else, so it is kept (a few per
        tree size, the most recent :data:`_EDGES` of them)."""
        key = (size, inner)
        with self._lock:
            edge = self._edges.get(key)
        if edge is None:
            edge = compute()
            with self._lock:
                self._edges[key] = edge
                while len(self._edges) > _EDGES:
                    self._edges.popitem(last=False)
        return edge


_EDGES = 1024  # (size, level) pairs: about 25 for each tree size a proof is asked of


class CachedTileHashes:
    """``hash_at(level, index)`` for the tree of ``size``, reading tiles through a cache.

    A proof asks for a couple of dozen hashes from two or three tiles, so each instance (one
    proof, one tree size) also remembers the tiles it has used, keyed by position alone: at
    one tree size each position has exactly one width.
    """

    def __init__(self, size: int, read_tile: ReadTile, cache: TileCache) -> None:
        self.size = size
        self._read = read_tile
        self._cache = cache
        self._used: dict[tuple[int, int], Rows] = {}

    def hash_at(self, level: int, index: int) -> bytes:
        if level < 0 or index < 0:
            raise TileError(f"no subtree at level {level}, index {index}")
        # Shifts and masks for TILE_HEIGHT 8, TILE_WIDTH 256, 32-byte hashes (fixed by C2SP):
        # this is the innermost loop of every proof.
        tile_level, height = level >> 3, level & 7
        first = index << height
        last = first + (1 << height) - 1  # the subtree's last hash at the tile level
        rows = self._used.get((tile_level, last >> 8)) or self._rows(tile_level, last >> 8, last)
        offset = ((first & 255) >> height) << 5
        digest = rows[height][offset : offset + HASH_SIZE] if height < len(rows) else b""
        if len(digest) != HASH_SIZE:  # a partial tile without that subtree at this size
            raise TileError(f"tree size {self.size} has no complete subtree ({level}, {index})")
        return digest

    def inclusion_proof(self, index: int) -> list[bytes]:
        """The RFC 9162 inclusion proof of leaf ``index``, as
        :func:`~tellonce.domain.transparency.merkle.inclusion_proof` gives it, faster.

        Below level ``inner - 1`` (where the leaf's path meets the path of the tree's last
        leaf) every sibling is a complete subtree in one of the leaf's own tiles: row ``h``
        of the tile at tile level ``t`` holds the sibling at level ``8t + h``. What is left,
        the sibling at ``inner - 1`` and the left siblings along the right edge, depends only
        on the tree size and ``inner``, so the tile cache keeps it.
        """
        size = self.size
        if not 0 <= index < size:
            raise ProofError(f"leaf index {index} is outside a tree of size {size}")
        inner = (index ^ (size - 1)).bit_length()
        proof: list[bytes] = []
        rows: Rows = ()
        for level in range(inner - 1):
            height = level & 7
            if not height:  # the next tile up the leaf's path
                rows = self._rows(level >> 3, index >> (level + 8), (index >> level) & ~255)
            offset = (((index >> level) ^ 1) & (255 >> height)) << 5
            digest = rows[height][offset : offset + HASH_SIZE] if height < len(rows) else b""
            if len(digest) != HASH_SIZE:
                raise TileError(f"tree size {size} has no complete sibling at level {level}")
            proof.append(digest)
        proof.extend(self._cache.edge(size, inner, lambda: self._edge(inner)))
        return proof

    def _edge(self, inner: int) -> tuple[bytes, ...]:
        size, hash_at = self.size, self.hash_at
        last = size - 1  # at and above ``inner``, the leaf's path is the last leaf's path
        edge = []
        if inner:
            level = inner - 1
            sibling = (last >> level) << level
            edge.append(range_hash(sibling, size, hash_at))
        for level in range(inner, size.bit_length()):
            if (last >> level) & 1:
                edge.append(hash_at(level, (last >> level) ^ 1))
        return tuple(edge)

    def _rows(self, tile_level: int, tile_index: int, last: int) -> Rows:
        rows = self._used.get((tile_level, tile_index))
        if rows is None:
            width = tile_width(tile_level, tile_index, self.size)
            if width <= last % TILE_WIDTH:
                raise TileError(f"tree size {self.size} has no hash {last} at level {tile_level}")
            rows = self._cache.rows(Tile(tile_level, tile_index, width), self._read)
            self._used[tile_level, tile_index] = rows
        return rows
