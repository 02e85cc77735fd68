"""C2SP signed notes: keys, signing, and every way a note is refused."""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tellonce.adapters.signing import Ed25519NoteSigner, Ed25519NoteVerifier, generate_signer_key
from tellonce.domain.transparency.errors import NoteError
from tellonce.domain.transparency.notes import (
    MAX_SIGNATURES,
    Signature,
    format_verifier_key,
    is_valid_key_name,
    key_id,
    open_note,
    parse_note,
    parse_signer_key,
    parse_verifier_key,
    sign_note,
)

SIGNER = Ed25519NoteSigner.from_signer_key(generate_signer_key("example.com/log")[0])
OTHER = Ed25519NoteSigner.from_signer_key(generate_signer_key("witness.example")[0])
VERIFIER = SIGNER.verifier()
TEXT = "example.com/log\n42\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
NOTE = sign_note(TEXT, [SIGNER])


class SharedNameSigner:
    """Signs as ``example.com/log`` with another key: same name, different key ID."""

    name = "example.com/log"
    key_id = OTHER.key_id

    def sign(self, msg: bytes) -> bytes:
        return OTHER.sign(msg)


def test_a_signed_note_is_text_blank_line_and_signature_lines() -> None:
    text, signature = NOTE.split("\n\n")
    assert text + "\n" == TEXT
    assert signature.startswith("\u2014 example.com/log ")
    blob = base64.b64decode(signature.split(" ")[2])
    assert int.from_bytes(blob[:4], "big") == SIGNER.key_id
    assert len(blob) == 4 + 64


def test_open_returns_the_text_and_the_verified_signature() -> None:
    opened = open_note(NOTE, [VERIFIER])
    assert opened.text == TEXT
    assert [(s.name, s.key_id) for s in opened.verified] == [("example.com/log", SIGNER.key_id)]
    assert opened.unverified == ()
    assert open_note(NOTE.encode(), [VERIFIER]) == opened


def test_cosignatures_from_unknown_keys_are_kept_unverified() -> None:
    cosigned = sign_note(TEXT, [SIGNER, OTHER])
    opened = open_note(cosigned, [VERIFIER])
    assert [s.name for s in opened.unverified] == ["witness.example"]
    assert [s.name for s in open_note(cosigned, [VERIFIER, OTHER.verifier()]).verified] == [
        "example.com/log",
        "witness.example",
    ]


def test_existing_signatures_can_be_carried_over() -> None:
    first = parse_note(sign_note(TEXT, [SIGNER]))
    both = sign_note(TEXT, [OTHER], keep=first.signatures)
    assert both == sign_note(TEXT, [SIGNER, OTHER])


def test_a_key_sharing_only_the_name_is_an_unknown_key() -> None:
    impostor = sign_note(TEXT, [SharedNameSigner()])
    with pytest.raises(NoteError, match="no signature from a trusted key"):
        open_note(impostor, [VERIFIER])
    opened = open_note(impostor.replace("\n\n", "\n\n" + NOTE.split("\n\n")[1]), [VERIFIER])
    assert len(opened.unverified) == 1


def test_a_bad_signature_by_a_known_key_rejects_the_note_even_beside_a_good_one() -> None:
    forged = Signature(SIGNER.name, SIGNER.key_id, bytes(64))
    note = sign_note(TEXT, [SIGNER], keep=[forged])
    with pytest.raises(NoteError, match="invalid signature by known key"):
        open_note(note, [VERIFIER])


def test_a_signature_in_non_canonical_base64_is_refused() -> None:
    """68 bytes of signature end in a character with two unused bits: setting them decodes to
    the same bytes, so a changed line would still verify (found by a receipt's property test)."""
    text, line = NOTE.split("\n\n")
    prefix, encoded = line.rstrip("\n").rsplit(" ", 1)
    assert encoded.endswith("=") and not encoded.endswith("==")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = alphabet.index(encoded[-2])
    changed = encoded[:-2] + alphabet[last ^ 0b01] + "="
    assert base64.b64decode(changed) == base64.b64decode(encoded)
    with pytest.raises(NoteError, match="not canonical base64"):
        open_note(f"{text}\n\n{prefix} {changed}\n", [VERIFIER])


def test_a_repeated_signature_counts_once() -> None:
    note = NOTE + NOTE.split("\n\n")[1]
    assert len(open_note(note, [VERIFIER]).verified) == 1


@given(st.integers(min_value=0), st.integers(min_value=0, max_value=7))
def test_flipping_any_bit_of_the_signature_fails(at: int, bit: int) -> None:
    text, line = NOTE.split("\n\n")
    blob = bytearray(base64.b64decode(line.split(" ")[2]))
    blob[4 + at % 64] ^= 1 << bit
    tampered = f"{text}\n\n\u2014 example.com/log {base64.b64encode(bytes(blob)).decode()}\n"
    with pytest.raises(NoteError, match="invalid signature"):
        open_note(tampered, [VERIFIER])


@given(st.integers(min_value=0), st.sampled_from("0123456789abcxyz/+=- "))
def test_changing_any_character_of_the_text_fails(at: int, char: str) -> None:
    position = at % len(TEXT[:-1])
    if TEXT[position] == char:
        char = "Q"
    tampered = TEXT[:position] + char + TEXT[position + 1 :] + NOTE[len(TEXT) :]
    with pytest.raises(NoteError):
        open_note(tampered, [VERIFIER])


