from __future__ import annotations

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
