"""Short constructors for the questions journeys are made of, in GOV.UK patterns."""

from __future__ import annotations

from tellonce.entrypoints.portal.i18n import N_
from tellonce.entrypoints.portal.questions import Kind, Option, Path, Question, inputs_for

DATE_HINT = N_("For example, 27 3 1985")
RECENT_DATE_HINT = N_("For example, 27 3 2026")

NINO_HINT = N_(
    "It is on your National Insurance card, payslip or P60. For example, QQ 12 34 56 C. "
    "Leave this blank if you do not know it."
)
NHS_HINT = N_(
    "It is a 10 digit number, like 999 123 4567, on letters from the NHS and in the NHS App. "
    "Leave this blank if you do not know it."
)
YES_NO = (Option("yes", N_("Yes")), Option("no", N_("No")))


def name(
    slug: str,
    heading: str,
    path: Path,
    *,
    summary: str = N_("Name"),
    whose: str = N_("your"),
    when: tuple[str, str] | None = None,
) -> Question:
    return Question(
        slug,
        Kind.NAME,
        heading,
        path,
        summary,
        whose=whose,
        when=when,
        inputs=inputs_for(Kind.NAME, "", None),
    )


def date(
    slug: str,
    heading: str,
    path: Path,
    *,
    label: str,
    summary: str | None = None,
    hint: str = DATE_HINT,
    optional: bool = False,
    when: tuple[str, str] | None = None,
) -> Question:
    """``label`` starts each error message: "Date of birth must include a month"."""
    missing = None if optional else N_("Enter %(label)s")
    return Question(
        slug,
        Kind.DATE,
        heading,
        path,
        summary or label,
        hint=hint,
        optional=optional,
        when=when,
        inputs=inputs_for(Kind.DATE, label, missing),
    )


def address(
    slug: str,
    heading: str,
    path: Path,
    *,
    summary: str = N_("Address"),
    hint: str | None = None,
    optional: bool = False,
    when: tuple[str, str] | None = None,
) -> Question:
    return Question(
        slug,
        Kind.ADDRESS,
        heading,
        path,
        summary,
        hint=hint,
        optional=optional,
        when=when,
        inputs=inputs_for(Kind.ADDRESS, "", None),
    )


def text(
    slug: str,
    heading: str,
    path: Path,
    *,
    summary: str,
    missing: str | None = None,
    hint: str | None = None,
    width: str | None = None,
    autocomplete: str | None = None,
    spellcheck: bool = True,
    when: tuple[str, str] | None = None,
) -> Question:
    """A single text input; without ``missing`` the answer is optional."""
    inputs = inputs_for(
        Kind.TEXT,
        heading,
        missing,
        width=width,
        autocomplete=autocomplete,
        spellcheck=None if spellcheck else "off",
    )
    return Question(
        slug,
        Kind.TEXT,
        heading,
        path,
        summary,
        hint=hint,
        optional=missing is None,
        when=when,
        inputs=inputs,
    )


def nino(slug: str, heading: str, path: Path, *, when: tuple[str, str] | None = None) -> Question:
    return text(
        slug,
        heading,
        path,
        summary=N_("National Insurance number"),
        hint=NINO_HINT,
        width="govuk-input--width-10",
        spellcheck=False,
        when=when,
    )


def nhs_number(slug: str, heading: str, path: Path) -> Question:
    return text(
        slug,
        heading,
        path,
        summary=N_("NHS number"),
        hint=NHS_HINT,
        width="govuk-input--width-10",
        spellcheck=False,
    )


def choice(
    slug: str,
    heading: str,
    path: Path | None,
    options: tuple[Option, ...],
    *,
    summary: str,
    missing: str,
    hint: str | None = None,
    when: tuple[str, str] | None = None,
) -> Question:
    kind = Kind.YES_NO if options == YES_NO else Kind.CHOICE
    return Question(
        slug,
        kind,
        heading,
        path,
        summary,
        hint=hint,
        options=options,
        when=when,
        inputs=inputs_for(kind, heading, missing),
    )


CONTACT_HINT = N_(
    "Only organisations that need to contact you about this report will see these. "
    "Leave them blank if you would rather they wrote to you."
)


def contact(slug: str = "contact", path: Path = ("contact",)) -> Question:
    """The optional last question of every journey: how organisations can reach the reporter."""
    return Question(
        slug,
        Kind.CONTACT,
        N_("How can organisations contact you? (optional)"),
        path,
        N_("Contact details"),
        hint=CONTACT_HINT,
        optional=True,
        inputs=inputs_for(Kind.CONTACT, "", None),
    )
