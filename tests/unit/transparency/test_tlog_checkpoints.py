"""C2SP checkpoints: the note text, its validation and the log's signature on it."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tellonce.adapters.signing import Ed25519NoteSigner, generate_signer_key
from tellonce.domain.transparency.checkpoints import (
    MAX_SIZE,
    Checkpoint,
    open_checkpoint,
    sign_checkpoint,
)
from tellonce.domain.transparency.errors import CheckpointError, NoteError
from tellonce.domain.transparency.merkle import EMPTY_ROOT
from tellonce.domain.transparency.notes import sign_note

LOG = Ed25519NoteSigner.from_signer_key(generate_signer_key("example.com/log")[0])
WITNESS = Ed25519NoteSigner.from_signer_key(generate_signer_key("witness.example")[0])
ROOT = bytes(range(32))
ROOT_B64 = base64.b64encode(ROOT).decode()

lines = st.text(st.characters(min_codepoint=0x20), min_size=1, max_size=30)


def test_note_text_is_origin_size_root_then_extensions() -> None:
    checkpoint = Checkpoint("example.com/log", 7, ROOT, ("ext one",))
    assert checkpoint.to_note_text() == f"example.com/log\n7\n{ROOT_B64}\next one\n"


@given(lines, st.integers(min_value=0, max_value=MAX_SIZE), st.binary(min_size=32, max_size=32),
       st.lists(lines, max_size=3))  # fmt: skip
def test_note_text_round_trips(origin: str, size: int, root: bytes, extensions: list[str]) -> None:
    checkpoint = Checkpoint(origin, size, root, tuple(extensions))
    assert Checkpoint.from_note_text(checkpoint.to_note_text()) == checkpoint


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (f"o\n7\n{ROOT_B64}", "end in a newline"),
        ("o\n7\n", "origin, size and root"),
        (f"\n7\n{ROOT_B64}\n", "origin must not be empty"),
        (f"o\n07\n{ROOT_B64}\n", "no leading zeroes"),
        (f"o\n-1\n{ROOT_B64}\n", "no leading zeroes"),
        (f"o\n+7\n{ROOT_B64}\n", "no leading zeroes"),
        (f"o\n{MAX_SIZE + 1}\n{ROOT_B64}\n", "between 0 and"),
        ("o\n7\nnot base64!\n", "not valid base64"),
        ("o\n7\nAAAA\n", "32 bytes"),
        (f"o\n7\n{ROOT_B64[:-2]}F=\n", "32 bytes"),  # non-canonical: padding bits set
        (f"o\n7\n{ROOT_B64}\n\n", "extension line must not be empty"),
        (f"o\n7\n{ROOT_B64}\nbad\tline\n", "control characters"),
    ],
)
def test_malformed_checkpoints_are_refused(text: str, reason: str) -> None:
    with pytest.raises(CheckpointError, match=reason):
        Checkpoint.from_note_text(text)


def test_constructor_validates_too() -> None:
    with pytest.raises(CheckpointError, match="32 bytes"):
        Checkpoint("o", 1, b"short")
    with pytest.raises(CheckpointError, match="between 0"):
        Checkpoint("o", -1, ROOT)
    with pytest.raises(CheckpointError, match="one line"):
        Checkpoint("o\nx", 1, ROOT)


def test_signed_checkpoints_open_with_the_log_key() -> None:
    checkpoint = Checkpoint("example.com/log", 0, EMPTY_ROOT)
    assert open_checkpoint(sign_checkpoint(checkpoint, LOG), LOG.verifier()) == checkpoint


def test_witness_cosignatures_do_not_get_in_the_way() -> None:
    checkpoint = Checkpoint("example.com/log", 3, ROOT)
    cosigned = sign_note(checkpoint.to_note_text(), [LOG, WITNESS])
    assert open_checkpoint(cosigned, LOG.verifier()) == checkpoint


def test_a_checkpoint_signed_only_by_someone_else_is_refused() -> None:
    checkpoint = Checkpoint("example.com/log", 3, ROOT)
    with pytest.raises(NoteError, match="trusted key"):
        open_checkpoint(sign_note(checkpoint.to_note_text(), [WITNESS]), LOG.verifier())


def test_the_origin_must_be_the_expected_one() -> None:
    other = Checkpoint("example.com/other", 3, ROOT)
    signed = sign_checkpoint(other, LOG)
    with pytest.raises(CheckpointError, match="different log origin"):
        open_checkpoint(signed, LOG.verifier())
    assert open_checkpoint(signed, LOG.verifier(), origin="example.com/other") == other


def test_a_validly_signed_but_malformed_body_is_refused() -> None:
    with pytest.raises(CheckpointError):
        open_checkpoint(sign_note("example.com/log\n01\nAAAA\n", [LOG]), LOG.verifier())
