"""Idempotency-Key on submission: per caller, 24 hours, replay / 422 / 409."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient

from tellonce.adapters.database.schema import reports
from tellonce.bootstrap import Hub
from tests.fakes import FakeClock
from tests.support.api import count, sign_in, submission


def test_a_repeat_returns_the_first_result(client: TestClient, hub: Hub) -> None:
    auth = sign_in(client)
    body = submission(client, auth, holds_driving_licence=True)
    first = client.post("/api/v1/reports", json=body, headers={**auth, "Idempotency-Key": "a1"})
    again = client.post("/api/v1/reports", json=body, headers={**auth, "Idempotency-Key": "a1"})
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json()["reference"] == again.json()["reference"]
    assert count(hub, reports) == 1


def test_the_same_key_with_a_different_body_is_refused(client: TestClient, hub: Hub) -> None:
    auth = sign_in(client)
    body = submission(client, auth, holds_driving_licence=True)
    assert client.post("/api/v1/reports", json=body, headers={**auth, "Idempotency-Key": "b"})
    changed = {**body, "answers": {"holds-driving-licence": False}}
    changed["preview_digest"] = client.post(
        "/api/v1/reports/preview",
        json={k: changed[k] for k in ("event_type", "payload", "answers")},
        headers=auth,
    ).json()["preview_digest"]
    response = client.post(
        "/api/v1/reports", json=changed, headers={**auth, "Idempotency-Key": "b"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/header/Idempotency-Key"
    assert count(hub, reports) == 1


def test_keys_are_scoped_per_caller(client: TestClient, hub: Hub) -> None:
    alice, bob = sign_in(client, "alice"), sign_in(client, "bob")
    for auth in (alice, bob):
        body = submission(client, auth, holds_driving_licence=True)
        response = client.post(
            "/api/v1/reports", json=body, headers={**auth, "Idempotency-Key": "same"}
        )
        assert response.status_code == 201
        assert "Idempotent-Replayed" not in response.headers
    assert count(hub, reports) == 2


def test_a_concurrent_repeat_gets_409(client: TestClient, hub: Hub) -> None:
    auth = sign_in(client)
    body = submission(client, auth, holds_driving_licence=True)
    # Another request holds the key: claimed, not yet completed.
    caller = client.get("/api/v1/reports", headers=auth)  # proves the session is live
    assert caller.status_code == 200
    account_id = _account_of(hub)
    now = hub.clock.now()
    with hub.uow() as uow:
        claim = uow.idempotency.claim(
            str(account_id),
            "busy",
            _digest_of(body),
            now,
            now + timedelta(minutes=2),
            now + timedelta(hours=24),
        )
        uow.commit()
    assert claim.status == "claimed"
    response = client.post(
        "/api/v1/reports", json=body, headers={**auth, "Idempotency-Key": "busy"}
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert count(hub, reports) == 0


def test_an_abandoned_claim_is_retaken_after_its_lock_expires(client: TestClient, hub: Hub) -> None:
    auth = sign_in(client)
    body = submission(client, auth, holds_driving_licence=True)
    now = hub.clock.now()
    account_id = _account_of(hub)
    with hub.uow() as uow:
        uow.idempotency.claim(
            str(account_id),
            "crashed",
            _digest_of(body),
            now,
            now + timedelta(minutes=2),
            now + timedelta(hours=24),
        )
        uow.commit()
    assert isinstance(hub.clock, FakeClock)
    hub.clock.advance(timedelta(minutes=3))
    response = client.post(
        "/api/v1/reports", json=body, headers={**auth, "Idempotency-Key": "crashed"}
    )
    assert response.status_code == 201


def test_keys_expire_after_24_hours(client: TestClient, hub: Hub) -> None:
    auth = sign_in(client)
    body = submission(client, auth, holds_driving_licence=True)
    headers = {**auth, "Idempotency-Key": "day"}
    first = client.post("/api/v1/reports", json=body, headers=headers).json()["reference"]
    assert isinstance(hub.clock, FakeClock)
    hub.clock.advance(timedelta(hours=11))
    assert client.post("/api/v1/reports", json=body, headers=headers).json()["reference"] == first
    hub.clock.advance(timedelta(hours=13, seconds=1))
    auth = sign_in(client)  # the first session has ended by now
    headers = {**auth, "Idempotency-Key": "day"}
    body = submission(client, auth, holds_driving_licence=True)
    later = client.post("/api/v1/reports", json=body, headers=headers)
    assert later.status_code == 201
    assert later.json()["reference"] != first


def test_a_malformed_key_is_a_422_naming_the_header(client: TestClient) -> None:
    auth = sign_in(client)
    body = submission(client, auth, holds_driving_licence=True)
    response = client.post(
        "/api/v1/reports", json=body, headers={**auth, "Idempotency-Key": "x" * 256}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/header/Idempotency-Key"


def _account_of(hub: Hub) -> object:
    from tellonce.adapters.database.schema import accounts

    with hub.engine.connect() as connection:
        return connection.execute(sa.select(accounts.c.id)).scalar_one()


def _digest_of(body: dict[str, object]) -> str:
    from tellonce.service_layer.reporting import ReportDraft, ReportSubmission, _request_digest

    return _request_digest(
        ReportSubmission(
            draft=ReportDraft(body["event_type"], body["payload"], body["answers"]),  # type: ignore[arg-type]
            consents=body["consents"],  # type: ignore[arg-type]
            preview_digest=body["preview_digest"],  # type: ignore[arg-type]
            method="api",
        )
    )
