"""Dates in life event payloads: what "today" is during validation, and the date rules.

Rules that depend on "today" read it from the pydantic validation context (``{"today": date}``)
so that tests and replays are deterministic; without it they use the current UTC date. Callers
serving people in the UK should pass the UK civil date, or a birth reported just after midnight
in summer time would look one day in the future.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated

from pydantic import AfterValidator, ValidationInfo
from pydantic_core import PydanticCustomError

EARLIEST_DATE = dt.date(1900, 1, 1)
# People may report a planned move up to 3 months ahead (councils and the electoral register
# want notice). The longest run of three consecutive calendar months is 92 days (e.g. July to
# September), so a 92-day window never rejects a date that is "within the next 3 months".
PLANNED_MOVE_DAYS = 92


def today_from(info: ValidationInfo) -> dt.date:
    """The date validation treats as today: ``context["today"]`` if given, else UTC today."""
    context = info.context
    today = context.get("today") if isinstance(context, Mapping) else None
    if isinstance(today, dt.datetime):  # a datetime is a date, but cannot be compared with one
        return today.date()
    if isinstance(today, dt.date):
        return today
    return dt.datetime.now(dt.UTC).date()


def anniversary(start: dt.date, years: int) -> dt.date:
    """``start`` plus whole years; 29 February falls on 1 March in other years (UK practice)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return dt.date(start.year + years, 3, 1)


def _not_future(value: dt.date, info: ValidationInfo) -> dt.date:
    if value > today_from(info):
        raise PydanticCustomError("date_in_future", "The date must be today or in the past")
    return value


def _not_before_1900(value: dt.date) -> dt.date:
    if value < EARLIEST_DATE:
        raise PydanticCustomError("date_too_early", "The date must be on or after 1 January 1900")
    return value


def _within_planned_move_window(value: dt.date, info: ValidationInfo) -> dt.date:
    if value > today_from(info) + dt.timedelta(days=PLANNED_MOVE_DAYS):
        raise PydanticCustomError(
            "date_too_far_ahead",
            "The move date must be today, in the past or within the next 3 months",
        )
    return value


def _within_last_year(value: dt.date, info: ValidationInfo) -> dt.date:
    # Births are registered within 42 days in England and Wales and 21 days in Scotland; a year
    # leaves room for late registrations while keeping this a report of a recent birth.
    if value < anniversary(today_from(info), -1):
        raise PydanticCustomError(
            "date_too_long_ago", "The date of birth must be within the last 12 months"
        )
    return value


PastDate = Annotated[dt.date, AfterValidator(_not_before_1900), AfterValidator(_not_future)]
MoveDate = Annotated[
    dt.date, AfterValidator(_not_before_1900), AfterValidator(_within_planned_move_window)
]
RecentBirthDate = Annotated[dt.date, AfterValidator(_not_future), AfterValidator(_within_last_year)]
