"""The key vault: people's data keys, sealing and opening personal data, blind indexes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol


class SealedDataError(Exception):
    """Personal data could not be opened: wrong key, tampered ciphertext or an erased person."""


@dataclass(frozen=True, slots=True)
class PersonKey:
    """A person's data key as stored: wrapped by a master key, or destroyed (``wrapped`` None)."""

    data_key_id: uuid.UUID
    master_key_id: str | None
    wrapped: bytes | None


class Vault(Protocol):
    def new_person_key(self) -> PersonKey: ...
    def seal_secret(self, plaintext: bytes, context: bytes) -> bytes: ...
    def open_secret(self, ciphertext: bytes, context: bytes) -> bytes: ...
    def seal(self, key: PersonKey, plaintext: bytes, context: bytes) -> bytes: ...
    def open(self, key: PersonKey, ciphertext: bytes, context: bytes) -> bytes: ...
    def blind_index(self, purpose: str, value: str) -> bytes: ...
    def derive_person_key(self, key: PersonKey, purpose: str) -> bytes:
        """A 32-byte key for ``purpose`` derived from the person's data key: it is destroyed
        with the data key, so erasing the person erases it too."""
        ...
