"""Messages to citizens: the local outbox the portal reads back, and GOV.UK Notify over HTTP."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Iterator, Mapping
from http.server import ThreadingHTTPServer
from pathlib import Path

import jwt
import pytest

from tellonce.adapters.notifier import (
    GovukNotifyNotifier,
    LocalOutboxNotifier,
    parse_template_ids,
)
from tellonce.bootstrap import build_notifier
from tellonce.config import Mode, Settings
from tellonce.service_layer.notifications import (
    NoEmailAddress,
    UnknownTemplate,
    messages_for_account,
    outcome_personalisation,
)
from tests.fakes import FakeClock
from tests.support.notify import SECRET, SERVICE_ID, TEMPLATE_IDS, FakeNotify


def test_the_local_outbox_keeps_each_citizens_messages_apart(tmp_path: Path) -> None:
    clock = FakeClock()
    outbox = LocalOutboxNotifier(tmp_path / "outbox", clock)
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    first = uuid.uuid4()
    acknowledged = {"reference": "TLO-1", "recipient": "DWP"}
    outbox.notify(first, mine, "disclosure-acknowledged", acknowledged)
    clock.advance(dt.timedelta(minutes=1))
    outcome = outcome_personalisation("TLO-1", "DWP", "actioned")
    outbox.notify(uuid.uuid4(), mine, "disclosure-outcome", outcome)
    outbox.notify(first, mine, "disclosure-acknowledged", acknowledged)  # sent again: one
    other = {"reference": "TLO-2", "recipient": "HMRC"}
    outbox.notify(uuid.uuid4(), theirs, "disclosure-acknowledged", other)

    messages = messages_for_account(mine, inbox=outbox)

    assert [m.template for m in messages] == ["disclosure-outcome", "disclosure-acknowledged"]
    assert messages[0].subject == "DWP has updated its records (report TLO-1)"
    assert "You do not need to do anything else." in messages[0].body
    assert messages_for_account(uuid.uuid4(), inbox=outbox) == []
    assert (tmp_path / "outbox" / f"{mine}.jsonl").read_text().count("\n") == 3


def test_a_template_needs_all_its_personalisation(tmp_path: Path) -> None:
    outbox = LocalOutboxNotifier(tmp_path, FakeClock())
    with pytest.raises(UnknownTemplate, match="reference"):
        outbox.notify(uuid.uuid4(), uuid.uuid4(), "disclosure-acknowledged", {"recipient": "DWP"})
    with pytest.raises(UnknownTemplate):
        outbox.notify(uuid.uuid4(), uuid.uuid4(), "no-such-template", {})


@pytest.fixture
def notify_url() -> Iterator[str]:
    FakeNotify.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNotify)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def notify_settings(tmp_path: Path, url: str) -> Settings:
    ids = ",".join(f"{name}={template_id}" for name, template_id in TEMPLATE_IDS.items())
    return Settings(
        mode=Mode.DEMO,
        data_dir=tmp_path,
        notify_api_key=f"tellonce_test-{SERVICE_ID}-{SECRET}",
        notify_template_ids=ids,
        notify_base_url=url,
    )


def test_notify_gets_the_template_personalisation_and_a_signed_token(
    tmp_path: Path, notify_url: str
) -> None:
    account = uuid.uuid4()
    asked: list[tuple[uuid.UUID, str | None]] = []

    def email_for(found: uuid.UUID, reference: str | None) -> str | None:
        asked.append((found, reference))
        return "citizen@example.com" if found == account else None

    notifier = build_notifier(notify_settings(tmp_path, notify_url), FakeClock(), email_for)
    assert isinstance(notifier, GovukNotifyNotifier)
    personalisation = outcome_personalisation("TLO-1", "DWP", "no-record-found")

    message_id = uuid.uuid4()
    notifier.notify(message_id, account, "disclosure-outcome", personalisation)
    with pytest.raises(NoEmailAddress):  # no address: not sent, and the outbox is told why
        notifier.notify(uuid.uuid4(), uuid.uuid4(), "disclosure-outcome", personalisation)
    assert asked[0] == (account, "TLO-1")  # the address given in the report it is about

    ((headers, body),) = FakeNotify.received
    assert body["path"] == "/v2/notifications/email"
    assert body["email_address"] == "citizen@example.com"
    assert body["template_id"] == TEMPLATE_IDS["disclosure-outcome"]
    assert body["personalisation"] == personalisation
    assert body["reference"] == f"disclosure-outcome:{message_id}"  # the same on a retry
    token = headers["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["iss"] == SERVICE_ID
    assert notifier.messages_for(account) == []


def test_notify_needs_a_template_id_for_every_message(tmp_path: Path) -> None:
    with pytest.raises(UnknownTemplate, match="disclosure-acknowledged"):
        GovukNotifyNotifier(object(), {"disclosure-outcome": str(uuid.uuid4())}, lambda *_: None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="name=uuid"):
        parse_template_ids("disclosure-outcome")
    local = build_notifier(Settings(mode=Mode.DEMO, data_dir=tmp_path), FakeClock())
    assert isinstance(local, LocalOutboxNotifier)
    # Notify without a way to find addresses would drop every email: refused, not silent.
    with pytest.raises(ValueError, match="addresses"):
        build_notifier(notify_settings(tmp_path, "http://127.0.0.1:9"), FakeClock())


class _RecordingClient:
    """An ``EmailClient`` that keeps what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, str]]] = []

    def send_email_notification(
        self,
        email_address: str,
        template_id: str,
        personalisation: Mapping[str, str] | None = None,
        reference: str | None = None,  # noqa: ARG002 - the protocol's
    ) -> object:
        self.sent.append((email_address, template_id, dict(personalisation or {})))
        return {}


