"""Is the hub ready to serve, and the figures an operator watches (issue 15, ADR 0080).

Liveness (``/healthz``) says the process answers; readiness says it can do its job: the
database answers, its schema is the one this code was built for, some delivery worker beat
recently (else accepted reports would wait unseen) and the log sequencer is not falling
behind (else receipts stop proving anything new). A load balancer sends no traffic to a
process that is not ready; an alert fires when readiness fails for long.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tellonce.service_layer.ports import Clock
from tellonce.service_layer.ports.operations import (
    Operations,
)

# The hub_state row every worker refreshes (its lease_expires_at holds the last beat).
HEARTBEAT = "worker-heartbeat"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Readiness:
    checks: list[Check] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return all(check.ok for check in self.checks)


@dataclass(frozen=True)
class ReadinessRules:
    expected_revisions: frozenset[str]
    heartbeat_within: timedelta
    log_lag_within: timedelta


def check_readiness(
    operations: Operations, rules: ReadinessRules, clock: Clock, *, connect_error: type[Exception]
) -> Readiness:
    """Every check, each with a detail that holds no personal data (ages, revision ids)."""
    try:
        vitals = operations.vitals()
    except connect_error as error:
        return Readiness([Check("database", ok=False, detail=type(error).__name__)])
    now = clock.now()
    checks = [Check("database", ok=True, detail="reachable")]
    at, expected = _names(vitals.revisions), _names(rules.expected_revisions)
    current = vitals.revisions == rules.expected_revisions
    checks.append(Check("migrations", ok=current, detail=f"at {at}, code expects {expected}"))
    checks.append(
        _age_check("worker", vitals.worker_heartbeat_at, now, rules.heartbeat_within, "no beat")
    )
    checks.append(
        _age_check(
            "log-sequencer",
            vitals.oldest_unsequenced_entry_at,
            now,
            rules.log_lag_within,
            "nothing waiting",
            absent_ok=True,
        )
    )
    return Readiness(checks)


def _names(revisions: frozenset[str]) -> str:
    return ",".join(sorted(revisions)) or "none"


def _age_check(
    name: str,
    at: datetime | None,
    now: datetime,
    within: timedelta,
    absent: str,
    *,
    absent_ok: bool = False,
) -> Check:
    if at is None:
        return Check(name, ok=absent_ok, detail=absent)
    age = (now - at).total_seconds()
    # A clock stepped backwards makes the age negative: not a reason to refuse traffic.
    return Check(name, ok=age <= within.total_seconds(), detail=f"{max(age, 0.0):.0f}s old")
