"""Report intake through the HTTP API, on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tellonce.adapters.database.schema import (
    consent_records,
    delivery_queue,
    disclosure_sequences,
    disclosures,
    idempotency_keys,
    log_delivery_commitments,
    log_entries,
    log_pending,
    people,
    reports,
)
from tellonce.bootstrap import Hub
from tellonce.domain.events import EVENT_TYPES
from tests.support.api import count, draft, previewed, sign_in, submission
from tests.support.registrations import registered

# Everything a submission writes: a failure part-way must leave each as it was.
SUBMISSION_TABLES = (
    reports,
    disclosures,
    delivery_queue,
    consent_records,
    idempotency_keys,
    people,
    disclosure_sequences,
    log_entries,
    log_pending,
    log_delivery_commitments,
)


def test_preview_shows_who_is_told_why_and_what(client: TestClient) -> None:
    auth = sign_in(client)
    preview = previewed(client, auth, draft(holds_driving_licence=True))
    assert preview["complete"] is True
    by_law = {r["agreement_id"]: r for r in preview["by_law"]}
    assert set(by_law) == {
        "dwp-moves",
        "dvla-moves",
        "leeds-council-tax-moves",
        "manchester-council-tax-moves",
        "leeds-electoral-moves",
    }
    assert [r["agreement_id"] for r in preview["by_consent"]] == ["charity-newsletter"]
    manchester = by_law["manchester-council-tax-moves"]
    assert manchester["data"]["previous_address"] == {"postcode": "LS6 2AB"}
    assert manchester["legal_basis"]["gateway"] == "Digital Economy Act 2017, section 35"
    assert any("new address" in reason for reason in manchester["reasons"])


def test_preview_asks_the_routing_questions(client: TestClient) -> None:
    preview = previewed(client, sign_in(client), draft())
    assert preview["complete"] is False
    assert preview["questions"] == [
        {"id": "holds-driving-licence", "text": "Does the person hold a UK driving licence?"}
    ]


def test_submit_writes_report_disclosures_outbox_and_consent_in_one_go(
    client: TestClient, hub: Hub
) -> None:
    auth = sign_in(client)
    body = submission(client, auth, {"charity-newsletter": False}, holds_driving_licence=True)
    response = client.post("/api/v1/reports", json=body, headers=auth)
    assert response.status_code == 201, response.text
    report = response.json()
    assert response.headers["Location"] == f"/api/v1/reports/{report['reference']}"
    told = {d["agreement_id"] for d in report["disclosures"]}
    assert "charity-newsletter" not in told  # consent refused
    assert len(told) == 5
    assert all(d["state"] == "queued" for d in report["disclosures"])
    assert count(hub, delivery_queue) == 5
    with hub.engine.connect() as connection:
        consent = connection.execute(sa.select(consent_records)).mappings().one()
        sealed = connection.execute(sa.select(reports.c.sealed_payload)).scalar_one()
    assert consent["decision"] == "refused"
    assert consent["preview_digest"] == body["preview_digest"]
    assert consent["method"] == "api"
    assert b"LS6 2AB" not in sealed and b"Jones" not in sealed  # encrypted at rest


def test_consent_given_adds_the_recipient(client: TestClient) -> None:
    auth = sign_in(client)
    body = submission(client, auth, {"charity-newsletter": True}, holds_driving_licence=False)
    report = client.post("/api/v1/reports", json=body, headers=auth).json()
    told = {d["agreement_id"]: d for d in report["disclosures"]}
    assert "charity-newsletter" in told and "dvla-moves" not in told
    assert told["charity-newsletter"]["basis"] == "consent"
    assert told["charity-newsletter"]["fields"] == ["person.name", "new_address.postcode"]


def test_status_and_list_are_only_for_the_reporter(client: TestClient) -> None:
    alice, bob = sign_in(client, "alice"), sign_in(client, "bob")
    body = submission(client, alice, holds_driving_licence=True)
    reference = client.post("/api/v1/reports", json=body, headers=alice).json()["reference"]
    assert client.get(f"/api/v1/reports/{reference}", headers=alice).status_code == 200
    assert client.get(f"/api/v1/reports/{reference.lower()}", headers=alice).status_code == 200
    hidden = client.get(f"/api/v1/reports/{reference}", headers=bob)
    assert hidden.status_code == 404
    assert hidden.headers["content-type"] == "application/problem+json"
    assert [
        r["reference"] for r in client.get("/api/v1/reports", headers=alice).json()["reports"]
    ] == [reference]
    assert client.get("/api/v1/reports", headers=bob).json()["reports"] == []
    assert sign_in(client, "alice") != alice  # a new session for the same citizen...
    again = client.get("/api/v1/reports", headers=sign_in(client, "alice")).json()["reports"]
    assert [r["reference"] for r in again] == [reference]  # ...sees the same reports


def test_an_unanswered_question_names_the_answer_at_fault(client: TestClient) -> None:
    auth = sign_in(client)
    body = submission(client, auth)
    response = client.post("/api/v1/reports", json=body, headers=auth)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "pointer": "#/answers/holds-driving-licence",
            "detail": "Answer the question: Does the person hold a UK driving licence?",
        }
    ]


def test_a_consent_not_offered_is_refused(client: TestClient) -> None:
    auth = sign_in(client)
    body = submission(client, auth, {"dwp-moves": True}, holds_driving_licence=True)
    response = client.post("/api/v1/reports", json=body, headers=auth)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/consents/dwp-moves"


def test_a_stale_preview_is_refused(client: TestClient) -> None:
    auth = sign_in(client)
    body = submission(client, auth, holds_driving_licence=True)
    body["preview_digest"] = "0" * 64
    response = client.post("/api/v1/reports", json=body, headers=auth)
    assert response.status_code == 409
    assert response.json()["errors"][0]["pointer"] == "#/preview_digest"
    assert count_reports(client) == 0


def count_reports(client: TestClient) -> int:
    hub: Hub = client.app.state.hub  # type: ignore[attr-defined]
    return count(hub, reports)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_life_event_can_be_submitted(client: TestClient, hub: Hub, event_type: str) -> None:
    auth = sign_in(client)
    body = draft(event_type)
    # A death or a birth carries the register office's reference (ADR 0087).
    body["payload"] = registered(hub, event_type, body["payload"])
    preview = previewed(client, auth, body)
    body["answers"] = {q["id"]: True for q in preview["questions"]}
    body["preview_digest"] = previewed(client, auth, body)["preview_digest"]
    response = client.post("/api/v1/reports", json=body, headers=auth)
    assert response.status_code == 201, response.text
    assert response.json()["event_type"] == event_type


def test_without_a_session_the_api_answers_401_problem(client: TestClient) -> None:
    response = client.post("/api/v1/reports/preview", json=draft())
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    forged = client.get("/api/v1/reports", headers={"Authorization": "Bearer tlo_session_nope"})
    assert forged.status_code == 401


def test_a_recipient_key_is_not_a_citizen_session(client: TestClient, hub: Hub) -> None:
    from tellonce.service_layer.identity import create_recipient_key

    issued = create_recipient_key("dwp", "live", None, uow=hub.uow(), clock=hub.clock)
    assert issued.key.startswith("tlo_live_")
    response = client.get("/api/v1/reports", headers={"Authorization": f"Bearer {issued.key}"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("module", "cls", "method"),
    [
        ("reports", "SqlReportRepository", "add"),  # the report, disclosures, queue, consents
        ("transparency", "SqlTransparencyLogRepository", "prepare_commitments"),  # the last write
    ],
)
def test_one_transaction_a_failure_mid_submit_leaves_nothing(
    client: TestClient,
    hub: Hub,
    monkeypatch: pytest.MonkeyPatch,
    module: str,
    cls: str,
    method: str,
) -> None:
    repository = getattr(
        importlib.import_module(f"tellonce.adapters.database.repositories.{module}"), cls
    )
    original = getattr(repository, method)

    def write_then_fail(self: Any, *args: Any) -> None:
        original(self, *args)  # the rows are written...
        raise RuntimeError("the database went away")  # ...then the process fails

    auth = sign_in(client)
    body = submission(client, auth, {"charity-newsletter": True}, holds_driving_licence=True)
    before = {table.name: count(hub, table) for table in SUBMISSION_TABLES}
    monkeypatch.setattr(repository, method, write_then_fail)
    response = client.post("/api/v1/reports", json=body, headers={**auth, "Idempotency-Key": "k-1"})
    assert response.status_code == 500, response.text
    assert response.json()["detail"] == "Try again later"
    assert {table.name: count(hub, table) for table in SUBMISSION_TABLES} == before
    assert before["reports"] == 0 and before["log_entries"] > 0  # the catalogue's entries stay
    monkeypatch.setattr(repository, method, original)
    retry = client.post("/api/v1/reports", json=body, headers={**auth, "Idempotency-Key": "k-1"})
    assert retry.status_code == 201  # the key was released, so the retry goes through
