from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tellonce.domain.references import ALPHABET, new_reference, normalise_reference


def test_references_use_only_unambiguous_characters() -> None:
    for _ in range(200):
        reference = new_reference()
        assert reference.startswith("TLO-")
        assert set(reference[4:].replace("-", "")) <= set(ALPHABET)
    assert not set("0O1IL5SZ2UV") & set(ALPHABET)


@given(st.integers(min_value=0, max_value=50))
def test_normalising_accepts_any_case_and_spacing(_: int) -> None:
    reference = new_reference()
    assert normalise_reference(reference.lower().replace("-", " ")) == reference
    assert normalise_reference(reference[4:].replace("-", "")) == reference


def test_normalising_rejects_impossible_references() -> None:
    assert normalise_reference("TLO-0000-0000") is None
    assert normalise_reference("hello") is None
    assert normalise_reference("") is None


def test_every_reference_the_docs_show_could_be_real() -> None:
    """A reader copies examples: each one in the README, docs/ and docstrings must be possible,
    except those shown on purpose as impossible (``TLO-0000-0000``)."""
    root = Path(__file__).resolve().parents[2]
    files = [root / "README.md", *(root / "docs").rglob("*.md"), *(root / "src").rglob("*.py")]
    shown = {
        match
        for file in files
        for match in re.findall(r"TLO-[A-Z0-9]{4}-[A-Z0-9]{4}", file.read_text(encoding="utf-8"))
    }
    impossible = {r for r in shown if normalise_reference(r) is None} - {"TLO-0000-0000"}
    assert not impossible
