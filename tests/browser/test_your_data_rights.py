"""Your data rights in the browser, with JavaScript on and off: withdraw a consent before the
organisation has your details (so nothing is ever sent), download a copy of your data, and find
the page of each other right."""

from __future__ import annotations

import json
import uuid

import pytest
from playwright.sync_api import BrowserContext, expect

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


def test_withdraw_a_consent_and_download_your_data(
    server: Server, context: BrowserContext, javascript: bool
) -> None:
    page = context.new_page()
    sign_in(page, server.url, f"withdrawer-{uuid.uuid4().hex[:8]}")
    page.get_by_label("I have moved home, or will soon", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    answer_questions(page, CHANGE_OF_ADDRESS, check=False)
    answer_routing_questions(page, "Yes", check=False)
    # Yorkshire Water reads its feed, and nobody reads it during this test: it cannot have the
    # details before the citizen withdraws.
    page.get_by_label("Tell Yorkshire Water", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Accept and send").click()
    reference = page.locator(".govuk-panel__body strong").inner_text()

    page.get_by_role("link", name="Your data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data")
    expect(page.get_by_role("link", name="Withdraw consent for Yorkshire Water")).to_have_count(1)
    check_accessibility(page, "your data, with a consent to withdraw")

    page.get_by_role("link", name="Withdraw consent for Yorkshire Water").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Withdraw your consent for Yorkshire Water?"
    )
    expect(page.get_by_text("We have not sent your details to Yorkshire Water yet")).to_be_visible()
    expect(page.get_by_role("link", name="Back")).to_be_visible()
    check_accessibility(page, "withdraw your consent")
    if javascript:
        screenshot(page, "withdraw-consent")

    page.get_by_role("button", name="Withdraw consent").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data")
    success = page.locator(".govuk-notification-banner--success")
    expect(success).to_contain_text("You withdrew your consent for Yorkshire Water")
    expect(success).to_contain_text("nothing was sent")
    expect(page.get_by_text("Withdrawn on ")).to_be_visible()
    expect(page.get_by_role("link", name="Withdraw consent for Yorkshire Water")).to_have_count(0)
    assert "Yorkshire" not in page.url and reference not in page.url
    check_accessibility(page, "your data, consent withdrawn")
    if javascript:
        screenshot(page, "consent-withdrawn")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download your data").click()
    assert download.value.suggested_filename.startswith("tellonce-your-data-")
    data = json.loads(download.value.path().read_bytes())
    assert [r["reference"] for r in data["reports"]] == [reference]
    [water] = [c for c in data["consents"] if c["recipient_name"] == "Yorkshire Water"]
    assert water["decision"] == "granted" and water["withdrawn_at"]

    # Each of the other rights has its own page (tests/browser/test_rights.py uses them).
    for right in [
        "Correct your data",
        "Delete your data",
        "Limit how your data is used",
        "Object to how your data is used",
    ]:
        page.get_by_role("link", name=right).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(right)
        check_accessibility(page, right, once=True)
        page.get_by_role("link", name="Back to your data").click()

    page.get_by_role("link", name="Your reports").click()
    page.get_by_role("link", name=reference).click()
    card = page.locator(
        ".govuk-summary-card", has=page.get_by_role("heading", name="Yorkshire Water")
    )
    expect(card.locator(".govuk-tag")).to_have_text("Not sent")
    expect(card).to_contain_text("Nothing was sent to Yorkshire Water.")
    check_accessibility(page, "your report, consent withdrawn")
