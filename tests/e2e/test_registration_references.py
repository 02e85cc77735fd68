"""Authority to report a death or a birth (ADR 0087), through the API on SQLite and
PostgreSQL: a registrar records the registration and gets a reference, valid 28 days, used once,
bound to the registered details; reports must carry a matching one."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tellonce.bootstrap import Hub
from tellonce.domain.examples import example_payload
from tellonce.service_layer.identity import create_registrar_key
from tests.fakes import FakeClock
from tests.support.api import key_for, sign_in

RECORD = "/api/v1/registrar/registrations"


def registrar(hub: Hub) -> dict[str, str]:
    issued = create_registrar_key(
        "sheffield-register-office",
        "test",
        None,
        uow_factory=hub.uow,
        vault=hub.vault,
        clock=hub.clock,
    )
    return {"Authorization": f"Bearer {issued.key}"}


def death(hub: Hub) -> dict[str, Any]:
    return example_payload("death", today=hub.clock.now().date())


def record_death(client: TestClient, hub: Hub, payload: dict[str, Any]) -> str:
    deceased = payload["deceased"]
    response = client.post(
        RECORD,
        json={
            "event_type": "death",
            "name": deceased["name"],
            "date_of_birth": deceased["date_of_birth"],
            "date_of_death": deceased["date_of_death"],
            "district": payload["registration"]["district"],
        },
        headers=registrar(hub),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["event_type"] == "death" and body["reference"].startswith("TUO-")
    reference: str = body["reference"]
    return reference


def report(payload: dict[str, Any], reference: str) -> dict[str, Any]:
    sent = copy.deepcopy(payload)
    sent["registration"]["reference"] = reference
    return {"event_type": "death", "payload": sent, "answers": {}}


def _problem_at(response: Any, pointer: str) -> str:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    errors: dict[str, str] = {e["pointer"]: e["detail"] for e in response.json()["errors"]}
    assert pointer in errors, errors
    return errors[pointer]


def _submit(client: TestClient, auth: dict[str, str], body: dict[str, Any]) -> Any:
    preview = client.post("/api/v1/reports/preview", json=body, headers=auth)
    if preview.status_code != 200:
        return preview
    answers = {q["id"]: False for q in preview.json()["questions"]}
    body = {**body, "answers": answers}
    preview = client.post("/api/v1/reports/preview", json=body, headers=auth).json()
    full = {**body, "consents": {}, "preview_digest": preview["preview_digest"]}
    return client.post("/api/v1/reports", json=full, headers=auth)


def test_an_informant_reports_a_death_with_the_registrars_reference_once(
    client: TestClient, hub: Hub
) -> None:
    payload = death(hub)
    reference = record_death(client, hub, payload)
    informant = sign_in(client, "informant")
    preview = client.post(
        "/api/v1/reports/preview", json=report(payload, reference), headers=informant
    )
    assert preview.status_code == 200, preview.text
    # The preview says what the registrar recorded.
    assert preview.json()["registration"] == {
        "given_names": "Margaret Anne",
        "family_name": "Hughes",
        "date_of_birth": payload["deceased"]["date_of_birth"],
        "date_of_death": payload["deceased"]["date_of_death"],
        "district": "Sheffield",
    }
    assert _submit(client, informant, report(payload, reference)).status_code == 201
    # Single use: the same reference again (by anyone) is refused, naming the field.
    again = _submit(client, sign_in(client, "someone else"), report(payload, reference))
    assert "already been used" in _problem_at(again, "#/payload/registration/reference")


def test_names_and_district_match_tolerantly_and_dates_strictly(
    client: TestClient, hub: Hub
) -> None:
    payload = death(hub)
    reference = record_death(client, hub, payload)
    informant = sign_in(client, "informant")
    wrong_date = copy.deepcopy(payload)
    died = wrong_date["deceased"]["date_of_death"]
    wrong_date["deceased"]["date_of_death"] = died[:-2] + f"{int(died[-2:]) - 1:02d}"
    refused = _submit(client, informant, report(wrong_date, reference))
    assert "does not match" in _problem_at(refused, "#/payload/deceased/date_of_death")
    other_name = copy.deepcopy(payload)
    other_name["deceased"]["name"]["family_name"] = "Hughes-Smith"
    refused = _submit(client, informant, report(other_name, reference))
    _problem_at(refused, "#/payload/deceased/name/family_name")
    # Letter case, spacing and accents do not count.
    tolerated = copy.deepcopy(payload)
    tolerated["deceased"]["name"] = {"given_names": "MARGARET  anne", "family_name": "Hughés"}
    tolerated["registration"]["district"] = "sheffield"
    assert (
        _submit(client, informant, report(tolerated, f" {reference.lower()} ")).status_code == 201
    )


def test_unknown_expired_and_missing_references_are_refused(client: TestClient, hub: Hub) -> None:
    payload = death(hub)
    informant = sign_in(client, "informant")
    unknown = _submit(client, informant, report(payload, "TUO-0000-0000-0000"))
    assert "not recognised" in _problem_at(unknown, "#/payload/registration/reference")
    # The register entry's own number is not the hub's reference.
    assert _submit(client, informant, report(payload, "DR/SHF/001873")).status_code == 422
    reference = record_death(client, hub, payload)
    assert isinstance(hub.clock, FakeClock)
    hub.clock.advance(timedelta(days=28))
    informant = sign_in(client, "informant")  # a new session: the first has ended
    expired = _submit(client, informant, report(payload, reference))
    assert "expired" in _problem_at(expired, "#/payload/registration/reference")


def test_only_a_registrar_key_records_registrations(client: TestClient, hub: Hub) -> None:
    body = {
        "event_type": "birth",
        "name": {"given_names": "Ada", "family_name": "Lovelace"},
        "date_of_birth": str(hub.clock.now().date() - timedelta(days=3)),
        "district": "Leeds",
    }
    for headers, status in (
        ({}, 401),
        (sign_in(client, "citizen"), 401),
        (key_for(hub, "dwp"), 403),  # a valid key without the registrar scope (ADR 0089)
    ):
        response = client.post(RECORD, json=body, headers=headers)
        assert response.status_code == status, headers
        assert response.headers["content-type"].startswith("application/problem+json")
    missing = client.post(RECORD, json={**body, "event_type": "death"}, headers=registrar(hub))
    _problem_at(missing, "#/date_of_death")
    assert client.post(RECORD, json=body, headers=registrar(hub)).status_code == 201
