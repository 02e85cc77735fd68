"""The public register, the recipient console and the hub's administration in Chromium with
JavaScript off (every page works without it), axe on every page, screenshots for the docs; and
the two brands: an organisation's (the default) and GOV.UK's (only when configured).

One journey per area, each covering several pages, so the suite stays quick."""

from __future__ import annotations

import base64
import re
import secrets
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tellonce.adapters.database.schema import disclosures, reports
from tellonce.domain.examples import example_payload
from tellonce.service_layer.endpoints import set_endpoint
from tellonce.service_layer.staff import add_staff
from tests.browser.portal import AXE, check_accessibility, screenshot
from tests.browser.server import Server
from tests.support.processes import free_port, wait_until_up

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
TELLONCE = Path(sys.executable).parent / "tellonce"


@pytest.fixture
def no_js(browser: Browser) -> Iterator[BrowserContext]:
    """Staff tools and the register must work without JavaScript: test them that way only."""
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    context.set_default_timeout(10_000)
    yield context
    context.close()


def _report(server: Server) -> tuple[str, str]:
    """A change of address sent through the API; the reference and one push recipient told."""
    client = server.client
    token = client.post(f"{server.url}/api/v1/demo/sessions", json={"name": uuid.uuid4().hex})
    auth = {"Authorization": f"Bearer {token.json()['token']}"}
    body = {
        "event_type": "change-of-address",
        "payload": example_payload("change-of-address", today=server.hub.clock.now().date()),
        "answers": {},
    }
    preview = client.post(f"{server.url}/api/v1/reports/preview", json=body, headers=auth)
    # Every routing question answered "no": the recipients told by law for any move remain.
    body["answers"] = {question["id"]: False for question in preview.json()["questions"]}
    preview = client.post(f"{server.url}/api/v1/reports/preview", json=body, headers=auth)
    body |= {"preview_digest": preview.json()["preview_digest"], "consents": {}}
    response = client.post(f"{server.url}/api/v1/reports", json=body, headers=auth)
    assert response.status_code == 201, response.text
    reference: str = response.json()["reference"]
    with server.hub.engine.connect() as connection:
        recipient = (
            connection.execute(
                sa.select(disclosures.c.recipient_id)
                .join(reports, reports.c.id == disclosures.c.report_id)
                .where(reports.c.reference == reference)
                .order_by(disclosures.c.recipient_id)
            )
            .scalars()
            .first()
        )
    assert recipient
    return reference, recipient


def _staff(server: Server, role: str, recipient: str | None = None) -> str:
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.gov.uk"
    hub = server.hub
    add_staff(email, f"Demo {role}", role, recipient, uow=hub.console_uow(), clock=hub.clock)
    return email


def _sign_in(page: Page, server: Server, email: str, start: str, shot: str = "") -> None:
    page.goto(server.url + start)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to the staff pages")
    if shot:
        screenshot(page, shot)
    page.get_by_label("Work email address").fill(email)
    page.get_by_role("button", name="Sign in").click()


def test_the_public_register(server: Server, no_js: BrowserContext) -> None:
    _report(server)
    page = no_js.new_page()
    page.goto(server.url + "/")
    page.get_by_role("contentinfo").get_by_role("link", name="Public register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Public register of data sharing")
    expect(page.get_by_text("SI 2010/444").first).to_be_visible()
    check_accessibility(page, "register")
    screenshot(page, "register")
    sections = page.get_by_role("navigation", name="Register sections")
    sections.get_by_role("link", name="Statistics").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistics")
    expect(page.get_by_role("img", name="Disclosures per month")).to_be_visible()
    expect(page.get_by_text("fewer than 10").first).to_be_visible()
    check_accessibility(page, "register statistics")
    screenshot(page, "register-statistics")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download these statistics (CSV)").click()
    assert "<10" in Path(download.value.path()).read_text()
    sections.get_by_role("link", name="Version history").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Version history of the agreements")
    check_accessibility(page, "register history")
    screenshot(page, "register-history")
    page.get_by_role("navigation", name="Register sections").get_by_role(
        "link", name="Transparency log"
    ).click()
    expect(page.get_by_role("heading", name="How to verify the log")).to_be_visible()
    check_accessibility(page, "register log")
    screenshot(page, "register-log")
    page.goto(server.url + "/register?lang=cy")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    check_accessibility(page, "register in Welsh")


