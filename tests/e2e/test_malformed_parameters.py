"""Every malformed or out-of-range cursor, limit, offset or reference is a 422 naming it.

Issue 10: a feed cursor above 2^63 answered 500 on both databases, and cursors the feed never
gave out (a position beyond the log, non-ASCII digits, other spellings) were accepted.
"""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tellonce.bootstrap import Hub
from tellonce.service_layer.feed import encode_cursor
from tests.support.api import charity_report, key_for, sign_in


def cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def assert_problem_at(response: object, pointer: str) -> None:
    assert response.status_code == 422, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["type"] == "/problems/invalid-request"
    assert [e["pointer"] for e in body["errors"]] == [pointer]


@pytest.mark.parametrize(
    "after",
    [
        cursor("f1:9223372036854775808"),  # above 2^63: was a 500
        cursor("f1:99999999999999999999999999"),
        cursor("f1:999999"),  # beyond every position given out
        cursor("f1:\u0667"),  # an Arabic-Indic seven
        cursor("f1:-1"),
        cursor("f1:01"),
        cursor("f1: 1"),
        cursor("f1:1\n"),
        cursor("f2:1"),
        "ZjE6MA==",  # f1:0 with padding: not how the feed writes it
        "not-a-cursor",
        "%F0%9F%98%80",
    ],
)
def test_a_cursor_the_feed_never_gave_out_is_a_problem_at_after(
    client: TestClient, hub: Hub, after: str
) -> None:
    charity = key_for(hub, "a-charity")
    charity_report(client)
    for state in ("all", "unacknowledged", "consent-withdrawn"):
        response = client.get(f"/api/v1/feed?after={after}&state={state}", headers=charity)
        assert_problem_at(response, "#/query/after")


def test_a_position_given_to_another_recipient_is_not_this_ones_cursor(
    client: TestClient, hub: Hub
) -> None:
    charity, dwp = key_for(hub, "a-charity"), key_for(hub, "dwp")
    charity_report(client)
    page = client.get("/api/v1/feed", headers=dwp).json()
    assert page["events"]
    response = client.get(f"/api/v1/feed?after={page['next_cursor']}", headers=charity)
    assert_problem_at(response, "#/query/after")


def test_every_cursor_the_feed_gives_out_is_accepted(client: TestClient, hub: Hub) -> None:
    charity = key_for(hub, "a-charity")
    empty = client.get("/api/v1/feed", headers=charity).json()
    assert empty["next_cursor"] == encode_cursor(0)  # the start, as an empty feed gives it
    for _ in range(3):
        charity_report(client)
    after = empty["next_cursor"]
    seen = []
    while True:
        page = client.get(f"/api/v1/feed?after={after}&limit=1", headers=charity)
        assert page.status_code == 200, page.text
        seen += page.json()["events"]
        after = page.json()["next_cursor"]
        if not page.json()["has_more"]:
            break
    assert len(seen) == 3
    again = client.get(f"/api/v1/feed?after={after}", headers=charity)
    assert again.status_code == 200 and again.json()["events"] == []


@pytest.mark.parametrize(
    ("query", "pointer"),
    [
        ("limit=0", "#/query/limit"),
        ("limit=501", "#/query/limit"),
        ("limit=99999999999999999999999", "#/query/limit"),
        ("limit=%D9%A7", "#/query/limit"),
        ("limit=abc", "#/query/limit"),
        ("state=everything", "#/query/state"),
    ],
)
def test_bad_feed_limits_are_problems(
    client: TestClient, hub: Hub, query: str, pointer: str
) -> None:
    assert_problem_at(client.get(f"/api/v1/feed?{query}", headers=key_for(hub, "dwp")), pointer)


@pytest.mark.parametrize(
    ("query", "pointer"),
    [
        ("limit=0", "#/query/limit"),
        ("limit=101", "#/query/limit"),
        ("offset=-1", "#/query/offset"),
        ("offset=9223372036854775808", "#/query/offset"),
        ("offset=x", "#/query/offset"),
    ],
)
def test_bad_report_list_limits_and_offsets_are_problems(
    client: TestClient, query: str, pointer: str
) -> None:
    assert_problem_at(client.get(f"/api/v1/reports?{query}", headers=sign_in(client)), pointer)


@pytest.mark.parametrize(
    "reference",
    ["xx", "TLO-0000-0000", "TLO-%D9%A7%D9%A7%D9%A7%D9%A7-7777", "%00", "TLO-7KQ4-M2X"],
)
@pytest.mark.parametrize("suffix", ["", "/receipt"])
def test_a_malformed_reference_is_a_problem_at_reference(
    client: TestClient, reference: str, suffix: str
) -> None:
    response = client.get(f"/api/v1/reports/{reference}{suffix}", headers=sign_in(client))
    assert_problem_at(response, "#/path/reference")


def test_a_well_formed_reference_that_is_not_yours_is_still_not_found(
    client: TestClient,
) -> None:
    response = client.get("/api/v1/reports/tlo-33q3-3grw", headers=sign_in(client))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("path", "pointer"),
    [
        ("/api/v1/log/proofs/inclusion?index=0&size=9223372036854775808", "#/query/size"),
        ("/api/v1/log/proofs/inclusion?index=-1", "#/query/index"),
        ("/api/v1/log/proofs/inclusion?index=0&size=5", "#/query/size"),  # beyond the log
        ("/api/v1/log/proofs/consistency?from=5", "#/query/from"),  # beyond the log
        ("/api/v1/log/proofs/consistency?from=99999999999999999999", "#/query/from"),
    ],
)
def test_proofs_beyond_the_log_are_problems(client: TestClient, path: str, pointer: str) -> None:
    assert_problem_at(client.get(path), pointer)


@settings(
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    after=st.one_of(
        st.text(max_size=40),
        st.builds(lambda n: cursor(f"f1:{n}"), st.integers(min_value=-(2**70), max_value=2**70)),
        st.builds(cursor, st.text(max_size=30)),
    ),
    limit=st.one_of(st.integers(min_value=-(2**70), max_value=2**70), st.text(max_size=10)),
)
def test_no_cursor_or_limit_gets_anything_but_a_page_or_a_problem_naming_it(
    client: TestClient, hub: Hub, after: str, limit: int | str
) -> None:
    charity = key_for(hub, "a-charity")
    response = client.get("/api/v1/feed", params={"after": after, "limit": limit}, headers=charity)
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        pointers = {e["pointer"] for e in response.json()["errors"]}
        assert pointers and pointers <= {"#/query/after", "#/query/limit"}
