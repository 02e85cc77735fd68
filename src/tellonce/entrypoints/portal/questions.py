"""The page model: a journey is an ordered list of questions, one per page.

Each question knows its form inputs and where its answer goes in the life event's payload (a
path such as ``("new_address",)``). That one path does double duty: it builds the payload from
the answers, and it routes the domain's validation errors back to the page — and the input —
that can fix them. The portal never re-implements a validation rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from tellonce.entrypoints.portal.i18n import N_

Path = tuple[str | int, ...]


class Kind(StrEnum):
    NAME = "name"
    DATE = "date"
    ADDRESS = "address"
    TEXT = "text"
    CHOICE = "choice"
    YES_NO = "yes-no"
    CONTACT = "contact"


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str
    hint: str | None = None


@dataclass(frozen=True, slots=True)
class Input:
    """One form input: its name (also its id), where it lands under the question's path, and
    what to say when a required one is left blank."""

    name: str
    subpath: Path
    label: str
    missing: str | None = None  # msgid; ``%(whose)s`` and ``%(label)s`` are filled in
    autocomplete: str | None = None
    width: str | None = None  # a govuk-input--width-N or govuk-!-width class
    spellcheck: bool | None = None
    input_type: str = "text"
    inputmode: str | None = None


@dataclass(frozen=True, slots=True)
class Question:
    slug: str  # the page's URL segment
    kind: Kind
    heading: str  # msgid: the question, as the page's h1 (and legend)
    path: Path | None  # where the answer goes in the payload; None for a portal-only choice
    summary: str  # msgid: the row label on "Check your answers"
    hint: str | None = None
    whose: str = N_("your")  # msgid for messages: "Enter %(whose)s first name"
    optional: bool = False
    options: tuple[Option, ...] = ()
    # Asked only when another question's answer has this value: (slug, value).
    when: tuple[str, str] | None = None
    inputs: tuple[Input, ...] = ()

    def applies(self, pages: Mapping[str, Mapping[str, str]]) -> bool:
        if self.when is None:
            return True
        slug, value = self.when
        return pages.get(slug, {}).get("answer") == value

    @property
    def first_input_id(self) -> str:
        if self.kind is Kind.DATE:
            return "date-day"
        return self.inputs[0].name if self.inputs else "answer"


# --- inputs per kind ----------------------------------------------------------------------------

NAME_INPUTS = (
    Input(
        "given-names",
        ("given_names",),
        N_("First names"),
        N_("Enter %(whose)s first names"),
        autocomplete="given-name",
        width="govuk-!-width-two-thirds",
        spellcheck=False,
    ),
    Input(
        "family-name",
        ("family_name",),
        N_("Last name"),
        N_("Enter %(whose)s last name"),
        autocomplete="family-name",
        width="govuk-!-width-two-thirds",
        spellcheck=False,
    ),
)

ADDRESS_INPUTS = (
    Input(
        "address-line-1",
        ("line_1",),
        N_("Address line 1"),
        N_("Enter address line 1, typically the building and street"),
        autocomplete="address-line1",
    ),
    Input("address-line-2", ("line_2",), N_("Address line 2 (optional)"), None, "address-line2"),
    Input(
        "address-town",
        ("town",),
        N_("Town or city"),
        N_("Enter town or city"),
        autocomplete="address-level2",
        width="govuk-!-width-two-thirds",
    ),
    Input(
        "address-county",
        ("county",),
        N_("County (optional)"),
        None,
        width="govuk-!-width-two-thirds",
    ),
    Input(
        "address-postcode",
        ("postcode",),
        N_("Postcode"),
        N_("Enter postcode"),
        autocomplete="postal-code",
        width="govuk-input--width-10",
        spellcheck=False,
    ),
)

CONTACT_INPUTS = (
    Input(
        "email",
        ("email",),
        N_("Email address (optional)"),
        None,
        autocomplete="email",
        spellcheck=False,
        input_type="email",
    ),
    Input(
        "phone",
        ("phone",),
        N_("UK phone number (optional)"),
        None,
        autocomplete="tel",
        width="govuk-input--width-20",
        input_type="tel",
    ),
)

DATE_PARTS = ("day", "month", "year")


def inputs_for(
    kind: Kind, label: str, missing: str | None, **text: str | None
) -> tuple[Input, ...]:
    """The inputs of a question of ``kind``; ``label``/``missing`` apply to single inputs."""
    if kind is Kind.NAME:
        return NAME_INPUTS
    if kind is Kind.ADDRESS:
        return ADDRESS_INPUTS
    if kind is Kind.CONTACT:
        return CONTACT_INPUTS
    if kind is Kind.DATE:
        return (Input("date", (), label, missing),)
    return (
        Input(
            "answer",
            (),
            label,
            missing,
            autocomplete=text.get("autocomplete"),
            width=text.get("width"),
            spellcheck=False if text.get("spellcheck") == "off" else None,
        ),
    )
