"""The assistant's port: a reader that ranks a message's intents and picks out its facts, and
the values it returns. The embedding model is its adapter (adapters/assistant); a stronger
model can replace it without touching the service layer or the portal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any, Protocol


class Cue(StrEnum):
    """Signals in the wording that decide topic-versus-act."""

    REPORTED_BEFORE = "reported-before"  # "I told you about...", "still hasn't", "yet?"
    ABOUT_DATA = "about-data"  # "who did you share...", "delete my...", "consent"
    QUESTION_ABOUT_SERVICE = "question-about-service"  # "do I need...", "can I tell you before"
    WELSH = "welsh"


@dataclass(frozen=True, slots=True)
class Facts:
    """What a message says that a journey asks for. Nothing here is trusted: each is shown on
    its question page for the citizen to confirm or change."""

    when: date | None = None  # a day named precisely: "last Tuesday", "3rd of March"
    town: str | None = None
    postcode: str | None = None
    relationship: str | None = None  # who the subject is to the citizen: "mother", "husband"
    child_sex: str | None = None  # "female" / "male", from "a little girl" / "a baby boy"
    reference: str | None = None  # a report reference such as TLO-7KQ4-M3XH

    @property
    def for_someone_else(self) -> bool:
        return self.relationship is not None

    def to_json(self) -> dict[str, str]:
        found = {
            "when": self.when.isoformat() if self.when else None,
            "town": self.town,
            "postcode": self.postcode,
            "relationship": self.relationship,
            "child_sex": self.child_sex,
            "reference": self.reference,
        }
        return {k: v for k, v in found.items() if v is not None}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Facts:
        when = data.get("when")
        return cls(
            when=date.fromisoformat(when) if isinstance(when, str) else None,
            town=data.get("town"),
            postcode=data.get("postcode"),
            relationship=data.get("relationship"),
            child_sex=data.get("child_sex"),
            reference=data.get("reference"),
        )

    def merged(self, newer: Facts) -> Facts:
        """The later message wins where it says something."""
        changes = {k: v for k, v in vars_of(newer).items() if v is not None}
        return replace(self, **changes)


def vars_of(facts: Facts) -> dict[str, Any]:
    return {name: getattr(facts, name) for name in Facts.__slots__}


@dataclass(frozen=True, slots=True)
class Scored:
    intent: str
    score: float
    topic: str | None = None  # the FAQ entry or out-of-scope subject nearest the message


@dataclass(frozen=True, slots=True)
class Understanding:
    ranked: tuple[Scored, ...]  # every intent, best first
    facts: Facts = field(default_factory=Facts)
    cues: frozenset[Cue] = frozenset()
    several: tuple[str, ...] = ()  # life events found in separate parts of the message

    def score(self, intent: str) -> float:
        return next((s.score for s in self.ranked if s.intent == intent), -1.0)


class MessageReader(Protocol):
    """The port: rank the intents of one message and pick out its facts. ``today`` is the
    hub's clock's date in the UK, so "last Tuesday" means the same in tests on any day."""

    def read(self, text: str, *, today: date) -> Understanding: ...
