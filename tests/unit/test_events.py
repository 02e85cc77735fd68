"""Life event payloads: valid examples, each rule with the field it blames, and field selection."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from tellonce.domain.errors import InvalidInput
from tellonce.domain.events import (
    EVENT_MODELS,
    EVENT_TYPES,
    Address,
    ChangeOfAddress,
    LifeEventPayload,
    UnknownEventType,
    anniversary,
    area_addresses,
    field_paths,
    json_schema,
    parse_payload,
    select_fields,
    subject_description,
)
from tellonce.domain.examples import example_payload

TODAY = dt.date(2026, 3, 15)
Loc = tuple[str | int, ...]


def example(event_type: str) -> dict[str, Any]:
    return example_payload(event_type, today=TODAY)


def parse(event_type: str, payload: dict[str, Any]) -> LifeEventPayload:
    return parse_payload(event_type, payload, today=TODAY)


def errors(event_type: str, payload: dict[str, Any]) -> dict[Loc, str]:
    """{location: rule code} of every problem the domain reports."""
    with pytest.raises(InvalidInput) as caught:
        parse(event_type, payload)
    return {p.location: p.code for p in caught.value.problems}


def days(n: int) -> str:
    return (TODAY + dt.timedelta(days=n)).isoformat()


# --- Examples and the registry -------------------------------------------------------------------
@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_each_example_is_valid_and_already_canonical(event_type: str) -> None:
    payload = example(event_type)
    parsed = parse(event_type, payload)
    assert type(parsed) is EVENT_MODELS[event_type]
    assert parsed.event_type == event_type
    assert parsed.schema_version == 1
    assert parsed.model_dump(mode="json", exclude_none=True) == payload


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_examples_are_valid_today_without_a_fixed_date(event_type: str) -> None:
    parse_payload(event_type, example_payload(event_type))


def test_examples_are_fresh_copies() -> None:
    first = example("birth")
    first["parents"].clear()
    assert example("birth")["parents"]


def test_the_registry_lists_the_five_life_events() -> None:
    assert EVENT_TYPES == ("change-of-address", "change-of-name", "birth", "death", "marriage")
    assert tuple(EVENT_MODELS) == EVENT_TYPES


@pytest.mark.parametrize(
    "call",
    [
        lambda: parse_payload("divorce", {}),
        lambda: field_paths("divorce"),
        lambda: area_addresses("divorce"),
        lambda: json_schema("divorce", base_url="https://hub"),
        lambda: subject_description("divorce"),
        lambda: example_payload("divorce"),
    ],
)
def test_an_unknown_event_type_is_a_value_error_not_a_key_error(call: Any) -> None:
    with pytest.raises(UnknownEventType) as caught:
        call()
    assert isinstance(caught.value, ValueError)
    assert not isinstance(caught.value, KeyError)


def test_payloads_are_frozen_and_refuse_unknown_fields() -> None:
    parsed = parse("change-of-address", example("change-of-address"))
    assert isinstance(parsed, ChangeOfAddress)
    with pytest.raises(ValidationError):
        parsed.move_date = TODAY  # type: ignore[misc]
    payload = example("change-of-address")
    payload["new_address"]["flat"] = "3"
    assert errors("change-of-address", payload) == {("new_address", "flat"): "extra_forbidden"}


def test_subject_descriptions() -> None:
    assert [subject_description(event) for event in EVENT_TYPES] == [
        "you",
        "you",
        "the child",
        "the person who died",
        "the couple",
    ]


def test_area_addresses_name_address_paths() -> None:
    assert area_addresses("change-of-address") == {"old": "previous_address", "new": "new_address"}
    assert area_addresses("death") == {"address": "deceased.address"}
    for event_type in EVENT_TYPES:
        for path in area_addresses(event_type).values():
            assert f"{path}.postcode" in field_paths(event_type)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_json_schema_has_a_versioned_id_title_and_description(event_type: str) -> None:
    schema = json_schema(event_type, base_url="https://hub.example/")
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://hub.example/schemas/{event_type}/v1.json"
    assert schema["title"]
    assert schema["description"]
    assert schema["additionalProperties"] is False
    top_level = {path for path in field_paths(event_type) if "." not in path}
    assert set(schema["properties"]) == top_level


# --- Change of address ---------------------------------------------------------------------------
def test_a_move_up_to_92_days_ahead_is_accepted_but_not_93() -> None:
    payload = example("change-of-address")
    payload["move_date"] = days(92)
    parse("change-of-address", payload)
    payload["move_date"] = days(93)
    assert errors("change-of-address", payload) == {("move_date",): "date_too_far_ahead"}


def test_the_move_date_message_is_plain_english() -> None:
    payload = example("change-of-address") | {"move_date": days(200)}
    with pytest.raises(InvalidInput) as caught:
        parse("change-of-address", payload)
    assert caught.value.problems[0].message == (
        "The move date must be today, in the past or within the next 3 months"
    )


def test_the_new_address_must_differ_ignoring_case() -> None:
    payload = example("change-of-address")
    payload["new_address"] = payload["previous_address"] | {
        "line_1": payload["previous_address"]["line_1"].upper(),
        "postcode": "ls62ab",
    }
    assert errors("change-of-address", payload) == {("new_address",): "address_unchanged"}


def test_cross_field_problems_are_reported_together() -> None:
    payload = example("change-of-address")
    payload["new_address"] = payload["previous_address"]
    payload["move_date"] = "1980-01-01"
    assert errors("change-of-address", payload) == {
        ("new_address",): "address_unchanged",
        ("move_date",): "date_before_birth",
    }


@pytest.mark.parametrize(
    ("date_of_birth", "code"),
    [(days(1), "date_in_future"), ("1899-12-31", "date_too_early")],
)
def test_the_date_of_birth_must_be_past_and_after_1900(date_of_birth: str, code: str) -> None:
    payload = example("change-of-address")
    payload["person"]["date_of_birth"] = date_of_birth
    assert errors("change-of-address", payload) == {("person", "date_of_birth"): code}


def test_the_date_of_birth_may_be_today_or_1_january_1900() -> None:
    payload = example("change-of-address")
    payload["person"]["date_of_birth"] = TODAY.isoformat()
    payload["move_date"] = TODAY.isoformat()
    parse("change-of-address", payload)
    payload["person"]["date_of_birth"] = "1900-01-01"
    parse("change-of-address", payload)


@pytest.mark.parametrize(
    ("where", "value", "loc", "code"),
    [
        ("new_address", {"postcode": "M14"}, ("new_address", "postcode"), "postcode_invalid"),
        ("new_address", {"town": "x" * 61}, ("new_address", "town"), "text_too_long"),
        ("new_address", {"uprn": "0"}, ("new_address", "uprn"), "uprn_invalid"),
        ("contact", {"phone": "12345"}, ("contact", "phone"), "phone_invalid"),
        ("contact", {"email": "not-an-email"}, ("contact", "email"), "email_invalid"),
        (
            "person",
            {"national_insurance_number": "BG123456A"},
            ("person", "national_insurance_number"),
            "national_insurance_number_invalid",
        ),
        ("person", {"nhs_number": "9434765918"}, ("person", "nhs_number"), "nhs_number_invalid"),
    ],
)
def test_identifier_errors_are_located_at_their_field(
    where: str, value: dict[str, Any], loc: Loc, code: str
) -> None:
    payload = example("change-of-address")
    payload[where] = payload[where] | value
    assert errors("change-of-address", payload) == {loc: code}


def test_email_errors_are_in_plain_english() -> None:
    payload = example("change-of-address")
    payload["contact"]["email"] = "sian@"
    with pytest.raises(InvalidInput) as caught:
        parse("change-of-address", payload)
    assert caught.value.problems[0].message == (
        "Enter an email address in the correct format, like name@example.com"
    )


def test_today_may_be_given_as_a_datetime() -> None:
    payload = example("birth")
    now = dt.datetime(2026, 3, 15, 23, 59, tzinfo=dt.UTC)
    parse_payload("birth", payload, today=now)
    with pytest.raises(InvalidInput):
        parse_payload("birth", payload, today=now - dt.timedelta(days=30))


def test_required_fields_are_named_when_missing() -> None:
    payload = example("change-of-address")
    del payload["move_date"]
    del payload["person"]["name"]["family_name"]
    assert errors("change-of-address", payload) == {
        ("move_date",): "missing",
        ("person", "name", "family_name"): "missing",
    }


def test_values_are_normalised_on_the_way_in() -> None:
    payload = example("change-of-address")
    payload["new_address"] |= {"postcode": "m145tq", "line_1": "  Flat   3 ", "uprn": 77}
    payload["person"]["national_insurance_number"] = "qq 12 34 56 c"
    parsed = parse("change-of-address", payload)
    assert isinstance(parsed, ChangeOfAddress)
    assert parsed.new_address.postcode == "M14 5TQ"
    assert parsed.new_address.line_1 == "Flat 3"
    assert parsed.new_address.uprn == "77"
    assert parsed.person.national_insurance_number == "QQ123456C"


def test_same_place_as_compares_postcode_and_first_line() -> None:
    home = Address(line_1="1 High St", town="Leeds", postcode="LS1 1UR")
    assert home.same_place_as(Address(line_1="1 HIGH ST", town="LEEDS", postcode="ls11ur"))
    assert not home.same_place_as(Address(line_1="2 High St", town="Leeds", postcode="LS1 1UR"))


# --- Change of name ------------------------------------------------------------------------------
def test_the_new_name_must_differ() -> None:
    payload = example("change-of-name")
    payload["person"]["new_name"] = payload["person"]["previous_name"]
    assert errors("change-of-name", payload) == {("person", "new_name"): "name_unchanged"}


def test_a_change_of_capitalisation_is_a_change_of_name() -> None:
    payload = example("change-of-name")
    payload["person"]["previous_name"] = {"given_names": "Ana", "family_name": "De Souza"}
    payload["person"]["new_name"] = {"given_names": "Ana", "family_name": "de Souza"}
    parse("change-of-name", payload)


@pytest.mark.parametrize(
    ("effective_date", "code"),
    [(days(1), "date_in_future"), ("1990-01-01", "date_before_birth")],
)
def test_the_effective_date_is_past_and_after_birth(effective_date: str, code: str) -> None:
    payload = example("change-of-name") | {"effective_date": effective_date}
    assert errors("change-of-name", payload) == {("effective_date",): code}


def test_the_evidence_kind_is_one_of_the_known_documents() -> None:
    payload = example("change-of-name")
    payload["evidence"] = {"kind": "passport"}
    assert errors("change-of-name", payload) == {("evidence", "kind"): "literal_error"}


# --- Birth ---------------------------------------------------------------------------------------
def test_a_birth_up_to_a_year_ago_is_accepted() -> None:
    payload = example("birth")
    payload["child"]["date_of_birth"] = "2025-03-15"
    parse("birth", payload)
    payload["child"]["date_of_birth"] = "2025-03-14"
    assert errors("birth", payload) == {("child", "date_of_birth"): "date_too_long_ago"}


def test_a_birth_in_the_future_is_refused() -> None:
    payload = example("birth")
    payload["child"]["date_of_birth"] = days(1)
    payload["registration"]["registered_on"] = days(1)
    assert errors("birth", payload) == {
        ("child", "date_of_birth"): "date_in_future",
        ("registration", "registered_on"): "date_in_future",
    }


@pytest.mark.parametrize("count", [0, 3])
def test_a_birth_names_one_or_two_parents(count: int) -> None:
    payload = example("birth")
    payload["parents"] = [payload["parents"][0]] * count
    assert errors("birth", payload) == {("parents",): "wrong_number_of_items"}


def test_a_birth_with_one_parent_is_accepted() -> None:
    payload = example("birth")
    payload["parents"] = payload["parents"][1:]
    parse("birth", payload)


def test_errors_inside_a_list_name_the_item() -> None:
    payload = example("birth")
    payload["parents"][1]["relationship"] = "guardian"
    payload["parents"][1]["date_of_birth"] = days(1)
    assert errors("birth", payload) == {
        ("parents", 1, "relationship"): "literal_error",
        ("parents", 1, "date_of_birth"): "date_in_future",
    }


def test_the_birth_is_registered_after_it_happens() -> None:
    payload = example("birth")
    payload["registration"]["registered_on"] = days(-13)
    assert errors("birth", payload) == {("registration", "registered_on"): "date_before_event"}


@pytest.mark.parametrize(
    ("reference", "expected"), [("br/lds/004512", "BR/LDS/004512"), ("A-1", "A-1")]
)
def test_registration_references_are_upper_cased(reference: str, expected: str) -> None:
    payload = example("birth")
    payload["registration"]["reference"] = reference
    parsed = parse("birth", payload).model_dump(mode="json")
    assert parsed["registration"]["reference"] == expected


@pytest.mark.parametrize(
    ("reference", "code"),
    [
        ("BR LDS 1", "registration_reference_invalid"),
        ("BR#1", "registration_reference_invalid"),
        ("X" * 31, "text_too_long"),
    ],
)
def test_bad_registration_references_are_refused(reference: str, code: str) -> None:
    payload = example("birth")
    payload["registration"]["reference"] = reference
    assert errors("birth", payload) == {("registration", "reference"): code}


def test_the_sex_is_as_on_the_register() -> None:
    payload = example("birth")
    payload["child"]["sex"] = "unknown"
    assert errors("birth", payload) == {("child", "sex"): "literal_error"}


# --- Death ---------------------------------------------------------------------------------------
def test_the_death_follows_the_birth_and_precedes_registration() -> None:
    payload = example("death")
    payload["deceased"]["date_of_death"] = "1930-01-01"
    assert errors("death", payload) == {("deceased", "date_of_death"): "date_before_birth"}
    payload = example("death")
    payload["registration"]["registered_on"] = days(-7)
    assert errors("death", payload) == {("registration", "registered_on"): "date_before_event"}


def test_a_death_in_the_future_is_refused() -> None:
    payload = example("death")
    payload["deceased"]["date_of_death"] = days(2)
    assert {("deceased", "date_of_death"): "date_in_future"}.items() <= errors(
        "death", payload
    ).items()


def test_marital_status_defaults_to_unknown() -> None:
    payload = example("death")
    del payload["deceased"]["marital_status"]
    dumped = parse("death", payload).model_dump(mode="json")
    assert dumped["deceased"]["marital_status"] == "unknown"


# --- Marriage or civil partnership ---------------------------------------------------------------
def test_each_party_must_be_at_least_16_on_the_day() -> None:
    payload = example("marriage")
    payload["date"] = "2024-06-01"
    payload["registration"]["registered_on"] = "2024-06-01"
    payload["parties"][1]["date_of_birth"] = "2008-06-02"
    assert errors("marriage", payload) == {("parties", 1, "date_of_birth"): "too_young"}
    payload["parties"][1]["date_of_birth"] = "2008-06-01"
    parse("marriage", payload)


def test_a_leap_day_birthday_comes_on_1_march_in_other_years() -> None:
    assert anniversary(dt.date(2008, 2, 29), 16) == dt.date(2024, 2, 29)
    assert anniversary(dt.date(2008, 2, 29), 17) == dt.date(2025, 3, 1)
    assert anniversary(dt.date(2025, 3, 15), -1) == dt.date(2024, 3, 15)


@pytest.mark.parametrize("count", [1, 3])
def test_a_marriage_has_exactly_two_parties(count: int) -> None:
    payload = example("marriage")
    payload["parties"] = [payload["parties"][0]] * count
    assert errors("marriage", payload) == {("parties",): "wrong_number_of_items"}


@pytest.mark.parametrize(
    ("date", "code"), [(days(1), "date_in_future"), ("1899-06-01", "date_too_early")]
)
def test_the_ceremony_date_is_past_and_after_1900(date: str, code: str) -> None:
    payload = example("marriage") | {"date": date}
    del payload["registration"]
    assert ("date",) in errors("marriage", payload)
    assert errors("marriage", payload)[("date",)] == code


def test_a_minimal_civil_partnership_is_accepted() -> None:
    payload = example("marriage")
    minimal = {key: payload[key] for key in ("date", "place", "parties")}
    parsed = parse("marriage", minimal | {"kind": "civil-partnership"})
    assert parsed.model_dump(exclude_none=True).keys() == {
        "kind",
        "date",
        "place",
        "parties",
        "reporter",
    }


def test_registration_of_a_marriage_cannot_precede_it() -> None:
    payload = example("marriage")
    payload["registration"]["registered_on"] = days(-22)
    assert errors("marriage", payload) == {("registration", "registered_on"): "date_before_event"}


# --- Field paths ---------------------------------------------------------------------------------
def test_field_paths_list_objects_and_leaves() -> None:
    paths = field_paths("change-of-address")
    expected = {
        "person",
        "person.name",
        "person.name.given_names",
        "person.date_of_birth",
        "person.nhs_number",
        "previous_address",
        "previous_address.postcode",
        "new_address.uprn",
        "move_date",
        "contact",
        "contact.email",
        "contact.phone",
    }
    assert expected <= paths
    assert not any(path.endswith(".") or ".." in path for path in paths)


def test_field_paths_go_through_lists_by_the_field_name() -> None:
    assert {"parents", "parents.name", "parents.name.family_name"} <= field_paths("birth")
    assert {"parties.name_after.given_names", "parties.date_of_birth"} <= field_paths("marriage")
    assert "deceased.address.postcode" in field_paths("death")
    assert "informant.contact.email" in field_paths("death")


def _leaf_paths(node: object, prefix: str = "") -> Iterator[str]:
    """Dotted paths of every leaf value, lists collapsed to their field name."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaf_paths(value, f"{prefix}{key}.")
    elif isinstance(node, list):
        for item in node:
            yield from _leaf_paths(item, prefix)
    else:
        yield prefix.rstrip(".")


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_field_of_the_example_has_a_path(event_type: str) -> None:
    assert set(_leaf_paths(example(event_type))) <= field_paths(event_type)


