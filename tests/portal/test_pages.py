"""The portal through the ASGI app, on SQLite and PostgreSQL: sign-in, CSRF, headers, journeys,
errors from every event's rules, expiry, idempotent sending, Welsh, receipts."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from fastapi.testclient import TestClient

from tellonce.adapters.database.schema import consent_records, disclosures, portal_drafts, reports
from tellonce.bootstrap import Hub
from tellonce.entrypoints.asgi import create_app
from tellonce.service_layer.acknowledgement import acknowledge
from tellonce.service_layer.notifications import send_due_messages
from tellonce.service_layer.transparency.entries import integrate_pending
from tests.fakes import FakeClock
from tests.support.portal import HTML, Portal, move_answers, send


def test_pages_carry_security_headers_and_a_csp_without_inline_script(portal: Portal) -> None:
    for path in ("/", "/privacy", "/accessibility", "/cookies", "/sign-in"):
        response = portal.get(path)
        assert response.status_code == 200, path
        csp = response.headers["content-security-policy"]
        assert "script-src 'self';" in csp
        assert "nonce-" not in csp and "unsafe-inline" not in csp
        # Every script is a file: an inline one would be blocked by that policy.
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.text), path
        assert "frame-ancestors 'none'" in csp
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "strict-transport-security" not in response.headers  # plain http here
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
    portal.get("/sign-in")  # signed in now: the form's token is bound to the new session
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
    # Random ids and references can spell "1988" or "QQ" by chance: they are not personal data.
    ids = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|TLO-\w{4}-\w{4}"
    visited = re.sub(ids, "<id>", " ".join(portal.visited))
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
    for page in (f"/reports/{reference}/confirmation", f"/reports/{reference}"):
        [link] = re.findall(r"<a [^>]*>Download your receipt</a>", portal.get(page).text)
        assert f'href="/reports/{reference}/receipt"' in link
        # No download attribute: it would hide the "not ready" page behind a failed download.
        assert "download" not in link.removesuffix(">Download your receipt</a>")
    not_ready = portal.get(f"/reports/{reference}/receipt")
    assert not_ready.status_code == 409
    assert "Your receipt is not ready yet" in not_ready.text
    assert "attachment" not in not_ready.headers.get("content-disposition", "")
    integrate_pending(hub.log_sequencer(owner="test"))
    receipt = portal.get(f"/reports/{reference}/receipt")
    assert receipt.status_code == 200
    assert receipt.headers["content-disposition"].startswith("attachment;")
    assert receipt.headers["cache-control"] == "no-store"
    assert receipt.headers["x-content-type-options"] == "nosniff"
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


# Every state's tag and note, on both channels: tests/portal/test_tracking_copy.py


def test_under_https_cookies_are_host_cookies_and_hsts_is_sent(hub: Hub) -> None:
    settings = hub.settings.model_copy(update={"public_url": "https://tellonce.example"})
    secure = Hub(settings=settings, engine=hub.engine, vault=hub.vault, clock=hub.clock)
    with TestClient(
        create_app(secure), base_url="https://tellonce.example", follow_redirects=False
    ) as client:
        portal = Portal(client)
        page = portal.get("/sign-in")
        assert page.headers["strict-transport-security"].startswith("max-age=31536000")
        csrf = page.headers["set-cookie"]
        assert csrf.startswith("__Host-tellonce_csrf=")
        assert "Secure" in csrf and "HttpOnly" in csrf and "Path=/" in csrf
        assert "Domain" not in csrf and "SameSite=strict" in csrf
        response = portal.post("/sign-in", {"demo-name": "h", "next": "/reports"})
        session = response.headers["set-cookie"]
        assert session.startswith("__Host-tellonce_session=")
        assert "Secure" in session and "HttpOnly" in session and "SameSite=lax" in session
        assert portal.get("/reports").status_code == 200
        # A cookie without the prefix (planted by a sibling subdomain) is not a session.
        token = client.cookies["__Host-tellonce_session"]
        client.cookies.clear()
        client.cookies.set("tellonce_session", token)
        assert portal.get("/reports").status_code == 303


def test_a_cross_site_post_is_refused(portal: Portal, hub: Hub) -> None:
    """What a page on another site can do: make the signed-in citizen's browser POST a form
    with their cookies, but without a token it can read, or with its own token."""
    portal.sign_in("victim")
    portal.get("/reports")
    with hub.engine.connect() as connection:
        before = connection.execute(sa.select(sa.func.count()).select_from(portal_drafts)).scalar()
    attacker = Portal(TestClient(portal.client.app, follow_redirects=False))
    attacker.get("/sign-in")  # an anonymous token of the attacker's own
    for body in ({}, {"csrf_token": attacker.token}, {"csrf_token": "forged"}):
        response = portal.client.post(
            "/report",
            data={"answer": "change-of-address", **body},
            headers={**HTML, "origin": "https://evil.example", "sec-fetch-site": "cross-site"},
        )
        assert response.status_code == 400
        assert "could not accept that form" in response.text
        response = portal.client.post("/sign-out", data=body, headers=HTML)
        assert response.status_code == 400
    with hub.engine.connect() as connection:
        after = connection.execute(sa.select(sa.func.count()).select_from(portal_drafts)).scalar()
    assert after == before
    assert portal.get("/reports").status_code == 200  # still signed in: sign-out was refused
