"""The assistant's ``MessageReader``: nearest curated examples in a sentence-embedding space.

Each intent is scored by the mean similarity of its ``NEIGHBOURS`` nearest examples (a k-NN
that tolerates intents phrased in several quite different ways, where one centroid would blur
them). Before embedding, text-speak and a few common misspellings of the service's own words
are normalised; around it, a few wording cues separate a report already made from a new one.
The model loads on the first message, not at start-up.
"""

from __future__ import annotations

import difflib
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Protocol

import numpy as np
import yaml

from tellonce.adapters.assistant.encoder import MiniLMEncoder, Vectors
from tellonce.adapters.assistant.facts import facts_in, without_details
from tellonce.service_layer.assistant import CONFIDENT, INTENTS, LIFE_EVENTS
from tellonce.service_layer.ports.assistant import Cue, Scored, Understanding

EXAMPLES = Path(__file__).parent / "examples.yaml"
NEIGHBOURS = 2
CLAUSE_CONFIDENT = CONFIDENT - 0.05  # a part of a message is shorter, so its match is weaker


class Encoder(Protocol):
    def encode(self, texts: Sequence[str]) -> Vectors: ...


@dataclass(frozen=True, slots=True)
class Example:
    intent: str
    topic: str | None
    text: str


def load_examples(path: Path = EXAMPLES) -> list[Example]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    examples = []
    for intent, body in data["intents"].items():
        if isinstance(body, Mapping):  # faq and out-of-scope: examples per topic
            examples += [Example(intent, topic, t) for topic, ts in body.items() for t in ts]
        else:
            examples += [Example(intent, None, t) for t in body]
    unknown = {e.intent for e in examples} - set(INTENTS)
    if unknown:
        raise ValueError(f"examples.yaml names unknown intents: {sorted(unknown)}")
    return examples


# --- normalising ------------------------------------------------------------------------------

TEXT_SPEAK = {
    "m8": "mate",
    "wot": "what",
    "wat": "what",
    "2": "to",
    "4": "for",
    "ppl": "people",
    "pls": "please",
    "plz": "please",
    "hse": "house",
    "movd": "moved",
    "wk": "week",
    "u": "you",
    "ur": "your",
    "r": "are",
    "y": "why",
    "hubby": "husband",
    "mums": "mum's",
    "dads": "dad's",
    "gf": "girlfriend",
    "bf": "boyfriend",
    "bb": "baby",
    "babby": "baby",
    "addy": "address",
    "thx": "thanks",
    "ty": "thank you",
    "ive": "i've",
    "im": "i'm",
    "wheres": "where's",
    "whats": "what's",
    "didnt": "didn't",
    "hasnt": "hasn't",
    "havent": "haven't",
    "cant": "can't",
    "dont": "don't",
    "nan's": "nan is",
}
# The service's own words, for correcting a near miss ("adress", "marred", "reprot").
VOCABULARY = (
    "address",
    "moved",
    "moving",
    "house",
    "married",
    "marriage",
    "wedding",
    "partnership",
    "changed",
    "change",
    "surname",
    "name",
    "report",
    "reported",
    "passed",
    "died",
    "death",
    "funeral",
    "baby",
    "born",
    "birth",
    "daughter",
    "husband",
    "mother",
    "father",
    "council",
    "status",
    "consent",
    "personal",
    "delete",
    "update",
    "registered",
    "pension",
    "widow",
)
_WORD = re.compile(r"[\w'-]+|[^\w\s]", re.UNICODE)


def normalise(text: str) -> str:
    words = []
    for typed in _WORD.findall(text.lower()):
        word = TEXT_SPEAK.get(typed, typed)
        if len(word) >= 5 and word.isalpha() and word not in VOCABULARY:
            close = difflib.get_close_matches(word, VOCABULARY, n=1, cutoff=0.8)
            word = close[0] if close else word
        words.append(word)
    return " ".join(words)


# --- wording cues: topic versus act -------------------------------------------------------------

_REPORTED_BEFORE = re.compile(
    r"\b(i|we)\s+(have\s+|'ve\s+)?(already\s+)?(told|reported|sent|notified|let you know)\b"
    r"|\balready\s+(told|reported|sent)\b|\bstill\s+(not|hasn't|haven't|has not|waiting)\b"
    r"|\b(been|get|got|received|acknowledged)\b.*\b(yet|it)\s*\?|\byet\s*\?|\bgo(ne)? through\b"
    r"|\bhas\s+\w+\s+(been told|acknowledged|received)\b|\bhear(d)? back\b"
)
_ABOUT_DATA = re.compile(
    r"\b(share|shared|sharing)\b.*\b(with|data|details|information)\b"
    r"|\b(delete|erase|withdraw|consent|gdpr|data protection)\b"
    r"|\b(download|copy of)\b.*\b(hold|data|everything)\b|\bwho did you (send|share|tell)\b"
)
_ABOUT_SERVICE = re.compile(r"^(do i need|can i tell you|can i use|is it|how long)\b")
_WELSH = re.compile(
    r"\b(wedi|mae|fy|rydw|rydyn|rwy|dw i|ni'n|yn|cael|symud|marw|priodi|babi|enw|newid|"
    r"tŷ|gyda|beth|sut|helo|diolch|os gwelwch)\b"
)
# The model reads English. For a message in Welsh the assistant always asks (the service layer
# sees the cue); these words only put the likeliest life events first among the buttons.
WELSH_WORDS = {
    "death": ("marw", "farw", "colli", "angladd"),
    "change-of-address": ("symud", "cyfeiriad", "tŷ newydd"),
    "marriage": ("priodi", "priodas", "partneriaeth sifil"),
    "birth": ("babi", "geni", "ganwyd", "merch fach", "bachgen bach"),
    "change-of-name": ("newid fy enw", "cyfenw", "enw newydd"),
    "status": ("statws", "adroddiad", "wedi cyrraedd"),
    "your-data": ("data", "gwybodaeth amdanaf", "caniatâd"),
}
WELSH_BOOST = 0.5
_CONJUNCTION = re.compile(r"\s*(?:\band\b|&|,|;|\bplus\b|\balso\b|\bthen\b)\s*")


