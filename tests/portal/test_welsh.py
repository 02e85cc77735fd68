"""Welsh through the ASGI app: every question page of the five journeys (and its error state), the
routing questions, the preview and the check-answers page show no English string from the
portal's catalogue; pages that show text from the recipients' catalogue, which has no Welsh, say
so once in Welsh and not at all in English."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from functools import cache
from html import unescape
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po
from httpx2 import Response  # what Starlette's TestClient returns

from tellonce.bootstrap import Hub
from tellonce.entrypoints.portal.i18n import TRANSLATIONS
from tests.support.portal import Portal, date_form, move_answers, send, today, walk
from tests.support.registrations import recorded

NOTE = "data-english-only"
NAME = {"given-names": "Ann", "family-name": "Lee"}
OTHER = {"given-names": "Bo", "family-name": "Kim"}
ADDRESS = {"address-line-1": "1 High St", "address-town": "Leeds", "address-postcode": "LS1 1UR"}
NO_CONTACT = {"email": "", "phone": ""}
BLANK = {"answer": ""}


def ago(hub: Hub, days: int) -> dict[str, str]:
    return date_form(today(hub) - dt.timedelta(days=days))


def born(year: int) -> dict[str, str]:
    return date_form(dt.date(year, 1, 1))


def journeys(hub: Hub) -> dict[str, dict[str, dict[str, str]]]:
    """Answers for every page of each journey, taking the branches that ask the most. The
    death and the birth were recorded by a registrar first (ADR 0087)."""
    day = today(hub)
    ann_lee = ("Ann", "Lee")
    birth = recorded(hub, "birth", ann_lee, day - dt.timedelta(days=10), "Leeds")
    died = day - dt.timedelta(days=3)
    death = recorded(hub, "death", ann_lee, dt.date(1950, 1, 1), "Leeds", died)
    return {
        "change-of-address": move_answers(hub),
        "change-of-name": {
            "reporter": {"answer": "self"},
            "previous-name": NAME,
            "new-name": OTHER,
            "date-of-birth": born(1990),
            "national-insurance-number": BLANK,
            "nhs-number": BLANK,
            "address": ADDRESS,
            "change-date": ago(hub, 10),
            "evidence": {"answer": "deed-poll"},
            "evidence-reference": BLANK,
            "contact": NO_CONTACT,
        },
        "birth": {
            "child-name": NAME,
            "child-date-of-birth": ago(hub, 10),
            "child-sex": {"answer": "female"},
            "place-of-birth": {"answer": "Leeds"},
            "child-nhs-number": BLANK,
            "first-parent-name": NAME,
            "first-parent-relationship": {"answer": "mother"},
            "first-parent-date-of-birth": born(1990),
            "first-parent-national-insurance-number": BLANK,
            "second-parent": {"answer": "yes"},
            "second-parent-name": OTHER,
            "second-parent-relationship": {"answer": "parent"},
            "second-parent-date-of-birth": born(1989),
            "second-parent-national-insurance-number": BLANK,
            "address": ADDRESS,
            "registration-reference": {"answer": birth},
            "registration-district": {"answer": "Leeds"},
            "registration-date": ago(hub, 0),
            "contact": NO_CONTACT,
        },
        "death": {
            "deceased-name": NAME,
            "deceased-date-of-birth": born(1950),
            "date-of-death": ago(hub, 3),
            "deceased-national-insurance-number": BLANK,
            "deceased-nhs-number": BLANK,
            "deceased-address": ADDRESS,
            "marital-status": {"answer": "widowed"},
            "registration-reference": {"answer": death},
            "registration-district": {"answer": "Leeds"},
            "registration-date": ago(hub, 0),
            "informant-name": OTHER,
            "informant-relationship": {"answer": "child"},
            "informant-address": ADDRESS,
            "informant-contact": NO_CONTACT,
        },
        "marriage": {
            "kind": {"answer": "civil-partnership"},
            "date": ago(hub, 5),
            "place": {"answer": "Leeds"},
            "first-name-before": NAME,
            "first-name-changing": {"answer": "yes"},
            "first-name-after": OTHER,
            "first-date-of-birth": born(1990),
            "first-national-insurance-number": BLANK,
            "second-name-before": OTHER,
            "second-name-changing": {"answer": "no"},
            "second-date-of-birth": born(1988),
            "second-national-insurance-number": BLANK,
            "address": ADDRESS,
            "registered": {"answer": "yes"},
            "registration-reference": {"answer": "MR/LDS/1"},
            "registration-district": {"answer": "Leeds"},
            "registration-date": ago(hub, 5),
            "contact": NO_CONTACT,
        },
    }


@cache
def english_strings() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Each msgid whose Welsh differs from it, as a pattern matching a whole text on a page (its
    placeholders match anything). Strings holding HTML are left out: a page splits them."""
    with (TRANSLATIONS / "cy" / "LC_MESSAGES" / "messages.po").open("rb") as file:
        welsh = read_po(file, locale="cy")
    found = []
    for message in welsh:
        msgid = message.id
        if not isinstance(msgid, str) or not msgid or "<" in msgid or message.string == msgid:
            continue
        parts = re.split(r"%\(\w+\)[sd]|\{\w*\}", msgid.replace("%%", "%"))
        found.append((msgid, re.compile("^" + ".+?".join(map(re.escape, parts)) + "$")))
    return tuple(found)


