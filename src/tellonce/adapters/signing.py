"""Ed25519 note signing and verification: the ``NoteSigner`` / ``NoteVerifier`` ports.

Keys travel as C2SP signed-note key strings (``PRIVATE+KEY+name+keyid+base64(0x01||seed)``
and ``name+keyid+base64(0x01||public key)``); the domain parses and formats them, this
adapter holds the key material. Ed25519 is deterministic, so the same key signs the same
checkpoint to the same bytes -- which the tests rely on to match Tessera's output.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tellonce.domain.transparency.errors import NoteError
from tellonce.domain.transparency.notes import (
    ED25519,
    format_signer_key,
    format_verifier_key,
    key_id,
    parse_signer_key,
    parse_verifier_key,
)


def _public_bytes(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True, slots=True)
class Ed25519NoteVerifier:
    """A trusted Ed25519 note key."""

    name: str
    key_id: int
    public_key: bytes = field(repr=False)
    _key: Ed25519PublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.key_id != key_id(self.name, ED25519, self.public_key):
            raise NoteError("verifier key ID does not match its name and public key")
        object.__setattr__(self, "_key", Ed25519PublicKey.from_public_bytes(self.public_key))

    @classmethod
    def from_verifier_key(cls, text: str) -> Ed25519NoteVerifier:
        key = parse_verifier_key(text)
        return cls(key.name, key.key_id, key.key)

    @property
    def verifier_key(self) -> str:
        return format_verifier_key(self.name, self.public_key)

    def verify(self, msg: bytes, sig: bytes) -> bool:
        try:
            self._key.verify(sig, msg)
        except InvalidSignature:
            return False
        return True


class Ed25519NoteSigner:
    """A note signing key; never printed, compared or pickled by accident."""

    __slots__ = ("_key", "key_id", "name", "public_key")

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        self.name = name
        self._key = private_key
        self.public_key = _public_bytes(private_key.public_key())
        self.key_id = key_id(name, ED25519, self.public_key)

    def __repr__(self) -> str:
        return f"Ed25519NoteSigner(name={self.name!r}, key_id={self.key_id:08x})"

    @classmethod
    def from_signer_key(cls, text: str) -> Ed25519NoteSigner:
        key = parse_signer_key(text)
        signer = cls(key.name, Ed25519PrivateKey.from_private_bytes(key.key))
        if signer.key_id != key.key_id:
            raise NoteError("signer key ID does not match its name and public key")
        return signer

    @property
    def verifier_key(self) -> str:
        return format_verifier_key(self.name, self.public_key)

    def verifier(self) -> Ed25519NoteVerifier:
        return Ed25519NoteVerifier(self.name, self.key_id, self.public_key)

    def sign(self, msg: bytes) -> bytes:
        return self._key.sign(msg)


def generate_signer_key(name: str) -> tuple[str, str]:
    """A fresh key pair for ``name``: ``(signer key, verifier key)`` strings."""
    private_key = Ed25519PrivateKey.generate()
    seed = private_key.private_bytes_raw()
    public_key = _public_bytes(private_key.public_key())
    return format_signer_key(name, public_key, seed), format_verifier_key(name, public_key)
