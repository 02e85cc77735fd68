"""C2SP tlog-tiles: how a log's hashes and entries are cut into static, cacheable files.

A tile at level ``L`` holds up to 256 consecutive Merkle hashes of subtrees of ``256**L``
leaves (level 0: leaf hashes). Tiles are served at ``tile/<L>/<N>[.p/<W>]``; entries at
``tile/entries/<N>[.p/<W>]`` as bundles of big-endian uint16-length-prefixed entries. A
*partial* tile (``.p/<W>``, 1 <= W <= 255) is the right-most tile of a level for one tree
size. Any complete subtree hash of the tree can be recomputed from one tile (see
``TileHashes``), which is how both the sequencer and readers produce proofs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from tellonce.domain.transparency.checkpoints import Checkpoint, open_checkpoint
from tellonce.domain.transparency.errors import TileError
from tellonce.domain.transparency.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    range_hash,
)
from tellonce.domain.transparency.notes import NoteVerifier

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # hashes in a full tile (and entries in a full bundle)
MAX_TILE_LEVEL = 63
MAX_ENTRY_SIZE = 0xFFFF  # an entry's length must fit the bundle's uint16 prefix
_TILE_PATH = re.compile(
    r"tile/(?P<level>entries|0|[1-9][0-9]?)/(?P<index>(?:x[0-9]{3}/)*[0-9]{3})"
    r"(?:\.p/(?P<width>[1-9][0-9]{0,2}))?"
)


def encode_tile_index(index: int) -> str:
    """``N`` in three-digit groups, all but the last prefixed ``x``: 1234067 -> x001/x234/067."""
    if index < 0:
        raise TileError("tile index must not be negative")
    digits = str(index)
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])


@dataclass(frozen=True, slots=True, order=True)
class Tile:
    """Tile ``index`` at ``level``, ``width`` hashes wide (256 unless partial)."""

    level: int
    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        if not 0 <= self.level <= MAX_TILE_LEVEL:
            raise TileError(f"tile level must be between 0 and {MAX_TILE_LEVEL}")
        if self.index < 0:
            raise TileError("tile index must not be negative")
        if not 1 <= self.width <= TILE_WIDTH:
            raise TileError(f"tile width must be between 1 and {TILE_WIDTH}")

    @property
    def is_partial(self) -> bool:
        return self.width < TILE_WIDTH

    @property
    def path(self) -> str:
        return _path(str(self.level), self.index, self.width)

    @property
    def entries_path(self) -> str:
        """The path of the entry bundle that this level-0 tile hashes."""
        if self.level:
            raise TileError("only level-0 tiles have entry bundles")
        return _path("entries", self.index, self.width)


def _path(level: str, index: int, width: int) -> str:
    suffix = f".p/{width}" if width < TILE_WIDTH else ""
    return f"tile/{level}/{encode_tile_index(index)}{suffix}"


def parse_tile_path(path: str) -> tuple[Tile, bool]:
    """Parse a tile or entry-bundle path; return the tile and whether it names entries.

    An entry bundle is returned as the level-0 tile it corresponds to. Only the canonical
    spelling of a path is accepted, so each resource has exactly one name.
    """
    match = _TILE_PATH.fullmatch(path)
    if match is None:
        raise TileError("not a tile path")
    level_text, width_text = match["level"], match["width"]
    is_entries = level_text == "entries"
    index = int(match["index"].replace("x", "").replace("/", ""))
    tile = Tile(
        0 if is_entries else int(level_text),
        index,
        TILE_WIDTH if width_text is None else int(width_text),
    )
    if (tile.entries_path if is_entries else tile.path) != path:
        raise TileError("tile path is not in canonical form")
    return tile, is_entries


def tile_width(level: int, index: int, size: int) -> int:
    """Width of tile (``level``, ``index``) in a tree of ``size`` leaves; 0 if it has none."""
    hashes = size >> (TILE_HEIGHT * level)
    if index < hashes // TILE_WIDTH:
        return TILE_WIDTH
    if index == hashes // TILE_WIDTH:
        return hashes % TILE_WIDTH
    return 0


def tile_for(level: int, index: int, size: int) -> Tile:
    """The tile, full or partial, that holds tile-level hash ``index`` at ``size``."""
    tile_index = index // TILE_WIDTH
    width = tile_width(level, tile_index, size)
    if width <= index % TILE_WIDTH:
        raise TileError(f"tree size {size} has no complete hash {index} at tile level {level}")
    return Tile(level, tile_index, width)


def tiles_for_size(size: int) -> list[Tile]:
    """Every tile a tree of ``size`` is served as, level by level, left to right."""
    tiles: list[Tile] = []
    level = 0
    while hashes := size >> (TILE_HEIGHT * level):
        full, rest = divmod(hashes, TILE_WIDTH)
        tiles.extend(Tile(level, i) for i in range(full))
        if rest:
            tiles.append(Tile(level, full, rest))
        level += 1
    return tiles


def tiles_from_leaf_hashes(leaf_hashes: Sequence[bytes]) -> dict[Tile, bytes]:
    """All tiles (contents by tile) of the tree over ``leaf_hashes``."""
    tiles: dict[Tile, bytes] = {}
    hashes = list(leaf_hashes)
    level = 0
    while hashes:
        parents = []
        for start in range(0, len(hashes), TILE_WIDTH):
            chunk = hashes[start : start + TILE_WIDTH]
            tile = Tile(level, start // TILE_WIDTH, len(chunk))
            tiles[tile] = data = b"".join(chunk)
            if not tile.is_partial:
                parents.append(tile_rows(data)[TILE_HEIGHT][0])
        hashes = parents
        level += 1
    return tiles


def tile_rows(data: bytes) -> list[list[bytes]]:
    """The complete subtree hashes inside one tile: row ``h`` has those of height ``h``.

    Row 0 is the tile's own hashes; a full tile's row 8 is its single root hash.
    """
    if not data or len(data) % HASH_SIZE or len(data) > TILE_WIDTH * HASH_SIZE:
        raise TileError(f"tile data must be 1 to {TILE_WIDTH} hashes of {HASH_SIZE} bytes")
    row = [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
    rows = [row]
    while len(row) > 1:
        row = [node_hash(row[i], row[i + 1]) for i in range(0, len(row) - 1, 2)]
        rows.append(row)
    return rows


class TileHashes:
    """``hash_at(level, index)`` for the tree of ``size``, computed from its tiles.

    Each tile is read once and its interior hashes kept, so a proof costs a few tile reads
    the first time and only dictionary look-ups after that.
    """

    def __init__(self, size: int, read_tile: Callable[[Tile], bytes]) -> None:
        self.size = size
        self._read_tile = read_tile
        # Keyed by (level, index): at one tree size each position has exactly one width.
        self._rows: dict[tuple[int, int], list[list[bytes]]] = {}

    def rows(self, tile: Tile) -> list[list[bytes]]:
        """The tile's hashes and interior hashes, read and checked on first use."""
        rows = self._rows.get((tile.level, tile.index))
        if rows is None:
            if tile_width(tile.level, tile.index, self.size) != tile.width:
                raise TileError(f"tree size {self.size} has no tile {tile.path}")
            data = self._read_tile(tile)
            if len(data) != tile.width * HASH_SIZE:
                raise TileError(f"tile {tile.path} holds {len(data)} bytes, not {tile.width}")
            rows = self._rows[tile.level, tile.index] = tile_rows(data)
        return rows

    def hash_at(self, level: int, index: int) -> bytes:
        if level < 0 or index < 0:
            raise TileError(f"no subtree at level {level}, index {index}")
        tile_level, height = divmod(level, TILE_HEIGHT)
        first = index << height
        tile_index, offset = divmod(first, TILE_WIDTH)
        rows = self._rows.get((tile_level, tile_index))
        if rows is None:
            rows = self.rows(tile_for(tile_level, first + (1 << height) - 1, self.size))
        row = rows[height] if height < len(rows) else ()
        if offset >> height >= len(row):
            raise TileError(f"tree size {self.size} has no complete subtree ({level}, {index})")
        return row[offset >> height]


