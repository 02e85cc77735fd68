"""Each disclosure event's ``dataschema`` names a schema that its ``data`` really fits, and that
refuses what the hub never sends: checked for every agreement in the demo catalogue."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from typing import Any

import jsonschema_rs
import pytest

from tellonce.domain.disclosure_schema import disclosure_data_schema
from tellonce.domain.events import EVENT_TYPES
from tests.support.asyncapi import HUB_URL, agreed_fields, real_event

API = f"{HUB_URL}/api/v1"


def check(event_type: str) -> jsonschema_rs.Validator:
    return jsonschema_rs.validator_for(disclosure_data_schema(event_type, base_url=API))


@pytest.mark.parametrize(("agreement_id", "event_type", "fields"), list(agreed_fields()))
def test_every_agreements_real_data_fits_the_schema_its_dataschema_names(
    agreement_id: str, event_type: str, fields: tuple[str, ...]
) -> None:
    event = real_event(event_type, fields, agreement_id)
    schema = disclosure_data_schema(event_type, base_url=API)
    assert event["dataschema"] == schema["$id"]
    assert [e.message for e in check(event_type).iter_errors(event["data"])] == []


def _set(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    node = changed
    *parents, last = path.split(".")
    for part in parents:
        node = node[part]
    node[last] = value
    return changed


WRONG: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "a field outside the payload model": lambda d: _set(d, "payload.new_address.flat", "3"),
    "a postcode that is not one": lambda d: _set(d, "payload.new_address.postcode", "M14"),
    "an unknown field beside the payload": lambda d: _set(d, "nino", "QQ123456C"),
    "no person_ref": lambda d: {k: v for k, v in d.items() if k != "person_ref"},
    "a bad report reference": lambda d: _set(d, "report_reference", "TLO-0000-0000"),
    "no acknowledgement link": lambda d: _set(d, "links", {"feed": HUB_URL}),
}


@pytest.mark.parametrize("wrong", list(WRONG))
def test_the_schema_refuses_what_the_hub_never_sends(wrong: str) -> None:
    event = real_event(
        "change-of-address",
        ("person.name", "new_address.postcode"),
        "manchester-electoral-register",
    )
    validator = check("change-of-address")
    assert validator.is_valid(event["data"])
    assert not validator.is_valid(WRONG[wrong](event["data"]))


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_each_event_type_has_its_own_versioned_schema(event_type: str) -> None:
    schema = disclosure_data_schema(event_type, base_url=API)
    assert schema["$id"] == f"{API}/schemas/{event_type}/v1/disclosure.json"
    assert f"{API}/schemas/{event_type}/v1.json" in schema["description"]
    assert str(uuid.uuid4()) not in schema["description"]
