"""Facts in a chat message that a journey asks for: a day, a town, a postcode, who died.

Plain rules, not the model: they are exact where they match and say nothing where they do not,
and every fact is shown on its question page for the citizen to confirm or change. Days are
read against ``today`` (the hub's clock), never the machine's.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from tellonce.domain.identifiers import InvalidValue, normalise_postcode
from tellonce.domain.references import normalise_reference
from tellonce.service_layer.ports.assistant import Facts

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
_DAY_MONTH = re.compile(
    rf"\b(?P<day>[0-3]?\d)(?:st|nd|rd|th)?(?:\s+of)?\s+(?P<month>{_MONTH})\b(?:,?\s+(?P<year>\d{{4}}))?"
)
_MONTH_DAY = re.compile(
    rf"\b(?P<month>{_MONTH})\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>\d{{4}}))?"
)
_NUMERIC = re.compile(r"\b(?P<day>[0-3]?\d)/(?P<month>[01]?\d)/(?P<year>\d{4}|\d{2})\b")
_WEEKDAY = re.compile(rf"\b(?:(?P<which>last|this|next|on)\s+)?(?P<weekday>{'|'.join(WEEKDAYS)})\b")
_WEEKDAY_PHRASE = re.compile(rf"\b(?:(?:last|this|next|on)\s+)?(?:{'|'.join(WEEKDAYS)})\b")
_DAYS_AGO = re.compile(r"\b(?P<count>\d{1,2}|a|one|two|three) days? ago\b")
_NAMED = {"yesterday": -1, "today": 0, "tonight": 0, "last night": -1, "tomorrow": 1}
_NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3}
_FUTURE = re.compile(r"\b(will|going to|gonna|move|moving|next|tomorrow|soon|plan)\b")

_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
_REFERENCE = re.compile(r"\bTLO[-\s]?[0-9A-Z]{4}[-\s]?[0-9A-Z]{4}\b", re.IGNORECASE)

# Who the subject is to the citizen ("my mum" -> reporting for someone else), as the death
# journey's informant question words it, from the informant's side.
RELATIONSHIPS = {
    "mother": ("mum", "mam", "mom", "mother", "mummy", "ma"),
    "father": ("dad", "father", "daddy", "pa"),
    "husband": ("husband", "hubby"),
    "wife": ("wife", "missus"),
    "partner": ("partner", "civil partner"),
    "son": ("son",),
    "daughter": ("daughter",),
    "brother": ("brother",),
    "sister": ("sister",),
    "grandparent": (
        "gran",
        "grandma",
        "grandmother",
        "nan",
        "nana",
        "nanna",
        "granny",
        "grandad",
        "granddad",
        "grandpa",
        "grandfather",
        "grampa",
    ),
    "relative": (
        "aunt",
        "auntie",
        "uncle",
        "cousin",
        "niece",
        "nephew",
        "grandson",
        "granddaughter",
        "stepmum",
        "stepdad",
        "stepfather",
        "stepmother",
    ),
    "friend": ("friend", "neighbour", "client"),
}
_RELATIONSHIP = re.compile(
    r"\b(?:my|our)\s+(?:late\s+|dear\s+|beloved\s+|old\s+)?(?P<word>"
    + "|".join(sorted((w for ws in RELATIONSHIPS.values() for w in ws), key=len, reverse=True))
    + r")(?:'?s)?\b"
)
WELSH_RELATIONSHIPS = {  # after "fy" (my), with the mutation it takes
    "mam": "mother", "nhad": "father", "ngŵr": "husband", "ngwr": "husband",
    "ngwraig": "wife", "mhartner": "partner", "mab": "son", "merch": "daughter",
    "mrawd": "brother", "chwaer": "sister", "nain": "grandparent", "mam-gu": "grandparent",
    "nhaid": "grandparent", "nhad-cu": "grandparent",
}  # fmt: skip
_WHO = {word: key for key, words in RELATIONSHIPS.items() for word in words}
_EUPHEMISM_WHO = re.compile(r"\b(grandma|gran|nan|nana|granny|grandad|grandpa|mum|dad)\b")
_GIRL = re.compile(r"\b(girl|daughter)\b")
_BOY = re.compile(r"\b(boy|son)\b")

# Towns and cities a citizen names without a postcode. A short list of the larger places is
# enough: the town is only ever a suggestion on the address page.
TOWNS = (
    (
        "Aberdeen Bangor Bath Belfast Birmingham Blackpool Bolton Bournemouth Bradford Brighton "
        "Bristol Cambridge Canterbury Cardiff Carlisle Chelmsford Chester Colchester Coventry "
        "Derby Doncaster Dundee Durham Edinburgh Exeter Glasgow Gloucester Huddersfield Hull "
        "Inverness Ipswich Lancaster Leeds Leicester Lincoln Liverpool London Luton Manchester "
        "Middlesbrough Milton-Keynes Newcastle Newport Northampton Norwich Nottingham Oxford "
        "Peterborough Plymouth Portsmouth Preston Reading Salford Salisbury Sheffield Southampton "
        "Stockport Stoke Sunderland Swansea Swindon Wakefield Wolverhampton Worcester Wrexham York"
    )
    .replace("-", " ")
    .split(" ")
)
_TOWN_NAMES = {t.lower(): t.replace("-", " ") for t in TOWNS}
_TOWN = re.compile(r"\b(?P<town>" + "|".join(sorted(_TOWN_NAMES, key=len, reverse=True)) + r")\b")
_DESTINATION = re.compile(r"\b(?:to|into|in)\s+(?P<town>[a-z]+)\b")


def without_details(text: str) -> str:
    """The message without its postcodes, references and days: they say nothing about what
    happened, and only blur the sentence's meaning for the model."""
    for pattern in (_POSTCODE, _REFERENCE):
        text = pattern.sub(" ", text)
    lowered = text.lower()
    for pattern in (_DAY_MONTH, _MONTH_DAY, _NUMERIC, _DAYS_AGO, _WEEKDAY_PHRASE):
        lowered = pattern.sub(" ", lowered)
    return " ".join(lowered.split()) or text


