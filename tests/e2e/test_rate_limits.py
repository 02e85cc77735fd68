"""Rate limits, on SQLite and PostgreSQL: per API key on every keyed call, per session and per
client address on signing in, previews and submissions; 429 problem+json (or a page) with
Retry-After; counts shared by every process through the database store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tellonce.bootstrap import Hub
from tellonce.entrypoints.asgi import create_app
from tellonce.service_layer.catalogue import load_catalogue
from tests.factories import small_catalogue
from tests.fakes import FakeClock
from tests.support.api import draft, key_for, sign_in


@contextmanager
def limited(hub: Hub, **limits: Any) -> Iterator[tuple[Hub, TestClient]]:
    settings = hub.settings.model_copy(update=limits)
    limited_hub = Hub(settings=settings, engine=hub.engine, vault=hub.vault, clock=hub.clock)
    load_catalogue(small_catalogue(), uow=limited_hub.uow(), clock=limited_hub.clock)
    with TestClient(create_app(limited_hub), raise_server_exceptions=False) as client:
        yield limited_hub, client


def _refused(response: Any) -> int:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "/problems/too-many-requests"
    wait = int(response.headers["retry-after"])
    assert 1 <= wait <= 60
    return wait


def test_each_api_key_has_its_own_limit_until_the_window_ends(hub: Hub) -> None:
    with limited(hub, rate_limit_per_key=3) as (limited_hub, client):
        dwp, dvla = key_for(limited_hub, "dwp"), key_for(limited_hub, "dvla")
        for _ in range(3):
            assert client.get("/api/v1/feed", headers=dwp).status_code == 200
        wait = _refused(client.get("/api/v1/feed", headers=dwp))
        assert client.get("/api/v1/feed", headers=dvla).status_code == 200  # another key
        clock = limited_hub.clock
        assert isinstance(clock, FakeClock)
        clock.advance(timedelta(seconds=wait))
        assert client.get("/api/v1/feed", headers=dwp).status_code == 200


def test_previews_and_submissions_are_limited_per_session(hub: Hub) -> None:
    with limited(hub, rate_limit_per_session=2) as (_, client):
        mine, theirs = sign_in(client, "a"), sign_in(client, "b")
        body = draft()
        for _ in range(2):
            response = client.post("/api/v1/reports/preview", json=body, headers=mine)
            assert response.status_code == 200
        _refused(client.post("/api/v1/reports/preview", json=body, headers=mine))
        _refused(client.post("/api/v1/reports", json=body, headers=mine))
        ok = client.post("/api/v1/reports/preview", json=body, headers=theirs)
        assert ok.status_code == 200
        # Pages that are not sign-in, preview or submission are not counted.
        assert client.get("/api/v1/reports", headers=mine).status_code == 200


def test_signing_in_is_limited_per_client_address_with_a_page(hub: Hub) -> None:
    with limited(hub, rate_limit_per_address=3) as (_, client):
        for name in ("one", "two", "three"):
            assert client.post("/api/v1/demo/sessions", json={"name": name}).status_code == 201
        _refused(client.post("/api/v1/demo/sessions", json={"name": "four"}))
        page = client.post("/sign-in", data={"demo-name": "x"}, headers={"accept": "text/html"})
        assert page.status_code == 429
        assert page.headers["content-type"].startswith("text/html")
        assert "too many attempts" in page.text
        assert int(page.headers["retry-after"]) >= 1


def test_the_database_store_is_shared_by_every_process(hub: Hub) -> None:
    """Two apps on one database stand for two server processes: one count between them."""
    settings = {"rate_limit_per_key": 4, "rate_limit_store": "database"}
    with limited(hub, **settings) as (first_hub, first), limited(hub, **settings) as (_, second):
        dwp = key_for(first_hub, "dwp")
        for client in (first, second, first, second):
            assert client.get("/api/v1/feed", headers=dwp).status_code == 200
        _refused(first.get("/api/v1/feed", headers=dwp))
        _refused(second.get("/api/v1/feed", headers=dwp))


def test_limits_can_be_switched_off(hub: Hub) -> None:
    with limited(hub, rate_limits=False, rate_limit_per_key=1) as (limited_hub, client):
        dwp = key_for(limited_hub, "dwp")
        for _ in range(3):
            assert client.get("/api/v1/feed", headers=dwp).status_code == 200
