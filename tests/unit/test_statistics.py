"""The register's published small-count protection (ADR 0090)."""

from __future__ import annotations

import pytest

from tellonce.domain.statistics import THRESHOLD, protect, protected_median


@pytest.mark.parametrize(
    ("count", "shown"),
    [
        (0, "0"),
        (1, "<10"),
        (9, "<10"),
        (10, "10"),
        (12, "10"),
        (13, "15"),
        (17, "15"),
        (18, "20"),
        (1234, "1235"),
    ],
)
def test_counts_below_the_threshold_are_suppressed_and_the_rest_rounded(
    count: int, shown: str
) -> None:
    assert protect(count).csv() == shown


def test_a_rounded_count_never_falls_below_the_threshold() -> None:
    assert all((protect(n).value or THRESHOLD) >= THRESHOLD for n in range(1, 200))


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        protect(-1)


def test_a_median_needs_as_many_values_as_the_threshold() -> None:
    assert protected_median([1.0] * (THRESHOLD - 1)) is None
    assert (
        protected_median([float(n) for n in range(THRESHOLD)]) == 4
    )  # median 4.5, rounded half to even
