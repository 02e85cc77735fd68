"""Driving the portal as a person would: by visible labels, headings and buttons only.

Also: axe-core on every page (no serious or critical violations), and screenshots for the docs
when ``TELLONCE_SCREENSHOTS`` names a folder (``make screenshots`` sets it to docs/screenshots).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from playwright.sync_api import BrowserContext, FloatRect, Page, expect
from playwright.sync_api import Error as PlaywrightError

from tellonce.domain.transparency.report_receipts import ReportReceipt

ROOT = Path(__file__).resolve().parents[2]
AXE = (ROOT / "node_modules" / "axe-core" / "axe.min.js").read_text()
# With JavaScript off the page's timers never fire, and axe waits on setTimeout: run its
# callbacks as microtasks instead. Harmless with JavaScript on.
TIMER_SHIM = """
window.setTimeout = (callback, _ms, ...args) => {
  Promise.resolve().then(() => callback(...args));
  return 1;
};
window.clearTimeout = () => {};
"""
SERIOUS = ("serious", "critical")


_CHECKED_ONCE: set[tuple[str, bool]] = set()


def check_accessibility(page: Page, what: str = "", *, once: bool = False) -> None:
    """axe-core, WCAG 2.2 A and AA rules and best practice: nothing serious or critical.

    ``once``: a page that is the same for everyone (the start page, sign-in) is checked once per
    session in each JavaScript mode, not again by every test that passes through it.
    """
    page.wait_for_load_state()
    if once:
        key = (what, bool(page.evaluate("document.body.classList.contains('js-enabled')")))
        if key in _CHECKED_ONCE:
            return
        _CHECKED_ONCE.add(key)
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(TIMER_SHIM + AXE)
    violations = page.evaluate(
        """() => axe.run(document, {
               runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                                'wcag22aa', 'best-practice']},
               resultTypes: ['violations']
           }).then(r => r.violations.map(v => ({
               id: v.id, impact: v.impact, help: v.help,
               nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))"""
    )
    bad = [v for v in violations if v["impact"] in SERIOUS]
    assert not bad, f"axe found on {what or page.url}:\n{json.dumps(bad, indent=2)}"


def screenshot(page: Page, name: str) -> None:
    """Long pages are cut at 2,400 pixels: enough to show the pattern, small enough to commit."""
    folder = os.environ.get("TELLONCE_SCREENSHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 1280
    height = min(page.evaluate("document.documentElement.scrollHeight"), 2400)
    clip: FloatRect = {"x": 0, "y": 0, "width": width, "height": height}
    page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True, clip=clip)


def download_receipt(page: Page) -> ReportReceipt:
    """The receipt behind the page's "Download your receipt" link (the confirmation page's or the
    tracking page's), from the transparency log.

    Until the log sequencer has signed a checkpoint that covers the report (every couple of
    seconds) the link's address answers 409, "Your receipt is not ready yet", and Chromium cancels
    the download (the link has a ``download`` attribute): that page is checked in a tab of its
    own, as a browser would show the address, and the link clicked again until the receipt comes.
    """
    link = page.get_by_role("link", name="Download your receipt")
    url = urljoin(page.url, link.get_attribute("href") or "")
    deadline = time.monotonic() + 30
    seen_not_ready = False
    while True:
        with page.expect_download() as download:
            link.click()
        if download.value.failure() is None:
            receipt = ReportReceipt.from_json(download.value.path().read_bytes())
            assert download.value.suggested_filename == f"tellonce-receipt-{receipt.reference}.json"
            return receipt
        assert time.monotonic() < deadline, "no checkpoint covered the report in 30 seconds"
        seen_not_ready = seen_not_ready or _receipt_not_ready(page.context, url)
        time.sleep(0.2)


def _receipt_not_ready(context: BrowserContext, url: str) -> bool:
    """The "not ready yet" page, checked; False if the receipt became ready in the meantime."""
    tab = context.new_page()
    try:
        tab.goto(url)
    except PlaywrightError as error:
        if "Download is starting" not in error.message:
            raise
        return False
    else:
        expect(tab.get_by_role("heading", level=1)).to_have_text("Your receipt is not ready yet")
        check_accessibility(tab, "receipt not ready", once=True)
        return True
    finally:
        tab.close()


def sign_in(page: Page, base_url: str, name: str) -> None:
    page.goto(base_url + "/")
    check_accessibility(page, "start page", once=True)
    page.get_by_role("button", name="Start now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    check_accessibility(page, "sign in", once=True)
    page.get_by_label("Demo name (optional)").fill(name)
    page.get_by_role("button", name="Sign in").click()


def days_ago(days: int) -> dict[str, str]:
    """A date a number of days ago, as typed into GOV.UK date inputs."""
    day = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=days)
    return {"Day": str(day.day), "Month": str(day.month), "Year": str(day.year)}


def date(day: int, month: int, year: int) -> dict[str, str]:
    return {"Day": str(day), "Month": str(month), "Year": str(year)}


@dataclass(frozen=True)
class Step:
    """One page: its question (the h1), what to type by label, and which option to choose."""

    heading: str
    fill: Mapping[str, str] = field(default_factory=dict)
    choose: str | None = None


def continue_to_next_page(page: Page) -> None:
    """Press Continue and wait for the next page (a valid answer always moves on)."""
    before = page.url
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(lambda url: url != before)
    page.wait_for_load_state()


def answer(page: Page, step: Step) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(step.heading)
    expect(page.get_by_role("link", name="Back")).to_be_visible()
    for label, value in step.fill.items():
        page.get_by_label(label, exact=True).fill(value)
    if step.choose:
        page.get_by_label(step.choose, exact=True).check()
    continue_to_next_page(page)


def answer_questions(page: Page, steps: Sequence[Step], *, check: bool = True) -> list[str]:
    """Every page of a journey in turn; returns each page's URL (each question has its own)."""
    urls = []
    for step in steps:
        expect(page.get_by_role("heading", level=1)).to_have_text(step.heading)
        urls.append(page.url)
        if check:
            check_accessibility(page, step.heading)
        answer(page, step)
    return urls


def answer_routing_questions(page: Page, reply: str, *, check: bool = True) -> list[str]:
    """The catalogue's yes/no questions, until the preview."""
    asked = []
    while "/report/questions/" in page.url:
        asked.append(page.get_by_role("heading", level=1).inner_text())
        if check:
            check_accessibility(page, "routing question")
        page.get_by_label(reply, exact=True).check()
        continue_to_next_page(page)
    return asked


@dataclass
class Preview:
    fields: dict[str, list[str]]  # agreement id -> field paths shown
    values: dict[str, dict[str, list[str]]]  # agreement id -> path -> lines shown
    basis: dict[str, str]  # agreement id -> "law" or "consent"
    names: dict[str, str]  # agreement id -> recipient name


def read_preview(page: Page) -> Preview:
    sections: list[dict[str, Any]] = page.eval_on_selector_all(
        "section.tellonce-recipient",
        """els => els.map(s => ({
            agreement: s.dataset.agreement, basis: s.dataset.basis,
            name: s.querySelector('h3').innerText,
            rows: [...s.querySelectorAll('[data-field]')].map(r => ({
                field: r.dataset.field,
                lines: r.querySelector('dd').innerText.split('\\n')}))}))""",
    )
    preview = Preview({}, {}, {}, {})
    for s in sections:
        preview.fields[s["agreement"]] = [r["field"] for r in s["rows"]]
        preview.values[s["agreement"]] = {r["field"]: r["lines"] for r in s["rows"]}
        preview.basis[s["agreement"]] = s["basis"]
        preview.names[s["agreement"]] = s["name"]
    return preview
