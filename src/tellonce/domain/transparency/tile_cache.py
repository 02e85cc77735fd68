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

from tellonce.domain.transparency.errors import TileError
from tellonce.domain.transparency.merkle import HASH_SIZE
from tellonce.domain.transparency.tiles import TILE_HEIGHT, TILE_WIDTH, Tile, tile_for, tile_rows

ReadTile = Callable[[Tile], bytes]
Rows = tuple[bytes, ...]  # row h: the tile's subtree hashes of height h, concatenated


class TileCache:
    """A thread-safe LRU of tiles' rows, keyed by (level, index, width)."""

    def __init__(self, max_tiles: int = 2048) -> None:
        self.max_tiles = max_tiles
        self._rows: OrderedDict[Tile, Rows] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._rows)

    def rows(self, tile: Tile, read: ReadTile) -> Rows:
        with self._lock:
            rows = self._rows.get(tile)
            if rows is not None:
                self._rows.move_to_end(tile)
                return rows
        data = read(tile)  # outside the lock: this may be a database round trip
        if len(data) != tile.width * HASH_SIZE:
            raise TileError(f"tile {tile.path} holds {len(data)} bytes, not {tile.width} hashes")
        rows = tuple(b"".join(row) for row in tile_rows(data))
        with self._lock:
            self._rows[tile] = rows
            while len(self._rows) > self.max_tiles:
                self._rows.popitem(last=False)
        return rows


class CachedTileHashes:
    """``hash_at(level, index)`` for the tree of ``size``, reading tiles through a cache."""

    def __init__(self, size: int, read_tile: ReadTile, cache: TileCache) -> None:
        self.size = size
        self._read = read_tile
        self._cache = cache

    def hash_at(self, level: int, index: int) -> bytes:
        if level < 0 or index < 0:
            raise TileError(f"no subtree at level {level}, index {index}")
        tile_level, height = divmod(level, TILE_HEIGHT)
        first = index << height
        tile = tile_for(tile_level, first + (1 << height) - 1, self.size)
        row = self._cache.rows(tile, self._read)[height]
        offset = ((first % TILE_WIDTH) >> height) * HASH_SIZE
        if offset + HASH_SIZE > len(row):
            raise TileError(f"tree size {self.size} has no complete subtree ({level}, {index})")
        return row[offset : offset + HASH_SIZE]