# --- Selecting fields ----------------------------------------------------------------------------
def test_select_a_leaf_keeps_the_payload_shape() -> None:
    payload = example("change-of-address")
    assert select_fields(payload, ["new_address.postcode"]) == {
        "new_address": {"postcode": "M14 5TQ"}
    }


def test_select_merges_paths_and_whole_objects() -> None:
    payload = example("change-of-address")
    selected = select_fields(payload, ["person.name", "person.date_of_birth", "move_date"])
    assert selected == {
        "person": {"name": payload["person"]["name"], "date_of_birth": "1988-04-17"},
        "move_date": payload["move_date"],
    }
    both = select_fields(payload, ["new_address", "new_address.postcode"])
    assert both == {"new_address": payload["new_address"]}


def test_select_through_a_list_maps_every_item() -> None:
    payload = example("birth")
    selected = select_fields(payload, ["parents.name.given_names", "parents.relationship"])
    assert selected == {
        "parents": [
            {"name": {"given_names": "Hannah"}, "relationship": "mother"},
            {"name": {"given_names": "Chidi"}, "relationship": "father"},
        ]
    }


def test_select_through_a_list_keeps_positions_when_an_item_lacks_the_field() -> None:
    payload = example("birth")
    selected = select_fields(payload, ["parents.national_insurance_number", "parents.name"])
    assert selected["parents"][0]["national_insurance_number"] == "QQ112233B"
    assert selected["parents"][1] == {"name": payload["parents"][1]["name"]}


