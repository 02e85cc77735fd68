"""A citizen's receipt file: round trip, offline verification, and every tampering refused."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tellonce.adapters.signing import Ed25519NoteSigner, generate_signer_key
from tellonce.domain.transparency.checkpoints import Checkpoint, sign_checkpoint
from tellonce.domain.transparency.entries import (
    Commitment,
    EntryKind,
    agreement_published,
    disclosure,
)
from tellonce.domain.transparency.errors import ReceiptError, TransparencyError
from tellonce.domain.transparency.merkle import MerkleTree
from tellonce.domain.transparency.receipts import build_receipt
from tellonce.domain.transparency.report_receipts import (
    ReceiptItem,
    ReportReceipt,
    verify_report_receipt,
)
from tests.factories import agreement

ORIGIN = "tellonce.test/log"
SIGNER = Ed25519NoteSigner.from_signer_key(generate_signer_key(ORIGIN)[0])
AT = datetime(2026, 11, 25, 10, 5, tzinfo=UTC)
DWP = agreement("dwp-moves", "dwp", {"change-of-address": ["new_address.postcode"]})
KEY = os.urandom(32)


def make_receipt() -> ReportReceipt:
    mine = [
        disclosure(
            EntryKind.DISCLOSURE_AUTHORISED,
            DWP,
            "change-of-address",
            ["x"],
            AT,
            Commitment.new(KEY),
        ).encode()
        for _ in range(2)
    ]
    public = agreement_published(DWP, "00" * 32, AT).encode()
    log = [public, b"other", mine[0], b"more", mine[1]]
    tree = MerkleTree.from_entries(log)
    note = sign_checkpoint(Checkpoint(ORIGIN, tree.size, tree.root()), SIGNER)
    items = [
        ReceiptItem(log[i], build_receipt(i, tree.inclusion_proof(i), note), key)
        for i, key in [(2, KEY), (4, KEY), (0, None)]
    ]
    return ReportReceipt("TLO-7KQ4-M3XH", ORIGIN, tuple(items))


RECEIPT = make_receipt()
FILE = RECEIPT.to_json()


def test_a_receipt_round_trips_and_verifies_offline() -> None:
    parsed = ReportReceipt.from_json(FILE)
    assert parsed == RECEIPT
    verified = verify_report_receipt(parsed, SIGNER.verifier())
    assert [(v.index, v.size, v.commitment_checked) for v in verified] == [
        (2, 5, True),
        (4, 5, True),
        (0, 5, False),
    ]
    document = json.loads(FILE)
    assert document["log"] == ORIGIN
    assert "tellonce receipt verify" in document["how_to_verify"]


def test_a_receipt_fails_under_another_log_key() -> None:
    other = Ed25519NoteSigner.from_signer_key(generate_signer_key(ORIGIN)[0])
    with pytest.raises(ReceiptError, match="entry 1"):
        verify_report_receipt(RECEIPT, other.verifier())


def test_a_receipt_fails_if_the_commitment_key_is_someone_else_s() -> None:
    document = json.loads(FILE)
    document["entries"][0]["commitment_key"] = "A" * 43 + "="
    with pytest.raises(ReceiptError, match="commitment"):
        verify_report_receipt(ReportReceipt.from_json(json.dumps(document)), SIGNER.verifier())


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_changing_any_character_of_an_entry_or_proof_fails(data: st.DataObject) -> None:
    document = json.loads(FILE)
    item = data.draw(st.sampled_from(document["entries"][:2]))
    part = data.draw(st.sampled_from(["entry", "tlog_proof"]))
    text: str = item[part]
    at = data.draw(st.integers(0, len(text) - 1))
    replacement = data.draw(st.sampled_from("0123456789abcdefAZ+/=\n {}"))
    if replacement == text[at]:
        return
    item[part] = text[:at] + replacement + text[at + 1 :]
    with pytest.raises(TransparencyError):
        verify_report_receipt(ReportReceipt.from_json(json.dumps(document)), SIGNER.verifier())


@pytest.mark.parametrize(
    "text",
    ["", "[]", '{"format": "other"}', '{"format": "tellonce.uk/receipt@v1", "report": "x"}'],
)
def test_malformed_receipt_files_are_refused(text: str) -> None:
    with pytest.raises(ReceiptError):
        ReportReceipt.from_json(text)
