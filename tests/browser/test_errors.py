"""Every way an answer in the change-of-address journey can be wrong, and a wrong answer on every
question page of the other four life events, shows as a GOV.UK error summary linked to the field,
with the message beside the field too — with JavaScript on and off, on both databases — and
axe-core passes on every error state in both modes. So do a form refused because its cookie has
gone and the preview shown again because who would be told changed in another tab. The other
journeys' rules one by one are covered through the ASGI app in
tests/portal/test_rules.py."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.journeys import CHANGE_OF_ADDRESS, EVENT_TYPE, JOURNEYS, registered
from tests.browser.portal import (
    NONE_OF_THESE,
    Step,
    answer,
    answer_routing_questions,
    check_accessibility,
    date,
    days_ago,
    screenshot,
    sign_in,
)
from tests.browser.server import Server

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def submit(page: Page, fill: dict[str, str] | None = None, choose: str | None = None) -> None:
    for label, value in (fill or {}).items():
        page.get_by_label(label, exact=True).fill(value)
    if choose:
        page.get_by_label(choose, exact=True).check()
    page.get_by_role("button", name="Continue").click()


def expect_errors(page: Page, javascript: bool, *messages: str) -> None:
    """The summary lists exactly these messages (without any: at least one), each links to a
    field on the page that shows the same message, the title says "Error:", and axe-core passes."""
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    links = summary.get_by_role("link")
    if messages:
        expect(links).to_have_text(list(messages))
    else:
        expect(links.first).to_be_visible()
        messages = tuple(links.all_inner_texts())
    for link in links.all():
        target = (link.get_attribute("href") or "").removeprefix("#")
        assert page.locator(f"[id='{target}']").count() == 1, f"no field #{target}"
    inline = page.locator(".govuk-error-message")
    for message in messages:
        expect(inline.filter(has_text=message).first).to_be_visible()
    assert page.title().startswith("Error: ")
    if javascript:  # GOV.UK Frontend moves focus to the summary, so it is read out first
        expect(summary).to_be_focused()
    check_accessibility(page, f"errors: {', '.join(messages)}")


def test_every_invalid_answer_is_explained_in_an_error_summary(
    server: Server, context: BrowserContext, javascript: bool
) -> None:
    page = context.new_page()
    sign_in(page, server.url, f"errors-{uuid.uuid4().hex[:8]}")
    # A form whose cookie has gone (cleared, or cookies turned off) is refused on a page of its
    # own; going back to the form and sending it again works.
    context.clear_cookies(name="tellonce_csrf")
    submit(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sorry, we could not accept that form"
    )
    check_accessibility(page, "form refused")
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("What has changed?")
    submit(page)
    expect_errors(page, javascript, "Select what has changed")
    submit(page, choose="I have moved home, or will soon")

    submit(page)
    expect_errors(page, javascript, "Select who you are reporting this for")
    answer(page, CHANGE_OF_ADDRESS[0])  # for myself
    submit(page)
    expect_errors(page, javascript, "Enter your first names", "Enter your last name")
    screenshot(page, "error-summary")
    submit(page, {"First names": "Siân 2", "Last name": "Ellis-Roberts"})
    expect_errors(
        page,
        javascript,
        "Name must only include letters, spaces, hyphens, apostrophes and full stops",
    )
    answer(page, CHANGE_OF_ADDRESS[1])

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
    answer(page, CHANGE_OF_ADDRESS[2])

    label = "What is your National Insurance number? (optional)"
    submit(page, {label: "AB 12"})
    expect_errors(
        page,
        javascript,
        "Enter a National Insurance number in the correct format, like QQ 12 34 56 C",
    )
    answer(page, CHANGE_OF_ADDRESS[3])
    submit(page, {"What is your NHS number? (optional)": "123"})
    expect_errors(page, javascript, "Enter a 10 digit NHS number, like 943 476 5919")
    answer(page, CHANGE_OF_ADDRESS[4])

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
    answer(page, CHANGE_OF_ADDRESS[6])
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
    answer(page, CHANGE_OF_ADDRESS[8])

    # The routing questions, on one page: nothing ticked, then (without JavaScript, which
    # would untick the others) "None of these" with another box.
    expect(page.get_by_role("heading", level=1)).to_have_text("Which of these apply to you?")
    submit(page)
    expect_errors(page, javascript, "Select all that apply, or select \u2018None of these\u2019")
    page.get_by_label("You hold a UK driving licence", exact=True).check()
    page.get_by_label(NONE_OF_THESE, exact=True).check()
    if javascript:  # "None of these" is exclusive: GOV.UK Frontend unticks the others
        expect(page.get_by_label("You hold a UK driving licence", exact=True)).not_to_be_checked()
    else:
        submit(page)
        expect_errors(
            page, javascript, "Select \u2018None of these\u2019 or the options that apply, not both"
        )
    answer_routing_questions(page, "Yes")

    # The preview, open in a second tab too: who would be told changes there, so continuing
    # from the first tab shows the preview again, with a warning.
    expect(page.get_by_role("heading", level=1)).to_have_text("Check who we will tell")
    other = context.new_page()
    other.goto(page.url)
    other.get_by_role("link", name="Back").click()
    answer_routing_questions(other, "No")
    expect(other.get_by_role("heading", level=1)).to_have_text("Check who we will tell")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check who we will tell")
    expect(page.get_by_text("Who we would tell has changed since you last looked")).to_be_visible()
    check_accessibility(page, "preview changed")


# One wrong answer for each kind of question, by label; a single text answer is far too long.
WRONG = {
    "Day": "31",
    "Month": "2",
    "First names": "Siân 2",
    "Postcode": "LS99 ZZZ",
    "Email address (optional)": "sian at example",
}
TOO_LONG = "x" * 501


def wrong(step: Step) -> dict[str, str]:
    """A wrong answer to the step's question; nothing chosen for a choice."""
    if step.choose:
        return {}
    if step.heading in step.fill:
        return {step.heading: TOO_LONG}
    if not step.fill:  # an optional address left blank in the journey
        return {"Postcode": WRONG["Postcode"]}
    return {label: WRONG.get(label, value) for label, value in step.fill.items()}


@pytest.mark.parametrize(
    "choice",
    [c for c, steps in JOURNEYS.items() if steps is not CHANGE_OF_ADDRESS],
    ids=EVENT_TYPE.get,
)
def test_a_wrong_answer_on_every_question_page_is_explained_in_an_error_summary(
    server: Server, context: BrowserContext, javascript: bool, choice: str
) -> None:
    page = context.new_page()
    sign_in(page, server.url, f"errors-{uuid.uuid4().hex[:8]}")
    submit(page, choose=choice)
    # A death or a birth: the register office recorded it first (ADR 0087).
    for step in registered(JOURNEYS[choice], server, EVENT_TYPE[choice]):
        expect(page.get_by_role("heading", level=1)).to_have_text(step.heading)
        typed = wrong(step)
        submit(page, typed)
        expect_errors(page, javascript)
        answer(page, Step(step.heading, {**dict.fromkeys(typed, ""), **step.fill}, step.choose))
    assert "/report/questions" in page.url
