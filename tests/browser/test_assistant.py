"""The webchat assistant in a real browser, with JavaScript (a live chat: no page loads) and
without (one message per page): a death reported by a relative, a move with a loosely phrased
date, a question about a report already made, and something the service does not do. axe on
every state."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.journeys import DEATH
from tests.browser.journeys import registered as with_registration
from tests.browser.portal import (
    Step,
    answer_questions,
    answer_routing_questions,
    check_accessibility,
    days_ago,
    screenshot,
    sign_in,
)
from tests.browser.server import Server

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
UK = ZoneInfo("Europe/London")
MONTHS = "January February March April May June July August September October November December"


def long_date(day: dt.date) -> str:
    return f"{day.day} {MONTHS.split()[day.month - 1]} {day.year}"


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def today() -> dt.date:
    return dt.datetime.now(UK).date()  # the server's clock is the system's


def open_assistant(page: Page, server: Server) -> None:
    sign_in(page, server.url, f"chat-{uuid.uuid4().hex[:8]}")
    page.get_by_role("link", name="Ask the assistant").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask the assistant")
    check_accessibility(page, "assistant", once=True)


def ask(page: Page, message: str, javascript: bool) -> None:
    if javascript:  # the module script has wired the form (it runs after the page shows)
        expect(page.locator("#assistant")).to_have_attribute("data-live", "true")
    turns = page.locator(".tellonce-chat__turn").count()
    page.locator("#message").fill(message)
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".tellonce-chat__turn")).to_have_count(turns + 1)
    # With JavaScript the reply arrives in place; without, it is the next page.
    assert page.url.endswith("/assistant") if javascript else "#turn-" in page.url
    check_accessibility(page, f"assistant reply to {message!r}")


def latest(page: Page) -> str:
    return page.locator(".tellonce-chat__turn").last.inner_text()


def test_a_relative_reports_a_death_through_the_chat(
    server: Server, page: Page, javascript: bool
) -> None:
    open_assistant(page, server)
    ask(page, "My mum died last Tuesday", javascript)
    behind = (today().weekday() - 1) % 7 or 7
    died = today() - dt.timedelta(days=behind)
    reply = latest(page)
    assert "I am sorry for your loss" in reply
    assert long_date(died) in reply and "your mother" in reply
    if javascript:
        expect(page.locator(".tellonce-chat__from").last).to_be_focused()
        screenshot(page, "assistant")
    page.get_by_role("button", name="Start: Death").click()
    # The same journey as the form, from its first page; the pre-filled answers on theirs.
    steps = with_registration(list(DEATH), server, "death", died)
    when = next(i for i, s in enumerate(steps) if s.heading == "When did they die?")
    steps[when] = Step("When did they die?")  # pre-filled: only Continue
    registered = next(i for i, s in enumerate(steps) if s.heading == "When was it registered?")
    steps[registered] = Step("When was it registered?", days_ago(0))
    relation = next(i for i, s in enumerate(steps) if "relationship" in s.heading)
    steps[relation] = Step(steps[relation].heading)  # pre-filled: only Continue
    answer_questions(page, steps[:when], check=False)
    expect(page.get_by_label("Day")).to_have_value(str(died.day))
    expect(page.get_by_label("Month")).to_have_value(str(died.month))
    expect(page.get_by_label("Year")).to_have_value(str(died.year))
    answer_questions(page, steps[when:relation], check=False)
    expect(page.get_by_label("Son or daughter", exact=True)).to_be_checked()
    check_accessibility(page, "pre-filled relationship")
    answer_questions(page, steps[relation:], check=False)
    answer_routing_questions(page, "Yes", check=False)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check who we will tell")


def test_a_move_with_a_loosely_phrased_date(server: Server, page: Page, javascript: bool) -> None:
    open_assistant(page, server)
    ask(page, "upping sticks to Leeds LS6 2AB next Friday", javascript)
    assert "Which of these is closest?" in latest(page)  # an idiom: it asks, never guesses
    page.get_by_role("button", name="I have moved home, or will soon").click()
    expect(page.locator(".tellonce-chat__turn")).to_have_count(2)
    friday = today() + dt.timedelta(days=(4 - today().weekday()) % 7 or 7)
    reply = latest(page)
    assert "Leeds" in reply and "LS6 2AB" in reply and long_date(friday) in reply
    check_accessibility(page, "move noted")
    page.get_by_role("button", name="Start: Change of address").click()
    # The journey starts at its first page: who the move is for (ADR 0088).
    expect(page.get_by_role("heading", level=1)).to_have_text("Who are you reporting this for?")
    page.goto(server.url + "/report/change-of-address/new-address")
    expect(page.get_by_label("Town or city")).to_have_value("Leeds")
    expect(page.get_by_label("Postcode")).to_have_value("LS6 2AB")
    expect(page.locator(".govuk-error-summary")).to_have_count(0)  # nothing wrong yet
    check_accessibility(page, "pre-filled new address")
    page.goto(server.url + "/report/change-of-address/move-date")
    expect(page.get_by_label("Day")).to_have_value(str(friday.day))


def test_a_status_question_goes_to_the_report(server: Server, page: Page, javascript: bool) -> None:
    open_assistant(page, server)
    ask(
        page,
        "I told you about my husband's death three weeks ago and the pension still hasn't stopped",
        javascript,
    )
    assert "already made, not making a new one" in latest(page)
    expect(page.get_by_role("button", name="Start: Death")).to_have_count(0)
    page.get_by_role("link", name="Go to your reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your reports")


def test_out_of_scope_and_an_empty_message(server: Server, page: Page, javascript: bool) -> None:
    open_assistant(page, server)
    ask(page, "I need to renew my passport", javascript)
    assert "I can only help you tell public organisations" in latest(page)
    link = page.get_by_role("link", name="Apply for or renew a passport on GOV.UK")
    expect(link).to_have_attribute("href", "https://www.gov.uk/apply-renew-passport")
    page.get_by_role("button", name="Send").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter a message")
    check_accessibility(page, "assistant error")
    page.get_by_role("button", name="Start a new conversation").click()
    expect(page.locator(".tellonce-chat__turn")).to_have_count(0)
