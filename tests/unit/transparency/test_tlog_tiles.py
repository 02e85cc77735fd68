"""C2SP tiles: paths, tile shapes, hashes recomputed from tiles, entry bundles, the reader."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tellonce.adapters.signing import Ed25519NoteSigner, generate_signer_key
from tellonce.domain.transparency.checkpoints import Checkpoint, sign_checkpoint
from tellonce.domain.transparency.errors import NoteError, TileError
from tellonce.domain.transparency.merkle import EMPTY_ROOT, MerkleTree, leaf_hash
from tellonce.domain.transparency.tiles import (
    TILE_WIDTH,
    Tile,
    TiledLogReader,
    TileHashes,
    decode_entry_bundle,
    encode_entry_bundle,
    encode_tile_index,
    parse_tile_path,
    tile_width,
    tiles_for_size,
    tiles_from_leaf_hashes,
)

ORIGIN = "example.com/tiles"
SIGNER = Ed25519NoteSigner.from_signer_key(generate_signer_key(ORIGIN)[0])


def _publish(entries: list[bytes]) -> tuple[dict[str, bytes], MerkleTree]:
    """Lay a log out as a tiled log's files, with its checkpoint."""
    tree = MerkleTree.from_entries(entries)
    files = {}
    for tile, data in tiles_from_leaf_hashes([tree.leaf_hash(i) for i in range(tree.size)]).items():
        files[tile.path] = data
        if tile.level == 0:
            start = tile.index * TILE_WIDTH
            files[tile.entries_path] = encode_entry_bundle(entries[start : start + tile.width])
    checkpoint = Checkpoint(ORIGIN, tree.size, tree.root())
    files["checkpoint"] = sign_checkpoint(checkpoint, SIGNER).encode()
    return files, tree


ENTRIES = [b"e%d" % i for i in range(70_000)]
FILES, TREE = _publish(ENTRIES)


def _reader(files: dict[str, bytes]) -> TiledLogReader:
    return TiledLogReader.open(files.__getitem__, SIGNER.verifier())


@pytest.mark.parametrize(
    ("index", "encoded"),
    [(0, "000"), (7, "007"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067")],
)
def test_tile_index_is_three_digit_groups(index: int, encoded: str) -> None:
    assert encode_tile_index(index) == encoded


def test_tile_and_entry_paths() -> None:
    assert Tile(0, 1234067).path == "tile/0/x001/x234/067"
    assert Tile(2, 5, 17).path == "tile/2/005.p/17"
    assert Tile(0, 5, 17).entries_path == "tile/entries/005.p/17"
    with pytest.raises(TileError, match="only level-0"):
        _ = Tile(1, 0).entries_path


@given(st.integers(0, 63), st.integers(0, 10**12), st.integers(1, 256), st.booleans())
def test_tile_paths_round_trip(level: int, index: int, width: int, entries: bool) -> None:
    tile = Tile(0 if entries else level, index, width)
    assert parse_tile_path(tile.entries_path if entries else tile.path) == (tile, entries)


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/1",
        "tile/00/001",
        "tile/64/001",
        "tile/0/x000/001",
        "tile/0/001.p/0",
        "tile/0/001.p/256",
        "tile/0/001.p/012",
        "tile/entries/x001",
        "checkpoint",
    ],
)
def test_non_canonical_tile_paths_are_refused(path: str) -> None:
    with pytest.raises(TileError):
        parse_tile_path(path)


@pytest.mark.parametrize(
    ("level", "index", "width"), [(-1, 0, 1), (64, 0, 1), (0, -1, 1), (0, 0, 0), (0, 0, 257)]
)
def test_impossible_tiles_are_refused(level: int, index: int, width: int) -> None:
    with pytest.raises(TileError):
        Tile(level, index, width)


def test_the_spec_example_of_a_tree_of_70000() -> None:
    tiles = tiles_for_size(70_000)
    assert [t for t in tiles if t.level == 0 and not t.is_partial] == [
        Tile(0, i) for i in range(273)
    ]
    assert [t for t in tiles if t.level == 0 and t.is_partial] == [Tile(0, 273, 112)]
    assert [t for t in tiles if t.level > 0] == [Tile(1, 0), Tile(1, 1, 17), Tile(2, 0, 1)]
    assert tiles_for_size(256) == [Tile(0, 0), Tile(1, 0, 1)]
    assert tiles_for_size(0) == []
    assert (tile_width(0, 273, 70_000), tile_width(0, 274, 70_000)) == (112, 0)


def test_tiles_hold_the_complete_subtree_hashes() -> None:
    assert sorted(t.path for t in tiles_from_leaf_hashes([TREE.leaf_hash(0)])) == ["tile/0/000.p/1"]
    assert set(FILES) >= {t.path for t in tiles_for_size(TREE.size)}
    assert FILES["tile/1/000"][:32] == TREE.hash_at(8, 0)
    assert FILES["tile/2/000.p/1"] == TREE.hash_at(16, 0)


