"""The API as a client uses it: demo sign-in, report bodies, previews, submissions, recipient
keys."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from tellonce.bootstrap import Hub
from tellonce.domain.examples import example_payload
from tellonce.service_layer.identity import create_recipient_key, start_session
from tellonce.service_layer.ports.identity import Account
from tests.fakes import FakeClock
from tests.support.registrations import registered


def sign_in(client: TestClient, name: str | None = None) -> dict[str, str]:
    response = client.post("/api/v1/demo/sessions", json={"name": name} if name else None)
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def signed_in_account(hub: Hub, name: str) -> Account:
    """The account of a citizen signed in as ``name`` (an hour's session), without HTTP."""
    return start_session(
        "test",
        name,
        uow_factory=hub.uow,
        vault=hub.vault,
        clock=hub.clock,
        lifetime=timedelta(hours=1),
    ).account


def draft(
    event_type: str = "change-of-address", *, today: date | None = None, **answers: bool
) -> dict[str, Any]:
    """A report's body with dates relative to ``today`` (the fake clock's day by default)."""
    payload = example_payload(event_type, today=today or FakeClock().now().date())
    return {
        "event_type": event_type,
        "payload": payload,
        "answers": {k.replace("_", "-"): v for k, v in answers.items()},
    }


def previewed(client: TestClient, auth: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/reports/preview", json=body, headers=auth)
    assert response.status_code == 200, response.text
    preview: dict[str, Any] = response.json()
    return preview


def submission(
    client: TestClient,
    auth: dict[str, str],
    consents: dict[str, bool] | None = None,
    *,
    today: date | None = None,
    **answers: bool,
) -> dict[str, Any]:
    body = draft(today=today)
    body["answers"] = {k.replace("_", "-"): v for k, v in answers.items()}
    body["preview_digest"] = previewed(client, auth, body)["preview_digest"]
    body["consents"] = consents or {}
    return body


def count(hub: Hub, table: sa.Table) -> int:
    with hub.engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def key_for(hub: Hub, recipient: str) -> dict[str, str]:
    """A key of the hub's own traffic: test keys on demo and development hubs, live keys in
    production (a key sees only its environment's disclosures, ADR 0089)."""
    issued = create_recipient_key(recipient, hub.traffic, None, uow=hub.uow(), clock=hub.clock)
    return {"Authorization": f"Bearer {issued.key}"}


def charity_report(client: TestClient) -> dict[str, Any]:
    auth = sign_in(client, "mover")
    body = submission(client, auth, {"charity-newsletter": True}, holds_driving_licence=True)
    report: dict[str, Any] = client.post("/api/v1/reports", json=body, headers=auth).json()
    return report


def submit_death(client: TestClient, auth: dict[str, str]) -> dict[str, Any]:
    """A death reported through the API with a registrar's reference (ADR 0087), every
    question answered no."""
    hub: Hub = client.app.state.hub  # type: ignore[attr-defined]
    body = draft("death", today=hub.clock.now().date())
    body["payload"] = registered(hub, "death", body["payload"])
    preview = previewed(client, auth, body)
    body["answers"] = {q["id"]: False for q in preview["questions"]}
    body["preview_digest"] = previewed(client, auth, body)["preview_digest"]
    body["consents"] = {}
    response = client.post("/api/v1/reports", json=body, headers=auth)
    assert response.status_code == 201, response.text
    report: dict[str, Any] = response.json()
    return report
