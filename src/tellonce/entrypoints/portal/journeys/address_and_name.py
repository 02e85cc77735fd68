"""Change of address and change of name: questions about the person reporting."""

from __future__ import annotations

from tellonce.entrypoints.portal.i18n import N_
from tellonce.entrypoints.portal.journeys.builders import (
    RECENT_DATE_HINT,
    address,
    choice,
    contact,
    date,
    name,
    nhs_number,
    nino,
    text,
)
from tellonce.entrypoints.portal.questions import Option, Question

# Acting for others (ADR 0088): an adult's change may be reported under a power of attorney,
# which the hub records as the reporter's claim and shows to the recipients that agreed to it.
REPORTER_FOR_ADULT = (
    Option("self", N_("Myself")),
    Option("power_of_attorney", N_("An adult I have a power of attorney for")),
)


POWER_OF_ATTORNEY_HINT = N_(
    "If you act for someone under a lasting or enduring power of attorney, answer the next "
    "questions about them. Organisations may ask to see the power of attorney."
)


def reporter() -> Question:
    return choice(
        "reporter",
        N_("Who are you reporting this for?"),
        ("reporter", "role"),
        REPORTER_FOR_ADULT,
        summary=N_("Reporting for"),
        missing=N_("Select who you are reporting this for"),
        hint=POWER_OF_ATTORNEY_HINT,
    )


CHANGE_OF_ADDRESS = (
    reporter(),
    name("name", N_("What is your name?"), ("person", "name")),
    date(
        "date-of-birth",
        N_("What is your date of birth?"),
        ("person", "date_of_birth"),
        label=N_("Date of birth"),
    ),
    nino(
        "national-insurance-number",
        N_("What is your National Insurance number? (optional)"),
        ("person", "national_insurance_number"),
    ),
    nhs_number("nhs-number", N_("What is your NHS number? (optional)"), ("person", "nhs_number")),
    address(
        "previous-address",
        N_("What was your previous address?"),
        ("previous_address",),
        summary=N_("Previous address"),
    ),
    address(
        "new-address",
        N_("What is your new address?"),
        ("new_address",),
        summary=N_("New address"),
    ),
    date(
        "move-date",
        N_("When did you move, or when will you move?"),
        ("move_date",),
        label=N_("Move date"),
        hint=N_("For example, 27 3 2026. You can tell us up to 3 months before you move."),
    ),
    contact(),
)

EVIDENCE = (
    Option("deed-poll", N_("Deed poll")),
    Option("marriage-certificate", N_("Marriage certificate")),
    Option("civil-partnership-certificate", N_("Civil partnership certificate")),
    Option("divorce-or-dissolution", N_("Final order of divorce or dissolution")),
    Option("statutory-declaration", N_("Statutory declaration")),
    Option("gender-recognition-certificate", N_("Gender recognition certificate")),
    Option("other", N_("Something else")),
)

CHANGE_OF_NAME = (
    reporter(),
    name(
        "previous-name",
        N_("What was your previous name?"),
        ("person", "previous_name"),
        summary=N_("Previous name"),
    ),
    name("new-name", N_("What is your new name?"), ("person", "new_name"), summary=N_("New name")),
    date(
        "date-of-birth",
        N_("What is your date of birth?"),
        ("person", "date_of_birth"),
        label=N_("Date of birth"),
    ),
    nino(
        "national-insurance-number",
        N_("What is your National Insurance number? (optional)"),
        ("person", "national_insurance_number"),
    ),
    nhs_number("nhs-number", N_("What is your NHS number? (optional)"), ("person", "nhs_number")),
    address("address", N_("What is your address?"), ("address",)),
    date(
        "change-date",
        N_("When did you start using your new name?"),
        ("effective_date",),
        label=N_("Date of the change"),
        hint=RECENT_DATE_HINT,
    ),
    choice(
        "evidence",
        N_("Which document shows your change of name?"),
        ("evidence", "kind"),
        EVIDENCE,
        summary=N_("Document"),
        missing=N_("Select the document that shows your change of name"),
    ),
    text(
        "evidence-reference",
        N_("What is the document's reference number? (optional)"),
        ("evidence", "reference"),
        summary=N_("Document reference"),
        hint=N_("Leave this blank if it does not have one."),
        width="govuk-input--width-20",
        spellcheck=False,
    ),
    contact(),
)