def test_select_omits_absent_and_null_values() -> None:
    payload = example("birth")
    payload["address"]["county"] = None
    for parent in payload["parents"]:
        parent.pop("national_insurance_number", None)
    paths = ["address.county", "address.uprn", "parents.national_insurance_number", "nope.x", ""]
    assert select_fields(payload, paths) == {}


def test_select_copies_rather_than_shares() -> None:
    payload = example("birth")
    original = copy.deepcopy(payload)
    selected = select_fields(payload, ["parents", "child.name"])
    selected["parents"][0]["name"]["given_names"] = "Changed"
    selected["child"]["name"]["family_name"] = "Changed"
    assert payload == original


@given(st.data())
def test_select_returns_only_what_was_asked_for(data: st.DataObject) -> None:
    event_type = data.draw(st.sampled_from(EVENT_TYPES))
    payload = example(event_type)
    paths = data.draw(st.sets(st.sampled_from(sorted(field_paths(event_type)))))
    selected = select_fields(payload, paths)
    for leaf in _leaf_paths(selected):
        assert any(leaf == path or leaf.startswith(path + ".") for path in paths), leaf
    assert _is_part_of(selected, payload)


def _is_part_of(part: object, whole: object) -> bool:
    """Every value in ``part`` is at the same place in ``whole``."""
    if isinstance(part, dict) and isinstance(whole, dict):
        return all(key in whole and _is_part_of(part[key], whole[key]) for key in part)
    if isinstance(part, list) and isinstance(whole, list):
        return len(part) == len(whole) and all(map(_is_part_of, part, whole))
    return part == whole


