"""Acknowledgement deadlines: working days skip weekends and England and Wales bank holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tellonce.domain.catalogue import AcknowledgementDeadline, DeadlineUnit
from tellonce.domain.deadlines import acknowledgement_due, add_working_days, is_working_day

# As published on GOV.UK (https://www.gov.uk/bank-holidays), England and Wales, 2025-2028.
PUBLISHED = """
2025-01-01 2025-04-18 2025-04-21 2025-05-05 2025-05-26 2025-08-25 2025-12-25 2025-12-26
2026-01-01 2026-04-03 2026-04-06 2026-05-04 2026-05-25 2026-08-31 2026-12-25 2026-12-28
2027-01-01 2027-03-26 2027-03-29 2027-05-03 2027-05-31 2027-08-30 2027-12-27 2027-12-28
2028-01-03 2028-04-14 2028-04-17 2028-05-01 2028-05-29 2028-08-28 2028-12-25 2028-12-26
"""


@pytest.mark.parametrize("day", [date.fromisoformat(d) for d in PUBLISHED.split()])
def test_every_published_bank_holiday_is_not_a_working_day(day: date) -> None:
    assert not is_working_day(day)


def test_every_other_weekday_of_those_years_is_a_working_day() -> None:
    published = {date.fromisoformat(d) for d in PUBLISHED.split()}
    day = date(2025, 1, 1)
    while day.year < 2029:
        assert is_working_day(day) == (day.weekday() < 5 and day not in published), day
        day += timedelta(days=1)


def test_later_years_have_their_bank_holidays_too() -> None:
    assert not is_working_day(date(2031, 4, 11))  # Good Friday 2031
    assert not is_working_day(date(2031, 4, 14))  # Easter Monday 2031
    assert not is_working_day(date(2032, 12, 27))  # Christmas Day 2032 is a Saturday: substitute
    assert is_working_day(date(2031, 4, 15))


def test_working_days_skip_weekends_and_christmas_and_keep_the_time_of_day() -> None:
    thursday = datetime(2026, 12, 24, 15, 30, tzinfo=UTC)
    # Fri 25 Christmas, Sat 26 and Sun 27, Mon 28 the Boxing Day substitute: Tue 29 is next.
    assert add_working_days(thursday, 1) == datetime(2026, 12, 29, 15, 30, tzinfo=UTC)
    assert add_working_days(thursday, 0) == thursday  # the start day never counts
    friday = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert add_working_days(friday, 10) == datetime(2026, 12, 11, 9, 0, tzinfo=UTC)


def test_acknowledgement_deadlines_in_working_or_calendar_days() -> None:
    delivered = datetime(2026, 12, 24, 15, 30, tzinfo=UTC)
    working = AcknowledgementDeadline(within=2, unit=DeadlineUnit.WORKING_DAYS)
    calendar = AcknowledgementDeadline(within=2, unit=DeadlineUnit.CALENDAR_DAYS)
    assert acknowledgement_due(delivered, working) == datetime(2026, 12, 30, 15, 30, tzinfo=UTC)
    assert acknowledgement_due(delivered, calendar) == datetime(2026, 12, 26, 15, 30, tzinfo=UTC)
