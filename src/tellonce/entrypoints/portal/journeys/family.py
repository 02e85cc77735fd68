"""Birth and death: questions about other people, and the register entry they share with
marriage."""

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
    nhs_number,
    nino,
    text,
)
from tellonce.entrypoints.portal.questions import Option, Question


def registration(event: str) -> tuple[Question, ...]:
    """The register entry: reference and district, then the date it was registered."""
    when = ("registered", "yes") if event == "marriage" else None
    hints = {
        "birth": N_("It is on the birth certificate. For example, BR/LDS/004512."),
        "death": N_("It is on the death certificate. For example, DR/SHF/001873."),
        "marriage": N_("It is on the certificate. For example, MR/SHF/000932."),
    }
    return (
        text(
            "registration-reference",
            N_("What is the registration reference?"),
            ("registration", "reference"),
            summary=N_("Registration reference"),
            missing=N_("Enter the registration reference"),
            hint=hints[event],
            width="govuk-input--width-20",
            spellcheck=False,
            when=when,
        ),
        text(
            "registration-district",
            N_("Which registration district registered it?"),
            ("registration", "district"),
            summary=N_("Registration district"),
            missing=N_("Enter the registration district"),
            hint=N_("For example, Leeds. It is on the certificate."),
            width="govuk-!-width-two-thirds",
            when=when,
        ),
        date(
            "registration-date",
            N_("When was it registered?"),
            ("registration", "registered_on"),
            label=N_("Registration date"),
            hint=RECENT_DATE_HINT,
            when=when,
        ),
    )


RELATIONSHIP_ON_REGISTER = (
    Option("mother", N_("Mother")),
    Option("father", N_("Father")),
    Option("parent", N_("Parent")),
)


PARENT_TEXT = (
    {
        "name": N_("What is the first parent's name?"),
        "name_summary": N_("First parent's name"),
        "relationship": N_("How is the first parent named on the birth register?"),
        "relationship_summary": N_("First parent is the"),
        "born": N_("What is the first parent's date of birth? (optional)"),
        "born_summary": N_("First parent's date of birth"),
        "nino": N_("What is the first parent's National Insurance number? (optional)"),
    },
    {
        "name": N_("What is the second parent's name?"),
        "name_summary": N_("Second parent's name"),
        "relationship": N_("How is the second parent named on the birth register?"),
        "relationship_summary": N_("Second parent is the"),
        "born": N_("What is the second parent's date of birth? (optional)"),
        "born_summary": N_("Second parent's date of birth"),
        "nino": N_("What is the second parent's National Insurance number? (optional)"),
    },
)


def _parent(index: int, prefix: str, when: tuple[str, str] | None) -> tuple[Question, ...]:
    text = PARENT_TEXT[index]
    slug = f"{prefix}-parent"
    return (
        name(
            f"{slug}-name",
            text["name"],
            ("parents", index, "name"),
            summary=text["name_summary"],
            whose=N_("the parent's"),
            when=when,
        ),
        choice(
            f"{slug}-relationship",
            text["relationship"],
            ("parents", index, "relationship"),
            RELATIONSHIP_ON_REGISTER,
            summary=text["relationship_summary"],
            missing=N_("Select how the parent is named on the birth register"),
            when=when,
        ),
        date(
            f"{slug}-date-of-birth",
            text["born"],
            ("parents", index, "date_of_birth"),
            label=N_("Date of birth"),
            summary=text["born_summary"],
            optional=True,
            when=when,
        ),
        nino(
            f"{slug}-national-insurance-number",
            text["nino"],
            ("parents", index, "national_insurance_number"),
            when=when,
        ),
    )


