"""Withdrawing consent over the API: before delivery nothing leaves; after delivery the
recipient is told (pushed, and in the feed), and the transparency log records it."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tellonce.bootstrap import Hub
from tellonce.domain.catalogue import Catalogue, Channel
from tellonce.entrypoints.demo.receivers import ReceiverServer
from tellonce.service_layer.catalogue import load_catalogue
from tests.factories import small_catalogue
from tests.support.api import charity_report, key_for, sign_in, submission
from tests.support.delivery import connect, report_of, run_rounds, states

WITHDRAWN_TYPE = "uk.tellonce.disclosure.consent-withdrawn"


@pytest.fixture
def receiver() -> Iterator[ReceiverServer]:
    with ReceiverServer() as server:
        yield server


def consent_of(client: TestClient, reference: str) -> dict[str, Any]:
    consents = client.get("/api/v1/consents", headers=sign_in(client, "mover")).json()["consents"]
    [consent] = [c for c in consents if c["report_reference"] == reference]
    found: dict[str, Any] = consent
    return found


def withdraw(client: TestClient, consent_id: str, who: str = "mover") -> Any:
    return client.post(f"/api/v1/consents/{consent_id}/withdrawal", headers=sign_in(client, who))


def charity_pushes_too(hub: Hub) -> None:
    catalogue = small_catalogue()
    charity = dataclasses.replace(catalogue.recipients["a-charity"], channel=Channel.BOTH)
    both = Catalogue({**catalogue.recipients, "a-charity": charity}, catalogue.agreements)
    load_catalogue(both, uow=hub.uow(), clock=hub.clock)


def log_kinds(hub: Hub) -> list[str]:
    with hub.uow() as uow:
        return [json.loads(entry)["kind"] for _, entry in uow.log.pending(10_000)]


def test_withdrawing_before_delivery_means_nothing_is_ever_sent(
    client: TestClient, hub: Hub
) -> None:
    report = charity_report(client)
    consent = consent_of(client, report["reference"])
    assert consent["decision"] == "granted" and consent["withdrawn_at"] is None
    response = withdraw(client, consent["id"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["disclosure_state"] == "withdrawn" and body["recipient_told"] is False
    assert states(report_of(client, report["reference"]))["a-charity"] == "withdrawn"
    charity = key_for(hub, "a-charity")
    feed = client.get("/api/v1/feed", headers=charity).json()
    assert feed["events"] == []  # never served, so never delivered
    notices = client.get("/api/v1/feed?state=consent-withdrawn", headers=charity).json()
    assert notices["events"] == []  # it never had the data: nothing to tell it
    disclosure = next(d for d in report["disclosures"] if d["recipient"]["id"] == "a-charity")
    ack = client.post(f"/api/v1/disclosures/{disclosure['id']}/acknowledgement", headers=charity)
    assert ack.status_code == 409
    assert ack.headers["content-type"] == "application/problem+json"
    again = withdraw(client, consent["id"])  # idempotent
    assert again.status_code == 200 and again.json()["withdrawn_at"] == body["withdrawn_at"]
    assert consent_of(client, report["reference"])["withdrawn_at"] == body["withdrawn_at"]
    assert log_kinds(hub).count("consent-withdrawn") == 1


def test_after_delivery_a_pull_recipient_finds_the_notice_and_no_longer_gets_the_data(
    client: TestClient, hub: Hub
) -> None:
    report = charity_report(client)
    charity = key_for(hub, "a-charity")
    [event] = client.get("/api/v1/feed", headers=charity).json()["events"]  # delivered
    response = withdraw(client, consent_of(client, report["reference"])["id"])
    assert response.json()["recipient_told"] is True
    assert response.json()["disclosure_state"] == "delivered"
    [timeline] = [
        d["timeline"]
        for d in report_of(client, report["reference"])["disclosures"]
        if d["recipient"]["id"] == "a-charity"
    ]
    assert timeline["consent_withdrawn_at"] == response.json()["withdrawn_at"]
    assert timeline["acknowledge_by"] > timeline["delivered_at"]
    assert client.get("/api/v1/feed", headers=charity).json()["events"] == []
    page = client.get("/api/v1/feed?state=consent-withdrawn", headers=charity).json()
    [notice] = page["events"]
    assert notice["type"] == WITHDRAWN_TYPE and notice["subject"] == event["subject"]
    assert set(notice["data"]) == {"disclosure_id", "agreement", "withdrawn_at", "links"}
    assert report["reference"] not in json.dumps(notice)  # nothing about the person
    after = client.get(
        f"/api/v1/feed?state=consent-withdrawn&after={page['next_cursor']}", headers=charity
    ).json()
    assert after["events"] == []
    other = client.get("/api/v1/feed?state=consent-withdrawn", headers=key_for(hub, "dwp"))
    assert other.json()["events"] == []


def test_after_delivery_a_push_recipient_is_sent_a_signed_notice_once(
    client: TestClient, hub: Hub, receiver: ReceiverServer
) -> None:
    charity_pushes_too(hub)
    connect(hub, receiver, "a-charity")
    report = charity_report(client)
    run_rounds(hub)
    [data] = receiver.state.delivered("a-charity")
    withdrawal = withdraw(client, consent_of(client, report["reference"])["id"]).json()
    assert withdrawal["recipient_told"] is True
    run_rounds(hub, 2)
    delivered = receiver.state.delivered("a-charity")
    assert len(delivered) == 2 and not receiver.state.rejected  # verified signatures
    notice = delivered[1]
    assert notice.event["type"] == WITHDRAWN_TYPE
    assert notice.event["subject"] == data.event["subject"]
    assert notice.webhook_id == notice.event["id"]
    assert notice.event["data"]["agreement"]["id"] == "charity-newsletter"
    charity = key_for(hub, "a-charity")
    pulled = client.get("/api/v1/feed?state=consent-withdrawn", headers=charity).json()
    assert [e["id"] for e in pulled["events"]] == [notice.event["id"]]  # same id both ways


def test_only_the_citizens_own_granted_consents_can_be_withdrawn(
    client: TestClient, hub: Hub
) -> None:
    report = charity_report(client)
    consent = consent_of(client, report["reference"])
    stranger = withdraw(client, consent["id"], who="someone-else")
    assert stranger.status_code == 404
    assert consent["id"] not in stranger.text
    assert withdraw(client, "not-a-uuid").status_code == 422
    unsigned = client.post(f"/api/v1/consents/{consent['id']}/withdrawal")
    assert unsigned.status_code == 401
    auth = sign_in(client, "mover")
    body = submission(client, auth, {"charity-newsletter": False}, holds_driving_licence=True)
    refused = client.post("/api/v1/reports", json=body, headers=auth).json()
    refusal = consent_of(client, refused["reference"])
    assert refusal["decision"] == "refused"
    problem = withdraw(client, refusal["id"])
    assert problem.status_code == 409
    assert "did not give this consent" in problem.json()["detail"]


def test_a_withdrawal_waits_while_the_data_is_being_sent(
    client: TestClient, hub: Hub, receiver: ReceiverServer
) -> None:
    charity_pushes_too(hub)
    connect(hub, receiver, "a-charity")
    report = charity_report(client)
    now = hub.clock.now()
    with hub.uow() as uow:  # a worker has claimed the push and is sending it right now
        claimed = uow.deliveries.claim(now, "busy-worker", now + timedelta(minutes=10), 10)
        uow.commit()
    assert [m.kind for m in claimed] == ["disclosure"]
    consent = consent_of(client, report["reference"])
    busy = withdraw(client, consent["id"])
    assert busy.status_code == 409 and "Try again" in busy.json()["detail"]
    assert consent_of(client, report["reference"])["withdrawn_at"] is None


def test_an_access_request_returns_everything_and_is_logged(client: TestClient, hub: Hub) -> None:
    report = charity_report(client)
    before = log_kinds(hub)
    response = client.post("/api/v1/access-requests", headers=sign_in(client, "mover"))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert "attachment" in response.headers["content-disposition"]
    data = response.json()
    [made] = [r for r in data["reports"] if r["reference"] == report["reference"]]
    assert made["details"]["new_address"]["postcode"] == "M14 5TQ"
    assert {d["recipient_id"] for d in data["disclosures"]} >= {"a-charity", "dwp"}
    assert [c["decision"] for c in data["consents"]] == ["granted"]
    added = log_kinds(hub)[len(before) :]
    assert added == ["rights-request-received", "rights-request-closed"]
    nobody = client.post("/api/v1/access-requests", headers=sign_in(client, "someone-else"))
    assert nobody.json()["reports"] == [] and nobody.json()["consents"] == []
