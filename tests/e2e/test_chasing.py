"""Chasing runs from when a disclosure is available, on every channel: a pull recipient that
never collects it and a push that was dead-lettered are chased like any other; the pull feed
carries the reminder, the recipient's contact is emailed, the citizen is told, and unanswered
reminders are escalated to the operators."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tellonce.adapters.database.schema import citizen_messages, disclosures, recipient_messages
from tellonce.adapters.notifier import LocalOutboxNotifier
from tellonce.bootstrap import Hub
from tellonce.entrypoints.cli import main
from tellonce.entrypoints.demo.receivers import ReceiverServer
from tellonce.service_layer.consents import withdraw_consent
from tellonce.service_layer.delivery import chase_overdue
from tellonce.service_layer.notifications import send_due_contact_messages, send_due_messages
from tests.fakes import FakeClock
from tests.support.api import charity_report, key_for, sign_in
from tests.support.delivery import connect, report_of, run_rounds, states, submit_move

# The small catalogue's deadlines are 10 working days: 15 calendar days is always past them.
PAST_DEADLINE = timedelta(days=15)


def chase(hub: Hub) -> int:
    async def go() -> int:
        async with hub.pusher() as pusher:
            return chase_overdue(hub.delivery_service(pusher, owner="chaser"))

    return asyncio.run(go())


def fake_clock(hub: Hub) -> FakeClock:
    assert isinstance(hub.clock, FakeClock)
    return hub.clock


def outbox(hub: Hub) -> LocalOutboxNotifier:
    assert isinstance(hub.notifier, LocalOutboxNotifier)
    return hub.notifier


def disclosure_of(report: dict[str, Any], recipient: str) -> dict[str, Any]:
    [found] = [d for d in report["disclosures"] if d["recipient"]["id"] == recipient]
    disclosure: dict[str, Any] = found
    return disclosure


def citizen_templates(hub: Hub) -> list[str]:
    with hub.engine.connect() as connection:
        return list(connection.execute(sa.select(citizen_messages.c.template)).scalars())


def chased(hub: Hub, disclosure_id: str) -> Any:
    with hub.engine.connect() as connection:
        return connection.execute(
            sa.select(
                disclosures.c.state,
                disclosures.c.chases,
                disclosures.c.escalated_at,
                disclosures.c.next_chase_at,
            ).where(disclosures.c.id == uuid.UUID(disclosure_id))
        ).one()


def test_a_pull_recipient_that_never_collects_is_chased_through_its_feed_and_contact(
    client: TestClient, hub: Hub
) -> None:
    report = charity_report(client)
    charity = disclosure_of(report, "a-charity")
    fake_clock(hub).advance(PAST_DEADLINE - timedelta(days=6))
    assert chase(hub) == 0  # not yet due
    fake_clock(hub).advance(timedelta(days=6))
    assert chase(hub) >= 1

    assert states(report_of(client, report["reference"]))["a-charity"] == "overdue"
    # The feed carries the reminder, to a recipient that never fetched and on its to-do list.
    page = client.get("/api/v1/feed?state=unacknowledged", headers=key_for(hub, "a-charity"))
    [event] = [e for e in page.json()["events"] if e["id"] == charity["id"]]
    assert event["reminder"] == 1
    assert event["acknowledgeby"].endswith("Z")
    # Its contact in the catalogue is emailed, with ids and no personal data.
    assert send_due_contact_messages(hub.uow, outbox(hub), hub.clock, "w") >= 1
    [reminder] = outbox(hub).contact_messages_for("a-charity")
    assert reminder.template == "recipient-overdue"
    assert charity["id"] in reminder.body and "/acknowledgement" in reminder.body
    assert "Jones" not in reminder.body + reminder.subject
    # The citizen is told, once, through the outbox.
    assert "disclosure-overdue" in citizen_templates(hub)
    send_due_messages(hub.uow, outbox(hub), hub.clock, "w")
    with hub.uow() as uow:
        account = uow.accounts.by_subject(hub.vault.blind_index("account-subject", "demo\nmover"))
    assert account is not None
    subject = f"A Charity has not yet confirmed it received your report {report['reference']}"
    [told] = [m for m in outbox(hub).messages_for(account.id) if m.subject == subject]
    assert "We have reminded them." in told.body


def test_a_dead_lettered_push_is_chased_and_the_citizen_told(client: TestClient, hub: Hub) -> None:
    report = submit_move(client)
    dwp = disclosure_of(report, "dwp")
    with ReceiverServer() as receiver:
        receiver.state.behaviour = lambda _path, _attempt: (400, {})  # refused: dead at once
        connect(hub, receiver, "dwp")
        run_rounds(hub)
        assert states(report_of(client, report["reference"]))["dwp"] == "dead-lettered"
        fake_clock(hub).advance(PAST_DEADLINE)
        chase(hub)
    row = chased(hub, dwp["id"])
    assert row.state == "dead-lettered"  # the delivery problem still explains the wait
    assert row.chases == 1
    with hub.engine.connect() as connection:
        contact = connection.execute(
            sa.select(recipient_messages.c.recipient_id, recipient_messages.c.personalisation)
        ).all()
    assert ("dwp", dwp["id"]) in {
        (r.recipient_id, r.personalisation["disclosure_id"]) for r in contact
    }
    assert citizen_templates(hub).count("disclosure-overdue") == len(report["disclosures"])


def test_unanswered_reminders_are_escalated_to_the_operators_and_then_stop(
    client: TestClient,
    cli_env: Hub,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hub = cli_env
    report = charity_report(client)
    charity = disclosure_of(report, "a-charity")
    fake_clock(hub).advance(PAST_DEADLINE)
    settings = hub.settings
    with caplog.at_level(logging.WARNING, logger="tellonce"):
        for reminder in range(1, settings.chase_max_reminders + 2):
            chase(hub)
            row = chased(hub, charity["id"])
            assert row.chases == min(reminder, settings.chase_max_reminders)
            assert (row.escalated_at is not None) == (reminder >= settings.chase_escalate_after)
            fake_clock(hub).advance(timedelta(hours=settings.chase_every_hours))
    assert chased(hub, charity["id"]).next_chase_at is None  # the reminders have stopped
    escalations = [r.getMessage() for r in caplog.records if "escalated" in r.getMessage()]
    assert len(escalations) == len(report["disclosures"])  # one alert per disclosure, once
    assert any(charity["id"] in e and "a-charity" in e for e in escalations)
    for personal in ("Jones", "Siân", "M14 5TQ", report["reference"]):
        assert personal not in caplog.text
    # Told once per recipient, not daily.
    assert citizen_templates(hub).count("disclosure-overdue") == len(report["disclosures"])
    with hub.engine.connect() as connection:
        reminders = connection.execute(
            sa.select(sa.func.count()).where(recipient_messages.c.recipient_id == "a-charity")
        ).scalar_one()
    assert reminders == settings.chase_max_reminders

    assert main(["deliveries", "list"], clock=hub.clock) == 0
    listed = capsys.readouterr().out
    assert f"{charity['id']}  a-charity" in listed and "escalated" in listed

    # Acknowledging late takes it off the operators' list.
    answer = client.post(
        f"/api/v1/disclosures/{charity['id']}/acknowledgement", headers=key_for(hub, "a-charity")
    )
    assert answer.status_code == 200
    assert main(["deliveries", "list"], clock=hub.clock) == 0
    listed = capsys.readouterr().out
    assert charity["id"] not in listed
    assert f"{len(report['disclosures']) - 1} disclosure(s) escalated" in listed


def test_an_overdue_disclosure_never_collected_is_not_sent_after_withdrawal(
    client: TestClient, hub: Hub
) -> None:
    report = charity_report(client)
    charity = disclosure_of(report, "a-charity")
    fake_clock(hub).advance(PAST_DEADLINE)
    chase(hub)
    assert chased(hub, charity["id"]).state == "overdue"
    consents = client.get("/api/v1/consents", headers=sign_in(client, "mover"))
    assert consents.status_code == 200, consents.text
    [consent] = [c for c in consents.json()["consents"] if c["decision"] == "granted"]
    with hub.uow() as uow:
        account = uow.accounts.by_subject(hub.vault.blind_index("account-subject", "demo\nmover"))
    assert account is not None
    withdrawal = withdraw_consent(
        uuid.UUID(consent["id"]), account=account, uow=hub.uow(), vault=hub.vault, clock=hub.clock
    )
    assert withdrawal.disclosure_state == "withdrawn" and not withdrawal.recipient_told
    page = client.get("/api/v1/feed", headers=key_for(hub, "a-charity")).json()
    assert page["events"] == []


def test_disclosures_from_before_the_change_are_chased_from_submission_too(
    client: TestClient, hub: Hub
) -> None:
    report = charity_report(client)
    charity = disclosure_of(report, "a-charity")
    with hub.engine.begin() as connection:  # as submitted before deadlines ran from availability
        connection.execute(sa.update(disclosures).values(acknowledge_by=None, next_chase_at=None))
    fake_clock(hub).advance(PAST_DEADLINE)
    chase(hub)  # gives it its deadline, counted from submission, which has passed
    chase(hub)
    assert chased(hub, charity["id"]).state == "overdue"
    assert chased(hub, charity["id"]).chases == 1
