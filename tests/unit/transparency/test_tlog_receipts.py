"""C2SP tlog-proof receipts: the text format and offline verification."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tellonce.adapters.signing import Ed25519NoteSigner, generate_signer_key
from tellonce.domain.transparency.checkpoints import Checkpoint, sign_checkpoint
from tellonce.domain.transparency.errors import (
    NoteError,
    ProofError,
    ReceiptError,
    TransparencyError,
)
from tellonce.domain.transparency.merkle import MerkleTree
from tellonce.domain.transparency.notes import sign_note
from tellonce.domain.transparency.receipts import (
    HEADER,
    TlogProof,
    build_receipt,
    verify_receipt,
)

ORIGIN = "example.com/receipts"
LOG = Ed25519NoteSigner.from_signer_key(generate_signer_key(ORIGIN)[0])
WITNESS = Ed25519NoteSigner.from_signer_key(generate_signer_key("witness.example")[0])
ENTRIES = [b'{"entry":%d}' % i for i in range(300)]
TREE = MerkleTree.from_entries(ENTRIES)
SIGNED = sign_checkpoint(Checkpoint(ORIGIN, TREE.size, TREE.root()), LOG)


def _receipt(index: int, extra: bytes | None = None) -> str:
    return build_receipt(index, TREE.inclusion_proof(index), SIGNED, extra)


def test_the_receipt_text_follows_the_spec_layout() -> None:
    receipt = _receipt(5, extra=b"context")
    proof = [base64.b64encode(h).decode() for h in TREE.inclusion_proof(5)]
    assert receipt == "\n".join(
        [HEADER, f"extra {base64.b64encode(b'context').decode()}", "index 5", *proof, "", SIGNED]
    )
    assert receipt.endswith("\n")


@given(st.integers(0, len(ENTRIES) - 1), st.none() | st.binary(max_size=40))
def test_receipts_round_trip_and_verify(index: int, extra: bytes | None) -> None:
    receipt = _receipt(index, extra)
    parsed = TlogProof.from_text(receipt)
    assert (parsed.index, parsed.extra, parsed.checkpoint) == (index, extra, SIGNED)
    assert parsed.to_text() == receipt
    assert verify_receipt(receipt, ENTRIES[index], LOG.verifier()).size == TREE.size


def test_a_receipt_for_a_one_entry_log_has_no_proof_hashes() -> None:
    tree = MerkleTree.from_entries([b"only"])
    signed = sign_checkpoint(Checkpoint(ORIGIN, 1, tree.root()), LOG)
    receipt = build_receipt(0, [], signed)
    assert receipt.startswith(f"{HEADER}\nindex 0\n\n{ORIGIN}\n")
    verify_receipt(receipt, b"only", LOG.verifier())


def test_witness_cosignatures_ride_along() -> None:
    cosigned = sign_note(Checkpoint(ORIGIN, TREE.size, TREE.root()).to_note_text(), [LOG, WITNESS])
    receipt = build_receipt(7, TREE.inclusion_proof(7), cosigned)
    assert TlogProof.from_text(receipt).checkpoint == cosigned
    verify_receipt(receipt, ENTRIES[7], LOG.verifier())


@given(st.integers(0, len(ENTRIES) - 1), st.integers(0), st.integers(0, 7))
def test_a_receipt_fails_for_a_changed_entry(index: int, at: int, bit: int) -> None:
    entry = bytearray(ENTRIES[index])
    entry[at % len(entry)] ^= 1 << bit
    with pytest.raises(ProofError):
        verify_receipt(_receipt(index), bytes(entry), LOG.verifier())


@given(st.integers(0, len(ENTRIES) - 1), st.integers(0), st.integers(0, 7))
def test_a_receipt_fails_for_a_changed_proof_hash(index: int, at: int, bit: int) -> None:
    proof = TREE.inclusion_proof(index)
    which = at % len(proof)
    changed = bytearray(proof[which])
    changed[at // len(proof) % 32] ^= 1 << bit
    proof[which] = bytes(changed)
    with pytest.raises(ProofError):
        verify_receipt(build_receipt(index, proof, SIGNED), ENTRIES[index], LOG.verifier())


def test_a_receipt_fails_for_another_index_or_a_forged_checkpoint() -> None:
    with pytest.raises(ProofError):
        verify_receipt(_receipt(3).replace("index 3", "index 4"), ENTRIES[3], LOG.verifier())
    forged = _receipt(3).replace(f"\n{TREE.size}\n", f"\n{TREE.size + 1}\n")
    with pytest.raises(NoteError):
        verify_receipt(forged, ENTRIES[3], LOG.verifier())
    stranger = Ed25519NoteSigner.from_signer_key(generate_signer_key(ORIGIN)[0])
    with pytest.raises(TransparencyError):
        verify_receipt(_receipt(3), ENTRIES[3], stranger.verifier())


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (f"{HEADER}\nindex 0\n", "no blank line"),
        (f"c2sp.org/tlog-proof@v2\nindex 0\n\n{SIGNED}", "must start with"),
        (f"{HEADER}\n\n{SIGNED}", "index N"),
        (f"{HEADER}\nindex 01\n\n{SIGNED}", "index N"),
        (f"{HEADER}\nindex -1\n\n{SIGNED}", "index N"),
        (f"{HEADER}\nindex 1\nextra AAAA\n\n{SIGNED}", "proof hash 0"),
        (f"{HEADER}\nextra !!\nindex 1\n\n{SIGNED}", "extra data is not valid base64"),
        (f"{HEADER}\nindex 1\nAAAA\n\n{SIGNED}", "32 bytes"),
        (f"{HEADER}\nindex 1\n{'A' * 42}B=\n\n{SIGNED}", "canonical"),
        (f"{HEADER}\nindex 1\n\n\n{SIGNED}", "signed note"),
        (f"{HEADER}\nindex 1\n\n{SIGNED[:-1]}", "signed note"),
    ],
)
def test_malformed_receipts_are_refused(text: str, reason: str) -> None:
    with pytest.raises(ReceiptError, match=reason):
        TlogProof.from_text(text)
