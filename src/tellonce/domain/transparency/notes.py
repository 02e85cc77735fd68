"""C2SP signed-note: note keys, signing and opening signed notes.

A signed note is a text ending in a newline, a blank line, then signature lines
``— <key name> base64(key ID || signature)``. A key is named by its name and a 32-bit key ID,
``SHA-256(name || 0x0A || type || public key)[:4]``; only Ed25519 (type ``0x01``) is
supported. The cryptography lives in ``tellonce.adapters.signing``: this module only parses,
formats and applies the spec's rules, through the ``NoteSigner`` / ``NoteVerifier`` ports.

Opening follows the spec (and Go's ``golang.org/x/mod/sumdb/note``): signatures from unknown
keys -- e.g. witness cosignatures -- are kept but not trusted; a known key whose signature
fails rejects the whole note; a note with no verified signature is rejected.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from tellonce.domain.transparency.errors import NoteError

ED25519 = 0x01
ED25519_KEY_SIZE = 32
MAX_SIGNATURES = 100  # the spec requires at least 16; Go's reference allows 100
_SIGNATURE_PREFIX = "\u2014 "  # em dash, space
_SIGNER_PREFIX = "PRIVATE+KEY+"
_KEY_ID = re.compile(r"[0-9a-fA-F]{8}")


class NoteSigner(Protocol):
    """A key that signs note text (the adapter holds the private key)."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> int: ...

    def sign(self, msg: bytes) -> bytes: ...


class NoteVerifier(Protocol):
    """A trusted public key that checks note signatures."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> int: ...

    def verify(self, msg: bytes, sig: bytes) -> bool: ...


@dataclass(frozen=True, slots=True)
class NoteKey:
    """A parsed verifier key (``key`` = public key) or signer key (``key`` = private seed)."""

    name: str
    key_id: int
    algorithm: int
    key: bytes


@dataclass(frozen=True, slots=True)
class Signature:
    """One signature line: by key (``name``, ``key_id``), over the note text."""

    name: str
    key_id: int
    signature: bytes

    def to_line(self) -> str:
        blob = self.key_id.to_bytes(4, "big") + self.signature
        return f"{_SIGNATURE_PREFIX}{self.name} {base64.b64encode(blob).decode('ascii')}\n"


@dataclass(frozen=True, slots=True)
class SignedNote:
    """A note's text and its signature lines, as parsed (nothing verified)."""

    text: str
    signatures: tuple[Signature, ...]

    def to_text(self) -> str:
        return self.text + "\n" + "".join(s.to_line() for s in self.signatures)


@dataclass(frozen=True, slots=True)
class OpenedNote:
    """A note with at least one signature verified by a trusted key."""

    text: str
    verified: tuple[Signature, ...]
    unverified: tuple[Signature, ...]


def is_valid_key_name(name: str) -> bool:
    """Key names are non-empty and contain no Unicode space and no ``+``."""
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def key_id(name: str, algorithm: int, public_key: bytes) -> int:
    """The recommended key ID: ``SHA-256(name || 0x0A || algorithm || public key)[:4]``."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([algorithm]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _decode_base64(text: str, what: str) -> bytes:
    """Strict: a text whose unused trailing bits are not zero decodes to the same bytes as
    the canonical one, so accepting it would let a changed signature line still verify."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError(f"{what} is not valid base64") from exc
    if base64.b64encode(data).decode("ascii") != text:
        raise NoteError(f"{what} is not canonical base64")
    return data


def _parse_key_fields(name: str, hex_id: str, key_b64: str, what: str) -> NoteKey:
    if not is_valid_key_name(name):
        raise NoteError(f"{what} has an invalid key name")
    if not _KEY_ID.fullmatch(hex_id):
        raise NoteError(f"{what} key ID must be 8 hexadecimal digits")
    blob = _decode_base64(key_b64, what)
    if not blob or blob[0] != ED25519:
        raise NoteError(f"{what} is not an Ed25519 (type 0x01) key")
    if len(blob) != 1 + ED25519_KEY_SIZE:
        raise NoteError(f"{what} must hold a {ED25519_KEY_SIZE}-byte Ed25519 key")
    return NoteKey(name, int(hex_id, 16), ED25519, blob[1:])


def parse_verifier_key(text: str) -> NoteKey:
    """Parse ``name+hexkeyid+base64(0x01 || public key)`` and check its key ID."""
    parts = text.split("+", 2)  # the base64 key itself may contain "+"
    if len(parts) != 3:
        raise NoteError("verifier key must be name+keyid+key")
    name, hex_id, key_b64 = parts
    key = _parse_key_fields(name, hex_id, key_b64, "verifier key")
    if key.key_id != key_id(key.name, key.algorithm, key.key):
        raise NoteError("verifier key ID does not match its name and public key")
    return key


