"""C2SP tlog-checkpoint: the signed statement of a log's size and root hash.

The note text is ``<origin>\\n<size>\\n<base64 root>\\n`` followed by optional, opaque,
non-empty extension lines. Sizes are decimal with no leading zeroes; the root is the
RFC 9162 root hash of the tree at that size.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from tellonce.domain.transparency.errors import CheckpointError
from tellonce.domain.transparency.merkle import HASH_SIZE
from tellonce.domain.transparency.notes import NoteSigner, NoteVerifier, open_note, sign_note

MAX_SIZE = 2**64 - 1  # logs count in uint64, as every other implementation does
_SIZE = re.compile(r"0|[1-9][0-9]*")


def _check_line(line: str, what: str) -> None:
    if not line:
        raise CheckpointError(f"checkpoint {what} must not be empty")
    if any(ord(c) < 0x20 for c in line):
        raise CheckpointError(f"checkpoint {what} must be one line without control characters")


def _decode_root(text: str) -> bytes:
    try:
        root = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CheckpointError("checkpoint root hash is not valid base64") from exc
    if len(root) != HASH_SIZE or base64.b64encode(root).decode("ascii") != text:
        raise CheckpointError(f"checkpoint root hash must be {HASH_SIZE} bytes in base64")
    return root


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A log's origin, tree size, root hash and any extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line(self.origin, "origin")
        if not 0 <= self.size <= MAX_SIZE:
            raise CheckpointError(f"checkpoint size must be between 0 and {MAX_SIZE}")
        if len(self.root_hash) != HASH_SIZE:
            raise CheckpointError(f"checkpoint root hash must be {HASH_SIZE} bytes")
        for line in self.extensions:
            _check_line(line, "extension line")

    def to_note_text(self) -> str:
        root = base64.b64encode(self.root_hash).decode("ascii")
        return "".join(
            f"{line}\n" for line in (self.origin, str(self.size), root, *self.extensions)
        )

    @classmethod
    def from_note_text(cls, text: str) -> Checkpoint:
        """Parse and validate a checkpoint's note text (not its signatures)."""
        if not text.endswith("\n"):
            raise CheckpointError("checkpoint text must end in a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError("checkpoint text needs origin, size and root hash lines")
        origin, size, root, *extensions = lines
        if not _SIZE.fullmatch(size):
            raise CheckpointError("checkpoint size must be decimal with no leading zeroes")
        return cls(origin, int(size), _decode_root(root), tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signer: NoteSigner) -> str:
    """The checkpoint as a signed note, signed by the log's key."""
    return sign_note(checkpoint.to_note_text(), [signer])


def open_checkpoint(
    signed_note: str | bytes,
    log_key: NoteVerifier,
    *,
    origin: str | None = None,
) -> Checkpoint:
    """Verify the log's signature on a checkpoint note and parse it.

    ``origin`` (by default the log key's name, which the spec says it SHOULD equal) must
    match the checkpoint's first line. Other signatures, such as witness cosignatures,
    are ignored here: whether enough witnesses cosigned is the caller's policy.
    """
    note = open_note(signed_note, [log_key])
    checkpoint = Checkpoint.from_note_text(note.text)
    expected = log_key.name if origin is None else origin
    if checkpoint.origin != expected:
        raise CheckpointError(
            f"checkpoint is for a different log origin: {checkpoint.origin!r}, "
            f"expected {expected!r}"
        )
    return checkpoint
