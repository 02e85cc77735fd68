"""The pull feed, acknowledgements, outcomes and overdue chasing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tellonce.adapters.database.schema import disclosures
from tellonce.bootstrap import Hub
from tellonce.entrypoints.demo.receivers import ReceiverServer
from tellonce.service_layer.delivery import chase_overdue
from tellonce.service_layer.notifications import send_due_messages
from tests.fakes import FakeClock
from tests.support.api import charity_report, key_for, sign_in
from tests.support.delivery import connect, report_of, run_rounds, states, submit_move


def test_the_feed_serves_the_same_events_in_order_and_counts_as_delivery(
    client: TestClient, hub: Hub
) -> None:
    charity = key_for(hub, "a-charity")
    first = charity_report(client)
    assert isinstance(hub.clock, FakeClock)
    hub.clock.advance(timedelta(seconds=1))
    second = charity_report(client)
    page = client.get("/api/v1/feed?limit=1", headers=charity).json()
    assert page["has_more"] is True
    [event] = page["events"]
    assert event["data"]["report_reference"] == first["reference"]
    assert event["data"]["payload"] == {
        "person": {"name": event["data"]["payload"]["person"]["name"]},
        "new_address": {"postcode": "M14 5TQ"},
    }
    rest = client.get(f"/api/v1/feed?after={page['next_cursor']}", headers=charity).json()
    assert [e["data"]["report_reference"] for e in rest["events"]] == [second["reference"]]
    assert rest["has_more"] is False
    again = client.get(f"/api/v1/feed?after={rest['next_cursor']}", headers=charity).json()
    assert again["events"] == [] and again["next_cursor"] == rest["next_cursor"]
    assert states(report_of(client, first["reference"]))["a-charity"] == "delivered"


def test_a_recipient_sees_only_its_own_feed(client: TestClient, hub: Hub) -> None:
    charity_report(client)
    events = client.get("/api/v1/feed", headers=key_for(hub, "dwp")).json()["events"]
    assert {e["type"] for e in events} == {"uk.tellonce.disclosure.change-of-address"}
    assert all("newsletter" not in e["data"]["agreement"]["id"] for e in events)


def test_unacknowledged_filter_and_batch_acknowledgement(client: TestClient, hub: Hub) -> None:
    charity = key_for(hub, "a-charity")
    for _ in range(3):
        charity_report(client)
    events = client.get("/api/v1/feed", headers=charity).json()["events"]
    ids = [e["id"] for e in events[:2]]
    response = client.post(
        "/api/v1/acknowledgements", json={"disclosure_ids": ids}, headers=charity
    )
    assert response.status_code == 200
    assert {p["state"] for p in response.json()["acknowledged"]} == {"acknowledged"}
    left = client.get("/api/v1/feed?state=unacknowledged", headers=charity).json()["events"]
    assert [e["id"] for e in left] == [events[2]["id"]]


def test_bad_cursors_and_keys_are_problems(client: TestClient, hub: Hub) -> None:
    charity = key_for(hub, "a-charity")
    response = client.get("/api/v1/feed?after=not-a-cursor", headers=charity)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/query/after"
    citizen = sign_in(client)
    assert client.get("/api/v1/feed", headers=citizen).status_code == 401  # not interchangeable


def test_acknowledge_then_outcome_builds_the_citizens_timeline(
    client: TestClient, hub: Hub
) -> None:
    report = submit_move(client)
    dwp = key_for(hub, "dwp")
    disclosure = next(d for d in report["disclosures"] if d["recipient"]["id"] == "dwp")
    url = f"/api/v1/disclosures/{disclosure['id']}"
    assert client.post(f"{url}/acknowledgement", headers=dwp).json()["state"] == "acknowledged"
    assert client.post(f"{url}/acknowledgement", headers=dwp).status_code == 200  # idempotent
    done = client.post(f"{url}/outcome", json={"outcome": "actioned"}, headers=dwp)
    assert done.json()["state"] == "actioned"
    assert (
        client.post(f"{url}/outcome", json={"outcome": "actioned"}, headers=dwp).status_code == 200
    )
    clash = client.post(f"{url}/outcome", json={"outcome": "no-record-found"}, headers=dwp)
    assert clash.status_code == 409
    timeline = next(
        d
        for d in report_of(client, report["reference"])["disclosures"]
        if d["recipient"]["id"] == "dwp"
    )
    assert timeline["outcome"] == "actioned"
    assert timeline["timeline"]["acknowledged_at"] and timeline["timeline"]["outcome_at"]


def test_outcome_rules(client: TestClient, hub: Hub) -> None:
    report = submit_move(client)
    dwp, dvla = key_for(hub, "dwp"), key_for(hub, "dvla")
    disclosure = next(d for d in report["disclosures"] if d["recipient"]["id"] == "dwp")
    url = f"/api/v1/disclosures/{disclosure['id']}"
    no_reason = client.post(f"{url}/outcome", json={"outcome": "rejected"}, headers=dwp)
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["pointer"] == "#/reason"
    bogus = client.post(f"{url}/outcome", json={"outcome": "shredded"}, headers=dwp)
    assert bogus.status_code == 422
    someone_elses = client.post(f"{url}/outcome", json={"outcome": "actioned"}, headers=dvla)
    assert someone_elses.status_code == 404
    assert client.post(f"{url}/acknowledgement", headers=dvla).status_code == 404
    # The outside probe: control and bidirectional-override characters were stored as sent.
    for hidden in ("Not our\u202ecustomer", "Not our\x1b[2Jcustomer", "Not\u2066 ours\u2069"):
        refused = client.post(
            f"{url}/outcome", json={"outcome": "rejected", "reason": hidden}, headers=dwp
        )
        assert refused.status_code == 422, hidden
        problem = refused.json()
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert problem["errors"][0]["pointer"] == "#/reason"
        assert "text-direction" in problem["errors"][0]["detail"]
    rejected = client.post(
        f"{url}/outcome",
        json={"outcome": "rejected", "reason": "Not our customer\nSee our letter"},
        headers=dwp,
    )
    assert rejected.status_code == 200
    # Sealed at rest like other free text about a person, and read back by the citizen.
    with hub.engine.connect() as connection:
        row = connection.execute(
            sa.select(disclosures.c.outcome_reason, disclosures.c.sealed_outcome_reason).where(
                disclosures.c.id == uuid.UUID(disclosure["id"])
            )
        ).one()
    assert row.outcome_reason is None
    assert row.sealed_outcome_reason and b"customer" not in row.sealed_outcome_reason
    shown = report_of(client, report["reference"])
    reason = next(d for d in shown["disclosures"] if d["id"] == disclosure["id"])
    assert reason["outcome_reason"] == "Not our customer\nSee our letter"


@pytest.fixture
def receiver() -> Iterator[ReceiverServer]:
    with ReceiverServer() as server:
        yield server


def test_overdue_disclosures_are_chased_without_personal_data(
    client: TestClient, hub: Hub, receiver: ReceiverServer
) -> None:
    report = submit_move(client)
    connect(hub, receiver, "dwp")
    run_rounds(hub)
    assert isinstance(hub.clock, FakeClock)
    hub.clock.advance(timedelta(days=15))  # 10 working days (to 9 December) have passed
    async_service_chase(hub)
    assert states(report_of(client, report["reference"]))["dwp"] == "overdue"
    run_rounds(hub)
    reminders = [r for r in receiver.state.delivered() if r.event["type"].endswith(".overdue")]
    assert len(reminders) == 1
    reminder = reminders[0].event
    assert set(reminder["data"]) == {"disclosure_id", "acknowledge_by", "reminder", "links"}
    original = next(r for r in receiver.state.delivered() if r.event["type"].endswith("address"))
    assert reminder["id"] != original.webhook_id  # a new message, not a duplicate re-send


def async_service_chase(hub: Hub) -> int:
    import asyncio

    async def go() -> int:
        async with hub.pusher() as pusher:
            return chase_overdue(hub.delivery_service(pusher, owner="chaser"))

    return asyncio.run(go())


def test_the_citizen_is_told_when_a_recipient_acts(client: TestClient, hub: Hub) -> None:
    from tellonce.adapters.notifier import LocalOutboxNotifier

    report = submit_move(client)
    dwp = key_for(hub, "dwp")
    disclosure = next(d for d in report["disclosures"] if d["recipient"]["id"] == "dwp")
    url = f"/api/v1/disclosures/{disclosure['id']}"
    client.post(f"{url}/acknowledgement", headers=dwp)
    client.post(f"{url}/acknowledgement", headers=dwp)  # a repeat tells nobody twice
    client.post(f"{url}/outcome", json={"outcome": "no-record-found"}, headers=dwp)
    assert send_due_messages(hub.uow, hub.notifier, hub.clock, "test") == 2
    with hub.uow() as uow:
        account = uow.accounts.by_subject(hub.vault.blind_index("account-subject", "demo\nmover"))
    assert account is not None
    assert isinstance(hub.notifier, LocalOutboxNotifier)
    messages = hub.notifier.messages_for(account.id)
    by_template = {m.template: m for m in messages}
    assert sorted(by_template) == ["disclosure-acknowledged", "disclosure-outcome"]
    assert report["reference"] in by_template["disclosure-outcome"].body
    assert "could not find a record" in by_template["disclosure-outcome"].body
    assert "Jones" not in messages[0].body + messages[1].body  # no personal details


def test_an_events_dataschema_resolves_on_the_hub_and_its_data_fits_it(
    client: TestClient, hub: Hub
) -> None:
    import jsonschema_rs

    charity_report(client)
    [event] = client.get("/api/v1/feed", headers=key_for(hub, "a-charity")).json()["events"]
    assert event["dataschema"].startswith(hub.settings.public_url)
    served = client.get(event["dataschema"].removeprefix(hub.settings.public_url))
    assert served.status_code == 200
    schema = served.json()
    assert schema["$id"] == event["dataschema"]
    assert jsonschema_rs.validator_for(schema).is_valid(event["data"])
    listed = client.get("/api/v1/schemas").json()["event_types"]
    assert event["dataschema"] in {item["disclosure_schema"] for item in listed}
    assert client.get("/api/v1/schemas/birth/v9/disclosure.json").status_code == 404