def encode_entry_bundle(entries: Iterable[bytes]) -> bytes:
    """Entries as one bundle: each prefixed by its length as a big-endian uint16."""
    parts: list[bytes] = []
    for entry in entries:
        if len(entry) > MAX_ENTRY_SIZE:
            raise TileError(f"an entry must be at most {MAX_ENTRY_SIZE} bytes")
        parts += (len(entry).to_bytes(2, "big"), entry)
    return b"".join(parts)


def decode_entry_bundle(data: bytes) -> list[bytes]:
    """Split an entry bundle into its entries; refuse truncated or over-long bundles."""
    entries, position = [], 0
    while position < len(data):
        if position + 2 > len(data):
            raise TileError("entry bundle ends inside a length prefix")
        length = int.from_bytes(data[position : position + 2], "big")
        position += 2
        if position + length > len(data):
            raise TileError("entry bundle ends inside an entry")
        entries.append(data[position : position + length])
        position += length
        if len(entries) > TILE_WIDTH:
            raise TileError(f"entry bundle holds more than {TILE_WIDTH} entries")
    return entries


class TiledLogReader:
    """A read-only client of a tiled log at one checkpoint: verifies and proves from tiles.

    ``fetch(path)`` returns the bytes at a log-relative path (``tile/0/000.p/5``...), from
    HTTP, a directory or a database; it should raise if the resource is missing.
    """

    def __init__(self, fetch: Callable[[str], bytes], checkpoint: Checkpoint) -> None:
        self.checkpoint = checkpoint
        self._fetch = fetch
        self._hashes = TileHashes(checkpoint.size, lambda tile: fetch(tile.path))

    @classmethod
    def open(
        cls,
        fetch: Callable[[str], bytes],
        log_key: NoteVerifier,
        *,
        origin: str | None = None,
        checkpoint_path: str = "checkpoint",
    ) -> TiledLogReader:
        """Fetch and verify the log's signed checkpoint, then read the log at that size."""
        return cls(fetch, open_checkpoint(fetch(checkpoint_path), log_key, origin=origin))

    @property
    def size(self) -> int:
        return self.checkpoint.size

    def hash_at(self, level: int, index: int) -> bytes:
        return self._hashes.hash_at(level, index)

    def leaf_hash(self, index: int) -> bytes:
        return self.hash_at(0, index)

    def root_hash(self) -> bytes:
        """The root recomputed from the tiles (O(log n) tile hashes)."""
        return range_hash(0, self.size, self.hash_at) if self.size else EMPTY_ROOT

    def verify_root(self) -> None:
        """Raise ``TileError`` unless the tiles hash to the checkpoint's root."""
        if self.root_hash() != self.checkpoint.root_hash:
            raise TileError("the tiles do not hash to the checkpoint's root hash")

    def inclusion_proof(self, index: int) -> list[bytes]:
        return inclusion_proof(index, self.size, self.hash_at)

    def consistency_proof(self, old_size: int) -> list[bytes]:
        return consistency_proof(old_size, self.size, self.hash_at)

    def entry_bundle(self, index: int) -> list[bytes]:
        """Entry bundle ``index``, each entry checked against the level-0 tile."""
        tile = tile_for(0, index * TILE_WIDTH, self.size)
        entries = decode_entry_bundle(self._fetch(tile.entries_path))
        hashes = self._hashes.rows(tile)[0]
        if len(entries) != len(hashes):
            raise TileError(f"{tile.entries_path} holds {len(entries)} entries, not {tile.width}")
        for position, (entry, expected) in enumerate(zip(entries, hashes, strict=True)):
            if leaf_hash(entry) != expected:
                raise TileError(f"entry {index * TILE_WIDTH + position} does not match its tile")
        return entries

    def entries(self) -> list[bytes]:
        """Every entry in the log at this checkpoint, each checked against its tile."""
        bundles = -(-self.size // TILE_WIDTH)
        return [entry for index in range(bundles) for entry in self.entry_bundle(index)]

    def audit(self) -> list[bytes]:
        """Check the whole log: tiles agree level to level, entries hash to the level-0
        tiles and the tiles hash to the checkpoint. Return the entries."""
        for tile in tiles_for_size(self.size):
            rows = self._hashes.rows(tile)
            if not tile.is_partial and rows[TILE_HEIGHT][0] != self._hashes.hash_at(
                TILE_HEIGHT * (tile.level + 1), tile.index
            ):
                raise TileError(f"tile {tile.path} does not match its parent tile")
        self.verify_root()
        return self.entries()
