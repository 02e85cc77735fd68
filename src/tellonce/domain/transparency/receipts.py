"""C2SP tlog-proof: a receipt that an entry is in the log, verifiable offline.

::

    c2sp.org/tlog-proof@v1
    extra <base64>            (optional, unauthenticated application data)
    index <N>
    <base64 proof hash>       (zero or more: the RFC 9162 inclusion proof, leaf side first)

    <the signed checkpoint note, verbatim, with any witness cosignatures>

A citizen keeps the receipt and the entry it is for; anyone holding the log's verifier key
can then check, without asking the log, that the entry is at ``index`` in the tree the log
signed. Consistency of that checkpoint with later ones is a separate (witness's) question.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass

from tellonce.domain.transparency.checkpoints import Checkpoint, open_checkpoint
from tellonce.domain.transparency.errors import ReceiptError
from tellonce.domain.transparency.merkle import HASH_SIZE, leaf_hash, verify_inclusion
from tellonce.domain.transparency.notes import NoteVerifier

HEADER = "c2sp.org/tlog-proof@v1"
FILE_EXTENSION = ".tlog-proof"
_INDEX = re.compile(r"index (0|[1-9][0-9]*)")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, what: str) -> bytes:
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ReceiptError(f"receipt {what} is not valid base64") from exc
    if _b64(data) != text:
        raise ReceiptError(f"receipt {what} is not canonical base64")
    return data


@dataclass(frozen=True, slots=True)
class TlogProof:
    """The parts of a tlog-proof; ``checkpoint`` is the signed note exactly as the log sent it."""

    index: int
    hashes: tuple[bytes, ...]
    checkpoint: str
    extra: bytes | None = None

    def __post_init__(self) -> None:
        if self.index < 0:
            raise ReceiptError("receipt index must not be negative")
        if any(len(h) != HASH_SIZE for h in self.hashes):
            raise ReceiptError(f"receipt proof hashes must be {HASH_SIZE} bytes")
        if not self.checkpoint.endswith("\n") or self.checkpoint.startswith("\n"):
            raise ReceiptError("receipt checkpoint must be a signed note")

    def to_text(self) -> str:
        lines = [HEADER]
        if self.extra is not None:
            lines.append(f"extra {_b64(self.extra)}")
        lines.append(f"index {self.index}")
        lines.extend(_b64(h) for h in self.hashes)
        return "\n".join(lines) + "\n\n" + self.checkpoint

    @classmethod
    def from_text(cls, text: str) -> TlogProof:
        """Parse a receipt; nothing is verified yet (see ``verify_receipt``)."""
        head, separator, checkpoint = text.partition("\n\n")
        if not separator:
            raise ReceiptError("receipt has no blank line before its checkpoint")
        lines = head.split("\n")
        if lines[0] != HEADER:
            raise ReceiptError(f"receipt must start with {HEADER}")
        lines = lines[1:]
        extra = None
        if lines and lines[0].startswith("extra "):
            extra = _unb64(lines.pop(0).removeprefix("extra "), "extra data")
        match = _INDEX.fullmatch(lines.pop(0)) if lines else None
        if match is None:
            raise ReceiptError("receipt needs an 'index N' line with no leading zeroes")
        hashes = tuple(_unb64(line, f"proof hash {n}") for n, line in enumerate(lines))
        return cls(int(match[1]), hashes, checkpoint, extra)


def build_receipt(
    index: int, proof: Sequence[bytes], signed_checkpoint: str, extra: bytes | None = None
) -> str:
    """A tlog-proof for entry ``index`` from its inclusion proof and the signed checkpoint."""
    return TlogProof(index, tuple(proof), signed_checkpoint, extra).to_text()


def verify_receipt(
    receipt: str | TlogProof,
    entry: bytes,
    log_key: NoteVerifier,
    *,
    origin: str | None = None,
) -> Checkpoint:
    """Check that ``entry`` is in the log under the receipt's log-signed checkpoint.

    Raise a ``TransparencyError`` (``ReceiptError``, ``NoteError``, ``CheckpointError`` or
    ``ProofError``) if not; return the checkpoint the entry is proven against.
    """
    proof = TlogProof.from_text(receipt) if isinstance(receipt, str) else receipt
    checkpoint = open_checkpoint(proof.checkpoint, log_key, origin=origin)
    verify_inclusion(
        proof.index, checkpoint.size, leaf_hash(entry), proof.hashes, checkpoint.root_hash
    )
    return checkpoint