@given(st.sampled_from(EVENT_TYPES))
def test_selecting_everything_returns_the_payload(event_type: str) -> None:
    payload = example(event_type)
    assert select_fields(payload, field_paths(event_type)) == payload
    assert select_fields(payload, []) == {}


# --- Acting for others (ADR 0088) ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("event_type", "usual"),
    [
        ("change-of-address", "self"),
        ("change-of-name", "self"),
        ("birth", "parent"),
        ("death", "informant"),
        ("marriage", "self"),
    ],
)
def test_a_report_without_a_reporter_gets_the_usual_one(event_type: str, usual: str) -> None:
    payload = example(event_type)
    del payload["reporter"]
    parsed = parse(event_type, payload)
    assert parsed.reporter is not None
    assert parsed.reporter.role == usual


def test_an_executor_reports_a_death_as_executor_by_default() -> None:
    payload = example("death")
    del payload["reporter"]
    payload["informant"]["relationship"] = "executor-or-administrator"
    parsed = parse("death", payload)
    assert parsed.reporter is not None
    assert parsed.reporter.role == "executor"


@pytest.mark.parametrize(
    ("event_type", "role"),
    [
        ("death", "self"),
        ("death", "parent"),
        ("birth", "self"),
        ("birth", "power_of_attorney"),
        ("change-of-address", "informant"),
        ("marriage", "power_of_attorney"),
    ],
)
def test_a_role_the_event_does_not_allow_is_refused(event_type: str, role: str) -> None:
    payload = {**example(event_type), "reporter": {"role": role}}
    with pytest.raises(InvalidInput) as raised:
        parse(event_type, payload)
    [problem] = raised.value.problems
    assert problem.location == ("reporter", "role")
    assert problem.code == "role_not_allowed"


@pytest.mark.parametrize("event_type", ["change-of-address", "change-of-name"])
def test_a_power_of_attorney_is_claimed_for_an_adult(event_type: str) -> None:
    payload = {**example(event_type), "reporter": {"role": "power_of_attorney"}}
    parsed = parse(event_type, payload)
    assert parsed.reporter is not None
    assert parsed.reporter.role == "power_of_attorney"


def test_a_power_of_attorney_cannot_be_used_for_a_child() -> None:
    payload = {**example("change-of-address"), "reporter": {"role": "power_of_attorney"}}
    ten_years_old = dt.date(TODAY.year - 10, 1, 1)
    payload["person"] = {**payload["person"], "date_of_birth": ten_years_old.isoformat()}
    with pytest.raises(InvalidInput) as raised:
        parse("change-of-address", payload)
    assert [p.code for p in raised.value.problems] == ["subject_not_adult"]
