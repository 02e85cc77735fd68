"""The production wiring sends citizens' emails: the hub is built by ``bootstrap()`` from
production settings with GOV.UK Notify pointed at a loopback server that speaks Notify's API,
a report is submitted, a recipient acknowledges it, and the worker's message lane emails the
citizen at the address they gave in the report."""

from __future__ import annotations

import asyncio
import base64
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path

import jwt
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tellonce.adapters.database.schema import citizen_messages
from tellonce.adapters.notifier import GovukNotifyNotifier
from tellonce.adapters.signing import generate_signer_key
from tellonce.bootstrap import Hub, bootstrap
from tellonce.config import Mode, Settings
from tellonce.entrypoints.asgi import create_app
from tellonce.entrypoints.worker import run_worker
from tellonce.service_layer.catalogue import load_catalogue
from tellonce.service_layer.contacts import email_for_message
from tellonce.service_layer.identity import start_session
from tests.factories import small_catalogue
from tests.fakes import FakeClock
from tests.support.api import draft, key_for, previewed, sign_in, submission
from tests.support.notify import SECRET, SERVICE_ID, TEMPLATE_IDS, FakeNotify

ORIGIN = "hub.example.gov.uk/log"


def production_settings(tmp_path: Path, database_url: str, notify: str) -> Settings:
    return Settings(
        mode=Mode.PRODUCTION,
        data_dir=tmp_path,
        database_url=database_url,
        public_url="https://hub.example.gov.uk",
        master_keys=f"k1:{base64.b64encode(secrets.token_bytes(32)).decode()}",
        index_key=base64.b64encode(secrets.token_bytes(32)).decode(),
        log_origin=ORIGIN,
        log_signer_key=generate_signer_key(ORIGIN)[0],
        notify_api_key=f"tellonce_live-{SERVICE_ID}-{SECRET}",
        notify_template_ids=",".join(f"{n}={t}" for n, t in TEMPLATE_IDS.items()),
        notify_base_url=notify,
        in_process_worker=False,
        worker_poll_seconds=0.05,
    )


@pytest.fixture
def notify_server() -> Iterator[str]:
    """A loopback server that answers Notify's ``POST /v2/notifications/email`` and records it."""
    FakeNotify.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNotify)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def production_hub(engine: sa.Engine, tmp_path: Path, notify_server: str) -> Iterator[Hub]:
    url = engine.url.render_as_string(hide_password=False)
    hub = bootstrap(production_settings(tmp_path, url, notify_server), clock=FakeClock())
    load_catalogue(small_catalogue(), uow=hub.uow(), clock=hub.clock)
    yield hub
    hub.close()


def run_worker_until(hub: Hub, done: object, seconds: float = 20.0) -> None:
    """The real worker (its delivery, chasing and message lanes) until ``done()`` holds."""

    async def go() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(run_worker(hub, stop, owner="prod-worker"))
        deadline = time.monotonic() + seconds
        while not done() and time.monotonic() < deadline:  # type: ignore[operator]
            await asyncio.sleep(0.05)
        stop.set()
        await task

    asyncio.run(go())


