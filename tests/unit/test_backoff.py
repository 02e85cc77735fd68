"""Retry schedules and the classification of delivery attempts."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tellonce.domain.backoff import DeliveryVerdict, RetrySchedule, classify

DEFAULT = RetrySchedule()
SPEC = "5s,30s,2m,5m,15m,30m,1h,2h,4h,4h,4h,4h,4h,4h"


def test_the_default_schedule_spans_about_a_day_in_about_fifteen_attempts() -> None:
    assert timedelta(hours=22) <= DEFAULT.total <= timedelta(hours=24)
    assert 12 <= DEFAULT.max_attempts <= 16
    assert DEFAULT.delays[0] == timedelta(seconds=5)
    assert max(DEFAULT.delays) == timedelta(hours=4)
    assert list(DEFAULT.delays) == sorted(DEFAULT.delays)


def test_nominal_delays_sum_to_the_total() -> None:
    delays = [DEFAULT.next_delay(n) for n in range(1, DEFAULT.max_attempts)]

    assert sum((d for d in delays if d is not None), timedelta(0)) == DEFAULT.total


def test_the_schedule_is_spent_after_its_last_retry() -> None:
    last = DEFAULT.max_attempts - 1

    assert DEFAULT.next_delay(last) == timedelta(hours=4)
    assert DEFAULT.next_delay(last + 1) is None
    assert DEFAULT.next_delay(1000, random.Random(1), timedelta(seconds=1)) is None


def test_attempts_count_from_one() -> None:
    with pytest.raises(ValueError, match="from 1"):
        DEFAULT.next_delay(0)


@given(attempt=st.integers(1, DEFAULT.max_attempts - 1), seed=st.integers(0, 2**32))
def test_jitter_stays_within_twenty_percent_and_under_the_cap(attempt: int, seed: int) -> None:
    nominal = DEFAULT.delays[attempt - 1]

    delay = DEFAULT.next_delay(attempt, random.Random(seed))

    assert delay is not None
    assert nominal * 0.8 <= delay <= min(nominal * 1.2, DEFAULT.max_delay)


def test_jitter_actually_spreads_retries() -> None:
    rng = random.Random(7)

    delays = {DEFAULT.next_delay(3, rng) for _ in range(50)}

    assert len(delays) > 40


@given(
    attempt=st.integers(1, DEFAULT.max_attempts - 1),
    retry_after=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)),
)
def test_retry_after_is_honoured_when_longer_but_capped(
    attempt: int, retry_after: timedelta
) -> None:
    nominal = DEFAULT.delays[attempt - 1]

    delay = DEFAULT.next_delay(attempt, None, retry_after)

    assert delay == max(nominal, min(retry_after, DEFAULT.max_delay))


def test_retry_after_examples() -> None:
    assert DEFAULT.next_delay(1, None, timedelta(seconds=120)) == timedelta(seconds=120)
    assert DEFAULT.next_delay(1, None, timedelta(seconds=1)) == timedelta(seconds=5)
    assert DEFAULT.next_delay(1, None, timedelta(days=7)) == timedelta(hours=4)


def test_a_spec_lists_the_delay_before_each_retry() -> None:
    schedule = RetrySchedule.from_spec(SPEC)

    assert schedule.delays[:4] == (
        timedelta(seconds=5),
        timedelta(seconds=30),
        timedelta(minutes=2),
        timedelta(minutes=5),
    )
    assert schedule.max_attempts == 15
    assert schedule.total == timedelta(hours=27, minutes=52, seconds=35)
    assert schedule.max_delay == timedelta(hours=4)
    assert schedule.next_delay(15) is None


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("250ms", timedelta(milliseconds=250)),
        (" 1.5h ", timedelta(minutes=90)),
        ("1d", timedelta(days=1)),
        ("2m", timedelta(minutes=2)),
    ],
)
def test_spec_units(spec: str, expected: timedelta) -> None:
    assert RetrySchedule.from_spec(spec).delays == (expected,)


@pytest.mark.parametrize("spec", ["", "5", "5x", "-5s", "0s", "5s,,30s", "5 s", "1h30m", "s"])
def test_bad_specs_are_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="delay"):
        RetrySchedule.from_spec(spec)


def test_the_fast_schedule_takes_about_a_second() -> None:
    fast = RetrySchedule.fast()

    assert timedelta(seconds=0.9) <= fast.total <= timedelta(seconds=1)
    assert fast.max_attempts == 6
    assert list(fast.delays) == sorted(fast.delays)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"base": timedelta(0)},
        {"factor": 0.5},
        {"jitter": 1.0},
        {"max_delay": timedelta(seconds=1)},
        {"steps": (timedelta(seconds=1), timedelta(0))},
    ],
)
def test_nonsense_schedules_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        RetrySchedule(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "network_error", "verdict"),
    [
        (200, False, DeliveryVerdict.DELIVERED),
        (201, False, DeliveryVerdict.DELIVERED),
        (204, False, DeliveryVerdict.DELIVERED),
        (299, False, DeliveryVerdict.DELIVERED),
        (500, False, DeliveryVerdict.RETRY),
        (502, False, DeliveryVerdict.RETRY),
        (503, False, DeliveryVerdict.RETRY),
        (599, False, DeliveryVerdict.RETRY),
        (429, False, DeliveryVerdict.RETRY),
        (408, False, DeliveryVerdict.RETRY),
        (None, True, DeliveryVerdict.RETRY),
        (None, False, DeliveryVerdict.RETRY),
        (410, False, DeliveryVerdict.DISABLE_ENDPOINT),
        (400, False, DeliveryVerdict.FAIL),
        (401, False, DeliveryVerdict.FAIL),
        (403, False, DeliveryVerdict.FAIL),
        (404, False, DeliveryVerdict.FAIL),
        (422, False, DeliveryVerdict.FAIL),
        (301, False, DeliveryVerdict.FAIL),
        (302, False, DeliveryVerdict.FAIL),
        (307, False, DeliveryVerdict.FAIL),
        (308, False, DeliveryVerdict.FAIL),
        (100, False, DeliveryVerdict.FAIL),
        (600, False, DeliveryVerdict.FAIL),
    ],
)
def test_classify(status: int | None, network_error: bool, verdict: DeliveryVerdict) -> None:
    assert classify(status, network_error) is verdict
