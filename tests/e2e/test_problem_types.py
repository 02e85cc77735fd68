"""Every problem's ``type`` URI resolves to a page that says what it means (RFC 9457 §3.1.1)."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from tellonce.entrypoints.api.problems import PROBLEM_TYPES
from tests.support.api import sign_in


def test_the_problems_the_api_really_returns_are_documented_at_their_type(
    client: TestClient,
) -> None:
    auth = sign_in(client)
    answers = [
        client.post("/api/v1/reports/preview", json={}, headers=auth),  # invalid-request
        client.get("/api/v1/reports"),  # not-authenticated
        client.get("/api/v1/reports/TLO-2345-6789", headers=auth),  # not-found
        client.post(f"/api/v1/consents/{uuid.uuid4()}/withdrawal", headers=auth),  # not-found
    ]
    types = {answer.json()["type"] for answer in answers}
    assert types == {
        "/problems/invalid-request",
        "/problems/not-authenticated",
        "/problems/not-found",
    }
    for slug in PROBLEM_TYPES:
        page = client.get(f"/problems/{slug}")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert PROBLEM_TYPES[slug].title.replace("'", "&#x27;") in page.text
    for answer in answers:
        assert client.get(answer.json()["type"]).status_code == 200


def test_an_unknown_problem_type_is_itself_a_problem(client: TestClient) -> None:
    missing = client.get("/problems/no-such-thing")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
