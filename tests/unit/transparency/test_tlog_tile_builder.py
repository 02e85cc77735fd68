"""Appending tile by tile, auditing from tiles, and proofs through the tile cache."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tellonce.domain.transparency.audit import audit_log, audit_order
from tellonce.domain.transparency.checkpoints import Checkpoint
from tellonce.domain.transparency.errors import ProofError, TileError
from tellonce.domain.transparency.merkle import (
    EMPTY_ROOT,
    CompactRange,
    MerkleTree,
    inclusion_proof,
    leaf_hash,
)
from tellonce.domain.transparency.tile_builder import TileBuilder, check_extends, leaf_hashes
from tellonce.domain.transparency.tile_cache import CachedTileHashes, TileCache
from tellonce.domain.transparency.tiles import (
    TILE_WIDTH,
    Tile,
    encode_entry_bundle,
    tiles_from_leaf_hashes,
)


def entries(count: int) -> list[bytes]:
    return [b"entry %d" % i for i in range(count)]


def leaves(count: int) -> list[bytes]:
    return [leaf_hash(e) for e in entries(count)]


class Store:
    """Tiles as a sequencer stores them: the latest width of each, replaced as they grow."""

    def __init__(self) -> None:
        self.tiles: dict[tuple[int, int], bytes] = {}

    def read(self, tile: Tile) -> bytes:
        data = self.tiles[tile.level, tile.index]
        assert len(data) >= tile.width * 32
        return data[: tile.width * 32]

    def save(self, changed: list[tuple[Tile, bytes]]) -> None:
        for tile, data in changed:
            self.tiles[tile.level, tile.index] = data


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 700), max_size=12))
def test_batches_restored_from_storage_make_the_same_tiles_and_root(batches: list[int]) -> None:
    store, size = Store(), 0
    all_leaves = leaves(sum(batches))
    for count in batches:
        builder = TileBuilder.restore(size, store.read)
        assert builder.root() == (
            MerkleTree.from_entries(entries(size)).root() if size else EMPTY_ROOT
        )
        store.save(builder.append(all_leaves[size : size + count]))
        size += count
    expected = tiles_from_leaf_hashes(all_leaves)
    assert store.tiles == {(t.level, t.index): data for t, data in expected.items()}


@pytest.mark.parametrize("size", [0, 1, 255, 256, 257, 65535, 65536, 65537, 70000])
def test_the_compact_range_comes_from_the_edge_tiles_alone(size: int) -> None:
    builder = TileBuilder()
    builder.append(leaves(size))
    edge = CompactRange()
    for leaf in leaves(size):
        edge.append(leaf)
    assert builder.compact_range().hashes == edge.hashes
    assert builder.root() == edge.root()


@given(st.lists(st.binary(max_size=40), max_size=20))
def test_bulk_leaf_hashes_are_rfc_leaf_hashes(batch: list[bytes]) -> None:
    assert leaf_hashes(batch) == [leaf_hash(entry) for entry in batch]


def test_append_reports_new_and_widened_tiles_lowest_level_first() -> None:
    builder = TileBuilder()
    first = builder.append(leaves(300))
    assert [t.path for t, _ in first] == ["tile/0/000", "tile/0/001.p/44", "tile/1/000.p/1"]
    second = TileBuilder.restore(300, dict(first).get).append(leaves(2))  # type: ignore[arg-type]
    assert [t.path for t, _ in second] == ["tile/0/001.p/46"]


def test_a_builder_refuses_an_edge_that_does_not_fit_its_size() -> None:
    with pytest.raises(TileError):
        TileBuilder(3, [b"\x00" * 64])
    with pytest.raises(TileError):
        TileBuilder(256, [b""])
    with pytest.raises(TileError):
        TileBuilder().append([b"short"])


def test_check_extends_accepts_an_append_and_refuses_a_fork() -> None:
    store = Store()
    builder = TileBuilder()
    store.save(builder.append(leaves(1000)))
    old_root = builder.root()
    store.save(builder.append(leaves(1500)[1000:]))
    check_extends(1000, old_root, 1500, builder.root(), store.read)
    forked = hashlib.sha256(b"another history").digest()
    with pytest.raises(ProofError):
        check_extends(1000, forked, 1500, builder.root(), store.read)


def served(count: int) -> tuple[Checkpoint, dict[str, bytes]]:
    """Everything a tlog-tiles log of ``count`` entries serves."""
    builder = TileBuilder()
    resources = {t.path: data for t, data in builder.append(leaves(count)) if not t.is_partial}
    resources.update({t.path: data for t, data in builder.edge_tiles()})
    all_entries = entries(count)
    for start in range(0, count, TILE_WIDTH):
        chunk = all_entries[start : start + TILE_WIDTH]
        tile = Tile(0, start // TILE_WIDTH, len(chunk))
        resources[tile.entries_path] = encode_entry_bundle(chunk)
    return Checkpoint("example.org/log", count, builder.root()), resources


@pytest.mark.parametrize("count", [0, 1, 256, 300, 65536 + 3])
def test_an_audit_fetches_in_the_announced_order_and_accepts_an_honest_log(count: int) -> None:
    checkpoint, resources = served(count)
    fetched: list[str] = []

    def fetch(path: str) -> bytes:
        fetched.append(path)
        return resources[path]

    seen: list[bytes] = []
    audit_log(checkpoint, fetch, seen.extend)
    assert fetched == list(audit_order(count))
    assert seen == entries(count)


@pytest.mark.parametrize(
    "tamper",
    ["tile/entries/001.p/44", "tile/0/000", "tile/1/000.p/1", "tile/0/001.p/44"],
)
def test_an_audit_refuses_any_changed_resource(tamper: str) -> None:
    checkpoint, resources = served(300)
    data = bytearray(resources[tamper])
    data[-1] ^= 1
    resources[tamper] = bytes(data)
    with pytest.raises((TileError, ProofError)):
        audit_log(checkpoint, resources.__getitem__)


def test_an_audit_refuses_a_root_that_the_entries_do_not_make() -> None:
    checkpoint, resources = served(300)
    wrong = Checkpoint(checkpoint.origin, 300, hashlib.sha256(b"x").digest())
    with pytest.raises(TileError, match="root"):
        audit_log(wrong, resources.__getitem__)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 70_000), st.data())
def test_cached_tile_hashes_give_the_same_proofs_at_any_older_size(
    size: int, data: st.DataObject
) -> None:
    store = Store()
    builder = TileBuilder()
    store.save(builder.append(leaves(size)))
    older = data.draw(st.integers(1, size))
    index = data.draw(st.integers(0, older - 1))
    cache = TileCache(max_tiles=4)
    hashes = CachedTileHashes(older, store.read, cache)
    tree = MerkleTree()
    for leaf in leaves(older):
        tree.append_leaf_hash(leaf)
    assert inclusion_proof(index, older, hashes.hash_at) == tree.inclusion_proof(index)
    assert hashes.inclusion_proof(index) == tree.inclusion_proof(index)
    assert len(cache) <= 4


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 3_000), st.data())
def test_the_tiled_inclusion_proof_matches_the_reference_for_every_leaf_and_size(
    size: int, data: st.DataObject
) -> None:
    store = Store()
    store.save(TileBuilder().append(leaves(size)))
    cache = TileCache(max_tiles=8)
    older = data.draw(st.integers(1, size))
    hashes = CachedTileHashes(older, store.read, cache)
    for index in data.draw(st.lists(st.integers(0, older - 1), min_size=1, max_size=20)):
        assert hashes.inclusion_proof(index) == inclusion_proof(index, older, hashes.hash_at)
    with pytest.raises(ProofError):
        hashes.inclusion_proof(older)


def test_the_tiled_inclusion_proof_refuses_a_tile_that_lost_hashes() -> None:
    store = Store()
    store.save(TileBuilder().append(leaves(600)))
    hashes = CachedTileHashes(600, lambda tile: store.read(tile)[:-32], TileCache())
    with pytest.raises(TileError):
        hashes.inclusion_proof(3)


def test_the_tile_cache_keeps_each_width_apart_and_evicts_the_oldest() -> None:
    store = Store()
    store.save(TileBuilder().append(leaves(600)))
    cache = TileCache(max_tiles=2)
    reads: list[Tile] = []

    def read(tile: Tile) -> bytes:
        reads.append(tile)
        return store.read(tile)

    for tile in [Tile(0, 0), Tile(0, 2, 5), Tile(0, 2, 7), Tile(0, 0)]:
        cache.rows(tile, read)
    assert reads == [Tile(0, 0), Tile(0, 2, 5), Tile(0, 2, 7), Tile(0, 0)]
    with pytest.raises(TileError):
        cache.rows(Tile(0, 1), lambda _: b"\x00" * 31)


def test_cached_hashes_refuse_subtrees_a_partial_tile_does_not_complete() -> None:
    store = Store()
    store.save(TileBuilder().append(leaves(17)))
    hashes = CachedTileHashes(17, store.read, TileCache())
    assert hashes.hash_at(4, 0) == MerkleTree.from_entries(entries(16)).root()
    for level, index in [(4, 1), (5, 0), (0, 17), (8, 0)]:
        with pytest.raises(TileError):
            hashes.hash_at(level, index)
