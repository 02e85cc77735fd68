"""Languages: English and Welsh, both complete (every Welsh string a draft for professional review).

Text from the recipients' catalogue (organisation names, purposes, laws, routing questions) has no
Welsh; a Welsh page that shows it says so once (``templates/english_only_note.html``).

Catalogues are gettext ``.po`` files read at start-up with Babel and compiled in memory, so
there is no compile step to forget. Strings in Python are marked with ``N_`` (a no-op that
Babel's extractor finds) and translated when a page is rendered.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

TRANSLATIONS = Path(__file__).parent / "translations"
LANGUAGES: Mapping[str, str] = {"en": "English", "cy": "Cymraeg"}
DEFAULT_LANGUAGE = "en"


class Gettext(Protocol):
    def __call__(self, message: str, /) -> str: ...


def N_(message: str) -> str:  # noqa: N802 - the gettext convention Babel's extractor knows
    """Mark a string for translation where it is defined; it is translated when shown."""
    return message


def load_translations(language: str, directory: Path = TRANSLATIONS) -> Translations:
    """Read ``<language>/LC_MESSAGES/messages.po`` and compile it in memory (fuzzy entries are
    left out, as msgfmt would)."""
    path = directory / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as file:
        catalog = read_po(file, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def choose_language(requested: str | None, remembered: str | None) -> str:
    for candidate in (requested, remembered):
        if candidate is not None and candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE
