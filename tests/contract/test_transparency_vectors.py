"""The transparency log against other projects' vectors in ``tests/vectors/`` (sources there).

* ``rfc6962-merkle/``: transparency-dev/merkle's 196 inclusion and consistency cases. Every
  ``wantErr`` is honoured except where our policy (``tellonce.domain.transparency.merkle``)
  deliberately differs (``POLICY_DIFFERENCES``); ``POLICY_CASES`` pins the error we give for
  each case that a policy decides:

  - all hashes must be 32 bytes: ``consistency/additional/sizes-are-equal-one-and-proof-is-
    empty.json`` compares two equal 12-byte "roots" and expects success; we refuse it;
  - a consistency proof from size 0 needs an empty proof and the empty-tree root as the old
    root (every ``size1 = 0`` case in the vectors is an error under that rule);
  - nothing is included in the empty tree (inclusion with ``treeSize`` 0 fails).
* ``signed-note-vectors.json``: Go's ``sumdb/note`` keys and notes.
* ``tessera-log/``: a 15-entry tiled log written by Tessera; we accept all of it and our
  signer reproduces all 16 checkpoints byte for byte.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from tellonce.adapters.signing import Ed25519NoteSigner, Ed25519NoteVerifier
from tellonce.domain.transparency.checkpoints import Checkpoint, open_checkpoint, sign_checkpoint
from tellonce.domain.transparency.errors import NoteError, ProofError, TransparencyError
from tellonce.domain.transparency.merkle import (
    MerkleTree,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from tellonce.domain.transparency.notes import (
    format_signer_key,
    format_verifier_key,
    open_note,
    parse_signer_key,
    parse_verifier_key,
    sign_note,
)
from tellonce.domain.transparency.receipts import build_receipt, verify_receipt
from tellonce.domain.transparency.tiles import (
    TiledLogReader,
    encode_entry_bundle,
    tiles_from_leaf_hashes,
)
from tests.vectors import VECTORS

TESTDATA = VECTORS
MERKLE = TESTDATA / "rfc6962-merkle"
TESSERA = TESTDATA / "tessera-log"

# The 8-leaf tree of RFC 6962's reference tests, over which the happy paths are computed.
RFC6962_LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]

# Cases our policy decides, with the error we give. The vectors expect an error for every
# one of them except those in POLICY_DIFFERENCES, where we refuse what they accept.
POLICY_DIFFERENCES = {
    "consistency/additional/sizes-are-equal-one-and-proof-is-empty.json",
}
_SIZE_ZERO = "consistency/additional/"
POLICY_CASES = {
    # All hashes are 32 bytes.
    "consistency/additional/sizes-are-equal-one-and-proof-is-empty.json": "must be 32 bytes",
    "inclusion/single-entry/empty-leaf.json": "leaf hash must be 32 bytes",
    "inclusion/0/wrong-leaf.json": "leaf hash must be 32 bytes",
    # Consistency from size 0: empty proof, and the old root is the empty-tree root.
    _SIZE_ZERO + "consistency-check-on-empty-tree-size1-is-zero-is-useless.json": "must be empty",
    _SIZE_ZERO + "sizes-match-but-proof-is-not-empty-and-sizes-are-zero.json": "must be empty",
    _SIZE_ZERO + "size1-is-zero-and-does-not-equal-size2.json": "must be 32 bytes",
    _SIZE_ZERO + "size1-is-zero-and-size2-is-not-zero.json": "must be 32 bytes",
    _SIZE_ZERO + "sizes-are-equal-zero-and-proof-is-empty.json": "must be 32 bytes",
    _SIZE_ZERO + "sizes-are-equal-zero-but-roots-are-not.json": "must be 32 bytes",
    _SIZE_ZERO + "roots-do-not-match-and-sizes-are-zero.json": "must be 32 bytes",
    "consistency/1/size1-sub-@1.json": "old root of the empty tree",
    # Nothing is included in the empty tree.
    "inclusion/additional/0/empty-root-and-random-leaf.json": "outside a tree of size 0",
    "inclusion/additional/2/empty-root-and-random-leaf.json": "outside a tree of size 0",
}

TESSERA_ORIGIN = "example.com/log/testdata"
TESSERA_VERIFIER_KEY = (
    "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx"
)
TESSERA_SIGNER_KEY = (
    "PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg"
)
# The entries as listed in testdata/README.md, in log order.
TESSERA_ENTRIES = [
    b"one", b"two", b"three", b"four", b"five", b"six", b"seven", b"eit", b"nain", b"ten",
    b"ileven", b"twelf", b"threeten", b"fourten", b"fivten",
]  # fmt: skip


def _cases(kind: str) -> list[Any]:
    paths = sorted((MERKLE / kind).rglob("*.json"))
    return [pytest.param(p, id=p.relative_to(MERKLE).as_posix()) for p in paths]


def _load(path: Path) -> tuple[str, dict[str, Any]]:
    return path.relative_to(MERKLE).as_posix(), json.loads(path.read_text())


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


def _proof(case: dict[str, Any]) -> list[bytes]:
    return [_b64(h) for h in case["proof"] or []]


def _expect(name: str, case: dict[str, Any], check: Any) -> None:
    if name in POLICY_CASES:
        assert case["wantErr"] is (name not in POLICY_DIFFERENCES)
        with pytest.raises(ProofError, match=POLICY_CASES[name]):
            check()
    elif case["wantErr"]:
        with pytest.raises(ProofError):
            check()
    else:
        check()


def test_the_vector_corpus_is_all_there() -> None:
    names = {p.relative_to(MERKLE).as_posix() for p in MERKLE.rglob("*.json")}
    assert len(names) == 196
    assert set(POLICY_CASES) <= names
    assert set(POLICY_CASES) >= POLICY_DIFFERENCES


@pytest.mark.parametrize("path", _cases("inclusion"))
def test_inclusion_vector(path: Path) -> None:
    name, case = _load(path)
    _expect(
        name,
        case,
        lambda: verify_inclusion(
            case["leafIdx"],
            case["treeSize"],
            _b64(case["leafHash"]),
            _proof(case),
            _b64(case["root"]),
        ),
    )


@pytest.mark.parametrize("path", _cases("consistency"))
def test_consistency_vector(path: Path) -> None:
    name, case = _load(path)
    _expect(
        name,
        case,
        lambda: verify_consistency(
            case["size1"], case["size2"], _b64(case["root1"]), _b64(case["root2"]), _proof(case)
        ),
    )


def _happy(kind: str) -> list[Any]:
    return [p for p in _cases(kind) if p.values[0].name == "happy-path.json"]


@pytest.mark.parametrize("path", _happy("inclusion"))
def test_we_generate_the_happy_path_inclusion_proofs(path: Path) -> None:
    _, case = _load(path)
    tree = MerkleTree.from_entries(RFC6962_LEAVES)
    assert tree.root(case["treeSize"]) == _b64(case["root"])
    assert tree.leaf_hash(case["leafIdx"]) == _b64(case["leafHash"])
    assert tree.inclusion_proof(case["leafIdx"], case["treeSize"]) == _proof(case)


@pytest.mark.parametrize("path", _happy("consistency"))
def test_we_generate_the_happy_path_consistency_proofs(path: Path) -> None:
    _, case = _load(path)
    tree = MerkleTree.from_entries(RFC6962_LEAVES)
    assert tree.root(case["size1"]) == _b64(case["root1"])
    assert tree.root(case["size2"]) == _b64(case["root2"])
    assert tree.consistency_proof(case["size1"], case["size2"]) == _proof(case)


# --- signed notes -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def note_vectors() -> dict[str, Any]:
    vectors: dict[str, Any] = json.loads((TESTDATA / "signed-note-vectors.json").read_text())
    return vectors


def test_our_signer_reproduces_the_peter_neumann_note(note_vectors: dict[str, Any]) -> None:
    case = note_vectors["cases"][0]
    signer = Ed25519NoteSigner.from_signer_key(case["signer_key"])
    assert sign_note(case["text"], [signer]) == case["signed_note"]
    assert signer.verifier_key == case["verifier_key"]


def test_note_keys_round_trip(note_vectors: dict[str, Any]) -> None:
    case = note_vectors["cases"][0]
    verifier = parse_verifier_key(case["verifier_key"])
    assert format_verifier_key(verifier.name, verifier.key) == case["verifier_key"]
    signer = Ed25519NoteSigner.from_signer_key(case["signer_key"])
    seed = parse_signer_key(case["signer_key"]).key
    assert format_signer_key(signer.name, signer.public_key, seed) == case["signer_key"]


def test_both_vector_signatures_verify(note_vectors: dict[str, Any]) -> None:
    peter, enoch = note_vectors["cases"]
    note = peter["signed_note"] + enoch["signature_line"]
    keys = [Ed25519NoteVerifier.from_verifier_key(c["verifier_key"]) for c in (peter, enoch)]
    opened = open_note(note, keys)
    assert opened.text == peter["text"]
    assert [s.name for s in opened.verified] == ["PeterNeumann", "EnochRoot"]
    assert opened.unverified == ()


def test_an_unknown_cosignature_is_kept_but_not_trusted(note_vectors: dict[str, Any]) -> None:
    peter, enoch = note_vectors["cases"]
    note = peter["signed_note"] + enoch["signature_line"]
    opened = open_note(note, [Ed25519NoteVerifier.from_verifier_key(enoch["verifier_key"])])
    assert [s.name for s in opened.verified] == ["EnochRoot"]
    assert [s.name for s in opened.unverified] == ["PeterNeumann"]


def test_a_note_signed_only_by_unknown_keys_is_refused(note_vectors: dict[str, Any]) -> None:
    peter, enoch = note_vectors["cases"]
    with pytest.raises(NoteError, match="trusted key"):
        open_note(
            peter["signed_note"], [Ed25519NoteVerifier.from_verifier_key(enoch["verifier_key"])]
        )


@pytest.mark.parametrize(
    "key", json.loads((TESTDATA / "signed-note-vectors.json").read_text())["bad_verifier_keys"]
)
def test_bad_verifier_keys_are_refused(key: str) -> None:
    with pytest.raises(NoteError):
        Ed25519NoteVerifier.from_verifier_key(key)


# --- the Tessera log --------------------------------------------------------------------


def _fetch(path: str) -> bytes:
    return (TESSERA / path).read_bytes()


@pytest.fixture(scope="module")
def tessera_key() -> Ed25519NoteVerifier:
    return Ed25519NoteVerifier.from_verifier_key(TESSERA_VERIFIER_KEY)


@pytest.mark.parametrize("size", range(16))
def test_we_accept_every_tessera_checkpoint_and_its_tiles(
    size: int, tessera_key: Ed25519NoteVerifier
) -> None:
    reader = TiledLogReader.open(_fetch, tessera_key, checkpoint_path=f"checkpoint.{size}")
    assert reader.checkpoint.origin == TESSERA_ORIGIN
    assert reader.size == size
    assert reader.audit() == TESSERA_ENTRIES[:size]
    assert reader.checkpoint.root_hash == MerkleTree.from_entries(TESSERA_ENTRIES[:size]).root()


@pytest.mark.parametrize("size", range(16))
def test_our_signer_reproduces_every_tessera_checkpoint(size: int) -> None:
    signer = Ed25519NoteSigner.from_signer_key(TESSERA_SIGNER_KEY)
    root = MerkleTree.from_entries(TESSERA_ENTRIES[:size]).root()
    signed = sign_checkpoint(Checkpoint(TESSERA_ORIGIN, size, root), signer)
    assert signed.encode() == _fetch(f"checkpoint.{size}")


def test_we_write_the_same_tiles_and_bundles_as_tessera() -> None:
    ours: dict[str, bytes] = {}
    for size in range(1, 16):
        prefix = TESSERA_ENTRIES[:size]
        for tile, data in tiles_from_leaf_hashes([leaf_hash(e) for e in prefix]).items():
            ours[tile.path] = data
            ours[tile.entries_path] = encode_entry_bundle(prefix)
    theirs = {
        p.relative_to(TESSERA).as_posix(): p.read_bytes()
        for p in (TESSERA / "tile").rglob("*")
        if p.is_file()
    }
    assert ours == theirs


def test_receipts_for_every_tessera_entry_verify(tessera_key: Ed25519NoteVerifier) -> None:
    reader = TiledLogReader.open(_fetch, tessera_key, checkpoint_path="checkpoint.15")
    signed = _fetch("checkpoint.15").decode()
    for index, entry in enumerate(TESSERA_ENTRIES):
        receipt = build_receipt(index, reader.inclusion_proof(index), signed)
        assert verify_receipt(receipt, entry, tessera_key) == reader.checkpoint
        with pytest.raises(TransparencyError):
            verify_receipt(receipt, entry + b"!", tessera_key)


def test_consecutive_tessera_checkpoints_are_consistent(tessera_key: Ed25519NoteVerifier) -> None:
    latest = TiledLogReader.open(_fetch, tessera_key, checkpoint_path="checkpoint.15")
    for size in range(16):
        old = open_checkpoint(_fetch(f"checkpoint.{size}"), tessera_key)
        proof = latest.consistency_proof(size)
        verify_consistency(size, 15, old.root_hash, latest.checkpoint.root_hash, proof)


def test_a_tampered_tessera_checkpoint_is_refused(tessera_key: Ed25519NoteVerifier) -> None:
    note = _fetch("checkpoint.15")
    forged = note.replace(b"\n15\n", b"\n16\n")
    with pytest.raises(NoteError):
        open_checkpoint(forged, tessera_key)
