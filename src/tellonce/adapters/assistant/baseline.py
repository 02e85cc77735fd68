"""A keyword-rule ``MessageReader``: the baseline the embedding reader is measured against.

The same wording cues and facts as the embedding reader, and the same decisions after it; only
the ranking differs: an intent scores by how many of its keywords the message contains.
"""

from __future__ import annotations

import re
from datetime import date

from tellonce.adapters.assistant.facts import facts_in
from tellonce.adapters.assistant.reader import cues_in, normalise
from tellonce.service_layer.assistant import INTENTS
from tellonce.service_layer.ports.assistant import Scored, Understanding

KEYWORDS = {
    "death": r"died|dead|death|passed away|passed|bereave\w*|funeral|widow\w*|lost my",
    "change-of-address": r"moved?|moving|address|relocat\w*|new (home|house|flat)|postcode",
    "change-of-name": r"(changed?|new) (my )?(sur|last |first )?name|surname|deed poll|maiden",
    "birth": r"baby|born|birth|newborn|son|daughter|twins",
    "marriage": r"married|marriage|wedding|civil partner\w*|wed",
    "status": r"status|progress|track|reference|received|yet|go through|where is|up to",
    "your-data": r"data|consent|delete|erase|copy of|my details|my information|rights|gdpr",
    "faq": r"service|free|cost|fee|how long|documents?|safe|secure|welsh|someone else",
    "out-of-scope": r"passport|council tax|benefit|universal credit|visa|driving test|tax return"
    r"|parking|bin|weather|joke|vaccine|mortgage|pothole",
}
_PATTERNS = {intent: re.compile(rf"\b({words})\b") for intent, words in KEYWORDS.items()}


class KeywordReader:
    def read(self, text: str, *, today: date) -> Understanding:
        normalised = normalise(text)
        hits = {intent: len(_PATTERNS[intent].findall(normalised)) for intent in INTENTS}
        ranked = tuple(
            sorted(
                (Scored(i, min(1.0, 0.55 + 0.1 * n) if n else 0.0) for i, n in hits.items()),
                key=lambda s: s.score,
                reverse=True,
            )
        )
        return Understanding(ranked, facts_in(text, today=today), cues_in(normalised))
