"""Rectification over the API, on SQLite and PostgreSQL: a corrected detail reaches every
earlier recipient that holds it -- pushed, signed, to a real loopback receiver, or collected
by a pull recipient -- with only that recipient's agreed fields, tracked per recipient, and
recipients that never received the detail are not told."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tellonce.adapters.database.schema import corrections
from tellonce.bootstrap import Hub
from tellonce.entrypoints.demo.receivers import ReceiverServer
from tests.support.api import key_for, sign_in
from tests.support.delivery import connect, run_rounds, submit_move

CORRECTION_TYPE = "uk.tellonce.disclosure.correction"
PULLED = ("leeds-council-tax", "manchester-council-tax", "leeds-electoral")


@pytest.fixture
def receiver() -> Iterator[ReceiverServer]:
    with ReceiverServer() as server:
        yield server


def _correct(client: TestClient, reference: str, changes: dict[str, object]) -> object:
    return client.post(
        f"/api/v1/reports/{reference}/corrections",
        json={"corrections": changes},
        headers=sign_in(client, "mover"),
    )


def test_a_corrected_date_of_birth_reaches_only_those_that_hold_it(
    client: TestClient, hub: Hub, receiver: ReceiverServer
) -> None:
    connect(hub, receiver, "dwp", "dvla")
    report = submit_move(client)
    run_rounds(hub)
    for recipient in PULLED:  # the pull recipients collect theirs
        assert client.get("/api/v1/feed", headers=key_for(hub, recipient)).json()["events"]

    response = _correct(client, report["reference"], {"person.date_of_birth": "1988-04-18"})
    assert response.status_code == 201, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["corrected_fields"] == ["person.date_of_birth"]
    told = {c["recipient_id"]: c for c in body["corrections"]}
    assert set(told) == {"dvla", *PULLED}  # dwp never received a date of birth
    assert told["dvla"]["fields"] == ["person.date_of_birth"]

    run_rounds(hub)
    [original, correction] = receiver.state.delivered("dvla")
    assert not receiver.state.rejected  # signed like every push
    event = correction.event
    assert event["type"] == CORRECTION_TYPE and correction.webhook_id == event["id"]
    assert event["subject"] == original.event["subject"] == event["data"]["corrects"]
    assert event["data"]["corrected_fields"] == ["person.date_of_birth"]
    payload = event["data"]["payload"]
    assert payload["person"]["date_of_birth"] == "1988-04-18"
    assert set(payload) == set(original.event["data"]["payload"])  # only dvla's agreed fields
    assert "national_insurance_number" not in json.dumps(payload)
    assert len(receiver.state.delivered("dwp")) == 1  # not told

    electoral = key_for(hub, "leeds-electoral")
    [pulled] = client.get("/api/v1/corrections", headers=electoral).json()["events"]
    assert pulled["type"] == CORRECTION_TYPE
    assert pulled["data"]["payload"]["person"]["date_of_birth"] == "1988-04-18"
    ack = client.post(f"/api/v1/corrections/{pulled['id']}/acknowledgement", headers=electoral)
    assert ack.status_code == 200 and ack.json()["acknowledged_at"]
    done = client.post(
        f"/api/v1/corrections/{pulled['id']}/outcome",
        json={"outcome": "actioned"},
        headers=electoral,
    )
    assert done.json()["outcome"] == "actioned"
    assert client.get("/api/v1/corrections", headers=electoral).json()["events"] == []
    stranger = client.post(
        f"/api/v1/corrections/{pulled['id']}/acknowledgement", headers=key_for(hub, "dwp")
    )
    assert stranger.status_code == 404

    # The citizen follows each recipient's correction.
    listed = client.get(
        f"/api/v1/reports/{report['reference']}/corrections", headers=sign_in(client, "mover")
    ).json()["corrections"]
    progress = {c["recipient_id"]: c for c in listed}
    assert progress["dvla"]["delivered_at"] and progress["dvla"]["acknowledged_at"] is None
    assert progress["leeds-electoral"]["outcome"] == "actioned"
    assert progress["leeds-council-tax"]["delivered_at"] is None  # not collected yet

    # Logged by field name only; the request is recorded with its deadline.
    with hub.uow() as uow:
        logged = [json.loads(entry) for _, entry in uow.log.pending(10_000)]
    sent = [e for e in logged if e["kind"] == "correction-sent"]
    assert {e["recipient"] for e in sent} == {"dvla", *PULLED}
    assert all(e["fields"] == ["person.date_of_birth"] for e in sent)
    assert "1988-04-1" not in json.dumps(logged)
    rights = client.get("/api/v1/rights-requests", headers=sign_in(client, "mover")).json()
    [request] = rights["rights_requests"]
    assert (request["kind"], request["state"]) == ("rectification", "open")  # not all answered
    assert request["due_on"]

    # Once every recipient told has answered, the request is fulfilled.
    answered = client.post(
        f"/api/v1/corrections/{told['dvla']['id']}/acknowledgement", headers=key_for(hub, "dvla")
    )
    assert answered.status_code == 200
    for recipient in ("leeds-council-tax", "manchester-council-tax"):
        key = key_for(hub, recipient)
        [waiting] = client.get("/api/v1/corrections", headers=key).json()["events"]
        path = f"/api/v1/corrections/{waiting['id']}/acknowledgement"
        assert client.post(path, headers=key).status_code == 200
    rights = client.get("/api/v1/rights-requests", headers=sign_in(client, "mover")).json()
    [request] = rights["rights_requests"]
    assert (request["state"], request["outcome"]) == ("closed", "fulfilled")


def test_corrections_are_checked_and_only_the_owner_may_make_them(
    client: TestClient, hub: Hub
) -> None:
    report = submit_move(client)
    unknown = _correct(client, report["reference"], {"person.shoe_size": "9"})
    assert unknown.status_code == 422  # type: ignore[attr-defined]
    assert unknown.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    assert "/corrections/person.shoe_size" in unknown.text  # type: ignore[attr-defined]
    invalid = _correct(client, report["reference"], {"person.date_of_birth": "yesterday"})
    assert invalid.status_code == 422  # type: ignore[attr-defined]
    assert "person.date_of_birth" in invalid.text  # type: ignore[attr-defined]
    same = _correct(client, report["reference"], {"person.date_of_birth": "1988-04-17"})
    assert same.status_code == 422  # type: ignore[attr-defined]
    other = client.post(
        f"/api/v1/reports/{report['reference']}/corrections",
        json={"corrections": {"person.date_of_birth": "1988-04-18"}},
        headers=sign_in(client, "someone-else"),
    )
    assert other.status_code == 404
    # Nothing was delivered yet: no recipient is told, but what goes out is corrected.
    fixed = _correct(client, report["reference"], {"new_address.line_1": "Flat 4"})
    assert fixed.json()["corrections"] == []  # type: ignore[attr-defined]
    [event] = client.get("/api/v1/feed", headers=key_for(hub, "leeds-electoral")).json()["events"]
    assert event["data"]["payload"]["new_address"]["line_1"] == "Flat 4"


def test_a_correction_outcome_reason_is_checked_and_sealed(client: TestClient, hub: Hub) -> None:
    report = submit_move(client)
    electoral = key_for(hub, "leeds-electoral")
    assert client.get("/api/v1/feed", headers=electoral).json()["events"]
    response = _correct(client, report["reference"], {"person.date_of_birth": "1988-04-18"})
    [correction] = [
        c
        for c in response.json()["corrections"]  # type: ignore[attr-defined]
        if c["recipient_id"] == "leeds-electoral"
    ]
    path = f"/api/v1/corrections/{correction['id']}/outcome"
    refused = client.post(
        path, json={"outcome": "rejected", "reason": "Not \u202eours"}, headers=electoral
    )
    assert refused.status_code == 422, refused.text  # no control or text-direction characters
    done = client.post(path, json={"outcome": "rejected", "reason": "Not ours"}, headers=electoral)
    assert done.status_code == 200 and done.json()["outcome_reason"] == "Not ours"
    with hub.engine.connect() as connection:
        [sealed] = connection.execute(
            sa.select(corrections.c.sealed_outcome_reason).where(
                corrections.c.sealed_outcome_reason.is_not(None)
            )
        ).scalars()
    assert b"Not ours" not in bytes(sealed)
