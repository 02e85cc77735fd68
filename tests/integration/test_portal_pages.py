"""The portal through the ASGI app, on SQLite and PostgreSQL: sign-in, CSRF, headers, journeys,
errors from every event's rules, expiry, idempotent sending, Welsh, receipts."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from httpx import Response

from tellonce.adapters.catalogue_files import read_catalogue
from tellonce.adapters.database.schema import consent_records, disclosures, portal_drafts, reports
from tellonce.bootstrap import Hub
from tellonce.domain.catalogue import Catalogue
from tellonce.entrypoints.api.app import create_app
from tellonce.service_layer.acknowledgement import acknowledge
from tellonce.service_layer.catalogue import load_catalogue
from tellonce.service_layer.notifications import send_due_messages
from tellonce.service_layer.transparency import integrate_pending
from tests.conftest import CATALOGUE_DIR
from tests.fakes import FakeClock

HTML = {"accept": "text/html"}


def demo_catalogue() -> Catalogue:
    catalogue, problems = read_catalogue(CATALOGUE_DIR)
    assert catalogue is not None, problems
    return catalogue


@dataclass
class Portal:
    """A browser-like client: follows PRG redirects by hand, keeps the CSRF token it was given."""

    client: TestClient
    token: str = ""
    visited: list[str] = field(default_factory=list)

    def get(self, path: str) -> Response:
        self.visited.append(path)
        response = self.client.get(path, headers=HTML)
        found = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
        if found:
            self.token = found.group(1)
        return response

    def post(self, path: str, data: Mapping[str, str | list[str]] | None = None) -> Response:
        self.visited.append(path)
        body = {"csrf_token": self.token, **(data or {})}
        response = self.client.post(path, data=body, headers=HTML)
        if response.status_code == 303:
            self.visited.append(response.headers["location"])
        return response

    def sign_in(self, name: str = "someone") -> None:
        self.get("/sign-in")
        response = self.post("/sign-in", {"demo-name": name, "next": "/report"})
        assert response.status_code == 303

    def start(self, event_type: str) -> str:
        self.get("/report")
        response = self.post("/report", {"answer": event_type})
        assert response.status_code == 303, response.text
        location: str = response.headers["location"]
        return location

    def answer(self, path: str, data: Mapping[str, str | list[str]]) -> Response:
        self.get(path)
        return self.post(path, data)


def errors(response: Response) -> list[str]:
    """The messages in the page's error summary."""
    if "govuk-error-summary__list" not in response.text:
        return []
    summary = response.text.split("govuk-error-summary__list", 1)[1].split("</ul>", 1)[0]
    return [m.strip() for m in re.findall(r'<a href="#[^"]+">([^<]+)</a>', summary)]


@pytest.fixture
def portal(hub: Hub) -> Iterator[Portal]:
    load_catalogue(demo_catalogue(), uow=hub.uow(), clock=hub.clock)
    with TestClient(create_app(hub), follow_redirects=False) as client:
        yield Portal(client)


def today(hub: Hub) -> dt.date:
    return hub.clock.now().date()


def date_form(value: dt.date) -> dict[str, str]:
    return {
        "date-day": str(value.day),
        "date-month": str(value.month),
        "date-year": str(value.year),
    }


def move_answers(hub: Hub) -> dict[str, dict[str, str]]:
    return {
        "name": {"given-names": "Siân", "family-name": "Ellis-Roberts"},
        "date-of-birth": date_form(dt.date(1988, 4, 17)),
        "national-insurance-number": {"answer": "QQ 12 34 56 C"},
        "nhs-number": {"answer": ""},
        "previous-address": {
            "address-line-1": "14 Ash Grove",
            "address-town": "Leeds",
            "address-postcode": "ls6 2ab",
        },
        "new-address": {
            "address-line-1": "27 Wilmslow Road",
            "address-town": "Manchester",
            "address-postcode": "M14 5TQ",
        },
        "move-date": date_form(today(hub) - dt.timedelta(days=14)),
        "contact": {"email": "", "phone": ""},
    }


def walk(
    portal: Portal, first: str, answers: Mapping[str, Mapping[str, str]], reply: str = "no"
) -> Response:
    """Answer pages in turn until one shows errors or the journey reaches a page not listed."""
    location = first
    while True:
        slug = location.rsplit("/", 1)[-1]
        if location.startswith("/report/questions/"):
            response = portal.answer(location, {"answer": reply})
        elif slug in answers and location.startswith("/report/"):
            response = portal.answer(location, answers[slug])
        else:
            return portal.get(location)
        if response.status_code != 303:
            return response
        location = response.headers["location"]


