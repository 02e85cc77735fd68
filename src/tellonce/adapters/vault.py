"""Envelope encryption of personal data under per-person keys, and blind indexes.

Each person has a random 256-bit data key. Their data is sealed with AES-256-GCM under that key;
the data key is stored wrapped (AES-256-GCM again) by a master key from settings. Erasing a
person destroys the wrapped key, so every copy of their data — backups included — is unreadable.

Ciphertext layout (version 1)::

    0x01 | data key id (16 bytes) | nonce (12 bytes) | AES-GCM ciphertext and tag

The data key id travels in every ciphertext so keys can rotate; the wrapped key records which
master key wrapped it. Associated data binds a ciphertext to its row (a person id, a report id),
so a ciphertext copied onto another row fails to open.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import uuid
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tellonce.service_layer.ports.vault import PersonKey, SealedDataError

_VERSION = b"\x01"
_NONCE_BYTES = 12
_HEADER = 1 + 16 + _NONCE_BYTES


class AesGcmVault:
    def __init__(
        self, master_keys: Mapping[str, bytes], active_master_key_id: str, index_key: bytes
    ) -> None:
        if active_master_key_id not in master_keys:
            raise ValueError("the active master key id is not among the master keys")
        self._masters = {key_id: AESGCM(key) for key_id, key in master_keys.items()}
        self._active = active_master_key_id
        self._index_key = index_key

    def new_person_key(self) -> PersonKey:
        data_key = AESGCM.generate_key(bit_length=256)
        key_id = uuid.uuid4()
        return PersonKey(
            data_key_id=key_id,
            master_key_id=self._active,
            wrapped=self._wrap(self._active, key_id, data_key),
        )

    def rewrap(self, key: PersonKey) -> PersonKey:
        """Re-wrap a data key under the active master key (master key rotation)."""
        data_key = self._unwrap(key)
        return PersonKey(
            key.data_key_id, self._active, self._wrap(self._active, key.data_key_id, data_key)
        )

    def seal(self, key: PersonKey, plaintext: bytes, context: bytes) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = AESGCM(self._unwrap(key)).encrypt(nonce, plaintext, context)
        return _VERSION + key.data_key_id.bytes + nonce + sealed

    def open(self, key: PersonKey, ciphertext: bytes, context: bytes) -> bytes:
        if len(ciphertext) < _HEADER or ciphertext[:1] != _VERSION:
            raise SealedDataError("unknown ciphertext format")
        if ciphertext[1:17] != key.data_key_id.bytes:
            raise SealedDataError("ciphertext was sealed under a different data key")
        nonce = ciphertext[17:_HEADER]
        try:
            return AESGCM(self._unwrap(key)).decrypt(nonce, ciphertext[_HEADER:], context)
        except InvalidTag as error:
            raise SealedDataError("ciphertext failed authentication") from error

    def seal_secret(self, plaintext: bytes, context: bytes) -> bytes:
        """Seal a hub secret (a webhook signing secret) directly under the active master key."""
        nonce = os.urandom(_NONCE_BYTES)
        key_id = self._active.encode()
        sealed = self._masters[self._active].encrypt(nonce, plaintext, context)
        return _VERSION + bytes([len(key_id)]) + key_id + nonce + sealed

    def open_secret(self, ciphertext: bytes, context: bytes) -> bytes:
        if not ciphertext or ciphertext[:1] != _VERSION:
            raise SealedDataError("unknown ciphertext format")
        length = ciphertext[1]
        key_id = ciphertext[2 : 2 + length].decode()
        master = self._masters.get(key_id)
        if master is None:
            raise SealedDataError(f"master key {key_id!r} is not configured")
        start = 2 + length
        nonce, sealed = ciphertext[start : start + _NONCE_BYTES], ciphertext[start + _NONCE_BYTES :]
        try:
            return master.decrypt(nonce, sealed, context)
        except InvalidTag as error:
            raise SealedDataError("ciphertext failed authentication") from error

    def blind_index(self, purpose: str, value: str) -> bytes:
        """A keyed hash for look-ups: equal values match, nobody without the key can guess them."""
        message = purpose.encode() + b"\x00" + value.encode()
        return hmac.new(self._index_key, message, hashlib.sha256).digest()

    def derive_person_key(self, key: PersonKey, purpose: str) -> bytes:
        """HKDF-SHA256 (RFC 5869) of the person's data key, labelled by ``purpose``."""
        info = b"tellonce person key\x00" + purpose.encode()
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info)
        return hkdf.derive(self._unwrap(key))

    def _wrap(self, master_key_id: str, key_id: uuid.UUID, data_key: bytes) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._masters[master_key_id].encrypt(nonce, data_key, key_id.bytes)

    def _unwrap(self, key: PersonKey) -> bytes:
        if key.wrapped is None or key.master_key_id is None:
            raise SealedDataError("this person's data key has been destroyed")
        master = self._masters.get(key.master_key_id)
        if master is None:
            raise SealedDataError(f"master key {key.master_key_id!r} is not configured")
        nonce, wrapped = key.wrapped[:_NONCE_BYTES], key.wrapped[_NONCE_BYTES:]
        try:
            return master.decrypt(nonce, wrapped, key.data_key_id.bytes)
        except InvalidTag as error:
            raise SealedDataError("the data key failed to unwrap") from error