@pytest.mark.parametrize(
    ("note", "reason"),
    [
        (NOTE[:-1], "end in a newline"),
        (NOTE.replace("42", "4\t2"), "control characters"),
        (NOTE.replace("\n\n", "\n"), "no blank line"),
        (TEXT + "\n", "no signatures"),
        (NOTE.replace("\u2014", "-"), "em dash"),
        (NOTE.replace("\u2014 example.com/log ", "\u2014 example.com/log"), "malformed"),
        (NOTE.replace("\u2014 example.com/log", "\u2014 example com/log"), "not valid base64"),
        (NOTE.replace("\u2014 example.com/log", "\u2014 a+b"), "malformed"),
        (TEXT + "\n\u2014 example.com/log AAAAAA==\n", "too short"),
        (TEXT + "\n\u2014 example.com/log AAAAAAA\n", "base64"),
        (TEXT + "\n" + NOTE.split("\n\n")[1] * (MAX_SIGNATURES + 1), "more than"),
    ],
)
def test_malformed_notes_are_refused(note: str, reason: str) -> None:
    with pytest.raises(NoteError, match=reason):
        open_note(note, [VERIFIER])


def test_a_note_must_be_utf8() -> None:
    with pytest.raises(NoteError, match="UTF-8"):
        open_note(b"\xff" + NOTE.encode(), [VERIFIER])


def test_text_may_contain_and_end_in_empty_lines() -> None:
    for text in ("a\n\nb\n", "a\n\n", "\n"):
        assert open_note(sign_note(text, [SIGNER]), [VERIFIER]).text == text


@pytest.mark.parametrize("text", ["", "no newline", "tab\there\n"])
def test_sign_refuses_malformed_text(text: str) -> None:
    with pytest.raises(NoteError):
        sign_note(text, [SIGNER])


def test_sign_needs_a_signer_with_a_valid_name() -> None:
    with pytest.raises(NoteError, match="at least one signature"):
        sign_note(TEXT, [])
    bad = SharedNameSigner()
    bad.name = "has space"
    with pytest.raises(NoteError, match="invalid key name"):
        sign_note(TEXT, [bad])


@pytest.mark.parametrize(
    ("name", "valid"),
    [("example.com/log", True), ("", False), ("a b", False), ("a+b", False), ("a\u00a0b", False)],
)
def test_key_name_rules(name: str, valid: bool) -> None:
    assert is_valid_key_name(name) is valid


def test_key_id_is_the_first_four_bytes_of_the_hash() -> None:
    digest = hashlib.sha256(b"PeterNeumann\n\x01" + bytes(32)).digest()
    assert key_id("PeterNeumann", 1, bytes(32)) == int.from_bytes(digest[:4], "big")


def test_generated_keys_round_trip() -> None:
    signer_key, verifier_key = generate_signer_key("example.com/a")
    parsed = parse_verifier_key(verifier_key)
    assert format_verifier_key(parsed.name, parsed.key) == verifier_key
    assert parse_signer_key(signer_key).key_id == parsed.key_id
    assert Ed25519NoteSigner.from_signer_key(signer_key).verifier_key == verifier_key


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("name+0000000+AQ==", "8 hexadecimal"),
        ("name+xxxxxxxx+AQ==", "8 hexadecimal"),
        ("name++1234567+AQ==", "8 hexadecimal"),
        ("a b+00000000+AQ==", "invalid key name"),
        ("name+00000000", "name\\+keyid\\+key"),
        ("name+00000000+!!!!", "base64"),
        ("name+00000000+", "Ed25519"),
        ("name+00000000+Ag==", "Ed25519"),
        ("name+00000000+AQ==", "32-byte"),
    ],
)
def test_malformed_verifier_keys_are_refused(key: str, reason: str) -> None:
    with pytest.raises(NoteError, match=reason):
        parse_verifier_key(key)


def test_a_verifier_key_with_the_wrong_id_is_refused() -> None:
    good = VERIFIER.verifier_key
    name, _, rest = good.split("+", 2)
    with pytest.raises(NoteError, match="does not match"):
        parse_verifier_key(f"{name}+{(VERIFIER.key_id ^ 1):08x}+{rest}")
    with pytest.raises(NoteError, match="does not match"):
        Ed25519NoteVerifier(VERIFIER.name, VERIFIER.key_id ^ 1, VERIFIER.public_key)


def test_malformed_signer_keys_are_refused() -> None:
    signer_key, _ = generate_signer_key("example.com/a")
    with pytest.raises(NoteError, match="PRIVATE\\+KEY"):
        parse_signer_key(signer_key.removeprefix("PRIVATE+"))
    with pytest.raises(NoteError, match="PRIVATE\\+KEY\\+name"):
        parse_signer_key("PRIVATE+KEY+name")
    parsed, seed = parse_signer_key(signer_key), signer_key.split("+", 4)[4]
    wrong = f"PRIVATE+KEY+{parsed.name}+{parsed.key_id ^ 1:08x}+{seed}"
    with pytest.raises(NoteError, match="does not match"):
        Ed25519NoteSigner.from_signer_key(wrong)
