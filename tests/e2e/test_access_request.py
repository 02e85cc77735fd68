"""A subject access request includes the messages sent to the citizen and every attempt to
push their disclosures, with no secrets and nothing about anyone else; the portal says exactly
what the copy holds."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from tellonce.bootstrap import Hub
from tellonce.entrypoints.demo.receivers import ReceiverServer
from tellonce.service_layer.notifications import send_due_messages
from tests.fakes import FakeClock
from tests.support.api import key_for, sign_in
from tests.support.delivery import connect, run_rounds, submit_move


def test_the_copy_holds_messages_and_delivery_attempts_and_no_secrets(
    client: TestClient, hub: Hub
) -> None:
    mine = submit_move(client)
    theirs_auth = sign_in(client, "someone-else")
    with ReceiverServer() as receiver:
        receiver.state.behaviour = lambda _path, attempt: (503, {}) if attempt == 1 else (200, {})
        connect(hub, receiver, "dwp")
        run_rounds(hub)
        assert isinstance(hub.clock, FakeClock)
        hub.clock.advance(timedelta(minutes=1))  # past the first retry's wait
        run_rounds(hub)
        secrets = set(receiver.state.secrets.values())
    [dwp] = [d for d in mine["disclosures"] if d["recipient"]["id"] == "dwp"]
    dwp_key = key_for(hub, "dwp")
    client.post(f"/api/v1/disclosures/{dwp['id']}/acknowledgement", headers=dwp_key)
    send_due_messages(hub.uow, hub.notifier, hub.clock, "w")

    response = client.post("/api/v1/access-requests", headers=sign_in(client, "mover"))
    assert response.status_code == 200
    # The same download as the portal's (entrypoints/downloads.py).
    assert response.headers["content-disposition"].startswith('attachment; filename="tellonce-')
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    data = response.json()

    attempts = [a for a in data["delivery_attempts"] if a["disclosure_id"] == dwp["id"]]
    assert [(a["status_code"], a["verdict"]) for a in attempts] == [
        (503, "retry"),
        (200, "delivered"),
    ]
    assert all(a["message_id"] == dwp["id"] and a["recipient_id"] == "dwp" for a in attempts)
    assert {a["report_reference"] for a in data["delivery_attempts"]} == {mine["reference"]}
    [message] = data["messages"]
    assert message["template"] == "disclosure-acknowledged" and message["state"] == "sent"
    assert message["subject"] == f"Dwp has received your report {mine['reference']}"
    assert message["sent_at"]

    text = response.text
    for secret in (*secrets, dwp_key["Authorization"].removeprefix("Bearer ")):
        assert secret not in text
    assert not re.search(r"whsec_|tlo_(live|test)_|PRIVATE\+KEY", text)
    assert "wrapped_key" not in text and "token" not in text

    # Someone else's copy holds none of it.
    other = client.post("/api/v1/access-requests", headers=theirs_auth).json()
    assert other["messages"] == [] and other["delivery_attempts"] == []


def test_the_portal_says_exactly_what_the_copy_holds(client: TestClient) -> None:
    token = sign_in(client, "mover")["Authorization"].removeprefix("Bearer ")
    client.cookies.set("tellonce_session", token)
    page = client.get("/your-data", headers={"accept": "text/html"}).text
    assert "everything this service holds" not in page
    assert "every attempt to send them" in page and "the messages we sent you" in page
