"""Auditing a whole tiled log from its public resources, as a witness or mirror does.

``audit_log`` fetches every entry bundle of a checkpoint's tree, recomputes every tile from
the entries (with the same ``TileBuilder`` the sequencer appends with), compares each with
the tile the log serves, and checks the recomputed root against the signed checkpoint. It
holds one bundle and the right edge in memory, so a log of any size audits in constant
space. ``audit_order`` lists the paths it will fetch, in order, so a client can fetch ahead.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator, Sequence

from tellonce.domain.transparency.checkpoints import Checkpoint
from tellonce.domain.transparency.errors import TileError
from tellonce.domain.transparency.tile_builder import TileBuilder, leaf_hashes
from tellonce.domain.transparency.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    Tile,
    decode_entry_bundle,
    tile_for,
)

Fetch = Callable[[str], bytes]


def _bundles(size: int) -> int:
    return -(-size // TILE_WIDTH)


def audit_order(size: int) -> Iterator[str]:
    """The log-relative paths ``audit_log`` fetches for a tree of ``size``, in order."""
    for bundle in range(_bundles(size)):
        tile = tile_for(0, bundle * TILE_WIDTH, size)
        yield tile.entries_path
        if tile.is_partial:
            continue
        finished = bundle + 1  # full level-0 tiles so far; a level-L tile ends every 256**L
        level = 0
        while level == 0 or not finished % (TILE_WIDTH**level):
            yield Tile(level, finished // TILE_WIDTH**level - 1).path
            level += 1
    edge_paths = []
    level = 0
    while hashes := size >> (TILE_HEIGHT * level):
        if hashes % TILE_WIDTH:
            edge_paths.append(Tile(level, hashes // TILE_WIDTH, hashes % TILE_WIDTH).path)
        level += 1
    yield from edge_paths


def _compare(tile: Tile, served: bytes, recomputed: bytes) -> None:
    if not hmac.compare_digest(served, recomputed):
        raise TileError(f"tile {tile.path} does not match the entries it covers")


def audit_log(
    checkpoint: Checkpoint,
    fetch: Fetch,
    on_entries: Callable[[Sequence[bytes]], None] | None = None,
) -> None:
    """Raise a ``TransparencyError`` unless the served tiles and entries make exactly the
    tree the checkpoint commits to. ``on_entries`` sees each bundle's entries in order."""
    builder = TileBuilder()
    for bundle in range(_bundles(checkpoint.size)):
        tile = tile_for(0, bundle * TILE_WIDTH, checkpoint.size)
        entries = decode_entry_bundle(fetch(tile.entries_path))
        if len(entries) != tile.width:
            raise TileError(f"{tile.entries_path} holds {len(entries)} entries, not {tile.width}")
        if on_entries is not None:
            on_entries(entries)
        for changed, data in builder.append(leaf_hashes(entries)):
            if not changed.is_partial:
                _compare(changed, fetch(changed.path), data)
    for edge, data in builder.edge_tiles():
        _compare(edge, fetch(edge.path), data)
    if not hmac.compare_digest(builder.root(), checkpoint.root_hash):
        raise TileError("the log's entries do not hash to the checkpoint's root hash")
