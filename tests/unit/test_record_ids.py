"""UUID version 7 ids (RFC 9562, section 5.7): layout, order and randomness."""

from __future__ import annotations

import time
import uuid

from tellonce.domain.record_ids import new_record_id

# RFC 9562, Appendix A.6: the example UUIDv7 for Tuesday, February 22, 2022 2:22:22 PM GMT-05:00
# (Unix 1645557742000 ms), with its random bits.
_RFC_EXAMPLE = uuid.UUID("017F22E2-79B0-7CC3-98C4-DC0C0C07398F")


def created_millisecond(record_id: uuid.UUID) -> int:
    """The Unix millisecond in a version 7 id's first 48 bits."""
    assert record_id.version == 7
    return record_id.int >> 80


def test_the_rfc_example_reads_back_its_time() -> None:
    assert _RFC_EXAMPLE.version == 7
    assert created_millisecond(_RFC_EXAMPLE) == 1645557742000


def test_a_new_id_has_version_7_the_rfc_variant_and_the_time_it_was_made() -> None:
    before = time.time_ns() // 1_000_000
    made = new_record_id()
    after = time.time_ns() // 1_000_000
    assert made.version == 7
    assert made.variant == uuid.RFC_4122
    assert before <= created_millisecond(made) <= after


def test_ids_made_later_sort_later_as_uuids_and_as_hex_text() -> None:
    earlier = new_record_id()
    time.sleep(0.002)
    later = new_record_id()
    assert earlier < later
    assert earlier.hex < later.hex  # how SQLite stores them
    assert str(earlier) < str(later)


def test_ids_differ_in_their_74_random_bits() -> None:
    made = {new_record_id() for _ in range(10_000)}
    assert len(made) == 10_000
    # Every random bit varies: none is stuck at 0 or 1 (rand_a is 12 bits, rand_b 62).
    rand_a = ((1 << 12) - 1) << 64
    rand_b = (1 << 62) - 1
    ored, anded = 0, rand_a | rand_b
    for value in made:
        ored |= value.int
        anded &= value.int
    assert ored & rand_a == rand_a and ored & rand_b == rand_b
    assert anded & (rand_a | rand_b) == 0
