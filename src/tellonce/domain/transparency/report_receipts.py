"""A citizen's receipt for one report: its log entries, each with a C2SP tlog-proof.

A JSON file the citizen keeps. Each item holds an entry exactly as logged (canonical JSON,
as a string), its ``c2sp.org/tlog-proof@v1`` (index, inclusion proof and the signed
checkpoint) and the key of the person the entry's commitment is to. Anyone holding the log's
verifier key can then check, offline, that every entry is in the log the hub signed and,
with the key, that the entry is about the receipt's holder -- never what the data was.

The commitment key is the person's log key: whoever holds it can recognise *every* entry
about that person in the public log, so the receipt should be kept as privately as the
letters it replaces. The key is ``null`` once the person has been erased.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from tellonce.domain.transparency.entries import EntryError, entry_commitment, parse_entry
from tellonce.domain.transparency.errors import ReceiptError
from tellonce.domain.transparency.notes import NoteVerifier
from tellonce.domain.transparency.receipts import TlogProof, verify_receipt

RECEIPT_FORMAT = "tellonce.uk/receipt@v1"
HOW_TO_VERIFY = (
    "Check it offline with the log's verifier key (served at /log/key): "
    "tellonce receipt verify THIS-FILE --key 'VERIFIER-KEY'"
)


@dataclass(frozen=True, slots=True)
class ReceiptItem:
    entry: bytes
    proof: str  # a c2sp.org/tlog-proof@v1
    commitment_key: bytes | None


@dataclass(frozen=True, slots=True)
class ReportReceipt:
    reference: str
    origin: str
    items: tuple[ReceiptItem, ...]

    def to_json(self) -> bytes:
        document = {
            "format": RECEIPT_FORMAT,
            "report": self.reference,
            "log": self.origin,
            "how_to_verify": HOW_TO_VERIFY,
            "entries": [
                {
                    "entry": item.entry.decode("utf-8"),
                    "commitment_key": _b64(item.commitment_key),
                    "tlog_proof": item.proof,
                }
                for item in self.items
            ],
        }
        return json.dumps(document, indent=2, ensure_ascii=False).encode() + b"\n"

    @classmethod
    def from_json(cls, data: bytes | str) -> ReportReceipt:
        try:
            document = json.loads(data)
            if document["format"] != RECEIPT_FORMAT:
                raise ReceiptError(f"not a {RECEIPT_FORMAT} receipt")
            items = tuple(_item(item) for item in document["entries"])
            return cls(str(document["report"]), str(document["log"]), items)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            if isinstance(exc, ReceiptError):
                raise
            raise ReceiptError("the receipt file is not valid") from exc


def _b64(value: bytes | None) -> str | None:
    return None if value is None else base64.b64encode(value).decode("ascii")


def _item(item: dict[str, Any]) -> ReceiptItem:
    key = item["commitment_key"]
    try:
        commitment_key = None if key is None else base64.b64decode(key, validate=True)
    except binascii.Error as exc:
        raise ReceiptError("a commitment key is not base64") from exc
    return ReceiptItem(str(item["entry"]).encode("utf-8"), str(item["tlog_proof"]), commitment_key)


@dataclass(frozen=True, slots=True)
class VerifiedEntry:
    """An entry proven to be at ``index`` in the signed tree of ``size``."""

    index: int
    size: int
    body: dict[str, Any]
    commitment_checked: bool  # False when the entry names no person or the key is gone


def verify_report_receipt(receipt: ReportReceipt, log_key: NoteVerifier) -> list[VerifiedEntry]:
    """Verify every item; raise a ``TransparencyError`` naming the first that fails."""
    verified = []
    for number, item in enumerate(receipt.items, start=1):
        try:
            verified.append(_verify_item(item, receipt.origin, log_key))
        except (EntryError, ValueError) as exc:
            raise ReceiptError(f"entry {number} of the receipt does not verify: {exc}") from exc
    return verified


def _verify_item(item: ReceiptItem, origin: str, log_key: NoteVerifier) -> VerifiedEntry:
    body = parse_entry(item.entry)
    proof = TlogProof.from_text(item.proof)
    checkpoint = verify_receipt(proof, item.entry, log_key, origin=origin)
    commitment = entry_commitment(body)
    checked = False
    if commitment is not None and item.commitment_key is not None:
        if not commitment.matches(item.commitment_key):
            raise EntryError("the commitment is not to the key in the receipt")
        checked = True
    return VerifiedEntry(proof.index, checkpoint.size, body, checked)
