"""The pages every service must have, and the Welsh start page and change-of-address journey."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser.portal import check_accessibility, screenshot, sign_in
from tests.browser.server import Server

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_the_pages_every_service_must_have(server: Server, context: BrowserContext) -> None:
    page = context.new_page()
    page.goto(server.url + "/")
    screenshot(page, "start")
    for link, heading in [
        ("Privacy", "Privacy notice"),
        ("Accessibility statement", "Accessibility statement"),
        ("Cookies", "Cookies"),
    ]:
        page.get_by_role("contentinfo").get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        check_accessibility(page, heading)
    # The privacy notice is generated from the catalogue: it names recipients and their laws.
    page.goto(server.url + "/privacy")
    expect(
        page.get_by_role("heading", name="Leeds City Council", exact=False).first
    ).to_be_visible()
    expect(page.get_by_text("SI 2010/444").first).to_be_visible()
    screenshot(page, "privacy-notice")
    page.goto(server.url + "/no-such-page")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    check_accessibility(page, "not found")


def test_signing_out_ends_the_session(server: Server, context: BrowserContext) -> None:
    page = context.new_page()
    sign_in(page, server.url, f"leaver-{uuid.uuid4().hex[:8]}")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
    check_accessibility(page, "signed out")
    page.goto(server.url + "/reports")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def test_welsh_start_page_and_change_of_address(server: Server, context: BrowserContext) -> None:
    page = context.new_page()
    page.goto(server.url + "/")
    page.get_by_role("link", name="Cymraeg").click()
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dweud wrth y llywodraeth unwaith")
    check_accessibility(page, "Welsh start page")
    screenshot(page, "start-cymraeg")
    page.get_by_role("button", name="Dechrau nawr").click()
    page.get_by_label("Enw demo (dewisol)").fill(f"cymro-{uuid.uuid4().hex[:8]}")
    page.get_by_role("button", name="Mewngofnodi").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Beth sydd wedi newid?")
    page.get_by_label("Rwyf wedi symud tŷ, neu byddaf yn symud cyn bo hir").check()
    page.get_by_role("button", name="Parhau").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Ar ran pwy ydych chi\u2019n rhoi gwybod am hyn?"
    )
    page.get_by_label("Fi fy hun", exact=True).check()
    page.get_by_role("button", name="Parhau").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Beth yw eich enw?")
    page.get_by_role("button", name="Parhau").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading")).to_have_text("Mae problem wedi codi")
    expect(summary.get_by_role("link")).to_have_text(
        ["Rhowch eich enwau cyntaf", "Rhowch eich cyfenw"]
    )
    assert page.title().startswith("Gwall: ")
    check_accessibility(page, "Welsh error summary")
    page.get_by_label("Enwau cyntaf").fill("Siân")
    page.get_by_label("Cyfenw").fill("Ellis-Roberts")
    page.get_by_role("button", name="Parhau").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Beth yw eich dyddiad geni?")
    page.get_by_label("Diwrnod").fill("31")
    page.get_by_label("Mis").fill("2")
    page.get_by_label("Blwyddyn").fill("1990")
    page.get_by_role("button", name="Parhau").click()
    expect(summary.get_by_role("link")).to_have_text(
        ["Dyddiad geni: rhaid iddo fod yn ddyddiad go iawn"]
    )
    check_accessibility(page, "Welsh date error")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What is your date of birth?")