def facts_in(text: str, *, today: date) -> Facts:
    lowered = text.lower()
    return Facts(
        when=day_in(lowered, today=today),
        town=town_in(lowered),
        postcode=postcode_in(text),
        relationship=relationship_in(lowered),
        child_sex=child_sex_in(lowered),
        reference=reference_in(text),
    )


def day_in(lowered: str, *, today: date) -> date | None:
    """The one day a message names precisely, or None ("last week" is not a day)."""
    for phrase, offset in _NAMED.items():
        if re.search(rf"\b{phrase}\b", lowered):
            return today + timedelta(days=offset)
    if found := _DAYS_AGO.search(lowered):
        count = found["count"]
        return today - timedelta(days=_NUMBERS.get(count) or int(count))
    future = bool(_FUTURE.search(lowered))
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        if found := pattern.search(lowered):
            return _calendar_day(found["day"], found["month"], found["year"], today, future)
    if found := _NUMERIC.search(lowered):
        year = found["year"] if len(found["year"]) == 4 else f"20{found['year']}"
        return _valid(int(year), int(found["month"]), int(found["day"]))
    if found := _WEEKDAY.search(lowered):
        return _weekday(found["weekday"], found["which"], today, future)
    return None


def _calendar_day(day: str, month: str, year: str | None, today: date, future: bool) -> date | None:
    number = next((i for i, m in enumerate(MONTHS, 1) if m.startswith(month[:3])), None)
    if number is None:
        return None
    if year is not None:
        return _valid(int(year), number, int(day))
    this_year = _valid(today.year, number, int(day))
    if this_year is None:
        return None
    # No year given: the nearest such day in the direction the message looks.
    if future and this_year < today:
        return _valid(today.year + 1, number, int(day))
    if not future and this_year > today:
        return _valid(today.year - 1, number, int(day))
    return this_year


def _weekday(name: str, which: str | None, today: date, future: bool) -> date:
    target = WEEKDAYS.index(name)
    if which == "next" or (which in (None, "on", "this") and future):
        ahead = (target - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    behind = (today.weekday() - target) % 7 or 7  # "last Tuesday", "on Sunday" (gone)
    return today - timedelta(days=behind)


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return datetime(year, month, day).date()
    except ValueError:
        return None


def postcode_in(text: str) -> str | None:
    for candidate in _POSTCODE.findall(text):
        try:
            return normalise_postcode(candidate)
        except InvalidValue:
            continue
    return None


def town_in(lowered: str) -> str | None:
    """A known town, preferring the one moved to ("from Leeds to Sheffield" -> Sheffield)."""
    for found in _DESTINATION.finditer(lowered):
        if found["town"] in _TOWN_NAMES:
            return _TOWN_NAMES[found["town"]]
    found_town = _TOWN.search(lowered)
    return _TOWN_NAMES[found_town["town"]] if found_town else None


def relationship_in(lowered: str) -> str | None:
    for word, who in WELSH_RELATIONSHIPS.items():
        if re.search(rf"\bfy {word}\b", lowered):
            return who
    if found := _RELATIONSHIP.search(lowered):
        return _WHO[found["word"]]
    # "grandma passed in her sleep": a family word leading the message without "my".
    if (found := _EUPHEMISM_WHO.match(lowered)) is not None:
        return _WHO[found.group(1)]
    return None


def child_sex_in(lowered: str) -> str | None:
    girl, boy = _GIRL.search(lowered), _BOY.search(lowered)
    if girl and not boy:
        return "female"
    if boy and not girl:
        return "male"
    return None


def reference_in(text: str) -> str | None:
    found = _REFERENCE.search(text)
    return normalise_reference(found.group(0).upper()) if found else None