def test_a_recipients_manager_works_a_disclosure_and_runs_settings(
    server: Server, no_js: BrowserContext
) -> None:
    _, recipient = _report(server)
    email = _staff(server, "manager", recipient)
    page = no_js.new_page()
    _sign_in(page, server, email, "/console", "staff-sign-in")
    check_accessibility(page, "staff sign-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Disclosures")
    check_accessibility(page, "console inbox")
    screenshot(page, "console-inbox")
    page.get_by_role("table").get_by_role("link", name="Change of address").first.click()
    expect(page.get_by_role("heading", name="What you received")).to_be_visible()
    check_accessibility(page, "console disclosure")
    screenshot(page, "console-disclosure")
    page.get_by_role("button", name="Acknowledge receipt").click()
    expect(page.get_by_text("Receipt acknowledged")).to_be_visible()
    page.get_by_role("button", name="Record outcome").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("link")).to_have_text(
        ["Select what you did with it", "Give a reason for the outcome"]
    )
    check_accessibility(page, "console outcome errors")
    page.get_by_label("Actioned: we updated our records").check()
    page.get_by_label("Reason").fill("Address updated on the electoral roll")
    page.get_by_role("button", name="Record outcome").click()
    expect(page.get_by_text("Outcome recorded")).to_be_visible()

    page.get_by_role("link", name="Disclosures", exact=True).click()
    page.get_by_label("Only overdue").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("table")).to_contain_text("No disclosures match these filters.")

    page.get_by_role("link", name="Disclosures", exact=True).click()
    page.get_by_role("table").get_by_role("checkbox").first.check()
    page.get_by_role("button", name="Export selected as CSV").click()
    expect(page.get_by_text("The file holds personal data")).to_be_visible()
    check_accessibility(page, "export warning")
    screenshot(page, "console-export")
    page.get_by_label("I will handle this file as personal data").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    assert "disclosure_id" in Path(download.value.path()).read_text()

    page.get_by_role("link", name="Organisation settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisation settings")
    check_accessibility(page, "console settings")
    screenshot(page, "console-settings")
    page.get_by_label("Label for a new key").fill("case system")
    page.get_by_role("button", name="Create API key").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your new API key")
    expect(page.locator("#shown-once")).to_contain_text("tlo_live_")
    check_accessibility(page, "key shown once")
    screenshot(page, "console-api-key")


def test_four_eyes_in_the_administration_and_delivery_operations(
    server: Server, no_js: BrowserContext
) -> None:
    first, second = _staff(server, "operator"), _staff(server, "operator")
    page = no_js.new_page()
    _sign_in(page, server, first, "/admin")
    expect(page.get_by_role("heading", level=1)).to_have_text("Catalogue")
    check_accessibility(page, "admin catalogue")
    page.get_by_role("link", name="propose a change to").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Propose a change")
    page.get_by_label("Title").fill("")
    page.get_by_role("button", name="Propose change").click()
    expect(page.locator(".govuk-error-summary").get_by_role("link")).to_have_text(
        ["Enter the title (up to 500 characters)"]
    )
    check_accessibility(page, "admin change errors")
    screenshot(page, "admin-change")
    page.get_by_label("Title").fill(f"Revised agreement {uuid.uuid4().hex[:6]}")
    page.get_by_role("button", name="Propose change").click()
    expect(page.get_by_text("another operator must approve it")).to_be_visible()
    expect(page.get_by_text("Another operator must approve this.").first).to_be_visible()
    screenshot(page, "admin-catalogue")
    page.get_by_role("link", name="Propose a new recipient").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Propose a new recipient")
    check_accessibility(page, "admin new recipient")
    screenshot(page, "admin-new-recipient")
    page.get_by_role("link", name="Deliveries").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deliveries")
    check_accessibility(page, "admin deliveries")
    screenshot(page, "admin-deliveries")
    page.get_by_role("link", name="Rights requests").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rights requests")
    check_accessibility(page, "admin rights requests")
    screenshot(page, "admin-rights")
    page.get_by_role("button", name="Sign out").click()

    _sign_in(page, server, second, "/admin")
    page.get_by_role("button", name="Approve").first.click()
    expect(page.get_by_text("Change approved and in force")).to_be_visible()


def test_the_govuk_brand_only_when_configured(
    server: Server, browser: Browser, tmp_path: Path
) -> None:
    """The default server shows the organisation's brand; a server with TELLONCE_BRAND=govuk,
    GOV.UK's header and crown."""
    context = browser.new_context(locale="en-GB")
    context.add_init_script(AXE)
    page = context.new_page()
    page.goto(server.url + "/")
    expect(page.locator(".govuk-header__logotype")).to_have_count(0)
    screenshot(page, "brand-organisation")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        "PATH": str(TELLONCE.parent),
        "TELLONCE_MODE": "demo",
        "TELLONCE_DATA_DIR": str(tmp_path),
        "TELLONCE_PUBLIC_URL": url,
        "TELLONCE_BRAND": "govuk",
        "TELLONCE_IN_PROCESS_WORKER": "false",
    }
    process = subprocess.Popen(  # noqa: S603 - our own command, no shell
        [str(TELLONCE), "serve", "--port", str(port)], env=env, stderr=subprocess.DEVNULL
    )
    try:
        wait_until_up(process, url)
        page.goto(url + "/")
        expect(page.locator(".govuk-header__logotype")).to_have_count(1)
        expect(page.get_by_text("© Crown copyright")).to_be_visible()
        check_accessibility(page, "GOV.UK brand")
        screenshot(page, "brand-govuk")
    finally:
        process.terminate()
        process.wait(timeout=20)
        context.close()


