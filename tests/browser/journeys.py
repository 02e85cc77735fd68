"""The five journeys as a person would answer them, page by page, by visible labels."""

from __future__ import annotations

import datetime as dt

from tellonce.entrypoints.portal.journeys import JOURNEYS as PORTAL_JOURNEYS
from tests.browser.portal import Step, date, days_ago
from tests.browser.server import Server

NAME = ("First names", "Last name")


def name(heading: str, given: str, family: str) -> Step:
    return Step(heading, {"First names": given, "Last name": family})


def address(heading: str, line_1: str, town: str, postcode: str, line_2: str = "") -> Step:
    fill = {"Address line 1": line_1, "Town or city": town, "Postcode": postcode}
    if line_2:
        fill["Address line 2 (optional)"] = line_2
    return Step(heading, fill)


def text(heading: str, value: str) -> Step:
    return Step(heading, {heading: value})


CONTACT = Step(
    "How can organisations contact you? (optional)",
    {"Email address (optional)": "me@example.com", "UK phone number (optional)": "07700 900982"},
)

# Acting for others (ADR 0088): an adult's change may be reported under a power of attorney.
FOR_MYSELF = Step("Who are you reporting this for?", choose="Myself")

CHANGE_OF_ADDRESS = [
    FOR_MYSELF,
    name("What is your name?", "Siân", "Ellis-Roberts"),
    Step("What is your date of birth?", date(17, 4, 1988)),
    text("What is your National Insurance number? (optional)", "QQ 12 34 56 C"),
    text("What is your NHS number? (optional)", "999 526 0182"),
    address("What was your previous address?", "14 Ash Grove", "Leeds", "ls6 2ab", "Headingley"),
    address("What is your new address?", "Flat 3, 27 Wilmslow Road", "Manchester", "M14 5TQ"),
    Step("When did you move, or when will you move?", days_ago(14)),
    CONTACT,
]

CHANGE_OF_NAME = [
    FOR_MYSELF,
    name("What was your previous name?", "Joanna", "Kowalska"),
    name("What is your new name?", "Joanna", "Whitfield"),
    Step("What is your date of birth?", date(3, 9, 1991)),
    text("What is your National Insurance number? (optional)", "QQ654321A"),
    text("What is your NHS number? (optional)", ""),
    address("What is your address?", "8 Elm Bank Road", "Manchester", "M20 2LS", "Didsbury"),
    Step("When did you start using your new name?", days_ago(40)),
    Step("Which document shows your change of name?", choose="Marriage certificate"),
    text("What is the document's reference number? (optional)", "MXB 204117"),
    CONTACT,
]

BIRTH = [
    name("What is the child's name?", "Zoë Amara", "Okafor"),
    Step("What is the child's date of birth?", days_ago(12)),
    Step("What sex is the child recorded as on the birth register?", choose="Female"),
    text("Where was the child born?", "Leeds General Infirmary"),
    text("What is the child's NHS number? (optional)", ""),
    name("What is the first parent's name?", "Hannah", "Okafor"),
    Step("How is the first parent named on the birth register?", choose="Mother"),
    Step("What is the first parent's date of birth? (optional)", date(30, 6, 1992)),
    text("What is the first parent's National Insurance number? (optional)", "QQ112233B"),
    Step("Is a second parent named on the birth register?", choose="Yes"),
    name("What is the second parent's name?", "Chidi", "Okafor"),
    Step("How is the second parent named on the birth register?", choose="Father"),
    Step("What is the second parent's date of birth? (optional)", date(11, 2, 1990)),
    text("What is the second parent's National Insurance number? (optional)", ""),
    address("Where does the child live?", "42 Chapel Terrace", "Leeds", "LS7 3QB"),
    text("What is the registration reference?", "BR/LDS/004512"),
    text("Which registration district registered it?", "Leeds"),
    Step("When was it registered?", days_ago(5)),
    CONTACT,
]

DEATH = [
    name("What was the name of the person who died?", "Margaret Anne", "Hughes"),
    Step("What was their date of birth?", date(2, 11, 1938)),
    Step("When did they die?", days_ago(6)),
    text("What was their National Insurance number? (optional)", "QQ987654D"),
    text("What was their NHS number? (optional)", ""),
    address("What was their usual address?", "5 Crookes Valley Road", "Sheffield", "S10 2TN"),
    Step("What was their marital status?", choose="Widowed, or a surviving civil partner"),
    text("What is the registration reference?", "DR/SHF/001873"),
    text("Which registration district registered it?", "Sheffield"),
    Step("When was it registered?", days_ago(3)),
    name("What is your name?", "David", "Hughes"),
    Step("What was your relationship to them?", choose="Son or daughter"),
    Step("What is your address? (optional)"),
    CONTACT,
]

MARRIAGE = [
    Step("Was it a marriage or a civil partnership?", choose="Marriage"),
    Step("What was the date of the ceremony?", days_ago(21)),
    text("Where did it take place?", "Sheffield Register Office"),
    name("What was the first person's name before?", "Ólafur", "Jónsson"),
    Step("Is the first person changing their name?", choose="No"),
    Step("What is the first person's date of birth?", date(5, 12, 1989)),
    text("What is the first person's National Insurance number? (optional)", "QQ445566C"),
    name("What was the second person's name before?", "Priya", "Sharma"),
    Step("Is the second person changing their name?", choose="Yes"),
    name("What is the second person's new name?", "Priya", "Sharma-Jónsson"),
    Step("What is the second person's date of birth?", date(21, 7, 1990)),
    text("What is the second person's National Insurance number? (optional)", "QQ778899A"),
    address("What is the couple's address? (optional)", "11 Psalter Lane", "Sheffield", "S11 8YA"),
    Step("Has it been registered?", choose="Yes"),
    text("What is the registration reference?", "MR/SHF/000932"),
    text("Which registration district registered it?", "Sheffield"),
    Step("When was it registered?", days_ago(21)),
    CONTACT,
]

JOURNEYS = {
    "I have moved home, or will soon": CHANGE_OF_ADDRESS,
    "I have changed my name": CHANGE_OF_NAME,
    "A baby has been born": BIRTH,
    "Someone has died": DEATH,
    "I have got married or formed a civil partnership": MARRIAGE,
}

# Each choice on "What has changed?" -> its event type, for short test ids.
EVENT_TYPE = {journey.choice: event_type for event_type, journey in PORTAL_JOURNEYS.items()}


REGISTRATION_REFERENCE = "What is the registration reference?"


def registered(
    steps: list[Step], server: Server, event_type: str, died: dt.date | None = None
) -> list[Step]:
    """A death or birth journey with a reference the register office recorded first through
    the registrar API (ADR 0087), for the details these steps give."""
    if event_type == "birth":
        born = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=12)
        details = {
            "name": {"given_names": "Zoë Amara", "family_name": "Okafor"},
            "date_of_birth": born.isoformat(),
            "district": "Leeds",
        }
    elif event_type == "death":
        died = died or dt.datetime.now(dt.UTC).date() - dt.timedelta(days=6)
        details = {
            "name": {"given_names": "Margaret Anne", "family_name": "Hughes"},
            "date_of_birth": "1938-11-02",
            "date_of_death": died.isoformat(),
            "district": "Sheffield",
        }
    else:
        return steps
    reference = server.record_registration({"event_type": event_type, **details})
    return [
        text(REGISTRATION_REFERENCE, reference) if s.heading == REGISTRATION_REFERENCE else s
        for s in steps
    ]
