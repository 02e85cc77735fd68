"""RFC 9162 Merkle hashing and proofs, against the RFC's own recursive definitions and pymerkle."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pymerkle import InmemoryTree

from tellonce.domain.transparency.errors import ProofError
from tellonce.domain.transparency.merkle import (
    EMPTY_ROOT,
    CompactRange,
    MerkleTree,
    Node,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    range_hash,
    root_from_inclusion_proof,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

BIG = 3000
ENTRIES = [b"entry %d" % i for i in range(BIG)]
TREE = MerkleTree.from_entries(ENTRIES)


def _mth(entries: list[bytes]) -> bytes:
    """MTH(D[n]) exactly as RFC 9162 section 2.1.1 defines it."""
    if not entries:
        return hashlib.sha256(b"").digest()
    if len(entries) == 1:
        return hashlib.sha256(b"\x00" + entries[0]).digest()
    k = 1 << ((len(entries) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + _mth(entries[:k]) + _mth(entries[k:])).digest()


def _path(m: int, entries: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]), RFC 9162 section 2.1.3.1."""
    if len(entries) == 1:
        return []
    k = 1 << ((len(entries) - 1).bit_length() - 1)
    if m < k:
        return [*_path(m, entries[:k]), _mth(entries[k:])]
    return [*_path(m - k, entries[k:]), _mth(entries[:k])]


