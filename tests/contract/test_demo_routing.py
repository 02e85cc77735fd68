"""Routing every life event through the real demo catalogue."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tellonce.adapters.catalogue_files import read_catalogue
from tellonce.domain.catalogue import Catalogue
from tellonce.domain.events import EVENT_TYPES, parse_payload
from tellonce.domain.examples import example_payload
from tellonce.domain.routing import RoutingPlan, plan_routes
from tests.support.paths import CATALOGUE_DIR

TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    found, problems = read_catalogue(CATALOGUE_DIR)
    assert found is not None, problems
    return found


def plan(catalogue: Catalogue, event_type: str, answer: bool = True, **changes: Any) -> RoutingPlan:
    data = example_payload(event_type, today=TODAY)
    data.update(changes)
    payload = parse_payload(event_type, data, today=TODAY).model_dump(
        mode="json", exclude_none=True
    )
    first = plan_routes(event_type, payload, {}, catalogue)
    answers = {q.id: answer for q in first.unanswered}
    return plan_routes(event_type, payload, answers, catalogue)


def recipients(result: RoutingPlan) -> set[str]:
    return {r.recipient.id for r in result.routes}


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_life_event_is_told_to_someone_by_law(catalogue: Catalogue, event_type: str) -> None:
    result = plan(catalogue, event_type)
    assert result.by_law, event_type
    assert not result.unanswered
    for route in result.routes:
        assert set(route.data) <= {path.split(".")[0] for path in route.fields}


def test_a_move_tells_the_old_and_the_new_council(catalogue: Catalogue) -> None:
    told = recipients(plan(catalogue, "change-of-address"))
    assert "leeds-electoral-registration" in told  # LS6: leaving Leeds
    assert "manchester-electoral-registration" in told  # M14: arriving in Manchester
    assert not any(r.startswith("sheffield-") for r in told)


def test_a_death_in_sheffield_tells_sheffield_only(catalogue: Catalogue) -> None:
    told = recipients(plan(catalogue, "death"))
    assert any(r.startswith("sheffield-") for r in told)
    assert not any(r.startswith(("leeds-", "manchester-")) for r in told)


def test_answering_no_holds_back_the_recipients_that_asked(catalogue: Catalogue) -> None:
    yes, no = (
        plan(catalogue, "change-of-address", True),
        plan(catalogue, "change-of-address", False),
    )
    assert recipients(no) < recipients(yes)
    assert "dvla-driver-licensing" in recipients(yes) - recipients(no)
