"""After sending: recipients acknowledge and report outcomes through the real API, and the
citizen sees it — per recipient on "Your reports", as messages, and on "Your data" — with a
plain-English next step for each outcome; the receipt downloads."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tellonce.domain.transparency.report_receipts import verify_report_receipt
from tests.browser.journeys import CHANGE_OF_ADDRESS
from tests.browser.portal import (
    AXE,
    answer_questions,
    answer_routing_questions,
    check_accessibility,
    download_receipt,
    screenshot,
    sign_in,
)
from tests.browser.server import Server

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# What each recipient does, and what the citizen should then read on the tracking page.
OUTCOMES = {
    "actioned": ("Done", "You do not need to do anything else."),
    "no-record-found": ("No record found", "could not find a record that matches your details"),
    "not-applicable": ("Does not apply", "says this does not affect anything it does for you"),
    "rejected": ("Not accepted", "could not accept the report"),
}


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context: BrowserContext = browser.new_context(locale="en-GB", accept_downloads=True)
    context.add_init_script(AXE)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def send_move(page: Page, server: Server) -> str:
    sign_in(page, server.url, f"tracker-{uuid.uuid4().hex[:8]}")
    page.get_by_label("I have moved home, or will soon", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    answer_questions(page, CHANGE_OF_ADDRESS, check=False)
    answer_routing_questions(page, "Yes", check=False)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Accept and send").click()
    return page.locator(".govuk-panel__body strong").inner_text()


def test_tracking_reflects_what_each_recipient_did(server: Server, page: Page) -> None:
    reference = send_move(page, server)
    # The worker sends each disclosure on its own: wait until DWP's and four others are in.
    deadline = time.monotonic() + 30
    received = server.wait_for(reference, {"dwp-changes-of-circumstances"})
    while len(received) < len(OUTCOMES) + 1 and time.monotonic() < deadline:
        time.sleep(0.2)
        received = server.wait_for(reference, {"dwp-changes-of-circumstances"})
    events = sorted(received.values(), key=lambda e: e["data"]["agreement"]["id"])
    assert len(events) >= len(OUTCOMES) + 1
    acted = dict(zip(OUTCOMES, events, strict=False))
    acknowledged_only = events[len(OUTCOMES)]
    for outcome, event in acted.items():
        recipient = server.recipient_of[event["data"]["agreement"]["id"]]
        body = {"outcome": outcome}
        if outcome == "rejected":
            body["reason"] = "The National Insurance number does not match our records"
        response = server.client.post(
            f"{server.url}/api/v1/disclosures/{event['subject']}/outcome",
            json=body,
            headers=server.as_recipient(recipient),
        )
        assert response.status_code == 200, response.text
    recipient = server.recipient_of[acknowledged_only["data"]["agreement"]["id"]]
    response = server.client.post(
        f"{server.url}/api/v1/disclosures/{acknowledged_only['subject']}/acknowledgement",
        headers=server.as_recipient(recipient),
    )
    assert response.status_code == 200, response.text

    page.goto(f"{server.url}/reports/{reference}")
    for outcome, event in acted.items():
        tag, next_step = OUTCOMES[outcome]
        card = page.locator(
            f"[data-recipient='{server.recipient_of[event['data']['agreement']['id']]}']"
        )
        expect(card.locator(".govuk-tag")).to_have_text(tag)
        expect(card.locator(".tellonce-next-step")).to_contain_text(next_step)
    rejected = page.locator("[data-state='rejected']")
    expect(rejected).to_contain_text("The National Insurance number does not match our records")
    acknowledged = page.locator(
        f"[data-recipient='{server.recipient_of[acknowledged_only['data']['agreement']['id']]}']"
    )
    expect(acknowledged.locator(".govuk-tag")).to_have_text("Received")
    expect(acknowledged).to_contain_text("They confirmed they received it")
    check_accessibility(page, "report tracking")
    screenshot(page, "report-tracking")

    page.get_by_role("link", name="Messages").click()
    # The server's worker sends queued messages within a poll or two: reload until they show.
    deadline = time.monotonic() + 15
    while page.locator(".tellonce-message").count() < len(OUTCOMES) + 1:
        assert time.monotonic() < deadline, "the messages were not sent"
        time.sleep(0.2)
        page.reload()
    expect(page.locator(".tellonce-message")).to_have_count(len(OUTCOMES) + 1)
    expect(page.locator(".tellonce-message").first).to_contain_text(reference)
    check_accessibility(page, "messages")
    screenshot(page, "messages")

    page.get_by_role("link", name="Your data").click()
    expect(page.locator("[data-disclosure]")).to_have_count(len(received))
    check_accessibility(page, "your data")
    screenshot(page, "your-data")

    page.get_by_role("link", name="Your reports").click()
    expect(page.get_by_role("link", name=reference)).to_be_visible()
    check_accessibility(page, "your reports")
    screenshot(page, "your-reports")
    assert_receipt_downloads(page, server, reference)


def assert_receipt_downloads(page: Page, server: Server, reference: str) -> None:
    page.goto(f"{server.url}/reports/{reference}")
    receipt = download_receipt(page)
    assert receipt.reference == reference
    # The receipt verifies offline against the log's key: each entry is in a signed tree.
    assert verify_report_receipt(receipt, server.hub.log_signer.verifier())
