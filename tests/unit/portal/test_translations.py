"""Translations: English has every string in the code, Welsh translates every message in the
template (none empty, none fuzzy, every plural form) as drafts marked for professional review, and
placeholders and HTML tags survive translation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tellonce.entrypoints.portal import i18n

PORTAL = Path(i18n.__file__).parent
KEYWORDS = {"_": None, "gettext": None, "N_": None}
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]


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
        return {str(m.id): (str(m.string), m.user_comments) for m in read_po(file) if m.id}


@pytest.fixture(scope="module")
def messages() -> dict[str, set[str]]:
    return extracted()


def test_english_has_every_string_in_the_code(messages: dict[str, set[str]]) -> None:
    english = catalog("en")
    assert set(messages) <= set(english), sorted(set(messages) - set(english))
    assert all(text for text, _ in english.values())


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=locale)


def forms(value: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    """A message's id or string as a tuple: one item, or one per plural form."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def test_welsh_translates_every_message() -> None:
    """Every msgid in messages.pot has a Welsh translation that is used: not empty (gettext would
    fall back to English) and not fuzzy (fuzzy entries are left out when the catalogue loads); a
    plural has every form the header's Plural-Forms asks for."""
    template = read(PORTAL / "translations" / "messages.pot")
    welsh = read(PORTAL / "translations" / "cy" / "LC_MESSAGES" / "messages.po", locale="cy")
    missing, fuzzy = [], []
    for wanted in template:
        if not wanted.id:
            continue  # the header
        message = welsh.get(wanted.id)
        strings = forms(message.string) if message is not None else ()
        needed = welsh.num_plurals if wanted.pluralizable else 1
        if len(strings) != needed or not all(strings):
            missing.append(forms(wanted.id)[0])
        elif message is not None and message.fuzzy:
            fuzzy.append(forms(wanted.id)[0])
    assert not missing, f"{len(missing)} messages have no Welsh translation:\n" + "\n".join(missing)
    assert not fuzzy, f"{len(fuzzy)} Welsh translations are fuzzy, so unused:\n" + "\n".join(fuzzy)


def test_every_welsh_string_is_marked_for_review() -> None:
    unmarked = [
        forms(m.id)[0]
        for m in read(PORTAL / "translations" / "cy" / "LC_MESSAGES" / "messages.po")
        if m.id and any(forms(m.string))
        and not any("professional Welsh translator" in c for c in m.user_comments)
    ]  # fmt: skip
    assert not unmarked, unmarked


PLACEHOLDERS = re.compile(r"%\(\w+\)[sdifr]|%%|\{\w*\}|<[^>]+>")


def placeholders(text: str) -> list[str]:
    """Python-format and brace placeholders, ``%%`` and HTML tags with their attributes."""
    return sorted(PLACEHOLDERS.findall(text))


@pytest.mark.parametrize("language", ["en", "cy"])
def test_placeholders_and_tags_survive_translation(language: str) -> None:
    changed = []
    for m in read(PORTAL / "translations" / language / "LC_MESSAGES" / "messages.po"):
        ids = forms(m.id)
        for index, text in enumerate(forms(m.string)):
            source = ids[min(index, len(ids) - 1)]  # plural forms after the first use msgid_plural
            if m.id and text and placeholders(source) != placeholders(text):
                changed.append(f"{source!r}: {placeholders(source)} became {placeholders(text)}")
    assert not changed, "\n".join(changed)


def test_catalogues_load_and_translate() -> None:
    welsh = i18n.load_translations("cy")
    assert welsh.gettext("Continue") == "Parhau"
    assert welsh.gettext("Not a string we have") == "Not a string we have"
    assert i18n.choose_language("cy", None) == "cy"
    assert i18n.choose_language("fr", "cy") == "cy"
    assert i18n.choose_language(None, None) == "en"