class _Texts(HTMLParser):
    """The text a person sees or hears: text between tags, and labels in attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skipping += 1
        self.texts += [v for k, v in attrs if k in ("aria-label", "alt", "title") and v]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.texts.append(data)


def texts(html: str) -> list[str]:
    parser = _Texts()
    parser.feed(html)
    cleaned = (" ".join(unescape(t).split()) for t in parser.texts)
    return [t.rstrip(":") for t in cleaned if t]


def untranslated(response: Response) -> list[str]:
    """English strings from the portal's catalogue left on a Welsh page."""
    shown = texts(response.text)
    return [msgid for msgid, pattern in english_strings() if any(map(pattern.match, shown))]


def check_welsh(response: Response, path: str) -> None:
    assert '<html lang="cy"' in response.text, path
    assert not untranslated(response), (path, untranslated(response))


def walk_in_welsh(portal: Portal, first: str, answers: Mapping[str, Mapping[str, str]]) -> str:
    """Every page of the journey in turn: shown, sent back empty (its errors shown, where it has
    any), then answered; routing questions are answered yes (on "Which of these apply…?", every
    box but "None of these"). Returns where the journey ends."""
    location = first
    while True:
        slug = location.rsplit("/", 1)[-1]
        routing = location.startswith("/report/questions")
        if not routing and not (location.startswith("/report/") and slug in answers):
            return location
        page = portal.get(location)
        check_welsh(page, location)
        empty = portal.post(location, {})
        if empty.status_code == 400:
            check_welsh(empty, location + " (errors)")
        if location == "/report/questions":
            boxes = re.findall(r'name="applies" type="checkbox" value="([^"]+)"', page.text)
            answer: Mapping[str, str | list[str]] = {"applies": [b for b in boxes if b != "none"]}
        else:
            answer = {"answer": "yes"} if routing else answers[slug]
        response = portal.post(location, answer)
        assert response.status_code == 303, (location, untranslated(response))
        location = response.headers["location"]


@pytest.mark.parametrize(
    "event_type", ["change-of-address", "change-of-name", "birth", "death", "marriage"]
)
def test_every_question_page_and_the_preview_are_in_welsh(
    portal: Portal, hub: Hub, event_type: str
) -> None:
    portal.get("/?lang=cy")
    portal.sign_in()
    check_welsh(portal.get("/report"), "/report")
    end = walk_in_welsh(portal, portal.start(event_type), journeys(hub)[event_type])
    assert end == "/report/preview", end
    preview = portal.get(end)
    check_welsh(preview, end)
    assert preview.text.count(NOTE) == 1
    digest = re.search(r'name="digest" value="([^"]+)"', preview.text)
    assert digest, preview.text
    consents = re.findall(r'name="consent"[^>]* value="([^"]+)"', preview.text)
    response = portal.post(end, {"digest": digest.group(1), "consent": consents})
    assert response.headers["location"] == "/report/check-answers"
    check = portal.get("/report/check-answers")
    check_welsh(check, "/report/check-answers")
    assert check.text.count(NOTE) == 1


def test_pages_with_catalogue_text_say_so_once_in_welsh(portal: Portal, hub: Hub) -> None:
    portal.get("/?lang=cy")
    portal.sign_in()
    first = portal.start("change-of-address")
    walk(portal, first, move_answers(hub), reply="yes")
    routing = [p for p in portal.visited if p.startswith("/report/questions")]
    assert routing, portal.visited
    # The checkbox page words the catalogue's questions itself, in Welsh: no note there.
    assert NOTE not in portal.get(routing[0]).text
    assert NOTE not in portal.get(first).text, "a question of the portal's own"
    reference = send(portal, hub, consent=["yorkshire-water-account"])
    your_data = portal.get("/your-data").text
    withdraw = re.search(r'href="(/your-data/consents/[^"]+/withdraw)"', your_data)
    assert withdraw, your_data
    pages = (f"/reports/{reference}", "/your-data", withdraw.group(1), "/privacy")
    for path in pages:
        page = portal.get(path).text
        assert page.count(NOTE) == 1, path
        assert "ac maent ar gael yn Saesneg yn unig" in page, path
    for path in ("/", "/report", "/reports", f"/reports/{reference}/confirmation", "/messages"):
        assert NOTE not in portal.get(path).text, path
    portal.get("/?lang=en")
    for path in pages:
        assert NOTE not in portal.get(path).text, path
