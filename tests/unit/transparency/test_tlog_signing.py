"""The Ed25519 note signing adapter."""

from __future__ import annotations

import pytest

from tellonce.adapters.signing import (
    Ed25519NoteSigner,
    Ed25519NoteVerifier,
    generate_signer_key,
)
from tellonce.domain.transparency.errors import NoteError
from tellonce.domain.transparency.notes import NoteSigner, NoteVerifier


def test_generated_keys_sign_and_verify() -> None:
    signer_key, verifier_key = generate_signer_key("example.com/log")
    signer: NoteSigner = Ed25519NoteSigner.from_signer_key(signer_key)
    verifier: NoteVerifier = Ed25519NoteVerifier.from_verifier_key(verifier_key)
    assert (signer.name, signer.key_id) == (verifier.name, verifier.key_id)
    signature = signer.sign(b"text\n")
    assert len(signature) == 64
    assert verifier.verify(b"text\n", signature)
    assert not verifier.verify(b"text!\n", signature)
    assert not verifier.verify(b"text\n", signature[:-1])


def test_ed25519_is_deterministic() -> None:
    signer = Ed25519NoteSigner.from_signer_key(generate_signer_key("a")[0])
    assert signer.sign(b"m") == signer.sign(b"m")


def test_each_generated_key_is_new() -> None:
    assert generate_signer_key("a") != generate_signer_key("a")


def test_the_signer_never_shows_its_private_key() -> None:
    signer_key, _ = generate_signer_key("example.com/log")
    signer = Ed25519NoteSigner.from_signer_key(signer_key)
    assert signer_key.split("+", 4)[-1] not in repr(signer)  # the base64 may hold "+"
    assert repr(signer) == f"Ed25519NoteSigner(name='example.com/log', key_id={signer.key_id:08x})"


def test_the_signer_knows_its_verifier() -> None:
    signer_key, verifier_key = generate_signer_key("example.com/log")
    signer = Ed25519NoteSigner.from_signer_key(signer_key)
    assert signer.verifier_key == verifier_key
    assert signer.verifier() == Ed25519NoteVerifier.from_verifier_key(verifier_key)
    assert signer.verifier().verifier_key == verifier_key


def test_a_verifier_key_is_not_a_signer_key() -> None:
    _, verifier_key = generate_signer_key("example.com/log")
    with pytest.raises(NoteError):
        Ed25519NoteSigner.from_signer_key(verifier_key)
    with pytest.raises(NoteError):
        generate_signer_key("bad name")
