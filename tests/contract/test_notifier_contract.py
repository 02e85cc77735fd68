"""The recording notifier keeps the contract of the local outbox notifier (the default)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from tellonce.adapters.notifier import LocalOutboxNotifier
from tellonce.service_layer.notifications import UnknownTemplate, render_message
from tests.fakes import FakeClock, RecordingNotifier

ACKNOWLEDGED = ("disclosure-acknowledged", {"reference": "TLO-AAAA-BBBB", "recipient": "DWP"})


@pytest.fixture(params=["fake", "local-outbox"])
def notifier(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    clock = FakeClock()
    if request.param == "fake":
        return RecordingNotifier(clock)
    return LocalOutboxNotifier(tmp_path / "outbox", clock)


def test_a_message_is_rendered_and_read_back_by_its_account_only(notifier: Any) -> None:
    account, other = uuid.uuid4(), uuid.uuid4()
    template, personalisation = ACKNOWLEDGED
    notifier.notify(uuid.uuid4(), account, template, personalisation)
    [message] = notifier.messages_for(account)
    assert (message.subject, message.body) == render_message(template, personalisation)
    assert message.template == template
    assert message.sent_at == FakeClock().now()
    assert notifier.messages_for(other) == []


def test_a_message_sent_again_with_its_id_is_shown_once(notifier: Any) -> None:
    account, message_id = uuid.uuid4(), uuid.uuid4()
    notifier.notify(message_id, account, *ACKNOWLEDGED)
    notifier.notify(message_id, account, *ACKNOWLEDGED)
    notifier.notify(uuid.uuid4(), account, *ACKNOWLEDGED)
    assert len(notifier.messages_for(account)) == 2


def test_an_unknown_template_is_refused(notifier: Any) -> None:
    account = uuid.uuid4()
    with pytest.raises(UnknownTemplate):
        notifier.notify(uuid.uuid4(), account, "no-such-template", {})
    with pytest.raises(UnknownTemplate):
        notifier.notify(uuid.uuid4(), account, "disclosure-acknowledged", {"reference": "x"})
    assert notifier.messages_for(account) == []


def test_contact_messages_are_kept_per_recipient(notifier: Any) -> None:
    personalisation = {
        "disclosure_id": "d",
        "acknowledge_by": "1 December 2026 10:00 UTC",
        "reminder": "1",
        "feed_url": "https://hub.example/api/v1/feed",
        "acknowledge_url": "https://hub.example/api/v1/disclosures/d/acknowledgement",
    }
    notifier.notify_contact(
        uuid.uuid4(), "dwp", "dwp@example.gov.uk", "recipient-overdue", personalisation
    )
    [message] = notifier.contact_messages_for("dwp")
    assert message.subject == "Reminder 1: disclosure d is not acknowledged"
    assert notifier.contact_messages_for("dvla") == []
