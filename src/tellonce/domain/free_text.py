"""Free text that other people will read (a recipient's reason, shown to the citizen).

Control characters and the bidirectional overrides are refused: they can hide or reorder what
a reader sees ("Trojan Source", CVE-2021-42574) or break the logs and terminals text reaches.
Tabs and line breaks are allowed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from tellonce.domain.errors import FieldProblem, InvalidInput

# Embeddings, overrides and isolates (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI), the marks.
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
ALLOWED_CONTROLS = frozenset("\t\n")


def refused_characters(text: str) -> list[str]:
    """The code points of ``text`` that free text may not hold, as U+XXXX."""
    return sorted(
        {
            f"U+{ord(c):04X}"
            for c in text
            if c in BIDI_CONTROLS or (unicodedata.category(c) == "Cc" and c not in ALLOWED_CONTROLS)
        }
    )


def checked_free_text(text: str | None, field: Sequence[str | int], *, limit: int) -> str | None:
    """``text`` stripped, or None if empty; refused if too long or holding refused characters."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    bad = refused_characters(text)
    if bad:
        raise InvalidInput(
            [
                FieldProblem(
                    tuple(field),
                    "Remove control and text-direction characters: " + ", ".join(bad),
                )
            ]
        )
    if len(text) > limit:
        raise InvalidInput([FieldProblem(tuple(field), f"Use {limit} characters or fewer")])
    return text
