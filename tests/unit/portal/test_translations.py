"""Translations: English is complete, Welsh covers the start page and the change-of-address
journey (every Welsh string marked for professional review), and placeholders survive."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tellonce.entrypoints.portal import i18n
from tellonce.entrypoints.portal.journeys import JOURNEYS

PORTAL = Path(i18n.__file__).parent
KEYWORDS = {"_": None, "gettext": None, "N_": None}
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
WELSH_TEMPLATES = (
    "layout.html", "start.html", "sign_in.html", "what_changed.html", "question.html",
    "preview.html", "macros/recipient.html", "check_answers.html", "confirmation.html",
)  # fmt: skip
WELSH_MODULES = ("forms.py", "questions.py", "domain_messages.py", "journeys/builders.py")


def extracted() -> dict[str, set[str]]:
    """msgid -> the files it appears in."""
    found: dict[str, set[str]] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
        PORTAL,
        METHODS,
        keywords=KEYWORDS,
        options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        ids = message if isinstance(message, tuple) else (message,)
        for msgid in ids:
            if msgid:
                found.setdefault(msgid, set()).add(filename)
    return found


def catalog(language: str) -> dict[str, tuple[str, list[str]]]:
    path = PORTAL / "translations" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as file:
        return {m.id: (m.string, m.user_comments) for m in read_po(file) if m.id}


@pytest.fixture(scope="module")
def messages() -> dict[str, set[str]]:
    return extracted()


def test_english_has_every_string_in_the_code(messages: dict[str, set[str]]) -> None:
    english = catalog("en")
    assert set(messages) <= set(english), sorted(set(messages) - set(english))
    assert all(text for text, _ in english.values())


def test_welsh_covers_the_start_page_and_the_change_of_address_journey(
    messages: dict[str, set[str]],
) -> None:
    welsh = catalog("cy")
    move = JOURNEYS["change-of-address"]
    needed = {
        m for m, files in messages.items() if files & {f"templates/{t}" for t in WELSH_TEMPLATES}
    }
    needed |= {m for m, files in messages.items() if files & set(WELSH_MODULES)}
    needed |= {q.heading for q in move.questions} | {q.hint for q in move.questions if q.hint}
    needed |= {i.label for q in move.questions for i in q.inputs}
    needed |= {j.choice for j in JOURNEYS.values()} | {j.choice_hint for j in JOURNEYS.values()}
    missing = sorted(m for m in needed if not welsh.get(m, ("", []))[0])
    assert not missing, missing
    for text, comments in welsh.values():
        if text:
            assert any("professional Welsh translator" in c for c in comments)


@pytest.mark.parametrize("language", ["en", "cy"])
def test_placeholders_survive_translation(language: str) -> None:
    for msgid, (text, _) in catalog(language).items():
        if text:
            assert sorted(re.findall(r"%\(\w+\)s", msgid)) == sorted(re.findall(r"%\(\w+\)s", text))


def test_catalogues_load_and_translate() -> None:
    welsh = i18n.load_translations("cy")
    assert welsh.gettext("Continue") == "Parhau"
    assert welsh.gettext("Not a string we have") == "Not a string we have"
    assert i18n.choose_language("cy", None) == "cy"
    assert i18n.choose_language("fr", "cy") == "cy"
    assert i18n.choose_language(None, None) == "en"
