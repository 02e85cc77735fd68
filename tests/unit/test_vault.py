from __future__ import annotations

import dataclasses
import os

import pytest

from tellonce.adapters.vault import AesGcmVault
from tellonce.service_layer.ports.vault import SealedDataError


def vault(active: str = "k1", **keys: bytes) -> AesGcmVault:
    return AesGcmVault(keys or {"k1": os.urandom(32)}, active, os.urandom(32))


def test_sealed_data_opens_with_its_key_and_context() -> None:
    v = vault()
    key = v.new_person_key()
    sealed = v.seal(key, b"Sian Jones", b"report-1")
    assert b"Sian" not in sealed
    assert v.open(key, sealed, b"report-1") == b"Sian Jones"


def test_each_ciphertext_carries_its_data_key_id() -> None:
    v = vault()
    key = v.new_person_key()
    assert key.data_key_id.bytes in v.seal(key, b"x", b"")


def test_another_persons_key_cannot_open_it() -> None:
    v = vault()
    sealed = v.seal(v.new_person_key(), b"secret", b"ctx")
    with pytest.raises(SealedDataError):
        v.open(v.new_person_key(), sealed, b"ctx")


def test_moving_a_ciphertext_to_another_row_fails() -> None:
    v = vault()
    key = v.new_person_key()
    with pytest.raises(SealedDataError):
        v.open(key, v.seal(key, b"secret", b"report-1"), b"report-2")


def test_tampering_fails() -> None:
    v = vault()
    key = v.new_person_key()
    sealed = bytearray(v.seal(key, b"secret", b""))
    sealed[-1] ^= 1
    with pytest.raises(SealedDataError):
        v.open(key, bytes(sealed), b"")


def test_a_destroyed_key_makes_the_data_unreadable() -> None:
    v = vault()
    key = v.new_person_key()
    sealed = v.seal(key, b"secret", b"")
    shredded = dataclasses.replace(key, wrapped=None, master_key_id=None)
    with pytest.raises(SealedDataError, match="destroyed"):
        v.open(shredded, sealed, b"")


def test_master_keys_rotate_without_re_encrypting_data() -> None:
    old, new = os.urandom(32), os.urandom(32)
    index = os.urandom(32)
    before = AesGcmVault({"old": old}, "old", index)
    key = before.new_person_key()
    sealed = before.seal(key, b"secret", b"")
    after = AesGcmVault({"old": old, "new": new}, "new", index)
    rewrapped = after.rewrap(key)
    assert rewrapped.master_key_id == "new"
    assert AesGcmVault({"new": new}, "new", index).open(rewrapped, sealed, b"") == b"secret"


def test_blind_indexes_match_equal_values_only_under_the_same_key() -> None:
    v = vault()
    assert v.blind_index("subject", "alice") == v.blind_index("subject", "alice")
    assert v.blind_index("subject", "alice") != v.blind_index("subject", "bob")
    assert v.blind_index("subject", "alice") != v.blind_index("email", "alice")
    assert vault().blind_index("subject", "alice") != v.blind_index("subject", "alice")
