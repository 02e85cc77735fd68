"""When to try a webhook delivery again, and whether to try at all.

Two pure decisions live here so that the worker, the admin replay and the tests agree on them:

* ``classify`` turns what one attempt saw (an HTTP status, or a network failure) into a
  ``DeliveryVerdict``;
* ``RetrySchedule.next_delay`` says how long to wait before the next attempt, or ``None`` when the
  schedule is spent and the disclosure goes to the dead-letter state.

Stdlib only: the domain does no I/O.
"""

from __future__ import annotations

import enum
import random
import re
from dataclasses import dataclass, field
from datetime import timedelta

__all__ = ["DeliveryVerdict", "RetrySchedule", "classify"]


class DeliveryVerdict(enum.StrEnum):
    """What the outcome of one attempt means for the disclosure."""

    DELIVERED = "delivered"
    RETRY = "retry"
    DISABLE_ENDPOINT = "disable-endpoint"
    FAIL = "fail"


# 408 and 429 are the two 4xx answers that say "not now" rather than "not this".
_RETRYABLE_4XX = frozenset({408, 429})


def classify(status: int | None, network_error: bool) -> DeliveryVerdict:
    """Classify one attempt, as GOV.UK Notify does: retry what may heal, drop what will not.

    * No answer at all (``network_error`` or ``status is None``: timeouts, refused or reset
      connections, DNS failures) is retried: receivers de-duplicate on ``webhook-id``, so
      at-least-once is safe and losing a disclosure is not.
    * 2xx: delivered.
    * 5xx, 408 and 429: retried.
    * 410 Gone: the endpoint says it no longer exists, so stop sending to it at all.
    * 3xx: failed, not followed. The body is signed for the recipient we agreed to share with;
      following ``Location`` would replay personal data and a valid signature to a host nobody
      vetted (and walk around the SSRF guard). A recipient that moved must update its endpoint.
    * Every other 4xx (and anything outside 200-599): failed without retry; sending the same
      bytes again would be refused the same way.
    """
    if network_error or status is None:
        return DeliveryVerdict.RETRY
    if 200 <= status <= 299:
        return DeliveryVerdict.DELIVERED
    if status == 410:
        return DeliveryVerdict.DISABLE_ENDPOINT
    if 500 <= status <= 599 or status in _RETRYABLE_4XX:
        return DeliveryVerdict.RETRY
    return DeliveryVerdict.FAIL


_SPEC_ITEM = re.compile(r"(?P<amount>\d+(?:\.\d+)?)(?P<unit>ms|s|m|h|d)")
_UNITS = {
    "ms": timedelta(milliseconds=1),
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
}


