"""Bad input, generated: arbitrary Unicode, huge fields, malformed postcodes and dates, deeply
nested and oversized bodies, wrong content types. Whatever comes, the answer is a 4xx
problem+json, and a refused field is named (the ``errors`` member's JSON Pointers); never a
5xx. Against the real app on SQLite, kept under a minute."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.api import draft, sign_in

pytestmark = pytest.mark.parametrize("migrated_engine", ["sqlite"], indirect=True)
PROBLEM_JSON = "application/problem+json"
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any JSON value: Unicode text of any size (NULs, surrogates' neighbours, RTL), numbers, nests.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=50)
    | st.text(min_size=5000, max_size=20000).filter(lambda s: len(s.encode()) < 200_000),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)
FIELDS = [
    ("person", "name", "given_names"),
    ("person", "name", "family_name"),
    ("person", "date_of_birth"),
    ("person", "national_insurance_number"),
    ("person", "nhs_number"),
    ("previous_address", "postcode"),
    ("new_address", "line_1"),
    ("new_address", "postcode"),
    ("move_date",),
    ("contact", "email"),
    ("contact", "phone"),
    ("person",),
    ("new_address",),
]


def check(response: Any, *, names: str | None = None) -> None:
    """A 2xx, or a 4xx problem+json whose ``errors`` name a field (``names`` when given)."""
    status = response.status_code
    assert status < 500, (status, response.text[:500])
    if status < 400:
        return
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers
    body = response.json()
    assert body["status"] == status
    if status in {400, 422}:
        pointers = [e["pointer"] for e in body.get("errors", [])]
        assert pointers, body
        assert all(p.startswith("#/") for p in pointers), body  # "#/": the body itself
        if names is not None:
            assert any(names in p for p in pointers), (names, body)


def preview(client: TestClient, auth: dict[str, str], body: object) -> Any:
    return client.post("/api/v1/reports/preview", json=body, headers=auth)


def replaced(body: dict[str, Any], path: tuple[str, ...], value: object) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    target = changed["payload"]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return changed


@pytest.fixture
def auth(client: TestClient) -> dict[str, str]:
    return sign_in(client, "prop")


def test_any_value_in_any_field_is_a_named_4xx_or_accepted(
    client: TestClient, auth: dict[str, str]
) -> None:
    base = draft()

    @SETTINGS
    @given(path=st.sampled_from(FIELDS), value=json_values)
    def run(path: tuple[str, ...], value: object) -> None:
        check(preview(client, auth, replaced(base, path, value)), names=path[0])

    run()


def test_malformed_postcodes_and_dates_are_named(client: TestClient, auth: dict[str, str]) -> None:
    base = draft()
    postcodes = st.text(max_size=30) | st.from_regex(r"[A-Z0-9 ]{0,12}", fullmatch=True)
    dates = (
        st.text(max_size=30)
        | st.from_regex(r"[0-9]{1,6}-[0-9]{1,3}-[0-9]{1,3}", fullmatch=True)
        | st.sampled_from(["2026-02-30", "0000-01-01", "9999-12-31", "2026-13-01", "2026-1-1"])
    )

    @SETTINGS
    @given(
        which=st.sampled_from([("new_address", "postcode"), ("previous_address", "postcode")]),
        postcode=postcodes,
    )
    def postcodes_run(which: tuple[str, ...], postcode: str) -> None:
        check(preview(client, auth, replaced(base, which, postcode)), names=which[0])

    @SETTINGS
    @given(which=st.sampled_from([("move_date",), ("person", "date_of_birth")]), value=dates)
    def dates_run(which: tuple[str, ...], value: str) -> None:
        check(preview(client, auth, replaced(base, which, value)), names=which[0])

    postcodes_run()
    dates_run()


def test_any_event_type_and_any_top_level_shape(client: TestClient, auth: dict[str, str]) -> None:
    @SETTINGS
    @given(event_type=st.text(max_size=200) | json_values, extra=json_values)
    def run(event_type: object, extra: object) -> None:
        body = {**draft(), "event_type": event_type}
        check(preview(client, auth, body))
        check(preview(client, auth, extra))
        check(preview(client, auth, {**draft(), "payload": extra}))

    run()


def test_deeply_nested_bodies_are_refused_not_crashed(
    client: TestClient, auth: dict[str, str]
) -> None:
    for depth in (50, 500, 5000, 50_000):
        nested = "[" * depth + "]" * depth
        for body in (nested, '{"event_type": "change-of-address", "payload": ' + nested + "}"):
            response = client.post(
                "/api/v1/reports/preview",
                content=body,
                headers={**auth, "Content-Type": "application/json"},
            )
            check(response)
            assert 400 <= response.status_code < 500


def test_an_oversized_body_is_413(client: TestClient, auth: dict[str, str]) -> None:
    body = json.dumps({**draft(), "padding": "x" * (2 * 1024 * 1024)})
    response = client.post(
        "/api/v1/reports/preview",
        content=body,
        headers={**auth, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    check(response)


def test_wrong_content_types_are_4xx_problems(client: TestClient, auth: dict[str, str]) -> None:
    good = json.dumps(draft()).encode()

    @SETTINGS
    @given(
        content_type=st.sampled_from(
            [
                "text/plain",
                "application/xml",
                "multipart/form-data; boundary=x",
                "application/x-www-form-urlencoded",
                "application/json; charset=latin-1",
                "application/octet-stream",
                "",
            ]
        )
        | st.text(max_size=40).filter(lambda s: "\n" not in s and "\r" not in s),
        body=st.sampled_from([good]) | st.binary(max_size=300),
    )
    def run(content_type: str, body: bytes) -> None:
        try:
            response = client.post(
                "/api/v1/reports/preview",
                content=body,
                headers={**auth, "Content-Type": content_type},
            )
        except UnicodeEncodeError:
            return  # a header the HTTP client cannot even send
        check(response)

    run()


def test_regression_a_body_nested_too_deep_to_parse_names_the_body(
    client: TestClient, auth: dict[str, str]
) -> None:
    """Found by the test above: a 400 "error parsing the body" that named no field."""
    depth = 50_000
    response = client.post(
        "/api/v1/reports/preview",
        content="[" * depth + "]" * depth,
        headers={**auth, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert [e["pointer"] for e in response.json()["errors"]] == ["#/"]
