"""Rights requests' statutory deadlines (the ICO's calendar-month rule, extensions, pauses)
and which lawful bases restriction and objection stop."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tellonce.domain.errors import InvalidInput
from tellonce.domain.rights import (
    MAX_EXTENSION_MONTHS,
    Pause,
    RightKind,
    add_months,
    check_extension,
    due_date,
    next_working_day,
    stops,
)

NO_HOLIDAYS: frozenset[date] = frozenset()
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2200, 12, 31))


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 9, 3), date(2026, 10, 5)),  # 3 October 2026 is a Saturday: Monday the 5th
        (date(2025, 1, 31), date(2025, 2, 28)),  # no 31 February: the month's last day
        (date(2027, 1, 31), date(2027, 3, 1)),  # 28 February 2027 is a Sunday
        (date(2028, 1, 31), date(2028, 2, 29)),  # a leap year
        (date(2026, 3, 31), date(2026, 4, 30)),
        (date(2026, 11, 25), date(2026, 12, 29)),  # 25 Dec Friday: Christmas, then Boxing Day
        (date(2026, 12, 15), date(2027, 1, 15)),  # across the year
    ],
)
def test_one_calendar_month_as_the_ico_counts_it(received: date, due: date) -> None:
    assert due_date(received) == due


def test_extensions_count_months_from_receipt_and_pauses_stop_the_clock() -> None:
    received = date(2027, 1, 31)
    assert due_date(received, extension_months=1, bank_holidays=NO_HOLIDAYS) == date(2027, 3, 31)
    assert due_date(received, extension_months=2, bank_holidays=NO_HOLIDAYS) == date(2027, 4, 30)
    paused = [Pause(date(2027, 2, 1), date(2027, 2, 11))]  # ten days waiting for identity
    assert due_date(received, pauses=paused, bank_holidays=NO_HOLIDAYS) == date(2027, 3, 10)
    assert due_date(received, pauses=[Pause(date(2027, 2, 1))]) is None  # still waiting
    with pytest.raises(ValueError, match="extension"):
        due_date(received, extension_months=3)


@given(days, st.integers(min_value=0, max_value=40))
def test_add_months_is_the_corresponding_date_or_the_last_day(start: date, months: int) -> None:
    later = add_months(start, months)
    assert (later.year * 12 + later.month) - (start.year * 12 + start.month) == months
    last = calendar.monthrange(later.year, later.month)[1]
    assert later.day == min(start.day, last)


@given(days, st.integers(min_value=0, max_value=MAX_EXTENSION_MONTHS))
def test_without_holidays_the_due_date_is_the_month_rule_moved_off_a_weekend(
    received: date, extension: int
) -> None:
    due = due_date(received, extension_months=extension, bank_holidays=NO_HOLIDAYS)
    assert due is not None
    nominal = add_months(received, 1 + extension)
    assert nominal <= due <= nominal + timedelta(days=2)
    assert due.weekday() < 5
    assert all(d.weekday() >= 5 for d in _days(nominal, due))


@given(days)
def test_the_due_date_is_a_working_day_never_before_the_month(received: date) -> None:
    due = due_date(received)
    assert due is not None
    assert next_working_day(due, _england()) == due
    assert due >= add_months(received, 1) > received
    assert (due - received).days <= 31 + 5  # a month and at most a long Christmas weekend


@given(days, st.integers(0, 1), st.integers(1, 2))
def test_an_extension_never_brings_the_date_forward(received: date, before: int, more: int) -> None:
    if before + more > MAX_EXTENSION_MONTHS:
        more = MAX_EXTENSION_MONTHS - before
    shorter = due_date(received, extension_months=before)
    longer = due_date(received, extension_months=before + more)
    assert shorter is not None and longer is not None
    assert longer >= shorter
    if more:
        assert longer > shorter


@given(days, st.lists(st.tuples(st.integers(0, 60), st.integers(0, 30)), max_size=4))
def test_each_paused_day_moves_the_due_date_a_day(
    received: date, gaps: list[tuple[int, int]]
) -> None:
    pauses = []
    cursor = received
    for offset, length in gaps:
        start = cursor + timedelta(days=offset)
        pauses.append(Pause(start, start + timedelta(days=length)))
        cursor = start + timedelta(days=length)
    due = due_date(received, pauses=pauses, bank_holidays=NO_HOLIDAYS)
    plain = add_months(received, 1) + timedelta(days=sum(length for _, length in gaps))
    assert due == next_working_day(plain, NO_HOLIDAYS)
    assert due_date(received, pauses=[*pauses, Pause(cursor)]) is None


@pytest.mark.parametrize(
    ("current", "more", "reason", "fields"),
    [
        (0, 1, "Many reports to search", []),
        (0, 2, "Complex", []),
        (1, 1, "Still complex", []),
        (1, 2, "Too long", ["months"]),
        (0, 0, "No time at all", ["months"]),
        (0, 1, "  ", ["reason"]),
        (2, 1, "", ["months", "reason"]),
        (0, 1, "x" * 501, ["reason"]),
    ],
)
def test_extensions_need_a_reason_and_stop_at_two_months(
    current: int, more: int, reason: str, fields: list[str]
) -> None:
    if not fields:
        check_extension(current, more, reason)
        return
    with pytest.raises(InvalidInput) as caught:
        check_extension(current, more, reason)
    assert [p.location[0] for p in caught.value.problems] == fields


@pytest.mark.parametrize(
    ("flags", "stopped"),
    [
        ((), ""),
        ((RightKind.OBJECTION,), "ef"),  # Art. 21(1): public task and legitimate interests only
        ((RightKind.RESTRICTION,), "bef"),  # Art. 18(2): consent, law and vital interests go on
        ((RightKind.RESTRICTION, RightKind.OBJECTION), "bef"),
    ],
)
def test_which_lawful_bases_each_flag_stops(flags: tuple[RightKind, ...], stopped: str) -> None:
    assert "".join(basis for basis in "abcdef" if stops(flags, basis)) == stopped


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days)]


def _england() -> frozenset[date]:
    from tellonce.domain.deadlines import ENGLAND_AND_WALES_BANK_HOLIDAYS

    return ENGLAND_AND_WALES_BANK_HOLIDAYS  # type: ignore[return-value]
