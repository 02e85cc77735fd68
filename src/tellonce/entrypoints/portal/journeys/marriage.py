"""Marriage or civil partnership: the ceremony, both people, and the register entry."""

from __future__ import annotations

from tellonce.entrypoints.portal.i18n import N_
from tellonce.entrypoints.portal.journeys.builders import (
    RECENT_DATE_HINT,
    YES_NO,
    address,
    choice,
    contact,
    date,
    name,
    nino,
    text,
)
from tellonce.entrypoints.portal.journeys.family import registration
from tellonce.entrypoints.portal.questions import Option, Question

PARTY_TEXT = (
    {
        "whose": N_("the first person's"),
        "before": N_("What was the first person's name before?"),
        "before_summary": N_("First person's name before"),
        "changing": N_("Is the first person changing their name?"),
        "changing_summary": N_("First person changing name"),
        "after": N_("What is the first person's new name?"),
        "after_summary": N_("First person's new name"),
        "born": N_("What is the first person's date of birth?"),
        "born_summary": N_("First person's date of birth"),
        "nino": N_("What is the first person's National Insurance number? (optional)"),
    },
    {
        "whose": N_("the second person's"),
        "before": N_("What was the second person's name before?"),
        "before_summary": N_("Second person's name before"),
        "changing": N_("Is the second person changing their name?"),
        "changing_summary": N_("Second person changing name"),
        "after": N_("What is the second person's new name?"),
        "after_summary": N_("Second person's new name"),
        "born": N_("What is the second person's date of birth?"),
        "born_summary": N_("Second person's date of birth"),
        "nino": N_("What is the second person's National Insurance number? (optional)"),
    },
)


def _party(index: int, prefix: str) -> tuple[Question, ...]:
    text = PARTY_TEXT[index]
    path = ("parties", index)
    return (
        name(
            f"{prefix}-name-before",
            text["before"],
            (*path, "name_before"),
            summary=text["before_summary"],
            whose=text["whose"],
        ),
        choice(
            f"{prefix}-name-changing",
            text["changing"],
            None,
            YES_NO,
            summary=text["changing_summary"],
            missing=N_("Select yes if they are changing their name"),
        ),
        name(
            f"{prefix}-name-after",
            text["after"],
            (*path, "name_after"),
            summary=text["after_summary"],
            whose=text["whose"],
            when=(f"{prefix}-name-changing", "yes"),
        ),
        date(
            f"{prefix}-date-of-birth",
            text["born"],
            (*path, "date_of_birth"),
            label=N_("Date of birth"),
            summary=text["born_summary"],
        ),
        nino(
            f"{prefix}-national-insurance-number",
            text["nino"],
            (*path, "national_insurance_number"),
        ),
    )


MARRIAGE = (
    choice(
        "kind",
        N_("Was it a marriage or a civil partnership?"),
        ("kind",),
        (Option("marriage", N_("Marriage")), Option("civil-partnership", N_("Civil partnership"))),
        summary=N_("Marriage or civil partnership"),
        missing=N_("Select marriage or civil partnership"),
    ),
    date(
        "date",
        N_("What was the date of the ceremony?"),
        ("date",),
        label=N_("Date of the ceremony"),
        hint=RECENT_DATE_HINT,
    ),
    text(
        "place",
        N_("Where did it take place?"),
        ("place",),
        summary=N_("Place"),
        missing=N_("Enter where it took place"),
        hint=N_("The venue or the registration district"),
    ),
    *_party(0, "first"),
    *_party(1, "second"),
    address(
        "address",
        N_("What is the couple's address? (optional)"),
        ("address",),
        hint=N_("Leave this blank if you do not live together."),
        optional=True,
    ),
    choice(
        "registered",
        N_("Has it been registered?"),
        None,
        YES_NO,
        summary=N_("Registered"),
        missing=N_("Select yes if it has been registered"),
        hint=N_("Marriages and civil partnerships are usually registered on the day."),
    ),
    *registration("marriage"),
    contact(),
)