@given(st.integers(1, 70_000), st.data())
def test_every_complete_subtree_hash_can_be_read_from_tiles(size: int, data: st.DataObject) -> None:
    files, _ = _publish(ENTRIES[:size]) if size < 600 else (FILES, None)
    hashes = TileHashes(size, lambda tile: files[tile.path] if size < 600 else _full(tile, size))
    level = data.draw(st.integers(0, size.bit_length() - 1))
    index = data.draw(st.integers(0, (size >> level) - 1))
    assert hashes.hash_at(level, index) == TREE.hash_at(level, index)
    with pytest.raises(TileError, match="has no complete"):
        hashes.hash_at(level, size >> level)


def _full(tile: Tile, size: int) -> bytes:
    """A tile of a smaller tree, cut from the full tile of the 70,000-entry tree."""
    wide = Tile(tile.level, tile.index, tile_width(tile.level, tile.index, TREE.size))
    assert tile.width == tile_width(tile.level, tile.index, size)
    return FILES[wide.path][: tile.width * 32]


def test_tile_hashes_refuse_tiles_of_the_wrong_size_or_shape() -> None:
    hashes = TileHashes(TREE.size, lambda tile: FILES[tile.path][:-1])
    with pytest.raises(TileError, match="holds"):
        hashes.hash_at(0, 0)
    with pytest.raises(TileError, match="has no tile"):
        TileHashes(10, lambda tile: FILES[tile.path]).rows(Tile(0, 0))
    with pytest.raises(TileError, match="no subtree"):
        TileHashes(10, lambda tile: FILES[tile.path]).hash_at(-1, 0)


@given(st.lists(st.binary(max_size=300), max_size=TILE_WIDTH))
def test_entry_bundles_round_trip(entries: list[bytes]) -> None:
    assert decode_entry_bundle(encode_entry_bundle(entries)) == entries


def test_entry_bundles_are_length_prefixed() -> None:
    assert encode_entry_bundle([b"one", b""]) == b"\x00\x03one\x00\x00"
    assert decode_entry_bundle(b"\xff\xff" + bytes(0xFFFF)) == [bytes(0xFFFF)]
    with pytest.raises(TileError, match="at most"):
        encode_entry_bundle([bytes(0x10000)])


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x00", "inside a length prefix"),
        (b"\x00\x03on", "inside an entry"),
        (b"\x00\x00" * (TILE_WIDTH + 1), "more than"),
    ],
)
def test_malformed_bundles_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(TileError, match=reason):
        decode_entry_bundle(data)


def test_the_reader_verifies_the_whole_log_and_proves_from_tiles() -> None:
    reader = _reader(FILES)
    assert reader.size == 70_000
    reader.verify_root()
    assert reader.root_hash() == TREE.root()
    for index in (0, 255, 256, 65_535, 65_536, 69_999):
        assert reader.inclusion_proof(index) == TREE.inclusion_proof(index)
        assert reader.leaf_hash(index) == leaf_hash(ENTRIES[index])
    for old in (0, 1, 256, 65_536, 69_999, 70_000):
        assert reader.consistency_proof(old) == TREE.consistency_proof(old)
    assert reader.entry_bundle(273) == ENTRIES[273 * 256 :]


def test_audit_returns_every_entry_of_a_small_log() -> None:
    files, _ = _publish(ENTRIES[:600])
    assert _reader(files).audit() == ENTRIES[:600]
    empty, _ = _publish([])
    reader = _reader(empty)
    assert reader.audit() == []
    assert reader.root_hash() == EMPTY_ROOT


def _tamper(files: dict[str, bytes], path: str, at: int) -> dict[str, bytes]:
    data = bytearray(files[path])
    data[at] ^= 1
    return {**files, path: bytes(data)}


@given(st.sampled_from(["tile/0/000", "tile/0/002.p/88", "tile/1/000.p/2"]), st.integers(0))
def test_audit_detects_any_changed_tile_hash(path: str, at: int) -> None:
    files = _tamper(SMALL, path, at % len(SMALL[path]))
    with pytest.raises(TileError):
        _reader(files).audit()


@given(st.sampled_from(["tile/entries/000", "tile/entries/002.p/88"]), st.integers(0))
def test_audit_detects_any_changed_entry(path: str, at: int) -> None:
    files = _tamper(SMALL, path, at % len(SMALL[path]))
    with pytest.raises(TileError):
        _reader(files).audit()


def test_a_bundle_with_a_missing_entry_is_refused() -> None:
    files = {**SMALL, "tile/entries/000": encode_entry_bundle(ENTRIES[:255])}
    with pytest.raises(TileError, match="holds 255 entries"):
        _reader(files).entry_bundle(0)


def test_the_checkpoint_must_be_signed_by_the_log() -> None:
    stranger = Ed25519NoteSigner.from_signer_key(generate_signer_key(ORIGIN)[0])
    with pytest.raises(NoteError):
        TiledLogReader.open(SMALL.__getitem__, stranger.verifier())


SMALL, _ = _publish(ENTRIES[:600])