def send(portal: Portal, hub: Hub, consent: list[str] | None = None) -> str:
    preview = walk(portal, portal.start("change-of-address"), move_answers(hub))
    digest = re.search(r'name="digest" value="([^"]+)"', preview.text)
    assert digest, preview.text
    response = portal.post("/report/preview", {"digest": digest.group(1), "consent": consent or []})
    assert response.headers["location"] == "/report/check-answers"
    check = portal.get("/report/check-answers").text
    assert "LS6 2AB" in check, "answers are shown as they will be sent"
    assert "QQ123456C" in check
    response = portal.post("/report/check-answers")
    location: str = response.headers["location"]
    assert location.endswith("/confirmation"), location
    return location.split("/")[2]


def test_pages_carry_security_headers_and_a_csp_nonce(portal: Portal) -> None:
    for path in ("/", "/privacy", "/accessibility", "/cookies", "/sign-in"):
        response = portal.get(path)
        assert response.status_code == 200, path
        csp = response.headers["content-security-policy"]
        nonce = re.search(r"'nonce-([^']+)'", csp)
        assert nonce and f'nonce="{nonce.group(1)}"' in response.text
        assert "frame-ancestors 'none'" in csp
        assert response.headers["cache-control"] == "no-store"
    cookie = portal.client.cookies.get("tellonce_csrf")
    assert cookie and len(cookie) >= 40


def test_the_portal_is_not_part_of_the_api_description(portal: Portal) -> None:
    paths = portal.client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if not p.startswith(("/api/", "/healthz", "/log", "/schemas"))]


def test_pages_need_a_signed_in_citizen_and_return_there(portal: Portal) -> None:
    response = portal.get("/reports")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/reports"
    portal.get("/sign-in?next=/reports")
    response = portal.post("/sign-in", {"demo-name": "a", "next": "/reports"})
    assert response.headers["location"] == "/reports"
    response = portal.post("/sign-in", {"demo-name": "a", "next": "//evil.example/"})
    assert response.headers["location"] == "/report"


def test_a_post_without_a_valid_csrf_token_is_refused(portal: Portal) -> None:
    portal.get("/sign-in")
    response = portal.client.post("/sign-in", data={"demo-name": "x"}, headers=HTML)
    assert response.status_code == 400
    assert "could not accept that form" in response.text
    forged = portal.client.post("/sign-in", data={"csrf_token": "forged"}, headers=HTML)
    assert forged.status_code == 400
    assert "tellonce_session" not in portal.client.cookies


def test_browsers_get_pages_and_api_clients_get_problems(portal: Portal) -> None:
    page = portal.get("/nowhere")
    assert page.status_code == 404
    assert "Page not found" in page.text
    api = portal.client.get("/api/v1/nowhere", headers=HTML)
    assert api.headers["content-type"] == "application/problem+json"
    json_caller = portal.client.get("/nowhere")
    assert json_caller.headers["content-type"] == "application/problem+json"


def test_personal_data_stays_out_of_urls_cookies_and_the_clear(portal: Portal, hub: Hub) -> None:
    portal.sign_in()
    reference = send(portal, hub, consent=["yorkshire-water-account"])
    visited = " ".join(portal.visited)
    for secret in ("Ellis", "Siân", "LS6", "Wilmslow", "QQ", "1988"):
        assert secret not in visited
    assert set(portal.client.cookies) <= {
        "tellonce_session",
        "tellonce_csrf",
        "tellonce_draft",
        "tellonce_language",
    }
    with hub.engine.connect() as connection:
        report = connection.execute(
            sa.select(reports).where(reports.c.reference == reference)
        ).one()
        assert report.channel == "portal"
        methods = connection.execute(
            sa.select(consent_records.c.method, consent_records.c.decision)
        ).all()
        assert methods and {m.method for m in methods} == {"portal"}
        assert ("portal", "granted") in [(m.method, m.decision) for m in methods]
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(portal_drafts)).scalar() == 0
        )


def test_answers_in_progress_are_sealed_and_expire(
    portal: Portal, hub: Hub, clock: FakeClock
) -> None:
    portal.sign_in()
    first = portal.start("change-of-address")
    portal.answer(first, move_answers(hub)["name"])
    with hub.engine.connect() as connection:
        sealed = connection.execute(sa.select(portal_drafts.c.sealed_answers)).scalar_one()
    assert b"Ellis" not in sealed and "Ellis".encode("utf-16-le") not in sealed
    clock.advance(dt.timedelta(hours=4, minutes=1))
    assert portal.get(first).headers["location"] == "/report"
    assert "We deleted your answers" in portal.get("/report").text


def test_sending_twice_sends_one_report(portal: Portal, hub: Hub) -> None:
    portal.sign_in()
    send(portal, hub)
    again = portal.post("/report/check-answers")
    assert again.headers["location"] == "/reports"
    with hub.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(reports)).scalar() == 1