BIRTH = (
    name(
        "child-name",
        N_("What is the child's name?"),
        ("child", "name"),
        summary=N_("Child's name"),
        whose=N_("the child's"),
    ),
    date(
        "child-date-of-birth",
        N_("What is the child's date of birth?"),
        ("child", "date_of_birth"),
        label=N_("Date of birth"),
        hint=RECENT_DATE_HINT,
    ),
    choice(
        "child-sex",
        N_("What sex is the child recorded as on the birth register?"),
        ("child", "sex"),
        (Option("female", N_("Female")), Option("male", N_("Male"))),
        summary=N_("Sex"),
        missing=N_("Select the sex recorded on the birth register"),
    ),
    text(
        "place-of-birth",
        N_("Where was the child born?"),
        ("child", "place_of_birth"),
        summary=N_("Place of birth"),
        missing=N_("Enter where the child was born"),
        hint=N_("The hospital, or the town if the child was born at home"),
    ),
    nhs_number(
        "child-nhs-number",
        N_("What is the child's NHS number? (optional)"),
        ("child", "nhs_number"),
    ),
    *_parent(0, "first", None),
    choice(
        "second-parent",
        N_("Is a second parent named on the birth register?"),
        None,
        YES_NO,
        summary=N_("Second parent on the register"),
        missing=N_("Select yes if a second parent is named on the birth register"),
    ),
    *_parent(1, "second", ("second-parent", "yes")),
    address("address", N_("Where does the child live?"), ("address",)),
    *registration("birth"),
    contact(),
)

MARITAL_STATUS = (
    Option("single", N_("Never married or in a civil partnership")),
    Option("married", N_("Married")),
    Option("civil-partnership", N_("In a civil partnership")),
    Option("widowed", N_("Widowed, or a surviving civil partner")),
    Option("divorced", N_("Divorced")),
    Option("dissolved", N_("Civil partnership dissolved")),
    Option("unknown", N_("I do not know")),
)
INFORMANT_RELATIONSHIP = (
    Option("spouse-or-civil-partner", N_("Husband, wife or civil partner")),
    Option("child", N_("Son or daughter")),
    Option("parent", N_("Mother or father")),
    Option("sibling", N_("Brother or sister")),
    Option("other-relative", N_("Another relative")),
    Option("executor-or-administrator", N_("Executor or administrator of their estate")),
    Option("other", N_("Something else")),
)

DEATH = (
    name(
        "deceased-name",
        N_("What was the name of the person who died?"),
        ("deceased", "name"),
        summary=N_("Name of the person who died"),
        whose=N_("their"),
    ),
    date(
        "deceased-date-of-birth",
        N_("What was their date of birth?"),
        ("deceased", "date_of_birth"),
        label=N_("Date of birth"),
    ),
    date(
        "date-of-death",
        N_("When did they die?"),
        ("deceased", "date_of_death"),
        label=N_("Date of death"),
        hint=RECENT_DATE_HINT,
    ),
    nino(
        "deceased-national-insurance-number",
        N_("What was their National Insurance number? (optional)"),
        ("deceased", "national_insurance_number"),
    ),
    nhs_number(
        "deceased-nhs-number",
        N_("What was their NHS number? (optional)"),
        ("deceased", "nhs_number"),
    ),
    address(
        "deceased-address",
        N_("What was their usual address?"),
        ("deceased", "address"),
        summary=N_("Their address"),
    ),
    choice(
        "marital-status",
        N_("What was their marital status?"),
        ("deceased", "marital_status"),
        MARITAL_STATUS,
        summary=N_("Marital status"),
        missing=N_("Select their marital status"),
    ),
    *registration("death"),
    name(
        "informant-name", N_("What is your name?"), ("informant", "name"), summary=N_("Your name")
    ),
    choice(
        "informant-relationship",
        N_("What was your relationship to them?"),
        ("informant", "relationship"),
        INFORMANT_RELATIONSHIP,
        summary=N_("Your relationship to them"),
        missing=N_("Select your relationship to the person who died"),
    ),
    address(
        "informant-address",
        N_("What is your address? (optional)"),
        ("informant", "address"),
        summary=N_("Your address"),
        hint=N_("Organisations dealing with their estate may write to you here."),
        optional=True,
    ),
    contact("informant-contact", ("informant", "contact")),
)
