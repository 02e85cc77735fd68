"""Data rights: statutory deadlines and which lawful bases each right stops.

Deadlines (UK GDPR Art. 12(3), as the ICO explains it): a request is answered "without undue
delay and at the latest within one month of receipt". The ICO counts the month from the day of
receipt to the *corresponding calendar date* in the next month (received 3 September: due 3
October); where the next month has no such date, the last day of that month (received 31
January: due 28 or 29 February). A due date on a weekend or bank holiday moves to the next
working day. The controller may extend by up to two further months where requests are complex
or numerous, telling the person why within the first month; the months are counted from
receipt by the same rule. While the hub waits for proof of identity the clock stops: each day
paused moves the due date a day later, and an open pause has no due date yet.

Which disclosures each flag stops, by the agreement's Art. 6(1) basis (docs/rights.md):

- **objection** (Art. 21(1)) applies to processing under Art. 6(1)(e) public task and (f)
  legitimate interests only;
- **restriction** (Art. 18) stops every disclosure except those Art. 18(2) still allows:
  with the person's consent (a), and where the law obliges the disclosure (c) or it protects
  someone's vital interests (d) -- reasons of important public interest and the protection of
  another's rights.
"""

from __future__ import annotations

import calendar
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from tellonce.domain.deadlines import ENGLAND_AND_WALES_BANK_HOLIDAYS, is_working_day
from tellonce.domain.errors import FieldProblem, InvalidInput
from tellonce.domain.transparency.entries import RightsRequestType

MAX_EXTENSION_MONTHS = 2
MAX_REASON_LENGTH = 500


# The rights a citizen exercises at the hub: one name for the log's entries and the requests.
RightKind = RightsRequestType


class RequestState(StrEnum):
    OPEN = "open"
    PAUSED = "paused"  # waiting for proof of identity: the clock is stopped
    CLOSED = "closed"


class Outcome(StrEnum):
    FULFILLED = "fulfilled"
    PARTLY_FULFILLED = "partly-fulfilled"  # done, with limits the answer names
    REFUSED = "refused"


def add_months(start: date, months: int) -> date:
    """The corresponding date ``months`` calendar months later, or that month's last day."""
    if months < 0:
        raise ValueError("months must not be negative")
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def next_working_day(day: date, bank_holidays: Container[date]) -> date:
    while not is_working_day(day, bank_holidays):
        day += timedelta(days=1)
    return day


@dataclass(frozen=True, slots=True)
class Pause:
    """A stop of the clock while identity is checked: from ``start`` until ``end`` (open if
    None). The days from ``start`` up to ``end`` do not count."""

    start: date
    end: date | None = None

    @property
    def days(self) -> int:
        return 0 if self.end is None else (self.end - self.start).days


def due_date(
    received: date,
    *,
    extension_months: int = 0,
    pauses: Sequence[Pause] = (),
    bank_holidays: Container[date] = ENGLAND_AND_WALES_BANK_HOLIDAYS,
) -> date | None:
    """When a request received on ``received`` must be answered; None while paused."""
    if not 0 <= extension_months <= MAX_EXTENSION_MONTHS:
        raise ValueError(f"an extension is 0 to {MAX_EXTENSION_MONTHS} months")
    if any(p.end is None for p in pauses):
        return None
    nominal = add_months(received, 1 + extension_months)
    return next_working_day(nominal + timedelta(days=sum(p.days for p in pauses)), bank_holidays)


def check_extension(current_months: int, more_months: int, reason: str) -> None:
    """Raise ``InvalidInput`` unless extending by ``more_months`` is allowed, with a reason."""
    problems = []
    if more_months < 1 or current_months + more_months > MAX_EXTENSION_MONTHS:
        left = MAX_EXTENSION_MONTHS - current_months
        message = (
            f"A request can be extended by at most {MAX_EXTENSION_MONTHS} months in all"
            f" ({left} left)"
        )
        problems.append(FieldProblem(("months",), message))
    if not reason.strip():
        problems.append(FieldProblem(("reason",), "Say why the request needs more time"))
    elif len(reason) > MAX_REASON_LENGTH:
        problems.append(
            FieldProblem(("reason",), f"The reason must be {MAX_REASON_LENGTH} characters or fewer")
        )
    if problems:
        raise InvalidInput(problems)


# Art. 6(1) points each flag stops (the rest go ahead); see the module's docstring.
STOPPED_BY: dict[RightKind, frozenset[str]] = {
    RightKind.OBJECTION: frozenset({"e", "f"}),
    RightKind.RESTRICTION: frozenset({"b", "e", "f"}),
}


def stops(flags: Iterable[RightKind], article_6: str) -> bool:
    """Whether any of the person's active flags stops a disclosure under Art. 6(1)(article_6)."""
    return any(article_6 in STOPPED_BY.get(flag, frozenset()) for flag in flags)


class ErasureLimit(StrEnum):
    """Why the hub refuses or limits an erasure: the answer names the reason, the article and
    the W3C DPV concept (docs/rights.md)."""

    # Refusal: a disclosure the law requires has not reached its recipient yet, and sending
    # it needs the data (Art. 17(3)(b)).
    LAW_DISCLOSURE_IN_FLIGHT = "law-disclosure-in-flight"
    # Limit: the records of what was disclosed to whom, when and under which law (states,
    # times, the log's commitments) are kept to show the hub acted lawfully (Art. 5(2),
    # 17(3)(b) and (e)); they hold no personal data in clear.
    ACCOUNTABILITY_RECORDS = "accountability-records"


ERASURE_LIMIT_DPV: dict[ErasureLimit, str] = {
    ErasureLimit.LAW_DISCLOSURE_IN_FLIGHT: "dpv:LegalObligation",
    ErasureLimit.ACCOUNTABILITY_RECORDS: "dpv:LegalCompliance",
}
ERASURE_LIMIT_ARTICLE: dict[ErasureLimit, str] = {
    ErasureLimit.LAW_DISCLOSURE_IN_FLIGHT: "UK GDPR Article 17(3)(b)",
    ErasureLimit.ACCOUNTABILITY_RECORDS: "UK GDPR Articles 5(2) and 17(3)(b), (e)",
}