def _held(reference: str, earlier: str | None = None) -> dict[str, str]:
    held = {"reference": reference, "held_until": "09:00 on 5 December 2026"}
    return held if earlier is None else {**held, "contact_reference": earlier}


@pytest.mark.parametrize(
    ("addresses", "emailed"),
    [
        # The earlier report gave another address: its copy goes there.
        ({"TLO-2": "new@example.com", "TLO-1": "old@example.com"},
         ["new@example.com", "old@example.com"]),
        # The same address (in another case): the first message reached it; no second email.
        ({"TLO-2": "same@example.com", "TLO-1": "Same@Example.com"}, ["same@example.com"]),
    ],
)  # fmt: skip
def test_the_fraud_guards_copy_is_emailed_only_to_an_address_the_first_did_not_reach(
    addresses: dict[str, str], emailed: list[str]
) -> None:
    client = _RecordingClient()
    account = uuid.uuid4()
    notifier = GovukNotifyNotifier(
        client, TEMPLATE_IDS, lambda _account, reference: addresses.get(reference or "")
    )
    notifier.notify(uuid.uuid4(), account, "address-change-held", _held("TLO-2"))
    notifier.notify(uuid.uuid4(), account, "address-change-held", _held("TLO-2", "TLO-1"))
    assert [address for address, _, _ in client.sent] == emailed
    assert {template for _, template, _ in client.sent} == {TEMPLATE_IDS["address-change-held"]}


def test_the_fraud_guards_copy_says_which_it_is_on_the_messages_page(tmp_path: Path) -> None:
    clock = FakeClock()
    outbox = LocalOutboxNotifier(tmp_path / "outbox", clock)
    account = uuid.uuid4()
    outbox.notify(uuid.uuid4(), account, "address-change-held", _held("TLO-2"))
    clock.advance(dt.timedelta(seconds=1))
    outbox.notify(uuid.uuid4(), account, "address-change-held", _held("TLO-2", "TLO-1"))

    copy, first = messages_for_account(account, inbox=outbox)

    assert copy.subject == first.subject  # the same news...
    assert copy.body.startswith(first.body)
    # ... and the copy says where it went, so the two do not read as one shown twice.
    assert copy.body != first.body
    assert "email address in your earlier report TLO-1" in copy.body
    assert "earlier report" not in first.body
