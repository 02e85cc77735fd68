"""docs/asyncapi.yaml describes the events recipients really receive, and cannot drift from them.

Events are built here by the functions that build them in production (``disclosure_event``,
``overdue_event``, ``select_fields``) for every agreement in the demo catalogue, then validated
against the document's own schemas. The payload schemas in the document are the published ones
(``tellonce.domain.events.json_schema``) made partial, and a test regenerates and compares them.

After changing a payload model, rewrite the generated part of the document with::

    .venv/bin/python -m tests.contract.test_asyncapi
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml

from tellonce.adapters.webhooks import USER_AGENT, generate_secret, signed_headers
from tellonce.domain.cloudevents import (
    CONSENT_WITHDRAWN_TYPE,
    CONTENT_TYPE,
    CORRECTION_TYPE,
    ERASURE_REQUESTED_TYPE,
    OVERDUE_TYPE,
    TYPE_PREFIX,
    consent_withdrawn_event,
    correction_event,
    erasure_requested_event,
    overdue_event,
)
from tellonce.domain.events import EVENT_TYPES, field_paths, json_schema
from tellonce.domain.examples import example_payload
from tests.support.asyncapi import (
    DOCUMENT,
    HUB_URL,
    TODAY,
    agreed_fields,
    document,
    messages,
    payload_validator,
    problems,
    real_event,
    validator,
)

# Everything after this line in the document is written by ``write_generated_schemas``.
GENERATED_MARKER = "    # --- Generated from tellonce.domain.events.json_schema"


# --- The generated part --------------------------------------------------------------------------
def payload_component(event_type: str) -> str:
    """``change-of-address`` -> ``ChangeOfAddressPayload``."""
    return "".join(part.title() for part in event_type.split("-")) + "Payload"


def _partial(node: Any) -> Any:
    """Drop every ``required`` (a recipient receives only its agreed fields, so any field may be
    missing) and point ``#/$defs/X`` at ``#/components/schemas/X``. Everything else — types,
    patterns, formats, ``additionalProperties: false`` — stays, so unknown fields still fail."""
    if isinstance(node, list):
        return [_partial(item) for item in node]
    if not isinstance(node, dict):
        return node
    partial: dict[str, Any] = {}
    for key, value in node.items():
        if key == "required" and isinstance(value, list):
            continue
        if key == "$ref" and isinstance(value, str):
            partial[key] = value.replace("#/$defs/", "#/components/schemas/", 1)
        else:
            partial[key] = _partial(value)
    return partial


def payload_schemas() -> dict[str, Any]:
    """The ``components/schemas`` entries for ``data.payload`` of every event type: its shared
    ``$defs`` (hoisted, and identical wherever two events share a model) and one
    ``<EventType>Payload`` schema per event type."""
    components: dict[str, Any] = {}
    payloads: dict[str, Any] = {}
    for event_type in EVENT_TYPES:
        schema = json_schema(event_type, base_url=f"{HUB_URL}/api/v1")
        for name, definition in schema.pop("$defs", {}).items():
            partial = _partial(definition)
            if components.setdefault(name, partial) != partial:
                raise AssertionError(f"two different payload models are both called {name}")
        del schema["$schema"], schema["$id"]
        payloads[payload_component(event_type)] = _partial(schema)
    return {**payloads, **dict(sorted(components.items()))}


def write_generated_schemas(path: Path = DOCUMENT) -> None:
    text = path.read_text(encoding="utf-8")
    head, marker, _ = text.partition(GENERATED_MARKER)
    if not marker:
        raise SystemExit(f"{path} has lost its marker line: {GENERATED_MARKER.strip()!r}")
    body = yaml.safe_dump(payload_schemas(), sort_keys=False, allow_unicode=True, width=96)
    indented = "".join(f"    {line}" if line.strip() else line for line in body.splitlines(True))
    note = " (`python -m tests.contract.test_asyncapi`): do not edit by hand ---\n"
    path.write_text(head + GENERATED_MARKER + note + indented, encoding="utf-8")


def resolve(pointer: str) -> Any:
    """The node a local reference points at, following references that point at references."""
    node: Any = document()
    for part in pointer.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return deref(node)


def deref(node: Any) -> Any:
    if isinstance(node, dict) and set(node) == {"$ref"}:
        return resolve(node["$ref"])
    return node


def headers_validator(event_type: str) -> jsonschema_rs.Validator:
    return validator(messages()[event_type]["headers"]["$ref"])


def real_overdue() -> dict[str, Any]:
    event = overdue_event(
        str(uuid.uuid4()),
        str(uuid.uuid4()),
        TODAY + timedelta(days=14),
        2,
        hub_url=HUB_URL,
        now=TODAY + timedelta(days=15),
    )
    parsed: dict[str, Any] = json.loads(json.dumps(event))
    return parsed


def real_withdrawal() -> dict[str, Any]:
    event = consent_withdrawn_event(
        uuid.uuid4(),
        "charity-newsletter",
        3,
        TODAY + timedelta(days=16),
        hub_url=HUB_URL,
        now=TODAY + timedelta(days=16, seconds=1),
    )
    parsed: dict[str, Any] = json.loads(json.dumps(event))
    return parsed


# --- The document's shape ------------------------------------------------------------------------
def test_it_is_asyncapi_3_with_a_message_per_event_type_and_for_overdue() -> None:
    doc = document()
    assert doc["asyncapi"] == "3.0.0"
    assert doc["defaultContentType"] == CONTENT_TYPE
    expected = {TYPE_PREFIX + event_type for event_type in EVENT_TYPES} | {
        OVERDUE_TYPE,
        CONSENT_WITHDRAWN_TYPE,
        ERASURE_REQUESTED_TYPE,
        CORRECTION_TYPE,
    }
    assert set(messages()) == expected
    for name, message in messages().items():
        assert message["contentType"] == CONTENT_TYPE, name
        assert deref(message["correlationId"])["location"] == "$message.header#/webhook-id"


def test_the_webhook_channel_carries_every_message_by_http_post() -> None:
    doc = document()
    [channel] = doc["channels"].values()
    carried = {resolve(ref["$ref"])["name"] for ref in channel["messages"].values()}
    assert carried == set(messages())
    sent = set()
    for operation in doc["operations"].values():
        assert operation["action"] == "send"
        assert resolve(operation["channel"]["$ref"]) is channel
        assert operation["bindings"]["http"]["method"] == "POST"
        sent |= {resolve(ref["$ref"])["name"] for ref in operation["messages"]}
    assert sent == set(messages())
    [server] = [resolve(ref["$ref"]) for ref in channel["servers"]]
    assert server["protocol"] == "https"


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_every_reference_resolves() -> None:
    refs = set(_refs(document()))
    assert refs
    for ref in refs:
        assert ref.startswith("#/"), f"{ref}: the document must stand alone"
        resolve(ref)  # raises KeyError if it points nowhere


def test_the_payload_schemas_are_the_published_ones_made_partial() -> None:
    embedded = document()["components"]["schemas"]
    for name, expected in payload_schemas().items():
        assert embedded.get(name) == expected, (
            f"components/schemas/{name} differs from the payload model: run "
            "`.venv/bin/python -m tests.contract.test_asyncapi` to regenerate it"
        )


# --- Real events against the schemas -------------------------------------------------------------
@pytest.mark.parametrize(("agreement_id", "event_type", "fields"), list(agreed_fields()))
def test_every_agreements_real_event_is_valid(
    agreement_id: str, event_type: str, fields: tuple[str, ...]
) -> None:
    event = real_event(event_type, fields, agreement_id)

    assert problems(payload_validator(TYPE_PREFIX + event_type), event) == []


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_an_event_with_every_field_is_valid(event_type: str) -> None:
    everything = tuple(sorted(field_paths(event_type)))
    event = real_event(event_type, everything, "manchester-electoral-register")

    assert event["data"]["payload"] == example_payload(event_type, today=TODAY.date())
    assert problems(payload_validator(TYPE_PREFIX + event_type), event) == []


def test_a_real_overdue_reminder_is_valid() -> None:
    assert problems(payload_validator(OVERDUE_TYPE), real_overdue()) == []


def test_a_real_consent_withdrawn_notice_is_valid_and_carries_no_personal_data() -> None:
    check = payload_validator(CONSENT_WITHDRAWN_TYPE)
    notice = real_withdrawal()
    assert problems(check, notice) == []
    assert not check.is_valid(_set(real_withdrawal(), "data.payload", _move()["data"]["payload"]))
    assert not check.is_valid(_set(real_withdrawal(), "data.person_ref", uuid.uuid4().hex))
    assert not check.is_valid(real_overdue())


def test_a_real_erasure_requested_notice_is_valid_and_carries_no_personal_data() -> None:
    check = payload_validator(ERASURE_REQUESTED_TYPE)
    event = json.loads(
        json.dumps(
            erasure_requested_event(
                uuid.uuid4(), "charity-newsletter", 3, hub_url=HUB_URL, now=TODAY
            )
        )
    )
    assert problems(check, event) == []
    assert not check.is_valid(_set(event, "data.payload", _move()["data"]["payload"]))
    assert not check.is_valid(real_withdrawal())


def test_a_real_correction_is_valid_and_holds_only_the_agreed_fields() -> None:
    check = payload_validator(CORRECTION_TYPE)
    original = _move()
    correction_id = str(uuid.uuid4())
    event = json.loads(
        json.dumps(correction_event(original, correction_id, ["person.name"], now=TODAY))
    )
    assert problems(check, event) == []
    assert event["data"]["payload"] == original["data"]["payload"]
    assert event["subject"] == original["id"] == event["data"]["corrects"]
    assert f"/corrections/{correction_id}/" in event["data"]["links"]["acknowledge"]
    assert not check.is_valid(original)
    assert not check.is_valid(_set(event, "data.corrected_fields", []))


def _move(fields: tuple[str, ...] = ("person.name", "new_address.postcode")) -> dict[str, Any]:
    return real_event("change-of-address", fields, "manchester-electoral-register")


def _set(event: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    node = event
    *parents, last = path.split(".")
    for part in parents:
        node = node[part]
    node[last] = value
    return event


# Each is something the hub never sends; the schemas must say so, or they describe nothing.
WRONG_DISCLOSURES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "a field outside the payload model": lambda e: _set(e, "data.payload.new_address.flat", "3"),
    "a postcode that is not one": lambda e: _set(e, "data.payload.new_address.postcode", "M14"),
    "a name that is not text": lambda e: _set(e, "data.payload.person.name.given_names", 7),
    "no id": lambda e: {k: v for k, v in e.items() if k != "id"},
    "another spec version": lambda e: _set(e, "specversion", "0.3"),
    "another event type": lambda e: _set(e, "type", TYPE_PREFIX + "death"),
    "a numeric sequence attribute": lambda e: _set(e, "sequence", 12),
    "an unknown envelope attribute": lambda e: _set(e, "partitionkey", "x"),
    "no acknowledgement link": lambda e: _set(e, "data.links", {"feed": HUB_URL}),
    "a bad report reference": lambda e: _set(e, "data.report_reference", "TLO-0000-0000"),
    "no person_ref": lambda e: {
        **e,
        "data": {k: v for k, v in e["data"].items() if k != "person_ref"},
    },
}


@pytest.mark.parametrize("wrong", list(WRONG_DISCLOSURES))
def test_the_disclosure_schema_refuses_what_the_hub_never_sends(wrong: str) -> None:
    check = payload_validator(TYPE_PREFIX + "change-of-address")
    assert check.is_valid(_move())

    assert not check.is_valid(WRONG_DISCLOSURES[wrong](_move()))


def test_an_overdue_reminder_can_carry_no_personal_data() -> None:
    check = payload_validator(OVERDUE_TYPE)
    reminder = real_overdue()
    with_payload = _set(real_overdue(), "data.payload", _move()["data"]["payload"])
    with_person = _set(real_overdue(), "data.person_ref", uuid.uuid4().hex)

    assert check.is_valid(reminder)
    assert not check.is_valid(with_payload)
    assert not check.is_valid(with_person)
    assert not check.is_valid(_move())  # a disclosure is not a reminder, nor the other way
    assert not payload_validator(TYPE_PREFIX + "change-of-address").is_valid(reminder)


# --- Headers and the document's own examples -----------------------------------------------------
def test_real_signed_headers_fit_the_header_schema_including_during_rotation() -> None:
    event = _move()
    body = json.dumps(event).encode()
    one = signed_headers(event["id"], int(time.time()), body, [generate_secret()])
    two = signed_headers(event["id"], int(time.time()), body, [generate_secret()] * 2)
    check = headers_validator(event["type"])

    for headers in (one, two):
        assert problems(check, {**headers, "User-Agent": USER_AGENT}) == []
    assert not check.is_valid({**one, "webhook-signature": "v2,abc"})
    assert not check.is_valid({k: v for k, v in one.items() if k != "webhook-id"})


def test_the_documented_examples_are_valid_and_consistent() -> None:
    seen = set()
    for name, message in messages().items():
        examples = message.get("examples", [])
        assert examples, f"{name} has no example"
        for example in examples:
            payload, headers = example["payload"], example["headers"]
            assert problems(payload_validator(name), payload) == [], example["name"]
            assert problems(headers_validator(name), headers) == [], example["name"]
            assert headers["webhook-id"] == payload["id"]
            assert payload["type"] == name
            seen.add(name)
    assert seen == set(messages())


if __name__ == "__main__":
    write_generated_schemas()
    print(f"rewrote the generated payload schemas in {DOCUMENT}")
