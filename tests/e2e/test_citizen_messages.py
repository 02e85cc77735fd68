"""Messages to citizens go through an outbox written with what they announce: a crash or a
notifier outage delays a message, never loses it, and a re-send keeps the message's id."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tellonce.adapters.database.schema import citizen_messages
from tellonce.adapters.notifier import LocalOutboxNotifier
from tellonce.bootstrap import Hub
from tellonce.service_layer.notifications import (
    MAX_MESSAGE_ATTEMPTS,
    MESSAGE_LEASE,
    UnknownTemplate,
    queue_message,
    send_due_messages,
)
from tests.fakes import FakeClock
from tests.support.api import key_for
from tests.support.delivery import submit_move


class FlakyNotifier:
    """Fails the first ``failures`` sends, then passes each message on to the real outbox."""

    def __init__(self, inner: LocalOutboxNotifier, failures: int) -> None:
        self.inner = inner
        self.failures = failures
        self.tried: list[uuid.UUID] = []

    def notify(
        self,
        message_id: uuid.UUID,
        account_id: uuid.UUID,
        template: str,
        personalisation: Mapping[str, str],
    ) -> None:
        self.tried.append(message_id)
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("Notify is down")
        self.inner.notify(message_id, account_id, template, personalisation)


def acknowledged_report(client: TestClient, hub: Hub) -> uuid.UUID:
    """Submit a move, have DWP acknowledge it; returns the citizen's account id."""
    report = submit_move(client)
    [dwp] = [d for d in report["disclosures"] if d["recipient"]["id"] == "dwp"]
    answer = client.post(
        f"/api/v1/disclosures/{dwp['id']}/acknowledgement", headers=key_for(hub, "dwp")
    )
    assert answer.status_code == 200
    with hub.engine.connect() as connection:
        account: uuid.UUID = connection.execute(
            sa.select(citizen_messages.c.account_id)
        ).scalar_one()
        return account


def states(hub: Hub) -> list[tuple[str, int]]:
    with hub.engine.connect() as connection:
        rows = connection.execute(sa.select(citizen_messages.c.state, citizen_messages.c.attempts))
        return [(row.state, row.attempts) for row in rows]


def test_a_message_waits_out_a_notifier_outage_and_keeps_its_id(
    client: TestClient, hub: Hub
) -> None:
    account = acknowledged_report(client, hub)
    assert isinstance(hub.notifier, LocalOutboxNotifier) and isinstance(hub.clock, FakeClock)
    flaky = FlakyNotifier(hub.notifier, failures=2)
    assert send_due_messages(hub.uow, flaky, hub.clock, "w1") == 1
    assert states(hub) == [("pending", 1)]
    assert send_due_messages(hub.uow, flaky, hub.clock, "w1") == 0  # not due yet: backing off
    hub.clock.advance(timedelta(seconds=31))
    assert send_due_messages(hub.uow, flaky, hub.clock, "w1") == 1
    hub.clock.advance(timedelta(seconds=61))
    assert send_due_messages(hub.uow, flaky, hub.clock, "w1") == 1
    assert states(hub) == [("sent", 3)]
    assert len(set(flaky.tried)) == 1 and len(flaky.tried) == 3  # one message, three tries
    assert [m.template for m in hub.notifier.messages_for(account)] == ["disclosure-acknowledged"]


def test_a_worker_that_dies_after_sending_resends_the_same_message_once_seen(
    client: TestClient, hub: Hub
) -> None:
    account = acknowledged_report(client, hub)
    assert isinstance(hub.notifier, LocalOutboxNotifier) and isinstance(hub.clock, FakeClock)
    now = hub.clock.now()
    with hub.uow() as uow:  # the first worker claims, sends, and dies before recording it
        [message] = uow.messages.claim(now, "doomed", now + MESSAGE_LEASE, 10)
        uow.commit()
    hub.notifier.notify(message.id, account, message.template, message.personalisation)
    assert send_due_messages(hub.uow, hub.notifier, hub.clock, "w2") == 0  # still leased
    hub.clock.advance(MESSAGE_LEASE + timedelta(seconds=1))
    assert send_due_messages(hub.uow, hub.notifier, hub.clock, "w2") == 1
    with hub.uow() as uow:  # the dead worker's late settlement changes nothing
        uow.messages.settle("doomed", hub.clock.now(), [], [], [message.id])
        uow.commit()
    assert states(hub) == [("sent", 1)]
    assert len(hub.notifier.messages_for(account)) == 1


def test_a_message_is_given_up_after_its_attempts_and_a_bad_template_never_queues(
    client: TestClient, hub: Hub
) -> None:
    account = acknowledged_report(client, hub)
    assert isinstance(hub.notifier, LocalOutboxNotifier) and isinstance(hub.clock, FakeClock)
    down = FlakyNotifier(hub.notifier, failures=MAX_MESSAGE_ATTEMPTS)
    for _ in range(MAX_MESSAGE_ATTEMPTS):
        assert send_due_messages(hub.uow, down, hub.clock, "w1") == 1
        hub.clock.advance(timedelta(hours=1, seconds=1))
    assert states(hub) == [("failed", MAX_MESSAGE_ATTEMPTS)]
    assert send_due_messages(hub.uow, down, hub.clock, "w1") == 0
    with hub.uow() as uow, pytest.raises(UnknownTemplate):
        queue_message(uow, account, "disclosure-outcome", {"reference": "x"}, hub.clock.now())


def test_nothing_is_queued_when_the_use_case_fails(client: TestClient, hub: Hub) -> None:
    report = submit_move(client)
    [dwp] = [d for d in report["disclosures"] if d["recipient"]["id"] == "dwp"]
    url = f"/api/v1/disclosures/{dwp['id']}/outcome"
    refused = client.post(url, json={"outcome": "rejected"}, headers=key_for(hub, "dwp"))
    assert refused.status_code == 422  # a rejection needs a reason: nothing happened
    assert states(hub) == []
    other = client.post(url, json={"outcome": "actioned"}, headers=key_for(hub, "dvla"))
    assert other.status_code == 404
    assert states(hub) == []
