"""What every response says about itself: bodies over the limit are refused unread (413),
personal and authenticated responses are never stored by caches, and a 405 says what is
allowed. On the API (problem+json) and on the portal (pages)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tellonce.bootstrap import Hub
from tellonce.config import Settings
from tellonce.entrypoints.asgi import create_app
from tests.support.api import key_for, sign_in
from tests.support.delivery import submit_move

LIMIT = 4096
PAGE = {"Accept": "text/html"}


@pytest.fixture
def limited(hub: Hub, client: TestClient) -> Iterator[TestClient]:
    """The same hub with a small body limit (the catalogue is loaded by ``client``)."""
    settings = hub.settings.model_copy(update={"max_body_bytes": LIMIT})
    small = Hub(settings=settings, engine=hub.engine, vault=hub.vault, clock=hub.clock)
    with TestClient(create_app(small), raise_server_exceptions=False) as limited_client:
        yield limited_client


def a_draft_of(size: int) -> bytes:
    """A JSON report draft of exactly ``size`` bytes: valid, with a long answer id."""
    empty = json.dumps({"event_type": "birth", "payload": {}, "answers": {"": True}})
    padding = size - len(empty.encode())
    return json.dumps(
        {"event_type": "birth", "payload": {}, "answers": {"x" * padding: True}}
    ).encode()


def chunks(body: bytes, size: int = 1000) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def assert_too_large(response: Any) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/request-too-large"
    assert str(LIMIT) in problem["detail"]


def test_the_default_limit_is_one_mebibyte() -> None:
    assert Settings(mode="development").max_body_bytes == 1024 * 1024
    assert Settings(mode="development", max_body_bytes=5000).max_body_bytes == 5000


def test_a_declared_body_over_the_limit_is_refused_before_anything_else(
    limited: TestClient,
) -> None:
    # Unauthenticated: before, the body was read and parsed in full, then refused with 401.
    body = a_draft_of(LIMIT + 1)
    response = limited.post(
        "/api/v1/reports", content=body, headers={"Content-Type": "application/json"}
    )
    assert_too_large(response)
    # The declared length alone decides: the body is never read.
    declared = limited.post(
        "/api/v1/reports/preview",
        content=b"{}",
        headers={"Content-Type": "application/json", "Content-Length": str(50 * 1024 * 1024)},
    )
    assert_too_large(declared)


def test_a_chunked_body_that_grows_past_the_limit_is_refused(limited: TestClient) -> None:
    auth = sign_in(limited)
    response = limited.post(
        "/api/v1/reports/preview",
        content=chunks(a_draft_of(LIMIT + 1)),
        headers={**auth, "Content-Type": "application/json"},
    )
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert_too_large(response)


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_at_the_limit_is_read_as_usual(limited: TestClient, chunked: bool) -> None:
    auth = sign_in(limited)
    body = a_draft_of(LIMIT)
    response = limited.post(
        "/api/v1/reports/preview",
        content=chunks(body) if chunked else body,
        headers={**auth, "Content-Type": "application/json"},
    )
    assert response.status_code == 422  # read and checked: a birth needs its details
    assert response.json()["type"] == "/problems/invalid-request"


@pytest.mark.parametrize("chunked", [False, True])
def test_the_portal_refuses_a_large_form_with_a_page(limited: TestClient, chunked: bool) -> None:
    form = b"csrf_token=x&name=" + b"a" * LIMIT
    response = limited.post(
        "/sign-in",
        content=chunks(form) if chunked else form,
        headers={**PAGE, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "govuk-heading-l" in response.text
    assert response.headers["cache-control"] == "no-store"


def test_responses_to_citizens_and_recipients_are_never_stored(
    client: TestClient, hub: Hub
) -> None:
    session = client.post("/api/v1/demo/sessions")
    assert session.headers["cache-control"] == "no-store"  # it carries a token
    report = submit_move(client)
    auth = sign_in(client)
    citizen = {"Authorization": client.headers.get("Authorization", "")} | auth
    for path in ("/api/v1/reports", f"/api/v1/reports/{report['reference']}", "/api/v1/consents"):
        response = client.get(path, headers=citizen)
        assert response.headers["cache-control"] == "no-store", path
    dwp = key_for(hub, "dwp")
    feed = client.get("/api/v1/feed", headers=dwp)
    assert feed.status_code == 200 and feed.json()["events"]
    assert feed.headers["cache-control"] == "no-store"
    disclosure = feed.json()["events"][0]["id"]
    acknowledged = client.post(f"/api/v1/disclosures/{disclosure}/acknowledgement", headers=dwp)
    assert acknowledged.headers["cache-control"] == "no-store"
    # Problems answered to a caller with credentials too: they may be about someone's data.
    wrong = client.get("/api/v1/reports/TLO-33Q3-3GRW", headers=citizen)
    assert wrong.status_code == 404 and wrong.headers["cache-control"] == "no-store"
    unauthenticated = client.get("/api/v1/feed", headers={"Authorization": "Bearer nonsense"})
    assert unauthenticated.headers["cache-control"] == "no-store"


def test_public_resources_keep_their_own_caching(client: TestClient) -> None:
    assert client.get("/log/key").headers["cache-control"] == "public, max-age=3600"
    assert "cache-control" not in client.get("/api/v1/schemas/birth/v1.json").headers
    # Its own, stricter, header stands.
    access = client.post("/api/v1/access-requests", headers=sign_in(client))
    assert access.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/api/v1/reports", "GET, POST"),  # two routes share the path
        ("DELETE", "/api/v1/feed", "GET"),
        ("GET", "/api/v1/acknowledgements", "POST"),
        ("POST", "/healthz", "GET"),
        ("POST", "/assets/govuk-frontend.min.css", "GET, HEAD"),
    ],
)
def test_a_405_from_the_api_says_what_is_allowed(
    client: TestClient, method: str, path: str, allowed: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/report", "GET, POST"),
        ("POST", "/reports", "GET"),
        ("PUT", "/sign-in", "GET, POST"),
    ],
)
def test_a_405_from_the_portal_is_a_page_that_says_what_is_allowed(
    client: TestClient, method: str, path: str, allowed: str
) -> None:
    response = client.request(method, path, headers=PAGE)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert response.headers["content-type"].startswith("text/html")


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    for path in ("/api/v1/reports", "/healthz", "/log/checkpoint", "/static/init.js", "/nowhere"):
        response = client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "same-origin", path
        assert response.headers["x-frame-options"] == "DENY", path
        assert "strict-transport-security" not in response.headers  # plain http here