@dataclass(frozen=True, slots=True)
class RetrySchedule:
    """Exponential backoff with proportional jitter, bounded by a total horizon.

    The nominal delay before retry *n* (n = 1 after the first attempt failed) is
    ``min(base * factor ** (n - 1), max_delay)``; retries continue while the running sum of
    nominal delays stays within ``horizon``. The defaults give 14 retries (15 attempts) whose
    nominal delays add up to about 23.5 hours: 5 s, 12.5 s, 31 s, 78 s, 3.3 min, 8 min, 20 min,
    51 min, 2.1 h and then 4 h five times.

    ``steps`` replaces the formula with an explicit list (see ``from_spec``); ``base``,
    ``factor`` and ``max_delay`` are then derived from it for display.

    Jitter is *proportional* (each delay is multiplied by a uniform factor in
    ``[1 - jitter, 1 + jitter]``, then capped at ``max_delay``), not "full" jitter
    (uniform in ``[0, delay]``): its only job is to spread out the retries of many disclosures that
    failed together during one recipient outage, and ±20 % does that while keeping each wait, and
    the day-long horizon, predictable to recipients and to the citizen's status page.
    """

    base: timedelta = timedelta(seconds=5)
    factor: float = 2.5
    max_delay: timedelta = timedelta(hours=4)
    horizon: timedelta = timedelta(hours=24)
    jitter: float = 0.2
    steps: tuple[timedelta, ...] = ()
    delays: tuple[timedelta, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        zero = timedelta(0)
        if self.base <= zero or self.max_delay < self.base or self.horizon < self.base:
            raise ValueError("need 0 < base <= max_delay and base <= horizon")
        if self.factor < 1:
            raise ValueError("factor must be at least 1")
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter must be in [0, 1)")
        if any(step <= zero for step in self.steps):
            raise ValueError("every step must be positive")
        # Computed once: the schedule is consulted for every failed attempt.
        object.__setattr__(self, "delays", self.steps or self._geometric())

    def _geometric(self) -> tuple[timedelta, ...]:
        delays: list[timedelta] = []
        total = timedelta(0)
        delay = self.base
        while total + delay <= self.horizon:
            delays.append(delay)
            total += delay
            delay = min(delay * self.factor, self.max_delay)
        return tuple(delays)

    @property
    def max_attempts(self) -> int:
        """The first attempt plus one per retry."""
        return 1 + len(self.delays)

    @property
    def total(self) -> timedelta:
        """The sum of the nominal delays: how long a disclosure may wait before dead letter."""
        return sum(self.delays, timedelta(0))

    def next_delay(
        self,
        attempt_number: int,
        rng: random.Random | None = None,
        retry_after: timedelta | None = None,
    ) -> timedelta | None:
        """How long to wait after attempt ``attempt_number`` (1-based) failed.

        ``None`` means the schedule is spent: move the disclosure to dead letter.
        ``rng`` supplies the jitter; ``None`` gives the nominal delay (for tests and previews), so
        the worker must pass one or retries after an outage arrive in lock-step.
        A ``Retry-After`` longer than our delay is honoured, but never beyond ``max_delay``: a
        receiver must not be able to park a disclosure for a week, nor extend the schedule.
        """
        if attempt_number < 1:
            raise ValueError("attempt_number counts from 1")
        if attempt_number > len(self.delays):
            return None
        delay = self.delays[attempt_number - 1]
        if rng is not None and self.jitter:
            delay = delay * rng.uniform(1 - self.jitter, 1 + self.jitter)
        delay = min(delay, self.max_delay)
        if retry_after is not None and retry_after > delay:
            delay = min(retry_after, self.max_delay)
        return delay

    @classmethod
    def from_spec(cls, spec: str, *, jitter: float = 0.2) -> RetrySchedule:
        """Parse a comma-separated list of delays, e.g. ``"5s,30s,2m,5m,15m,30m,1h,2h,4h"``.

        Units: ``ms``, ``s``, ``m``, ``h``, ``d``; decimals allowed (``1.5h``). Each item is the
        delay before one retry, so the list's length is the number of retries.
        """
        steps: list[timedelta] = []
        for raw in spec.split(","):
            item = raw.strip()
            match = _SPEC_ITEM.fullmatch(item)
            if match is None:
                raise ValueError(f"not a delay: {item!r} (expected e.g. 30s, 2m, 1.5h)")
            step = _UNITS[match["unit"]] * float(match["amount"])
            if step <= timedelta(0):
                raise ValueError(f"delay must be positive: {item!r}")
            steps.append(step)
        return cls(
            base=steps[0],
            factor=1.0,
            max_delay=max(steps),
            horizon=sum(steps, timedelta(0)),
            jitter=jitter,
            steps=tuple(steps),
        )

    @classmethod
    def fast(cls, total: timedelta = timedelta(seconds=1), retries: int = 5) -> RetrySchedule:
        """A doubling schedule whose retries fit in ``total`` (about a second): for the demo."""
        if retries < 1:
            raise ValueError("retries must be at least 1")
        # base * (2**retries - 1) == total, rounded down to whole microseconds so the sum fits.
        base = timedelta(microseconds=(total // timedelta(microseconds=1)) // (2**retries - 1))
        return cls(base=base, factor=2.0, max_delay=total, horizon=total)
