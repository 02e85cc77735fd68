"""Readiness's rules, on fixed vitals: each check fails for its own reason only."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tellonce.service_layer.operations import ReadinessRules, check_readiness
from tellonce.service_layer.ports.operations import DatabaseFigures, HubVitals
from tests.fakes import FakeClock

RULES = ReadinessRules(
    expected_revisions=frozenset({"0004"}),
    heartbeat_within=timedelta(seconds=60),
    log_lag_within=timedelta(seconds=120),
)


class Unreachable(Exception):
    pass


class FixedOperations:
    def __init__(self, vitals: HubVitals | None) -> None:
        self._vitals = vitals

    def vitals(self) -> HubVitals:
        if self._vitals is None:
            raise Unreachable
        return self._vitals

    def beat(self, owner: str, now: datetime) -> None:
        raise NotImplementedError

    def figures(self, now: datetime) -> DatabaseFigures:
        raise NotImplementedError


def failing(vitals: HubVitals | None, clock: FakeClock) -> dict[str, str]:
    readiness = check_readiness(FixedOperations(vitals), RULES, clock, connect_error=Unreachable)
    return {c.name: c.detail for c in readiness.checks if not c.ok}


def test_ready_when_every_check_holds() -> None:
    clock = FakeClock()
    now = clock.now()
    vitals = HubVitals(frozenset({"0004"}), now - timedelta(seconds=59), now)
    assert failing(vitals, clock) == {}


@pytest.mark.parametrize(
    ("revision", "beat_age", "log_age", "expected"),
    [
        ("0003", None, None, {"migrations": "at 0003, code expects 0004", "worker": "no beat"}),
        ("0004", 61, None, {"worker": "61s old"}),
        ("0004", 0, 121, {"log-sequencer": "121s old"}),
    ],
)
def test_each_check_fails_for_its_own_reason(
    revision: str, beat_age: int | None, log_age: int | None, expected: dict[str, str]
) -> None:
    clock = FakeClock()
    vitals = HubVitals(frozenset({revision}), _ago(clock, beat_age), _ago(clock, log_age))
    assert failing(vitals, clock) == expected


def test_an_unreachable_database_is_the_only_failure_reported() -> None:
    assert failing(None, FakeClock()) == {"database": "Unreachable"}


def test_a_clock_stepped_back_does_not_make_the_hub_unready() -> None:
    clock = FakeClock()
    future = clock.now() + timedelta(minutes=5)  # a beat stamped by a clock running ahead
    assert failing(HubVitals(frozenset({"0004"}), future, future), clock) == {}


def _ago(clock: FakeClock, seconds: int | None) -> datetime | None:
    return None if seconds is None else clock.now() - timedelta(seconds=seconds)