def _subproof(m: int, entries: list[bytes], whole: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b), RFC 9162 section 2.1.4.1."""
    if m == len(entries):
        return [] if whole else [_mth(entries)]
    k = 1 << ((len(entries) - 1).bit_length() - 1)
    if m <= k:
        return [*_subproof(m, entries[:k], whole), _mth(entries[k:])]
    return [*_subproof(m - k, entries[k:], False), _mth(entries[:k])]


def _flip(data: bytes, position: int, bit: int) -> bytes:
    position %= len(data)
    return data[:position] + bytes([data[position] ^ (1 << bit)]) + data[position + 1 :]


sizes = st.integers(min_value=1, max_value=BIG)
bits = st.integers(min_value=0, max_value=7)


@st.composite
def leaf_in_tree(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(sizes)
    return draw(st.integers(min_value=0, max_value=size - 1)), size


@st.composite
def two_sizes(draw: st.DrawFn) -> tuple[int, int]:
    size2 = draw(sizes)
    return draw(st.integers(min_value=1, max_value=size2)), size2


def test_hashes_are_domain_separated_sha256() -> None:
    assert leaf_hash(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
    assert (
        node_hash(b"l" * 32, b"r" * 32) == hashlib.sha256(b"\x01" + b"l" * 32 + b"r" * 32).digest()
    )
    assert hashlib.sha256(b"").digest() == EMPTY_ROOT


@given(st.lists(st.binary(max_size=20), max_size=70))
def test_every_way_of_computing_a_root_agrees_with_the_rfc(entries: list[bytes]) -> None:
    hashes = [leaf_hash(e) for e in entries]
    edge = CompactRange()
    for h in hashes:
        edge.append(h)
    expected = _mth(entries)
    assert root_from_leaf_hashes(hashes) == expected
    assert edge.root() == expected
    assert MerkleTree.from_entries(entries).root() == expected


@given(st.integers(min_value=1, max_value=40), st.data())
def test_proofs_are_the_rfc_paths_and_subproofs(size: int, data: st.DataObject) -> None:
    entries = ENTRIES[:size]
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    old = data.draw(st.integers(min_value=1, max_value=size))
    assert TREE.inclusion_proof(index, size) == _path(index, entries)
    assert TREE.consistency_proof(old, size) == _subproof(old, entries, True)


def test_roots_and_inclusion_proofs_agree_with_pymerkle() -> None:
    other = InmemoryTree(algorithm="sha256")
    for entry in ENTRIES[:300]:
        other.append_entry(entry)
    for size in (1, 2, 3, 7, 64, 100, 255, 256, 257, 300):
        assert TREE.root(size) == other.get_root(size)
        for index in {0, size // 2, size - 1}:
            theirs = other.prove_inclusion(index + 1, size).serialize()["path"][1:]
            assert [h.hex() for h in TREE.inclusion_proof(index, size)] == theirs


@given(leaf_in_tree())
def test_every_inclusion_proof_verifies(case: tuple[int, int]) -> None:
    index, size = case
    proof = TREE.inclusion_proof(index, size)
    verify_inclusion(index, size, leaf_hash(ENTRIES[index]), proof, TREE.root(size))


@given(two_sizes())
def test_every_consistency_proof_verifies(case: tuple[int, int]) -> None:
    size1, size2 = case
    proof = TREE.consistency_proof(size1, size2)
    verify_consistency(size1, size2, TREE.root(size1), TREE.root(size2), proof)


@given(leaf_in_tree(), st.integers(min_value=0), bits)
def test_a_flipped_entry_fails_inclusion(case: tuple[int, int], at: int, bit: int) -> None:
    index, size = case
    entry = _flip(ENTRIES[index], at, bit)
    with pytest.raises(ProofError):
        verify_inclusion(
            index, size, leaf_hash(entry), TREE.inclusion_proof(index, size), TREE.root(size)
        )


@given(leaf_in_tree(), st.integers(min_value=0), bits, st.booleans())
def test_a_flipped_proof_hash_or_root_fails_inclusion(
    case: tuple[int, int], at: int, bit: int, in_root: bool
) -> None:
    index, size = case
    proof, root = TREE.inclusion_proof(index, size), TREE.root(size)
    if in_root or not proof:
        root = _flip(root, at, bit)
    else:
        which = at % len(proof)
        proof[which] = _flip(proof[which], at // len(proof), bit)
    with pytest.raises(ProofError, match="does not match"):
        verify_inclusion(index, size, leaf_hash(ENTRIES[index]), proof, root)


@given(two_sizes(), st.integers(min_value=0), bits, st.sampled_from(["proof", "old", "new"]))
def test_a_flipped_hash_fails_consistency(
    case: tuple[int, int], at: int, bit: int, target: str
) -> None:
    size1, size2 = case
    proof = TREE.consistency_proof(size1, size2)
    roots = {"old": TREE.root(size1), "new": TREE.root(size2)}
    if target == "proof" and proof:
        which = at % len(proof)
        proof[which] = _flip(proof[which], at // len(proof), bit)
    elif target == "old" or size1 < size2:
        roots[target if target != "proof" else "old"] = _flip(roots["old"], at, bit)
    else:  # equal sizes: a different new root is the only change left to make
        roots["new"] = _flip(roots["new"], at, bit)
    with pytest.raises(ProofError, match="does not match"):
        verify_consistency(size1, size2, roots["old"], roots["new"], proof)


@given(leaf_in_tree(), st.integers(min_value=1, max_value=BIG))
def test_an_inclusion_proof_is_bound_to_its_index_and_root(
    case: tuple[int, int], other: int
) -> None:
    index, size = case
    proof, root, leaf = TREE.inclusion_proof(index, size), TREE.root(size), TREE.leaf_hash(index)
    wrong_index = (index + 1 + other % (size - 1)) % size if size > 1 else 1
    with pytest.raises(ProofError):
        verify_inclusion(wrong_index, size, leaf, proof, root)
    # (A proof need not pin the size: RFC 9162 trees of sizes 3 and 4 share leaf 0's proof
    # shape. The root does pin it, and checkpoints sign size and root together.)
    other_size = index + 1 + other % (BIG - index)
    if other_size != size:
        with pytest.raises(ProofError):
            verify_inclusion(index, other_size, leaf, proof, TREE.root(other_size))


@given(leaf_in_tree())
def test_an_inclusion_proof_with_a_hash_added_or_removed_fails(case: tuple[int, int]) -> None:
    index, size = case
    proof, root, leaf = TREE.inclusion_proof(index, size), TREE.root(size), TREE.leaf_hash(index)
    with pytest.raises(ProofError, match="expected"):
        verify_inclusion(index, size, leaf, [*proof, root], root)
    if proof:
        with pytest.raises(ProofError, match="expected"):
            verify_inclusion(index, size, leaf, proof[:-1], root)


@given(two_sizes())
def test_a_consistency_proof_with_a_hash_added_or_removed_fails(case: tuple[int, int]) -> None:
    size1, size2 = case
    proof, root1, root2 = TREE.consistency_proof(size1, size2), TREE.root(size1), TREE.root(size2)
    with pytest.raises(ProofError):
        verify_consistency(size1, size2, root1, root2, [*proof, root1])
    if proof:
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, root1, root2, proof[1:])


@given(st.lists(st.binary(max_size=8), min_size=1, max_size=600))
def test_compact_range_append_reports_every_finished_subtree(entries: list[bytes]) -> None:
    edge, tree = CompactRange(), MerkleTree()
    for entry in entries:
        index = tree.append(entry)
        nodes = edge.append(leaf_hash(entry))
        assert nodes[0] == Node(0, index, leaf_hash(entry))
        assert all(tree.hash_at(n.level, n.index) == n.digest for n in nodes)
        assert len(nodes) == 1 + ((index + 1) & -(index + 1)).bit_length() - 1
    assert edge.root() == tree.root() == root_from_leaf_hashes([leaf_hash(e) for e in entries])
    reloaded = CompactRange.from_storage(tree.size, tree.hash_at)
    assert reloaded.hashes == edge.hashes
    reloaded.append(leaf_hash(b"next"))
    tree.append(b"next")
    assert reloaded.root() == tree.root()


def test_compact_range_copies_are_independent() -> None:
    edge = CompactRange()
    edge.append(leaf_hash(b"a"))
    copy = edge.copy()
    copy.append(leaf_hash(b"b"))
    assert (edge.size, copy.size) == (1, 2)
    assert edge.root() == leaf_hash(b"a")


def test_compact_range_refuses_the_wrong_number_of_hashes() -> None:
    with pytest.raises(ProofError, match="needs 2 hashes"):
        CompactRange(3, [EMPTY_ROOT])
    with pytest.raises(ProofError, match="32 bytes"):
        CompactRange(1, [b"short"])
    assert CompactRange().root() == EMPTY_ROOT


def test_the_empty_tree() -> None:
    tree = MerkleTree()
    assert tree.root() == root_from_leaf_hashes([]) == EMPTY_ROOT
    with pytest.raises(ProofError, match="outside a tree of size 0"):
        tree.inclusion_proof(0)
    with pytest.raises(ProofError, match="outside a tree of size 0"):
        root_from_inclusion_proof(0, 0, EMPTY_ROOT, [])


def test_consistency_from_the_empty_tree_holds_with_an_empty_proof() -> None:
    assert TREE.consistency_proof(0, 10) == []
    verify_consistency(0, 10, EMPTY_ROOT, TREE.root(10), [])
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    with pytest.raises(ProofError, match="empty tree"):
        verify_consistency(0, 10, TREE.root(1), TREE.root(10), [])
    with pytest.raises(ProofError, match="must be empty"):
        verify_consistency(0, 10, EMPTY_ROOT, TREE.root(10), [TREE.root(1)])
    with pytest.raises(ProofError, match="does not match"):
        verify_consistency(0, 0, EMPTY_ROOT, TREE.root(1), [])


def test_equal_sizes_need_equal_roots_and_no_proof() -> None:
    verify_consistency(5, 5, TREE.root(5), TREE.root(5), [])
    with pytest.raises(ProofError, match="does not match"):
        verify_consistency(5, 5, TREE.root(5), TREE.root(6), [])
    with pytest.raises(ProofError, match="must be empty"):
        verify_consistency(5, 5, TREE.root(5), TREE.root(5), [TREE.root(5)])


def test_hashes_must_be_32_bytes() -> None:
    good = TREE.root(2)
    with pytest.raises(ProofError, match="leaf hash must be 32 bytes, got 31"):
        verify_inclusion(0, 2, good[:31], [good], good)
    with pytest.raises(ProofError, match="proof hash 0 must be 32 bytes"):
        verify_inclusion(0, 2, good, [good + b"x"], good)
    with pytest.raises(ProofError, match="root hash must be 32 bytes"):
        verify_inclusion(0, 2, good, [good], b"")
    with pytest.raises(ProofError, match="32 bytes"):
        verify_consistency(1, 2, good, good, [b""])
    with pytest.raises(ProofError, match="32 bytes"):
        root_from_leaf_hashes([good, b"short"])


def test_proof_generation_refuses_impossible_requests() -> None:
    with pytest.raises(ProofError, match="outside"):
        inclusion_proof(5, 5, TREE.hash_at)
    with pytest.raises(ProofError, match="outside"):
        inclusion_proof(-1, 5, TREE.hash_at)
    with pytest.raises(ProofError, match="no consistency proof"):
        consistency_proof(6, 5, TREE.hash_at)
    with pytest.raises(ProofError, match="outside 0"):
        TREE.root(BIG + 1)
    with pytest.raises(ProofError, match="no complete subtree"):
        TREE.hash_at(0, BIG)
    with pytest.raises(ProofError, match="no complete subtree"):
        TREE.hash_at(-1, 0)
    with pytest.raises(ProofError, match="cannot prove"):
        verify_consistency(6, 5, TREE.root(5), TREE.root(5), [])


def test_range_hash_needs_an_aligned_nonempty_range() -> None:
    assert range_hash(8, 13, TREE.hash_at) == _mth(ENTRIES[8:13])
    with pytest.raises(ProofError, match="not aligned"):
        range_hash(3, 7, TREE.hash_at)
    with pytest.raises(ProofError, match="empty or inverted"):
        range_hash(4, 4, TREE.hash_at)
