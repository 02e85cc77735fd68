"""Every way an answer in the change-of-address journey can be wrong shows as a GOV.UK error
summary linked to the field, with the message beside the field too — with JavaScript on and
off — and axe-core passes on every error state (checked with JavaScript on). The other
journeys' rules are covered through the ASGI app in tests/integration/test_portal_rules.py."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import Server
from tests.browser.journeys import CHANGE_OF_ADDRESS
from tests.browser.portal import (
    Step,
    answer,
    check_accessibility,
    date,
    days_ago,
    screenshot,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def submit(page: Page, fill: dict[str, str] | None = None, choose: str | None = None) -> None:
    for label, value in (fill or {}).items():
        page.get_by_label(label, exact=True).fill(value)
    if choose:
        page.get_by_label(choose, exact=True).check()
    page.get_by_role("button", name="Continue").click()


def expect_errors(page: Page, javascript: bool, *messages: str) -> None:
    """The summary lists exactly these messages, each links to a field on the page that shows
    the same message, the title says "Error:", and axe-core passes."""
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    links = summary.get_by_role("link")
    expect(links).to_have_text(list(messages))
    for link in links.all():
        target = (link.get_attribute("href") or "").removeprefix("#")
        assert page.locator(f"[id='{target}']").count() == 1, f"no field #{target}"
    inline = page.locator(".govuk-error-message")
    for message in messages:
        expect(inline.filter(has_text=message).first).to_be_visible()
    assert page.title().startswith("Error: ")
    if javascript:
        # GOV.UK Frontend moves focus to the summary, so it is read out first. axe checks each
        # error state once, on this enhanced page; without JavaScript the markup is the same.
        expect(summary).to_be_focused()
        check_accessibility(page, f"errors: {', '.join(messages)}")


def test_every_invalid_answer_is_explained_in_an_error_summary(
    server: Server, context: BrowserContext, javascript: bool
) -> None:
    page = context.new_page()
    sign_in(page, server.url, f"errors-{uuid.uuid4().hex[:8]}")
    submit(page)
    expect_errors(page, javascript, "Select what has changed")
    submit(page, choose="I have moved home, or will soon")

    submit(page)
    expect_errors(page, javascript, "Enter your first names", "Enter your last name")
    screenshot(page, "error-summary")
    submit(page, {"First names": "Siân 2", "Last name": "Ellis-Roberts"})
    expect_errors(
        page,
        javascript,
        "Name must only include letters, spaces, hyphens, apostrophes and full stops",
    )
    answer(page, CHANGE_OF_ADDRESS[0])

    for typed, message in [
        ({"Day": "", "Month": "", "Year": ""}, "Enter date of birth"),
        ({"Day": "17", "Month": "", "Year": ""}, "Date of birth must include a month and year"),
        (date(31, 2, 1990), "Date of birth must be a real date"),
        ({"Day": "17", "Month": "4", "Year": "88"}, "Year must include 4 numbers"),
        (days_ago(-2), "Date of birth must be today or in the past"),
        (date(1, 1, 1850), "Date of birth must be on or after 1 January 1900"),
    ]:
        submit(page, typed)
        expect_errors(page, javascript, message)
    answer(page, CHANGE_OF_ADDRESS[1])

    label = "What is your National Insurance number? (optional)"
    submit(page, {label: "AB 12"})
    expect_errors(
        page,
        javascript,
        "Enter a National Insurance number in the correct format, like QQ 12 34 56 C",
    )
    answer(page, CHANGE_OF_ADDRESS[2])
    submit(page, {"What is your NHS number? (optional)": "123"})
    expect_errors(page, javascript, "Enter a 10 digit NHS number, like 943 476 5919")
    answer(page, CHANGE_OF_ADDRESS[3])

    submit(page)
    expect_errors(
        page,
        javascript,
        "Enter address line 1, typically the building and street",
        "Enter town or city",
        "Enter postcode",
    )
    previous = {"Address line 1": "14 Ash Grove", "Town or city": "Leeds", "Postcode": "LS99 ZZZ"}
    submit(page, previous)
    expect_errors(page, javascript, "Enter a real postcode, like LS1 1UR")
    same = {**previous, "Postcode": "LS6 2AB"}
    submit(page, same)

    expect(page.get_by_role("heading", level=1)).to_have_text("What is your new address?")
    submit(page, same)  # the same home again: caught once the whole report can be checked
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "When did you move, or when will you move?"
    )
    submit(page, days_ago(-200))
    expect_errors(
        page,
        javascript,
        "The move date must be today, in the past or within the next 3 months",
    )
    submit(page, days_ago(3))
    expect(page.get_by_role("heading", level=1)).to_have_text("What is your new address?")
    expect_errors(page, javascript, "The new address must be different from the previous address")
    answer(page, CHANGE_OF_ADDRESS[5])
    answer(page, Step("When did you move, or when will you move?", days_ago(3)))

    submit(
        page, {"Email address (optional)": "sian at example", "UK phone number (optional)": "12"}
    )
    expect_errors(
        page,
        javascript,
        "Enter an email address in the correct format, like name@example.com",
        "Enter a UK phone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192",
    )
    answer(page, CHANGE_OF_ADDRESS[7])

    assert "/report/questions/" in page.url
    submit(page)
    expect_errors(page, javascript, "Select yes or no")
