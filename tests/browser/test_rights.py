"""Every right that changes what the hub holds or does, in the browser with JavaScript on and
off, each page checked with axe: limit and object (set and lifted), correct a detail (errors in
an error summary, then each recipient's correction on the report), and delete your data."""

from __future__ import annotations

import time
import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import BrowserContext, Page, expect

from tellonce.adapters.database.schema import disclosures, reports
from tests.browser.journeys import CHANGE_OF_ADDRESS
from tests.browser.portal import (
    answer_questions,
    answer_routing_questions,
    check_accessibility,
    screenshot,
    sign_in,
)
from tests.browser.server import Server

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
NOT_YET_THERE = ("queued", "retrying")


def report_a_move(page: Page, server: Server) -> str:
    sign_in(page, server.url, f"rights-{uuid.uuid4().hex[:8]}")
    page.get_by_label("I have moved home, or will soon", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    answer_questions(page, CHANGE_OF_ADDRESS, check=False)
    answer_routing_questions(page, "Yes", check=False)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Accept and send").click()
    return page.locator(".govuk-panel__body strong").inner_text()


def wait_until_everyone_has_it(server: Server, reference: str, seconds: float = 30) -> None:
    """Pushed by the worker, or collected from the feed by each pull recipient."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        server.events_for(reference, server.pull)  # the pull recipients collect theirs
        with server.hub.engine.connect() as connection:
            waiting = connection.execute(
                sa.select(sa.func.count())
                .select_from(disclosures.join(reports, reports.c.id == disclosures.c.report_id))
                .where(reports.c.reference == reference, disclosures.c.state.in_(NOT_YET_THERE))
            ).scalar_one()
        if not waiting:
            return
        time.sleep(0.2)
    pytest.fail(f"report {reference} was not delivered to everyone in {seconds}s")


def flag(page: Page, link: str, set_button: str, lift_button: str, what: str) -> None:
    page.get_by_role("link", name="Your data").first.click()
    page.get_by_role("link", name=link).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(link)
    check_accessibility(page, what)
    page.get_by_role("button", name=set_button).click()
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    check_accessibility(page, f"{what}, in force")
    page.get_by_role("button", name=lift_button).click()
    expect(page.get_by_role("button", name=set_button)).to_be_visible()


def test_limit_object_correct_and_delete(
    server: Server, context: BrowserContext, javascript: bool
) -> None:
    page = context.new_page()
    reference = report_a_move(page, server)

    flag(page, "Limit how your data is used", "Limit how my data is used",
         "Stop limiting how my data is used", "limit how your data is used")  # fmt: skip
    flag(page, "Object to how your data is used", "Object", "Withdraw my objection",
         "object to how your data is used")  # fmt: skip

    wait_until_everyone_has_it(server, reference)
    page.get_by_role("link", name="Your data").first.click()
    page.get_by_role("link", name="Correct your data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Correct your data")
    check_accessibility(page, "correct your data: choose a report")
    page.get_by_role("link", name=reference, exact=False).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Correct a detail")
    check_accessibility(page, "correct a detail")
    page.get_by_role("button", name="Correct and tell them").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select the detail you want to correct")
    expect(summary).to_contain_text("Enter the correct value")
    check_accessibility(page, "correct a detail, with errors")
    page.get_by_label("Date of birth", exact=True).check()
    page.get_by_label("What should it say?").fill("1988-04-18")
    page.get_by_role("button", name="Correct and tell them").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "We corrected your report"
    )
    expect(page.get_by_role("heading", name="Corrections")).to_be_visible()
    assert page.locator("tr[data-correction]").count() >= 1
    assert "1988" not in page.url
    check_accessibility(page, "your report, corrected")
    if javascript:
        screenshot(page, "report-corrected")

    page.get_by_role("link", name="Your data").first.click()
    page.get_by_role("button", name="View a copy to print or save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("A copy of your data")
    expect(page.locator(f'[data-report="{reference}"]')).to_contain_text("Ellis-Roberts")
    check_accessibility(page, "a copy of your data")
    page.get_by_role("link", name="Back to your data").click()
    expect(page.get_by_role("heading", name="Your requests")).to_be_visible()
    page.get_by_role("link", name="Delete your data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete your data")
    check_accessibility(page, "delete your data")
    page.get_by_role("button", name="Delete my data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your details have been deleted")
    check_accessibility(page, "your details have been deleted")
    if javascript:
        screenshot(page, "data-deleted")
