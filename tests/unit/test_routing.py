"""The routing policy: who is told about a report, why, and exactly what each receives."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tellonce.domain.events import parse_payload
from tellonce.domain.examples import example_payload
from tellonce.domain.routing import Basis, plan_routes
from tests.factories import small_catalogue

TODAY = dt.date(2026, 11, 25)


def payload(event_type: str, **changes: Any) -> dict[str, Any]:
    data = example_payload(event_type, today=TODAY)
    data.update(changes)
    model = parse_payload(event_type, data, today=TODAY)
    return model.model_dump(mode="json", exclude_none=True)


def move(old: str, new: str) -> dict[str, Any]:
    data = example_payload("change-of-address", today=TODAY)
    data["previous_address"]["postcode"] = old
    data["new_address"]["postcode"] = new
    return payload("change-of-address", **data)


def routed(plan: Any) -> set[str]:
    return {r.agreement.id for r in plan.routes}


def test_a_move_from_leeds_to_manchester_tells_both_councils() -> None:
    plan = plan_routes(
        "change-of-address",
        move("LS6 2AB", "M14 5TQ"),
        {"holds-driving-licence": True},
        small_catalogue(),
    )
    assert routed(plan) == {
        "dwp-moves",
        "dvla-moves",
        "leeds-council-tax-moves",  # the old council, because its agreement says "old"
        "manchester-council-tax-moves",  # the new council, because its agreement says "new"
        "leeds-electoral-moves",  # either address
        "charity-newsletter",
    }
    leeds = plan.route_for("leeds-council-tax-moves")
    assert leeds is not None
    assert any("previous address" in reason and "LS6" in reason for reason in leeds.reasons)


def test_a_move_within_manchester_does_not_tell_leeds() -> None:
    plan = plan_routes(
        "change-of-address",
        move("M20 2LS", "M14 5TQ"),
        {"holds-driving-licence": False},
        small_catalogue(),
    )
    assert "leeds-council-tax-moves" not in routed(plan)
    assert "leeds-electoral-moves" not in routed(plan)
    assert "manchester-council-tax-moves" in routed(plan)
    assert "dvla-moves" not in routed(plan)  # answered no


def test_old_area_agreement_ignores_the_new_address() -> None:
    plan = plan_routes("change-of-address", move("M20 2LS", "LS6 2AB"), {}, small_catalogue())
    assert "leeds-council-tax-moves" not in routed(plan)  # Leeds only wants leavers
    assert "leeds-electoral-moves" in routed(plan)


def test_an_excluded_sector_of_a_straddling_district_is_not_sent_to_the_council() -> None:
    served = plan_routes("change-of-address", move("LS29 7AB", "M14 5TQ"), {}, small_catalogue())
    excluded = plan_routes("change-of-address", move("LS29 9AB", "M14 5TQ"), {}, small_catalogue())
    assert "leeds-council-tax-moves" in routed(served)
    assert "leeds-council-tax-moves" not in routed(excluded)


def test_a_missing_answer_is_asked_and_holds_the_agreement_back() -> None:
    plan = plan_routes("change-of-address", move("LS6 2AB", "M14 5TQ"), {}, small_catalogue())
    assert [q.id for q in plan.unanswered] == ["holds-driving-licence"]
    assert "dvla-moves" not in routed(plan)


def test_law_and_consent_are_told_apart() -> None:
    plan = plan_routes("change-of-address", move("LS6 2AB", "M14 5TQ"), {}, small_catalogue())
    assert {r.agreement.id for r in plan.by_consent} == {"charity-newsletter"}
    assert all(r.basis is Basis.LAW for r in plan.by_law)


def test_each_recipient_gets_only_its_agreed_fields() -> None:
    plan = plan_routes("change-of-address", move("LS6 2AB", "M14 5TQ"), {}, small_catalogue())
    manchester = plan.route_for("manchester-council-tax-moves")
    charity = plan.route_for("charity-newsletter")
    assert manchester is not None and charity is not None
    assert manchester.data["previous_address"] == {"postcode": "LS6 2AB"}
    assert set(charity.data) == {"person", "new_address"}
    assert charity.data["new_address"] == {"postcode": "M14 5TQ"}
    assert "date_of_birth" not in charity.data["person"]


def test_a_death_goes_only_where_an_agreement_covers_deaths() -> None:
    plan = plan_routes("death", payload("death"), {}, small_catalogue())
    assert routed(plan) == {"dwp-moves"}
    dwp = plan.routes[0]
    assert set(dwp.data["deceased"]) == {"name", "date_of_death"}


def test_the_digest_changes_with_the_agreement_version_but_not_with_values() -> None:
    catalogue = small_catalogue()
    first = plan_routes("change-of-address", move("LS6 2AB", "M14 5TQ"), {}, catalogue)
    other_person = plan_routes("change-of-address", move("LS6 2AB", "M14 5TQ"), {}, catalogue)
    assert first.digest() == other_person.digest()
    bumped = replace(
        catalogue,
        agreements=tuple(
            replace(a, version=2) if a.id == "dwp-moves" else a for a in catalogue.agreements
        ),
    )
    assert plan_routes("change-of-address", move("LS6 2AB", "M14 5TQ"), {}, bumped).digest() != (
        first.digest()
    )


@given(
    old=st.sampled_from(["LS6 2AB", "LS1 4AP", "M14 5TQ", "M20 2LS", "LS29 9AB", "SW1A 1AA"]),
    new=st.sampled_from(["LS7 3QB", "M14 6AA", "S10 2TN", "LS29 7AB", "CF10 1AA"]),
    licence=st.booleans(),
)
def test_every_route_sends_a_subset_of_its_agreed_fields(old: str, new: str, licence: bool) -> None:
    plan = plan_routes(
        "change-of-address", move(old, new), {"holds-driving-licence": licence}, small_catalogue()
    )
    for route in plan.routes:
        for path in _paths(route.data):
            assert any(path == f or path.startswith(f + ".") for f in route.fields), path
    assert (
        plan.digest()
        == plan_routes(
            "change-of-address",
            move(old, new),
            {"holds-driving-licence": licence},
            small_catalogue(),
        ).digest()
    )


def _paths(data: Any, prefix: str = "") -> set[str]:
    if not isinstance(data, dict):
        return {prefix}
    found: set[str] = set()
    for key, value in data.items():
        found |= _paths(value, f"{prefix}.{key}" if prefix else key)
    return found