def test_a_manager_runs_the_endpoint_keys_and_people(server: Server, no_js: BrowserContext) -> None:
    """The settings' other journeys: set the endpoint (its secret shown once), rotate the
    secret, revoke a key, invite and remove a caseworker; and acknowledge from the inbox."""
    _, recipient = _report(server)
    email = _staff(server, "manager", recipient)
    try:
        _run_settings(no_js.new_page(), server, email)
    finally:
        _reconnect(server, recipient)  # the journeys after this one push to it again


def _reconnect(server: Server, recipient: str) -> None:
    """Point the recipient back at the test receiver, with a secret the receiver knows."""
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    hub = server.hub
    set_endpoint(
        recipient,
        server.receiver.url(recipient),
        secret,
        uow=hub.uow(),
        vault=hub.vault,
        clock=hub.clock,
        destinations=hub.destinations,
    )
    server.receiver.state.secrets[recipient] = secret


def _run_settings(page: Page, server: Server, email: str) -> None:
    _sign_in(page, server, email, "/console")
    page.get_by_role("table").get_by_role("checkbox").first.check()
    page.get_by_role("button", name="Acknowledge selected").click()
    expect(page.get_by_text("1 disclosure acknowledged")).to_be_visible()
    check_accessibility(page, "console bulk acknowledged")

    page.get_by_role("link", name="Organisation settings").click()
    page.get_by_label("New endpoint URL").fill("ftp://nowhere")
    page.get_by_role("button", name="Set endpoint").click()
    expect(page.locator(".govuk-error-summary").get_by_role("link")).to_have_text(
        ["The endpoint must be an http(s) URL"]
    )
    check_accessibility(page, "console endpoint error")
    page.get_by_label("New endpoint URL").fill("https://receiver.example/hook")
    page.get_by_role("button", name="Set endpoint").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your new signing secret")
    expect(page.locator("#shown-once")).to_contain_text("whsec_")
    check_accessibility(page, "signing secret shown once")
    screenshot(page, "console-secret")
    page.get_by_role("link", name="Back to organisation settings").click()
    expect(page.get_by_text("https://receiver.example/hook")).to_be_visible()
    page.get_by_role("button", name="Rotate signing secret").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your new signing secret")

    page.get_by_role("link", name="Back to organisation settings").click()
    page.get_by_label("Label for a new key").fill("to revoke")
    page.get_by_role("button", name="Create API key").click()
    prefix = page.locator("#shown-once").inner_text()[:16]
    page.get_by_role("link", name="Back to organisation settings").click()
    row = page.get_by_role("row").filter(has_text="to revoke")
    row.get_by_role("button", name=re.compile("^Revoke")).click()
    expect(page.get_by_text("API key revoked: it stops working at once")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="to revoke")).to_contain_text("Revoked")
    assert prefix.startswith("tlo_")

    page.get_by_role("button", name="Invite").click()
    expect(page.locator(".govuk-error-summary").get_by_role("link")).to_have_count(3)
    check_accessibility(page, "console invite errors")
    caseworker = f"case-{uuid.uuid4().hex[:8]}@example.gov.uk"
    page.get_by_label("Full name").fill("Casey Worker")
    page.get_by_label("Work email address").fill(caseworker)
    page.get_by_label("Caseworker", exact=True).check()
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_text("Member added: they can sign in now")).to_be_visible()
    page.get_by_role("button", name="Remove Casey Worker").click()
    expect(page.get_by_text("Member removed: their sessions have ended")).to_be_visible()
    expect(page.get_by_text(caseworker)).to_have_count(0)
    check_accessibility(page, "console settings after changes")


def test_an_operator_disables_and_enables_an_endpoint_and_proposes_a_retirement(
    server: Server, no_js: BrowserContext
) -> None:
    page = no_js.new_page()
    _sign_in(page, server, _staff(server, "operator"), "/admin")
    page.get_by_role("button", name=re.compile("^propose retirement of ")).first.click()
    expect(page.get_by_text("another operator must approve it")).to_be_visible()
    # Withdrawn at once: the journeys share this server and its catalogue.
    page.get_by_role("button", name=re.compile("^Withdraw ")).first.click()
    expect(page.get_by_text("Change rejected")).to_be_visible()

    page.get_by_role("link", name="Deliveries").click()
    disable = page.get_by_role("button", name=re.compile("^Disable endpoint of "))
    expect(disable.first).to_be_visible()
    name = " ".join((disable.first.text_content() or "").split()).removeprefix(
        "Disable endpoint of "
    )
    disable.first.click()
    expect(
        page.get_by_text("Endpoint disabled: its pushes wait until it is enabled")
    ).to_be_visible()
    check_accessibility(page, "admin endpoint disabled")
    page.get_by_role("button", name=f"Enable endpoint of {name}").click()
    expect(page.get_by_text("Endpoint enabled: waiting pushes are sent again")).to_be_visible()
    expect(page.get_by_role("button", name=f"Disable endpoint of {name}")).to_be_visible()