def test_production_emails_the_citizen_through_notify(production_hub: Hub) -> None:
    hub = production_hub
    assert isinstance(hub.notifier, GovukNotifyNotifier)
    # Production has no demo sign-in: the identity provider's callback starts the session.
    session = start_session(
        "https://oidc.example", "subject-1", uow_factory=hub.uow, vault=hub.vault,
        clock=hub.clock, lifetime=timedelta(hours=1),
    )  # fmt: skip
    auth = {"Authorization": f"Bearer {session.token}"}
    with TestClient(create_app(hub), base_url="https://hub.example.gov.uk") as client:
        body = submission(client, auth, holds_driving_licence=True)
        email = body["payload"]["contact"]["email"]
        report = client.post("/api/v1/reports", json=body, headers=auth)
        assert report.status_code == 201, report.text
        reference = report.json()["reference"]
        [dwp] = [d for d in report.json()["disclosures"] if d["recipient"]["id"] == "dwp"]
        acknowledged = client.post(
            f"/api/v1/disclosures/{dwp['id']}/acknowledgement", headers=key_for(hub, "dwp")
        )
        assert acknowledged.status_code == 200

        run_worker_until(hub, lambda: len(FakeNotify.received) >= 2)

        # A change of address is held for 24 hours in production (the fraud guard, ADR 0088):
        # the citizen is told at the address they gave, and then of the acknowledgement.
        by_template = {sent["template_id"]: (h, sent) for h, sent in FakeNotify.received}
        assert len(FakeNotify.received) == len(by_template) == 2
        _, held = by_template[TEMPLATE_IDS["address-change-held"]]
        assert held["email_address"] == email
        assert held["personalisation"]["reference"] == reference
        headers, sent = by_template[TEMPLATE_IDS["disclosure-acknowledged"]]
        assert sent["path"] == "/v2/notifications/email"
        assert sent["email_address"] == email
        assert sent["template_id"] == TEMPLATE_IDS["disclosure-acknowledged"]
        assert sent["personalisation"] == {"reference": reference, "recipient": "Dwp"}
        claims = jwt.decode(
            headers["Authorization"].removeprefix("Bearer "), SECRET, algorithms=["HS256"]
        )
        assert claims["iss"] == SERVICE_ID
        with hub.engine.connect() as connection:
            row = connection.execute(
                sa.select(citizen_messages).where(
                    citizen_messages.c.template == "disclosure-acknowledged"
                )
            ).one()
        assert row.state == "sent" and row.attempts == 1
        assert sent["reference"] == f"disclosure-acknowledged:{row.id}"

        # The Messages page shows what was emailed (Notify keeps no copy the hub can read).
        # https: the session is a __Host- cookie (ADR 0085).
        client.cookies.set("__Host-tellonce_session", session.token)
        page = client.get("/messages")
        assert page.status_code == 200
        assert f"Dwp has received your report {reference}" in page.text
        assert email not in page.text


def test_a_citizen_without_an_email_address_is_shown_the_message_not_emailed(
    production_hub: Hub,
) -> None:
    hub = production_hub
    session = start_session(
        "https://oidc.example", "subject-2", uow_factory=hub.uow, vault=hub.vault,
        clock=hub.clock, lifetime=timedelta(hours=1),
    )  # fmt: skip
    auth = {"Authorization": f"Bearer {session.token}"}
    with TestClient(create_app(hub), base_url="https://hub.example.gov.uk") as client:
        body = draft(holds_driving_licence=True)
        del body["payload"]["contact"]
        body["preview_digest"] = previewed(client, auth, body)["preview_digest"]
        body["consents"] = {}
        report = client.post("/api/v1/reports", json=body, headers=auth)
        assert report.status_code == 201, report.text
        [dwp] = [d for d in report.json()["disclosures"] if d["recipient"]["id"] == "dwp"]
        client.post(f"/api/v1/disclosures/{dwp['id']}/acknowledgement", headers=key_for(hub, "dwp"))

        def settled() -> bool:
            with hub.engine.connect() as connection:
                return connection.execute(sa.select(citizen_messages.c.state)).scalar() != "pending"

        run_worker_until(hub, settled)

        assert FakeNotify.received == []
        with hub.engine.connect() as connection:
            assert connection.execute(sa.select(citizen_messages.c.state)).scalar() == "no-email"
        # https: the session is a __Host- cookie (ADR 0085).
        client.cookies.set("__Host-tellonce_session", session.token)
        assert "has received your report" in client.get("/messages").text


def test_a_message_goes_to_the_address_given_in_the_report_it_is_about(
    client: TestClient, hub: Hub
) -> None:
    auth = sign_in(client, "mover")
    references = {}
    for email in ("first@example.com", "second@example.com", None):
        body = draft(holds_driving_licence=True)
        if email is None:
            del body["payload"]["contact"]
        else:
            body["payload"]["contact"] = {"email": email}
        body["preview_digest"] = previewed(client, auth, body)["preview_digest"]
        body["consents"] = {}
        response = client.post("/api/v1/reports", json=body, headers=auth)
        assert response.status_code == 201, response.text
        references[email] = response.json()["reference"]
        assert isinstance(hub.clock, FakeClock)
        hub.clock.advance(timedelta(minutes=1))
    with hub.uow() as uow:
        account = uow.accounts.by_subject(hub.vault.blind_index("account-subject", "demo\nmover"))
    assert account is not None

    def lookup(reference: str | None) -> str | None:
        return email_for_message(account.id, reference, uow=hub.uow(), vault=hub.vault)

    assert lookup(references["first@example.com"]) == "first@example.com"
    assert lookup(references["second@example.com"]) == "second@example.com"
    assert lookup(references[None]) == "second@example.com"  # none given: the newest one
    assert email_for_message(uuid.uuid4(), None, uow=hub.uow(), vault=hub.vault) is None
