"""Bad input gets a clear RFC 9457 problem naming the field at fault — never a 500."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tellonce.domain.examples import example_payload
from tests.fakes import FakeClock
from tests.support.api import sign_in

TODAY = FakeClock().now().date()


def with_change(event_type: str, path: str, value: Any) -> dict[str, Any]:
    payload = example_payload(event_type, today=TODAY)
    node: Any = payload
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node[part]
    last = parts[-1]
    if value is ...:
        del node[last]
    elif last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value
    return payload


CASES = [
    ("change-of-address", "new_address.postcode", "NOT A POSTCODE", "new_address/postcode"),
    ("change-of-address", "person.date_of_birth", "2099-01-01", "person/date_of_birth"),
    ("change-of-address", "person.name.family_name", "", "person/name/family_name"),
    ("change-of-address", "person.name.given_names", "R2D2", "person/name/given_names"),
    ("change-of-address", "move_date", "yesterday", "move_date"),
    ("change-of-address", "new_address.uprn", "12345678901234", "new_address/uprn"),
    (
        "change-of-name",
        "person.national_insurance_number",
        "AB123",
        "person/national_insurance_number",
    ),
    ("change-of-name", "evidence.kind", "handshake", "evidence/kind"),
    ("birth", "child.date_of_birth", "2099-01-01", "child/date_of_birth"),
    ("birth", "child.nhs_number", "1234567890", "child/nhs_number"),
    ("birth", "parents", [], "parents"),
    ("death", "deceased.date_of_death", "2099-01-01", "deceased/date_of_death"),
    ("death", "registration", ..., "registration"),
    ("marriage", "parties", [], "parties"),
    ("marriage", "kind", "handfasting", "kind"),
]


@pytest.mark.parametrize(("event_type", "path", "value", "pointer"), CASES)
def test_each_invalid_answer_is_named(
    client: TestClient, event_type: str, path: str, value: Any, pointer: str
) -> None:
    auth = sign_in(client)
    body = {"event_type": event_type, "payload": with_change(event_type, path, value)}
    response = client.post("/api/v1/reports/preview", json=body, headers=auth)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422
    pointers = [e["pointer"] for e in problem["errors"]]
    assert f"#/payload/{pointer}" in pointers, pointers
    if isinstance(value, str) and len(value) > 3:
        assert value not in response.text  # the value sent is never echoed back


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"event_type": "divorce", "payload": {}}, "#/event_type"),
        ({"event_type": "birth"}, "#/payload"),
        ({"event_type": "birth", "payload": [1, 2]}, "#/payload"),
        ({"event_type": "birth", "payload": {}, "surprise": 1}, "#/surprise"),
        ({"event_type": "birth", "payload": {}, "answers": {"x": "maybe"}}, "#/answers/x"),
    ],
)
def test_malformed_requests_are_named(
    client: TestClient, body: dict[str, Any], pointer: str
) -> None:
    response = client.post("/api/v1/reports/preview", json=body, headers=sign_in(client))
    assert response.status_code == 422
    assert pointer in [e["pointer"] for e in response.json()["errors"]]


def test_broken_json_is_a_problem_not_a_crash(client: TestClient) -> None:
    response = client.post(
        "/api/v1/reports/preview",
        content=b"{not json",
        headers={**sign_in(client), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_an_unknown_report_is_404_and_an_overlong_reference_422(client: TestClient) -> None:
    auth = sign_in(client)
    assert client.get("/api/v1/reports/TLO-XXXX-XXXX", headers=auth).status_code == 404
    assert client.get("/api/v1/reports/" + "A" * 40, headers=auth).status_code == 422


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(
    event_type=st.sampled_from(
        ["change-of-address", "change-of-name", "birth", "death", "marriage"]
    ),
    mutation=st.tuples(st.text(max_size=12), json_values),
)
def test_random_payload_mutations_never_crash(
    client: TestClient, event_type: str, mutation: tuple[str, Any]
) -> None:
    payload = copy.deepcopy(example_payload(event_type, today=TODAY))
    key, value = mutation
    target = payload[next(iter(payload))] if key.startswith("_") else payload
    if isinstance(target, dict):
        target[key or "x"] = value
    response = client.post(
        "/api/v1/reports/preview",
        json={"event_type": event_type, "payload": payload},
        headers=sign_in(client, "fuzz"),
    )
    assert response.status_code in {200, 422}, response.text
