"""Deadline arithmetic: working days (skipping weekends and bank holidays) and calendar days.

Bank holidays are those of England and Wales (the same days in both), from the ``holidays``
package, which follows GOV.UK's published list, substitute days and one-off holidays included,
for any year. Scotland and Northern Ireland have others; a recipient's deadline is counted in
the hub's jurisdiction and an agreement can always be written in calendar days instead.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import date, datetime, timedelta

import holidays

from tellonce.domain.catalogue import AcknowledgementDeadline, DeadlineUnit

# Years are filled in on first use, so any year works.
ENGLAND_AND_WALES_BANK_HOLIDAYS: Container[date] = holidays.country_holidays("GB", subdiv="ENG")


def is_working_day(
    day: date, bank_holidays: Container[date] = ENGLAND_AND_WALES_BANK_HOLIDAYS
) -> bool:
    return day.weekday() < 5 and day not in bank_holidays


def add_working_days(
    start: datetime, days: int, bank_holidays: Container[date] = ENGLAND_AND_WALES_BANK_HOLIDAYS
) -> datetime:
    """The same time of day, ``days`` working days later (the start day itself never counts)."""
    moment = start
    remaining = days
    while remaining > 0:
        moment += timedelta(days=1)
        if is_working_day(moment.date(), bank_holidays):
            remaining -= 1
    return moment


def acknowledgement_due(delivered_at: datetime, deadline: AcknowledgementDeadline) -> datetime:
    """When a recipient must have acknowledged a disclosure delivered at ``delivered_at``."""
    if deadline.unit is DeadlineUnit.WORKING_DAYS:
        return add_working_days(delivered_at, deadline.within)
    return delivered_at + timedelta(days=deadline.within)
