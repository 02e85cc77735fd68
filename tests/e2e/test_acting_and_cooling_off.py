"""Acting for others and the address cooling-off through the HTTP API (ADR 0088), on SQLite
and PostgreSQL, with the fake clock moved by hand."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tellonce.adapters.database.schema import citizen_messages, log_entries
from tellonce.bootstrap import Hub, build_vault
from tellonce.service_layer.catalogue import load_catalogue
from tests.factories import small_catalogue
from tests.fakes import FakeClock
from tests.support.api import draft, key_for, previewed, sign_in, submission
from tests.support.databases import make_settings
from tests.support.registrations import registered

HOLD = timedelta(minutes=60)


@pytest.fixture
def hub(engine: sa.Engine, tmp_path: Path, clock: FakeClock) -> Iterator[Hub]:
    settings = make_settings(tmp_path, engine.url.render_as_string(hide_password=False))
    settings = settings.model_copy(update={"address_cooling_off_minutes": 60})
    yield Hub(settings=settings, engine=engine, vault=build_vault(settings), clock=clock)


def submit_move(client: TestClient, auth: dict[str, str]) -> dict[str, Any]:
    body = submission(client, auth, {"charity-newsletter": False}, holds_driving_licence=True)
    response = client.post("/api/v1/reports", json=body, headers=auth)
    assert response.status_code == 201, response.text
    report: dict[str, Any] = response.json()
    return report


def feed_ids(client: TestClient, hub: Hub, recipient: str) -> list[str]:
    response = client.get("/api/v1/feed", headers=key_for(hub, recipient))
    assert response.status_code == 200, response.text
    return [event["id"] for event in response.json()["events"]]


def templates(hub: Hub) -> list[str]:
    with hub.engine.connect() as connection:
        return list(connection.execute(sa.select(citizen_messages.c.template)).scalars())


def test_a_change_of_address_waits_out_its_cooling_off(
    client: TestClient, hub: Hub, clock: FakeClock
) -> None:
    auth = sign_in(client)
    report = submit_move(client, auth)
    submitted = clock.now()
    assert report["reporter_role"] == "self"
    assert report["subject"] == "you"
    assert report["held_until"] is not None
    assert report["cancelled_at"] is None
    assert templates(hub) == ["address-change-held"]
    clock.advance(HOLD - timedelta(seconds=1))
    assert feed_ids(client, hub, "leeds-electoral") == []  # nothing leaves before the end
    clock.advance(timedelta(seconds=1))
    assert clock.now() == submitted + HOLD
    [fed] = feed_ids(client, hub, "leeds-electoral")
    assert fed in {d["id"] for d in report["disclosures"]}
    late = client.post(f"/api/v1/reports/{report['reference']}/cancellation", headers=auth)
    assert late.status_code == 409
    assert late.headers["content-type"].startswith("application/problem+json")


def test_a_cancelled_change_of_address_is_never_sent(
    client: TestClient, hub: Hub, clock: FakeClock
) -> None:
    auth = sign_in(client)
    first = submit_move(client, auth)
    clock.advance(HOLD * 2)  # the first went out; a second move, later, is held
    feed_ids(client, hub, "leeds-electoral")
    report = submit_move(client, auth)
    assert templates(hub).count("address-change-held") == 3  # the second: to both addresses
    reference = report["reference"]
    other = client.post(f"/api/v1/reports/{reference}/cancellation", headers=sign_in(client))
    assert other.status_code == 404  # not someone else's to cancel
    response = client.post(f"/api/v1/reports/{reference}/cancellation", headers=auth)
    assert response.status_code == 200, response.text
    cancelled = response.json()
    assert cancelled["cancelled_at"] is not None
    assert {d["state"] for d in cancelled["disclosures"]} == {"cancelled"}
    again = client.post(f"/api/v1/reports/{reference}/cancellation", headers=auth)
    assert again.status_code == 409
    assert "already been cancelled" in again.json()["detail"]
    with hub.engine.connect() as connection:
        kinds = list(connection.execute(sa.select(log_entries.c.kind)).scalars())
    assert kinds.count("report-cancelled") == 1
    assert "address-change-cancelled" in templates(hub)
    clock.advance(HOLD * 2)
    fed = feed_ids(client, hub, "leeds-electoral")
    assert set(fed).isdisjoint({d["id"] for d in report["disclosures"]})
    assert set(fed) <= {d["id"] for d in first["disclosures"]}
    status = client.get(f"/api/v1/reports/{reference}", headers=auth).json()
    assert {d["state"] for d in status["disclosures"]} == {"cancelled"}


def test_an_executor_reports_a_death_and_the_recipient_that_agreed_sees_the_role(
    client: TestClient, hub: Hub
) -> None:
    catalogue = small_catalogue()
    agreements = tuple(
        dataclasses.replace(
            a,
            fields={
                **a.fields,
                "death": (*a.fields["death"], "reporter.role"),
            },
        )
        if a.id == "dwp-moves"
        else a
        for a in catalogue.agreements
    )
    load_catalogue(
        dataclasses.replace(catalogue, agreements=agreements), uow=hub.uow(), clock=hub.clock
    )
    auth = sign_in(client)
    body = draft("death")
    body["payload"] = registered(hub, "death", body["payload"])
    body["payload"]["reporter"] = {"role": "executor"}
    body["preview_digest"] = previewed(client, auth, body)["preview_digest"]
    body["consents"] = {}
    response = client.post("/api/v1/reports", json=body, headers=auth)
    assert response.status_code == 201, response.text
    report = response.json()
    assert (report["reporter_role"], report["subject"]) == ("executor", "the person who died")
    assert report["held_until"] is None  # only a change of address is held
    [event] = client.get("/api/v1/feed", headers=key_for(hub, "dwp")).json()["events"]
    assert event["data"]["payload"]["reporter"] == {"role": "executor"}


def test_a_role_the_event_does_not_allow_is_a_problem_naming_the_field(
    client: TestClient,
) -> None:
    auth = sign_in(client)
    body = draft("change-of-address", holds_driving_licence=True)
    body["payload"]["reporter"] = {"role": "parent"}
    response = client.post("/api/v1/reports/preview", json=body, headers=auth)
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert any("reporter" in str(e) for e in problem["errors"])
