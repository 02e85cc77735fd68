"""Each life event from start to receipt, in a real browser with JavaScript on and off, against a
real ``tellonce serve`` on SQLite and on PostgreSQL whose worker pushes to loopback receivers (and
whose feed the pull-only recipients read): every recipient gets exactly the fields the preview
showed, no more; the receipt from the confirmation page verifies against the log's key."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tellonce.domain.transparency.report_receipts import verify_report_receipt
from tellonce.entrypoints.portal.display import format_value, values_at
from tests.browser.journeys import CHANGE_OF_ADDRESS, EVENT_TYPE, JOURNEYS, registered
from tests.browser.portal import (
    Preview,
    answer_questions,
    answer_routing_questions,
    check_accessibility,
    download_receipt,
    read_preview,
    screenshot,
    sign_in,
)
from tests.browser.server import Server

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def leaf_paths(node: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaf_paths(value, f"{prefix}.{key}" if prefix else key)
    elif isinstance(node, list):
        for item in node:
            yield from leaf_paths(item, prefix)
    else:
        yield prefix


def assert_received_what_was_shown(preview: Preview, agreement: str, payload: Any) -> None:
    shown = preview.fields[agreement]
    for path in leaf_paths(payload):
        assert any(path == f or path.startswith(f + ".") for f in shown), (
            f"{agreement} received {path}, which the preview did not show"
        )
    for path in shown:
        received = [
            line
            for value in values_at(payload, path)
            for line in format_value(value, "en", str, path)
        ]
        assert received == preview.values[agreement][path], f"{agreement}: {path} differs"


def start_report(page: Page, server: Server, choice: str, shots: bool) -> None:
    sign_in(page, server.url, f"citizen-{uuid.uuid4().hex[:8]}")
    expect(page.get_by_role("heading", level=1)).to_have_text("What has changed?")
    check_accessibility(page, "what has changed", once=True)
    if shots:
        screenshot(page, "what-has-changed")
    page.get_by_label(choice, exact=True).check()
    page.get_by_role("button", name="Continue").click()
    if shots:
        screenshot(page, "question")


def send(page: Page, consent: bool, shots: bool) -> tuple[str, Preview]:
    """Preview (choosing consents), check answers, send; returns the reference."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Check who we will tell")
    check_accessibility(page, "preview")
    preview = read_preview(page)
    if consent:
        for agreement, basis in preview.basis.items():
            if basis == "consent":
                page.get_by_label(f"Tell {preview.names[agreement]}", exact=True).check()
    if shots:
        screenshot(page, "preview")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before sending your report"
    )
    check_accessibility(page, "check your answers")
    if shots:
        screenshot(page, "check-answers")
    page.get_by_role("button", name="Accept and send").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Report sent")
    check_accessibility(page, "confirmation")
    if shots:
        screenshot(page, "confirmation")
    return page.locator(".govuk-panel__body strong").inner_text(), preview


@pytest.mark.parametrize("choice", list(JOURNEYS), ids=EVENT_TYPE.get)
def test_a_life_event_reaches_exactly_who_the_preview_named_with_exactly_what_it_showed(
    server: Server, context: BrowserContext, javascript: bool, choice: str
) -> None:
    page = context.new_page()
    shots = javascript and JOURNEYS[choice] is CHANGE_OF_ADDRESS
    start_report(page, server, choice, shots)
    # axe checks every page with JavaScript on, where GOV.UK Frontend has enhanced it, and off.
    urls = answer_questions(page, registered(JOURNEYS[choice], server, EVENT_TYPE[choice]))
    assert len(set(urls)) == len(urls), "each question has its own URL"
    if shots:
        screenshot(page, "which-apply")
    asked = answer_routing_questions(page, "Yes")
    # Each box speaks of whom the report is about: "You hold…", "They held…" after a death.
    subject = {"change-of-name": "You ", "change-of-address": "You ", "death": "They "}
    subject |= {"birth": "Either parent ", "marriage": "Either of you "}
    assert asked
    assert all(box.startswith(subject[EVENT_TYPE[choice]]) for box in asked), asked
    # Consent on (JavaScript on) and off (JavaScript off) both run for every event.
    reference, preview = send(page, consent=javascript, shots=shots)
    by_law = {a for a, basis in preview.basis.items() if basis == "law"}
    by_consent = {a for a, basis in preview.basis.items() if basis == "consent"}
    expected = by_law | (by_consent if javascript else set())
    assert by_law, "every life event has someone the law lets us tell"
    if javascript:  # the receipt, straight from the confirmation page (a link either way)
        receipt = download_receipt(page)
        assert receipt.reference == reference
        assert verify_report_receipt(receipt, server.hub.log_signer.verifier())

    received = server.wait_for(reference, expected)

    assert set(received) == expected
    for agreement, event in received.items():
        assert_received_what_was_shown(preview, agreement, event["data"]["payload"])
    page.get_by_role("link", name="Track your report").click()
    expect(page.locator(".govuk-summary-card")).to_have_count(len(expected))
    # Reported for someone else: the informant for a person who died, a parent for a child.
    acting_for = {
        "death": "You reported this for Margaret Anne Hughes, as the informant.",
        "birth": "You reported this for Zoë Amara Okafor, as their parent.",
    }.get(EVENT_TYPE[choice])
    if acting_for:
        expect(page.locator("[data-acting-for]")).to_have_text(acting_for)
    else:
        expect(page.locator("[data-acting-for]")).to_have_count(0)
    check_accessibility(page, "your report")


def test_a_cancelled_change_of_address(
    held_server: Server, context: BrowserContext, javascript: bool
) -> None:
    """The fraud guard (ADR 0088): a change of address is held; the citizen cancels it from
    the report page through a confirmation page, and nothing is ever sent."""
    server = held_server
    page = context.new_page()
    start_report(page, server, "I have moved home, or will soon", shots=False)
    answer_questions(page, CHANGE_OF_ADDRESS, check=False)  # checked by the test above
    answer_routing_questions(page, "Yes", check=False)
    reference, preview = send(page, consent=False, shots=False)
    page.get_by_role("link", name="Track your report").click()
    expect(page.locator("[data-held-until]")).to_contain_text(
        "we will not tell anyone about this change of address until"
    )
    check_accessibility(page, "a held change of address")
    page.get_by_role("button", name="Cancel this change").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel this change of address?")
    check_accessibility(page, "cancel this change")
    page.get_by_role("button", name="Yes, cancel this change").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "You cancelled this change of address"
    )
    told = [a for a, basis in preview.basis.items() if basis == "law"]
    expect(page.locator('[data-state="cancelled"]')).to_have_count(len(told))
    expect(page.get_by_role("button", name="Cancel this change")).to_have_count(0)
    check_accessibility(page, "a cancelled change of address")
    # Nothing pushed, nothing in any feed: the hold has not ended, and never will for it now.
    time.sleep(0.5)  # a few of the worker's polls
    assert server.events_for(reference, server.pull) == {}
