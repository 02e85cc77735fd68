"""Every sentence on the tracking page is true, for every state and both channels: what the
page says the hub is doing (sending, trying again, reminding, telling its team) is what the
code does — tests/e2e/test_chasing.py proves the reminders and alerts themselves."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tellonce.adapters.database.schema import disclosures, recipients
from tellonce.bootstrap import Hub
from tellonce.entrypoints.asgi import create_app
from tellonce.service_layer.catalogue import load_catalogue
from tests.factories import small_catalogue
from tests.support.api import sign_in
from tests.support.delivery import submit_move

REMINDED = "We have reminded them."
ESCALATED = "We have reminded them more than once and told our team."
# Sentences the page used to say without the code doing it.
NEVER = ("We are reminding them", "will send it again")


@dataclass(frozen=True)
class Case:
    state: str
    pushed: bool  # the recipient has a push endpoint; otherwise it collects from its feed
    tag: str
    says: tuple[str, ...]
    not_says: tuple[str, ...] = ()
    delivered: bool = False
    chases: int = 0
    escalated: bool = False


CASES = [
    Case("queued", True, "Waiting to send", ("We will send it shortly.",), (REMINDED,)),
    Case(
        "queued",
        False,
        "Waiting to be collected",
        ("It is ready for them to collect from us.", "we will remind them"),
        ("We will send it shortly.", REMINDED),
    ),
    Case("retrying", True, "Trying again", ("we are trying again",), (REMINDED,)),
    Case("retrying", True, "Trying again", ("we are trying again", REMINDED), chases=1),
    Case("delivered", True, "Sent", (), (REMINDED, "shortly"), delivered=True),
    Case(
        "delivered",
        False,
        "Collected",
        ("They collected it",),
        (REMINDED, "Sent to them", "ready for them to collect"),
        delivered=True,
    ),
    Case(
        "overdue",
        True,
        "Overdue",
        ("have not confirmed they received it", REMINDED),
        ("told our team",),
        delivered=True,
        chases=1,
    ),
    Case(
        "overdue",
        False,
        "Overdue",
        ("They have not collected it in the time they agreed.", REMINDED),
        ("confirmed",),
        chases=1,
    ),
    Case(
        "overdue",
        False,
        "Overdue",
        ("have not confirmed they received it", REMINDED, "They collected it"),
        ("have not collected",),
        delivered=True,
        chases=2,
    ),
    Case(
        "overdue",
        True,
        "Overdue",
        ("have not confirmed they received it", ESCALATED),
        delivered=True,
        chases=3,
        escalated=True,
    ),
    Case(
        "overdue",
        False,
        "Overdue",
        ("They have not collected it", ESCALATED),
        chases=4,
        escalated=True,
    ),
    Case(
        "dead-lettered",
        True,
        "Not delivered",
        ("Our team has been told", "they can still collect it from us"),
        (REMINDED,),
    ),
    Case("dead-lettered", True, "Not delivered", ("Our team has been told", REMINDED), chases=1),
    Case("endpoint-disabled", True, "Not delivered", ("We will send it when it is back.",)),
    Case("acknowledged", True, "Received", (), (REMINDED, "shortly"), delivered=True, chases=2),
    Case(
        "acknowledged",
        False,
        "Received",
        ("They collected it",),
        (REMINDED, "ready for them to collect"),
        delivered=True,
    ),
    Case("withdrawn", False, "Not sent", ("Nothing was sent to Dwp.",), (REMINDED,)),
    Case("withdrawn", True, "Not sent", ("Nothing was sent to Dwp.",), (REMINDED,), chases=1),
]


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    load_catalogue(small_catalogue(), uow=hub.uow(), clock=hub.clock)
    with TestClient(create_app(hub), follow_redirects=False) as test_client:
        yield test_client


def card(client: TestClient, reference: str, recipient: str) -> str:
    page = client.get(f"/reports/{reference}", headers={"accept": "text/html"})
    assert page.status_code == 200, page.text
    found = re.search(
        rf'data-recipient="{recipient}"[^>]*>(.*?)What they received', page.text, re.S
    )
    assert found is not None, page.text
    return " ".join(found.group(1).split())


@pytest.mark.parametrize(
    "case",
    CASES,
    ids=[
        f"{c.state}-{'push' if c.pushed else 'pull'}-{c.chases}{'-e' * c.escalated}" for c in CASES
    ],
)
def test_the_tracking_page_says_only_what_the_hub_does(
    client: TestClient, hub: Hub, case: Case
) -> None:
    report = submit_move(client)
    [dwp] = [d for d in report["disclosures"] if d["recipient"]["id"] == "dwp"]
    now = hub.clock.now()
    with hub.engine.begin() as connection:
        connection.execute(
            sa.update(recipients)
            .where(recipients.c.id == "dwp")
            .values(
                endpoint_url="https://dwp.example.gov.uk/hooks" if case.pushed else None,
                endpoint_state="enabled" if case.pushed else None,
            )
        )
        connection.execute(
            sa.update(disclosures)
            .where(disclosures.c.id == uuid.UUID(dwp["id"]))
            .values(
                state=case.state,
                chases=case.chases,
                escalated_at=now if case.escalated else None,
                delivered_at=now + timedelta(minutes=1) if case.delivered else None,
                acknowledged_at=now + timedelta(days=20) if case.state == "acknowledged" else None,
            )
        )
    client.cookies.set("tellonce_session", sign_in(client, "mover")["Authorization"][7:])
    text = card(client, report["reference"], "dwp")
    assert f">{case.tag}</strong>" in text.replace("> ", ">").replace(" <", "<")
    for sentence in case.says:
        assert sentence in text, text
    for sentence in (*case.not_says, *NEVER):
        assert sentence not in text, text
