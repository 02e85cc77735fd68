"""Deadline arithmetic: working days (skipping weekends and bank holidays) and calendar days.

Bank holidays are those of England and Wales, as published on GOV.UK for 2025-2028. Scotland and
Northern Ireland have others; a recipient's deadline is counted in the hub's jurisdiction and an
agreement can always be written in calendar days instead.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tellonce.domain.catalogue import AcknowledgementDeadline, DeadlineUnit

_PUBLISHED = (
    "2025-01-01 2025-04-18 2025-04-21 2025-05-05 2025-05-26 2025-08-25 2025-12-25 2025-12-26 "
    "2026-01-01 2026-04-03 2026-04-06 2026-05-04 2026-05-25 2026-08-31 2026-12-25 2026-12-28 "
    "2027-01-01 2027-03-26 2027-03-29 2027-05-03 2027-05-31 2027-08-30 2027-12-27 2027-12-28 "
    "2028-01-03 2028-04-14 2028-04-17 2028-05-01 2028-05-29 2028-08-28 2028-12-25 2028-12-26"
)
ENGLAND_AND_WALES_BANK_HOLIDAYS = frozenset(date.fromisoformat(d) for d in _PUBLISHED.split())


def is_working_day(day: date, holidays: frozenset[date] = ENGLAND_AND_WALES_BANK_HOLIDAYS) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(
    start: datetime, days: int, holidays: frozenset[date] = ENGLAND_AND_WALES_BANK_HOLIDAYS
) -> datetime:
    """The same time of day, ``days`` working days later (the start day itself never counts)."""
    moment = start
    remaining = days
    while remaining > 0:
        moment += timedelta(days=1)
        if is_working_day(moment.date(), holidays):
            remaining -= 1
    return moment


def acknowledgement_due(delivered_at: datetime, deadline: AcknowledgementDeadline) -> datetime:
    """When a recipient must have acknowledged a disclosure delivered at ``delivered_at``."""
    if deadline.unit is DeadlineUnit.WORKING_DAYS:
        return add_working_days(delivered_at, deadline.within)
    return delivered_at + timedelta(days=deadline.within)
