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

from playwright.sync_api import FloatRect, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

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
# Rules that must pass whatever their impact: content outside every landmark ("region", moderate)
# is missed by people who move around a page by landmarks.
MUST_PASS = ("region",)


_CHECKED_ONCE: set[tuple[str, bool]] = set()
# Servers whose pages axe leaves alone: the PostgreSQL one renders the same templates from the same
# code as the SQLite one, and every browser test runs on both, so checking each page there too
# only doubled axe's share of the suite's time (see tests/browser/conftest.py).
AXE_SKIPPED_ORIGINS: set[str] = set()


def check_accessibility(page: Page, what: str = "", *, once: bool = False) -> None:
    """axe-core, WCAG 2.2 A and AA rules and best practice: nothing serious or critical, and
    nothing at all from the rules in ``MUST_PASS``.

    ``once``: a page that is the same for everyone (the start page, sign-in) is checked once per
    session in each JavaScript mode, not again by every test that passes through it.
    """
    page.wait_for_load_state()
    if any(page.url.startswith(origin) for origin in AXE_SKIPPED_ORIGINS):
        return
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
    bad = [v for v in violations if v["impact"] in SERIOUS or v["id"] in MUST_PASS]
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
    seconds) the link's address answers 409, and following the link shows "Your receipt is not
    ready yet" (the link has no ``download`` attribute, which would hide that page behind a
    cancelled download): that page is checked, then we go back and try again until the receipt
    comes, as a person would.
    """
    link = page.get_by_role("link", name="Download your receipt")
    url = urljoin(page.url, link.get_attribute("href") or "")
    deadline = time.monotonic() + 30
    while True:
        if page.request.get(url).status == 200:
            # A receipt is built from the log's proofs on a machine the suite keeps busy: give the
            # download longer than a click's usual ten seconds.
            try:
                with page.expect_download(timeout=30_000) as download:
                    link.click()
            except PlaywrightTimeoutError as timeout:
                shown = page.locator("h1").all_inner_texts()
                raise AssertionError(f"no receipt came; the page shows {shown}") from timeout
            assert download.value.failure() is None
            receipt = ReportReceipt.from_json(download.value.path().read_bytes())
            assert download.value.suggested_filename == f"tellonce-receipt-{receipt.reference}.json"
            return receipt
        assert time.monotonic() < deadline, "no checkpoint covered the report in 30 seconds"
        before = page.url
        link.click()
        page.wait_for_load_state()
        if page.url == url:  # shown as a page (not ready), not a download that just got ready
            heading = page.get_by_role("heading", level=1)
            expect(heading).to_have_text("Your receipt is not ready yet")
            check_accessibility(page, "receipt not ready", once=True)
            page.goto(before)
            link = page.get_by_role("link", name="Download your receipt")
        time.sleep(0.2)


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


NONE_OF_THESE = "None of these"


def routing_boxes(page: Page) -> list[str]:
    """The labels of a "Which of these apply…?" page's boxes, "None of these" left out."""
    labels = page.locator(".govuk-checkboxes__label").all_inner_texts()
    return [label.strip() for label in labels if label.strip() != NONE_OF_THESE]


def tick_only(page: Page, labels: Sequence[str]) -> None:
    """Tick exactly these boxes (by label), unticking the rest, as a person would."""
    for label in [*routing_boxes(page), NONE_OF_THESE]:
        box = page.get_by_label(label, exact=True)
        if label in labels:
            box.check()
        else:
            box.uncheck()


def answer_routing_questions(page: Page, reply: str, *, check: bool = True) -> list[str]:
    """The catalogue's questions, until the preview: on "Which of these apply…?" every box for
    "Yes" or "None of these" for "No"; on any yes/no page of its own, ``reply``. Returns what
    was asked: each box's label, or each page's question."""
    asked = []
    while "/report/questions" in page.url:
        if check:
            check_accessibility(page, "routing questions")
        if page.locator(".govuk-checkboxes").count():
            boxes = routing_boxes(page)
            asked += boxes
            tick_only(page, boxes if reply == "Yes" else [NONE_OF_THESE])
        else:
            asked.append(page.get_by_role("heading", level=1).inner_text())
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
