"""Registration references: a registrar's authority to report a death or a birth (ADR 0087).

A registrar records a registered death or birth and gets a reference, as the UK's Tell Us Once
reference works: valid for 28 days, used once, bound to the registered details. A report of a
death or a birth must carry one whose details match: names and district tolerantly (letter
case, spacing and accents), dates exactly.
"""

from __future__ import annotations

import datetime as dt
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

VALID_FOR = dt.timedelta(days=28)
REGISTERED_EVENTS = frozenset({"death", "birth"})
PREFIX = "TUO"
# Crockford's base 32 without I, L, O and U: read aloud and typed without confusion.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_registration_reference() -> str:
    """``TUO-XXXX-XXXX-XXXX``: 60 random bits, which no one guesses within 28 days."""
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return f"{PREFIX}-{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def normalise_registration_reference(text: str) -> str:
    return "".join(text.split()).upper()


def tolerant(text: str) -> str:
    """Letter case, spacing and accents do not count: "Siân  ellis" is "sian ellis"."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


@dataclass(frozen=True, slots=True)
class RegisteredDetails:
    """What the registrar recorded, and what a report must match."""

    event_type: str  # "death" or "birth"
    given_names: str
    family_name: str
    date_of_birth: dt.date
    date_of_death: dt.date | None  # deaths only
    district: str

    def as_json(self) -> dict[str, Any]:
        return {
            "event_type": self.event_type,
            "given_names": self.given_names,
            "family_name": self.family_name,
            "date_of_birth": self.date_of_birth.isoformat(),
            "date_of_death": self.date_of_death.isoformat() if self.date_of_death else None,
            "district": self.district,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RegisteredDetails:
        died = data.get("date_of_death")
        return cls(
            data["event_type"],
            data["given_names"],
            data["family_name"],
            dt.date.fromisoformat(data["date_of_birth"]),
            dt.date.fromisoformat(died) if died else None,
            data["district"],
        )


# Where each detail is in a report's payload, by event type.
DETAIL_PATHS: dict[str, dict[str, tuple[str, ...]]] = {
    "death": {
        "given_names": ("deceased", "name", "given_names"),
        "family_name": ("deceased", "name", "family_name"),
        "date_of_birth": ("deceased", "date_of_birth"),
        "date_of_death": ("deceased", "date_of_death"),
        "district": ("registration", "district"),
    },
    "birth": {
        "given_names": ("child", "name", "given_names"),
        "family_name": ("child", "name", "family_name"),
        "date_of_birth": ("child", "date_of_birth"),
        "district": ("registration", "district"),
    },
}
REFERENCE_PATH = ("registration", "reference")


def _at(payload: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = payload
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def details_from_payload(event_type: str, payload: dict[str, Any]) -> RegisteredDetails:
    """The details a registrar records for a death or birth report's payload (the demo and
    the tests record what they then report)."""
    paths = DETAIL_PATHS[event_type]
    died = _at(payload, paths["date_of_death"]) if "date_of_death" in paths else None
    return RegisteredDetails(
        event_type,
        str(_at(payload, paths["given_names"])),
        str(_at(payload, paths["family_name"])),
        dt.date.fromisoformat(str(_at(payload, paths["date_of_birth"]))),
        dt.date.fromisoformat(str(died)) if died else None,
        str(_at(payload, paths["district"])),
    )


def mismatches(recorded: RegisteredDetails, payload: dict[str, Any]) -> list[tuple[str, ...]]:
    """The payload paths whose values differ from what the registrar recorded."""
    wrong = []
    for name, path in DETAIL_PATHS[recorded.event_type].items():
        expected = getattr(recorded, name)
        given = _at(payload, path)
        if isinstance(expected, dt.date):
            same = str(given) == expected.isoformat()
        else:
            same = isinstance(given, str) and tolerant(given) == tolerant(expected)
        if not same:
            wrong.append(path)
    return wrong