def cues_in(normalised: str) -> frozenset[Cue]:
    cues = set()
    if _REPORTED_BEFORE.search(normalised):
        cues.add(Cue.REPORTED_BEFORE)
    if _ABOUT_DATA.search(normalised):
        cues.add(Cue.ABOUT_DATA)
    if _ABOUT_SERVICE.search(normalised):
        cues.add(Cue.QUESTION_ABOUT_SERVICE)
    if len(_WELSH.findall(normalised)) >= 2:
        cues.add(Cue.WELSH)
    return frozenset(cues)


class EmbeddingReader:
    """A ``MessageReader`` over the curated examples; thread-safe, loads on first use."""

    def __init__(self, encoder: Encoder | None = None, examples: Sequence[Example] = ()) -> None:
        self._encoder = encoder or MiniLMEncoder()
        self._examples = list(examples) or load_examples()
        self._vectors: Vectors | None = None
        self._lock = threading.Lock()

    def _index(self) -> Vectors:
        with self._lock:
            if self._vectors is None:
                texts = [normalise(e.text) for e in self._examples]
                # In small batches: one batch of every example would set the peak memory.
                batches = [
                    self._encoder.encode(texts[i : i + 32]) for i in range(0, len(texts), 32)
                ]
                self._vectors = np.concatenate(batches)
            return self._vectors

    def warm_up(self) -> None:
        self._index()

    def read(self, text: str, *, today: date) -> Understanding:
        normalised = normalise(without_details(text))
        index = self._index()
        ranked = self._rank(self._encoder.encode([normalised])[0], index)
        cues = cues_in(normalised)
        if Cue.WELSH in cues:
            return Understanding(
                _welsh_first(normalised, ranked), facts_in(text, today=today), cues
            )
        return Understanding(
            ranked=ranked,
            facts=facts_in(text, today=today),
            cues=cues,
            several=self._several(normalised, ranked, index),
        )

    def _rank(self, vector: Vectors, index: Vectors) -> tuple[Scored, ...]:
        similarities = index @ vector
        best: dict[str, Scored] = {}
        for intent in INTENTS:
            rows = [i for i, e in enumerate(self._examples) if e.intent == intent]
            if not rows:
                continue
            scores = similarities[rows]
            nearest = np.argsort(scores)[::-1][:NEIGHBOURS]
            topic = self._examples[rows[int(nearest[0])]].topic
            best[intent] = Scored(intent, float(scores[nearest].mean()), topic)
        return tuple(sorted(best.values(), key=lambda s: s.score, reverse=True))

    def _several(
        self, normalised: str, ranked: Sequence[Scored], index: Vectors
    ) -> tuple[str, ...]:
        """Life events told in separate parts of one message ("we got married and I'm taking
        her surname"). Only looked for when the message has parts and two events rank high,
        so that most messages cost one embedding."""
        parts = [p for p in _CONJUNCTION.split(normalised) if len(p.split()) >= 2]
        events = [s for s in ranked[:3] if s.intent in LIFE_EVENTS]
        if len(parts) < 2 or len(events) < 2 or events[1].score < NOTHING_NEAR:
            return ()
        found: list[str] = []
        for vector in self._encoder.encode(parts):
            top = self._rank(vector, index)[0]
            if (
                top.intent in LIFE_EVENTS
                and top.score >= CLAUSE_CONFIDENT
                and top.intent not in found
            ):
                found.append(top.intent)
        return tuple(found) if len(found) > 1 else ()


NOTHING_NEAR = 0.30


def _welsh_first(normalised: str, ranked: Sequence[Scored]) -> tuple[Scored, ...]:
    def boosted(scored: Scored) -> Scored:
        words = WELSH_WORDS.get(scored.intent, ())
        hit = any(re.search(rf"\b{w}\b", normalised) for w in words)
        return replace(scored, score=scored.score + WELSH_BOOST) if hit else scored

    return tuple(sorted(map(boosted, ranked), key=lambda s: s.score, reverse=True))
