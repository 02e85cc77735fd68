"""RFC 9162 section 2.1 Merkle tree hashing, inclusion proofs and consistency proofs.

Leaves hash as ``SHA-256(0x00 || entry)`` and interior nodes as ``SHA-256(0x01 || left ||
right)``; the tree over ``n`` leaves splits at the largest power of two below ``n``.

The log never holds the whole tree in memory. It stores the hashes of *complete* subtrees
(as C2SP tiles do) and the functions here take a ``hash_at(level, index)`` callable returning
the hash of the complete subtree of ``2**level`` leaves that starts at leaf
``index * 2**level``. Any proof for a tree of ``n`` leaves then needs O(log n) look-ups.
``CompactRange`` is the log's right edge: appending leaf ``n`` touches O(log n) hashes.

Policies, where RFC 9162 leaves a choice (the shared vectors in
``tests/contract/test_transparency_vectors.py`` pin each one):

* Every hash handled here -- leaf hashes, roots, proof hashes -- must be exactly 32 bytes;
  anything else is a ``ProofError``, even when the comparison would otherwise succeed.
* Nothing is included in the empty tree: an inclusion proof for tree size 0 fails.
* A consistency proof from size 0 must be empty and the old root must be the empty-tree
  root ``SHA-256("")``; it then holds for any larger tree (every tree extends the empty
  one), so a witness can start from a log's first, empty checkpoint.
* A consistency proof between equal sizes must be empty and the two roots equal.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from tellonce.domain.transparency.errors import ProofError

# ProofError is re-exported: it is the one error every function here raises.
__all__ = [
    "EMPTY_ROOT", "HASH_SIZE", "CompactRange", "HashAt", "MerkleTree", "Node", "ProofError",
    "check_hash", "consistency_proof", "inclusion_proof", "leaf_hash", "node_hash", "range_hash",
    "root_from_inclusion_proof", "root_from_leaf_hashes", "verify_consistency", "verify_inclusion",
]  # fmt: skip
HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

HashAt = Callable[[int, int], bytes]
"""``hash_at(level, index)``: hash of the complete subtree of ``2**level`` leaves at
``index * 2**level``."""


@dataclass(frozen=True, slots=True)
class Node:
    """The hash of one complete subtree: ``2**level`` leaves from ``index * 2**level``."""

    level: int
    index: int
    digest: bytes


def leaf_hash(entry: bytes) -> bytes:
    """The RFC 9162 hash of one log entry."""
    return hashlib.sha256(_LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The RFC 9162 hash of an interior node from its two children."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def check_hash(value: bytes, what: str) -> bytes:
    """Return ``value`` if it is a 32-byte hash, else raise a ``ProofError`` naming ``what``."""
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} must be {HASH_SIZE} bytes, got {len(value)}")
    return value


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """The Merkle tree hash over ``hashes`` (leaf hashes, or equally any level's hashes).

    Level by level, pairing neighbours and carrying a lone right-most hash up unchanged,
    which is the same tree as RFC 9162's split at the largest power of two. O(n) time.
    """
    if set(map(len, hashes)) - {HASH_SIZE}:
        raise ProofError(f"every leaf hash must be {HASH_SIZE} bytes")
    level = list(hashes)
    if not level:
        return EMPTY_ROOT
    sha256 = hashlib.sha256  # local name: this loop is the log's hot path
    while len(level) > 1:
        pairs = iter(level)
        parents = [
            sha256(_NODE_PREFIX + left + right).digest()
            for left, right in zip(pairs, pairs, strict=False)
        ]
        if len(level) % 2:
            parents.append(level[-1])
        level = parents
    return level[0]


def _fold_right(hashes: Sequence[bytes]) -> bytes:
    """Hash perfect subtrees, largest (left-most) first, into the root of their union."""
    root = hashes[-1]
    for left in reversed(hashes[:-1]):
        root = node_hash(left, root)
    return root


def range_hash(start: int, end: int, hash_at: HashAt) -> bytes:
    """MTH(D[start:end]) from stored complete subtrees.

    ``start`` must be aligned to the largest power of two not above ``end - start``, as every
    range in an RFC 9162 tree or proof is. Costs one look-up per set bit of ``end - start``.
    """
    if not 0 <= start < end:
        raise ProofError(f"cannot hash the empty or inverted range [{start}, {end})")
    width = end - start
    if not width & (width - 1) and not start % width:  # one complete subtree: the usual case
        return hash_at(width.bit_length() - 1, start // width)
    hashes = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start % (1 << level):
            raise ProofError(f"range start {start} is not aligned to a subtree of 2**{level}")
        hashes.append(hash_at(level, start >> level))
        start += 1 << level
    return _fold_right(hashes)


def _proof_shape(index: int, size: int) -> tuple[int, int]:
    """(inner, border) lengths of an inclusion proof: the part below the right edge and on it."""
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    return inner, border


def _split(size: int) -> int:
    """The largest power of two strictly below ``size`` (``size`` >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def inclusion_proof(index: int, size: int, hash_at: HashAt) -> list[bytes]:
    """RFC 9162 section 2.1.3.1 inclusion proof for leaf ``index`` in the tree of ``size``.

    Hashes are ordered from the leaf's sibling up to the root's child: first the siblings
    below the level where the leaf's path meets the tree's right edge (only the highest of
    them can be an incomplete subtree), then the left siblings along that edge.
    """
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    inner, _ = _proof_shape(index, size)
    proof = []
    for level in range(inner):
        sibling = (index >> level) ^ 1
        if (sibling + 1) << level <= size:
            proof.append(hash_at(level, sibling))
        else:
            proof.append(range_hash(sibling << level, size, hash_at))
    for level in range(inner, size.bit_length()):
        if (index >> level) & 1:
            proof.append(hash_at(level, (index >> level) ^ 1))
    return proof


def consistency_proof(size1: int, size2: int, hash_at: HashAt) -> list[bytes]:
    """RFC 9162 section 2.1.4.1 consistency proof from the tree of ``size1`` to ``size2``.

    Empty when the sizes are equal or ``size1`` is 0 (see the module's policies).
    """
    if not 0 <= size1 <= size2:
        raise ProofError(f"no consistency proof from size {size1} to size {size2}")
    if size1 in (0, size2):
        return []
    proof: list[bytes] = []
    start, end = 0, size2
    whole = True  # the SUBPROOF flag: is the old tree still a prefix of the left edge?
    while end != size1:
        k = _split(end - start)
        if size1 - start <= k:
            proof.append(range_hash(start + k, end, hash_at))
            end = start + k
        else:
            proof.append(hash_at(k.bit_length() - 1, start // k))
            start += k
            whole = False
    if not whole:
        proof.append(range_hash(start, end, hash_at))
    proof.reverse()
    return proof


def _check_proof_hashes(proof: Sequence[bytes]) -> None:
    for position, digest in enumerate(proof):
        check_hash(digest, f"proof hash {position}")


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` implies for ``leaf`` at ``index`` in a tree of ``size``."""
    check_hash(leaf, "leaf hash")
    _check_proof_hashes(proof)
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    inner, border = _proof_shape(index, size)
    if len(proof) != inner + border:
        raise ProofError(
            f"inclusion proof for leaf {index} in a tree of size {size} has "
            f"{len(proof)} hashes, expected {inner + border}"
        )
    root = leaf
    for level, sibling in enumerate(proof[:inner]):
        root = node_hash(sibling, root) if (index >> level) & 1 else node_hash(root, sibling)
    for sibling in proof[inner:]:
        root = node_hash(sibling, root)
    return root


def _check_match(computed: bytes, expected: bytes, what: str) -> None:
    if not hmac.compare_digest(computed, expected):
        raise ProofError(f"{what} does not match the proof")


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise ``ProofError`` unless ``proof`` shows ``leaf`` at ``index`` under ``root``."""
    check_hash(root, "root hash")
    _check_match(root_from_inclusion_proof(index, size, leaf, proof), root, "root hash")


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    """Raise ``ProofError`` unless ``proof`` shows tree ``size2`` extends tree ``size1``."""
    check_hash(root1, "old root hash")
    check_hash(root2, "new root hash")
    _check_proof_hashes(proof)
    if not 0 <= size1 <= size2:
        raise ProofError(f"cannot prove size {size1} is consistent with size {size2}")
    if size1 == 0:
        _check_match(root1, EMPTY_ROOT, "old root of the empty tree")
    if size1 in (0, size2):
        if proof:
            raise ProofError(f"consistency proof from size {size1} to {size2} must be empty")
        if size1 == size2:
            _check_match(root2, root1, "new root hash")
        return
    _verify_consistency_path(size1, size2, root1, root2, proof)


def _verify_consistency_path(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    # The proof is a suffix of the inclusion proof of leaf size1 - 1 in tree size2, starting
    # at the level of the largest complete subtree the two trees share on the old right edge;
    # that subtree's hash comes first unless it is the whole old tree (then it is root1).
    inner, border = _proof_shape(size1 - 1, size2)
    shift = (size1 & -size1).bit_length() - 1
    inner -= shift
    whole = size1 == 1 << shift
    expected = inner + border + (0 if whole else 1)
    if len(proof) != expected:
        raise ProofError(
            f"consistency proof from size {size1} to {size2} has {len(proof)} hashes, "
            f"expected {expected}"
        )
    seed, path = (root1, proof) if whole else (proof[0], proof[1:])
    mask = (size1 - 1) >> shift
    old, new = seed, seed
    for level, sibling in enumerate(path[:inner]):
        if (mask >> level) & 1:
            old = node_hash(sibling, old)
            new = node_hash(sibling, new)
        else:
            new = node_hash(new, sibling)
    for sibling in path[inner:]:
        old = node_hash(sibling, old)
        new = node_hash(sibling, new)
    _check_match(old, root1, "old root hash")
    _check_match(new, root2, "new root hash")


class CompactRange:
    """The right edge of a log: one hash per perfect subtree that its size decomposes into.

    A log of 13 leaves holds the roots of its subtrees of 8, 4 and 1 leaves. Appending a leaf
    merges equal-sized subtrees, so it costs O(log n) hashes and reports every complete
    subtree it finishes -- exactly the hashes a tiled store has to write.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Iterable[bytes] = ()) -> None:
        stored = [check_hash(h, "compact range hash") for h in hashes]
        if size < 0 or len(stored) != size.bit_count():
            raise ProofError(f"a tree of size {size} needs {max(size, 0).bit_count()} hashes")
        self._size = size
        self._hashes = stored

    @classmethod
    def from_storage(cls, size: int, hash_at: HashAt) -> CompactRange:
        """Load the right edge of a stored tree of ``size`` with O(log n) look-ups."""
        hashes, start = [], 0
        for level in reversed(range(size.bit_length())):
            if (size >> level) & 1:
                hashes.append(hash_at(level, start >> level))
                start += 1 << level
        return cls(size, hashes)

    @property
    def size(self) -> int:
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """Perfect subtree roots, largest (left-most) first."""
        return tuple(self._hashes)

    def append(self, leaf: bytes) -> list[Node]:
        """Append one leaf hash; return the complete subtrees it finished, leaf first."""
        index = self._size
        digest = check_hash(leaf, "leaf hash")
        finished = [Node(0, index, digest)]
        level = 0
        while (index >> level) & 1:
            digest = node_hash(self._hashes.pop(), digest)
            level += 1
            finished.append(Node(level, index >> level, digest))
        self._hashes.append(digest)
        self._size += 1
        return finished

    def root(self) -> bytes:
        """The root hash of the tree so far (``EMPTY_ROOT`` when empty)."""
        return _fold_right(self._hashes) if self._hashes else EMPTY_ROOT

    def copy(self) -> CompactRange:
        return CompactRange(self._size, self._hashes)


class MerkleTree:
    """A whole tree in memory, every complete subtree kept: for tests, tools and small logs.

    It answers for the current size and for any earlier size, as a log must.
    """

    def __init__(self) -> None:
        self._edge = CompactRange()
        self._levels: list[list[bytes]] = [[]]

    @classmethod
    def from_entries(cls, entries: Iterable[bytes]) -> MerkleTree:
        tree = cls()
        for entry in entries:
            tree.append(entry)
        return tree

    @property
    def size(self) -> int:
        return self._edge.size

    def append(self, entry: bytes) -> int:
        """Append one entry; return its index."""
        return self.append_leaf_hash(leaf_hash(entry))

    def append_leaf_hash(self, leaf: bytes) -> int:
        """Append one leaf hash; return its index."""
        for node in self._edge.append(leaf):
            if node.level == len(self._levels):
                self._levels.append([])
            self._levels[node.level].append(node.digest)
        return self._edge.size - 1

    def hash_at(self, level: int, index: int) -> bytes:
        """The stored hash of the complete subtree at (``level``, ``index``)."""
        if level >= 0 and index >= 0:
            try:
                return self._levels[level][index]
            except IndexError:
                pass
        raise ProofError(f"no complete subtree at level {level}, index {index}")

    def leaf_hash(self, index: int) -> bytes:
        return self.hash_at(0, index)

    def root(self, size: int | None = None) -> bytes:
        size = self._checked_size(size)
        return range_hash(0, size, self.hash_at) if size else EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(index, self._checked_size(size), self.hash_at)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        return consistency_proof(size1, self._checked_size(size2), self.hash_at)

    def _checked_size(self, size: int | None) -> int:
        if size is None:
            return self.size
        if not 0 <= size <= self.size:
            raise ProofError(f"tree size {size} is outside 0..{self.size}")
        return size