def test_welsh_is_remembered_once_chosen(portal: Portal) -> None:
    response = portal.get("/?lang=cy")
    assert '<html lang="cy"' in response.text
    assert portal.client.cookies.get("tellonce_language") == "cy"
    assert "Dechrau nawr" in portal.get("/").text
    assert '<html lang="en"' in portal.get("/?lang=en").text


def test_the_receipt_downloads_once_the_log_has_signed_it(portal: Portal, hub: Hub) -> None:
    portal.sign_in()
    reference = send(portal, hub)
    confirmation = portal.get(f"/reports/{reference}/confirmation")
    assert f'href="/reports/{reference}/receipt"' in confirmation.text
    assert portal.get(f"/reports/{reference}/receipt").status_code == 409
    integrate_pending(hub.log_sequencer(owner="test"))
    receipt = portal.get(f"/reports/{reference}/receipt")
    assert receipt.status_code == 200
    assert receipt.json()["report"] == reference
    assert portal.get("/reports/TLO-AAAA-AAAA/receipt").status_code == 404


def test_your_data_lists_disclosures_consents_and_rights(portal: Portal, hub: Hub) -> None:
    portal.sign_in()
    send(portal, hub, consent=["yorkshire-water-account"])
    page = portal.get("/your-data").text
    assert "Council Tax, Leeds City Council" in page or "Electoral" in page
    assert "Told them" in page and "Did not tell them" in page
    for right in ("rectification", "erasure", "restriction", "objection"):
        assert f"/your-data/rights/{right}" in page
        assert portal.get(f"/your-data/rights/{right}").status_code == 200
    assert 'href="#download"' in page  # access is answered at once, by the download
    access = portal.client.get("/your-data/rights/access", follow_redirects=False)
    assert access.status_code == 303 and access.headers["location"] == "/your-data#download"
    assert portal.get("/your-data/rights/nonsense").status_code == 404


def test_messages_show_what_recipients_did(portal: Portal, hub: Hub) -> None:
    portal.sign_in()
    assert "You have no messages yet" in portal.get("/messages").text
    reference = send(portal, hub)
    with hub.engine.connect() as connection:
        row = connection.execute(
            sa.select(disclosures.c.id, disclosures.c.recipient_id)
            .join(reports, reports.c.id == disclosures.c.report_id)
            .where(reports.c.reference == reference)
        ).first()
    assert row is not None
    acknowledge(row.recipient_id, [row.id], uow=hub.uow(), clock=hub.clock)
    assert "You have no messages yet" in portal.get("/messages").text  # queued, not yet sent
    assert send_due_messages(hub.uow, hub.notifier, hub.clock, "test") == 1
    page = portal.get("/messages").text
    assert f"has received your report {reference}" in page
    tracking = portal.get(f"/reports/{reference}").text
    assert "They confirmed they received it" in tracking


def test_signing_out_ends_the_session_everywhere(portal: Portal) -> None:
    portal.sign_in("leaver")
    token = portal.client.cookies.get("tellonce_session")
    assert token
    assert portal.get("/reports").status_code == 200
    portal.get("/reports")
    assert portal.post("/sign-out").status_code == 303
    # The same token, replayed from anywhere, no longer works: in the portal or the API.
    portal.client.cookies.set("tellonce_session", token)
    assert portal.get("/reports").status_code == 303
    api = portal.client.get("/api/v1/reports", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401


@pytest.mark.parametrize(
    ("state", "tag", "note"),
    [
        ("queued", "Waiting to send", "We will send it shortly."),
        ("retrying", "Trying again", "we are trying again"),
        ("overdue", "Overdue", "We are reminding them."),
        ("dead-lettered", "Not delivered", "Our team has been told"),
        ("endpoint-disabled", "Not delivered", "We will send it when it is back."),
    ],
)
def test_the_tracking_page_explains_every_waiting_or_failed_state(
    portal: Portal, hub: Hub, state: str, tag: str, note: str
) -> None:
    portal.sign_in()
    reference = send(portal, hub)
    with hub.engine.begin() as connection:
        row = connection.execute(
            sa.select(disclosures.c.id, disclosures.c.recipient_id)
            .join(reports, reports.c.id == disclosures.c.report_id)
            .where(reports.c.reference == reference)
            .order_by(disclosures.c.recipient_id)
        ).first()
        assert row is not None
        connection.execute(
            sa.update(disclosures).where(disclosures.c.id == row.id).values(state=state)
        )
    page = portal.get(f"/reports/{reference}").text
    card = re.search(
        rf'data-recipient="{row.recipient_id}" data-state="{state}">(.*?)What they received',
        page,
        re.S,
    )
    assert card is not None, page
    assert f">{tag}</strong>" in card.group(1)
    assert note in card.group(1)