def parse_signer_key(text: str) -> NoteKey:
    """Parse ``PRIVATE+KEY+name+hexkeyid+base64(0x01 || seed)``.

    The key ID can only be checked once the public key is derived from the seed, which
    needs the signature library: the signing adapter does that check.
    """
    if not text.startswith(_SIGNER_PREFIX):
        raise NoteError("signer key must start with PRIVATE+KEY+")
    parts = text[len(_SIGNER_PREFIX) :].split("+", 2)
    if len(parts) != 3:
        raise NoteError("signer key must be PRIVATE+KEY+name+keyid+key")
    name, hex_id, key_b64 = parts
    return _parse_key_fields(name, hex_id, key_b64, "signer key")


def _key_text(name: str, public_key: bytes, secret: bytes) -> str:
    if not is_valid_key_name(name):
        raise NoteError("invalid key name")
    if len(public_key) != ED25519_KEY_SIZE or len(secret) != ED25519_KEY_SIZE:
        raise NoteError(f"Ed25519 keys are {ED25519_KEY_SIZE} bytes")
    blob = base64.b64encode(bytes([ED25519]) + secret).decode("ascii")
    return f"{name}+{key_id(name, ED25519, public_key):08x}+{blob}"


def format_verifier_key(name: str, public_key: bytes) -> str:
    return _key_text(name, public_key, public_key)


def format_signer_key(name: str, public_key: bytes, seed: bytes) -> str:
    return _SIGNER_PREFIX + _key_text(name, public_key, seed)


def _check_text(text: str, what: str) -> None:
    if not text.endswith("\n"):
        raise NoteError(f"{what} must end in a newline")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError(f"{what} must not contain control characters other than newline")


def sign_note(text: str, signers: Sequence[NoteSigner], keep: Iterable[Signature] = ()) -> str:
    """Sign ``text`` with each signer; ``keep`` carries over existing signature lines."""
    _check_text(text, "note text")
    signatures = list(keep)
    msg = text.encode()
    for signer in signers:
        if not is_valid_key_name(signer.name):
            raise NoteError("signer has an invalid key name")
        signatures.append(Signature(signer.name, signer.key_id, signer.sign(msg)))
    if not signatures:
        raise NoteError("a signed note needs at least one signature")
    return SignedNote(text, tuple(signatures)).to_text()


def _parse_signature_line(line: str) -> Signature:
    if not line.startswith(_SIGNATURE_PREFIX):
        raise NoteError("signature line must start with an em dash and a space")
    name, _, blob_b64 = line[len(_SIGNATURE_PREFIX) :].partition(" ")
    if not is_valid_key_name(name) or not blob_b64:
        raise NoteError("malformed signature line")
    blob = _decode_base64(blob_b64, "signature")
    if len(blob) < 5:
        raise NoteError("signature is too short to hold a key ID and a signature")
    return Signature(name, int.from_bytes(blob[:4], "big"), blob[4:])


def parse_note(msg: str | bytes) -> SignedNote:
    """Split a signed note into text and signatures, checking only its syntax."""
    if isinstance(msg, bytes):
        try:
            msg = msg.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NoteError("signed note is not valid UTF-8") from exc
    _check_text(msg, "signed note")
    split = msg.rfind("\n\n")
    if split < 0:
        raise NoteError("signed note has no blank line before its signatures")
    # The text keeps its final newline; the signatures follow the *last* blank line, so a
    # text may itself contain (or end in) empty lines. Split on "\n" only: str.splitlines
    # would also split on U+0085 and U+2028, which the spec does not treat as line ends.
    text, block = msg[: split + 1], msg[split + 2 :]
    if not block:
        raise NoteError("signed note has no signatures")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"signed note has more than {MAX_SIGNATURES} signatures")
    return SignedNote(text, tuple(_parse_signature_line(line) for line in lines))


def open_note(msg: str | bytes, verifiers: Iterable[NoteVerifier]) -> OpenedNote:
    """Parse ``msg`` and verify it against the trusted ``verifiers``.

    Raise ``NoteError`` if it is malformed, if a known key's signature fails, or if no
    known key signed it. Repeated signatures by one key are counted once.
    """
    note = parse_note(msg)
    known = {(v.name, v.key_id): v for v in verifiers}
    text = note.text.encode()
    verified: dict[tuple[str, int], Signature] = {}
    unverified: dict[Signature, None] = {}
    for sig in note.signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            unverified.setdefault(sig)
        elif (sig.name, sig.key_id) not in verified:
            if not verifier.verify(text, sig.signature):
                raise NoteError(f"invalid signature by known key {sig.name}")
            verified[sig.name, sig.key_id] = sig
    if not verified:
        raise NoteError("signed note has no signature from a trusted key")
    return OpenedNote(note.text, tuple(verified.values()), tuple(unverified))
