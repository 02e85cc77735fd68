"""The catalogue's routing questions, worded for whoever the report is about.

The catalogue words each question once, in the third person and the present tense ("Does the
person hold a UK driving licence?"), and the API shows that text. On the portal the same
question is about the citizen themselves after a move or a change of name ("Do you…"), about
someone who has died ("Did they…"), about the parents of a new baby or about a couple. So the
portal words each known question for each of those subjects, in two forms: the question (on a
page of its own, on "Check your answers", in the preview's reasons) and the statement a
checkbox carries on "Which of these apply to you?". A question the portal does not know yet
keeps the catalogue's text and is asked on a yes/no page of its own, so a new agreement never
breaks a journey (a unit test keeps the demo catalogue fully worded).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from tellonce.entrypoints.portal.i18n import N_, Gettext


class Subject(StrEnum):
    YOU = "you"  # the citizen reports their own move or change of name
    DECEASED = "deceased"  # an informant reports a death
    PARENTS = "parents"  # a parent reports a birth
    COUPLE = "couple"  # one of the couple reports a marriage or civil partnership


SUBJECTS: Mapping[str, Subject] = {
    "change-of-address": Subject.YOU,
    "change-of-name": Subject.YOU,
    "death": Subject.DECEASED,
    "birth": Subject.PARENTS,
    "marriage": Subject.COUPLE,
}

# The checkbox page's heading, per subject.
WHICH_APPLY_HEADINGS: Mapping[Subject, str] = {
    Subject.YOU: N_("Which of these apply to you?"),
    Subject.DECEASED: N_("Which of these applied to the person who died?"),
    Subject.PARENTS: N_("Which of these apply to the child's parents?"),
    Subject.COUPLE: N_("Which of these apply to either of you?"),
}


@dataclass(frozen=True, slots=True)
class Wording:
    question: str  # msgid: "Do you hold a UK driving licence?"
    statement: str  # msgid: "You hold a UK driving licence"
    values: tuple[tuple[str, str], ...] = ()  # placeholders: (("council", "Leeds City Council"),)

    def ask(self, _: Gettext) -> str:
        return _(self.question) % dict(self.values) if self.values else _(self.question)

    def state(self, _: Gettext) -> str:
        return _(self.statement) % dict(self.values) if self.values else _(self.statement)


Forms = Mapping[Subject, tuple[str, str]]  # subject -> (question, statement) msgids


def _worded(forms: Forms, **values: str) -> Mapping[Subject, Wording]:
    placeholders = tuple(sorted(values.items()))
    return {subject: Wording(q, s, placeholders) for subject, (q, s) in forms.items()}


DRIVING_LICENCE: Forms = {
    Subject.YOU: (N_("Do you hold a UK driving licence?"), N_("You hold a UK driving licence")),
    Subject.DECEASED: (
        N_("Did they hold a UK driving licence?"),
        N_("They held a UK driving licence"),
    ),
    Subject.COUPLE: (
        N_("Does either of you hold a UK driving licence?"),
        N_("Either of you holds a UK driving licence"),
    ),
}
VEHICLE: Forms = {
    Subject.YOU: (
        N_("Do you keep a vehicle registered in your name?"),
        N_("You keep a vehicle registered in your name"),
    ),
    Subject.DECEASED: (
        N_("Did they keep a vehicle registered in their name?"),
        N_("They kept a vehicle registered in their name"),
    ),
}
DWP_BENEFIT: Forms = {
    Subject.YOU: (
        N_("Do you get a benefit or State Pension from DWP?"),
        N_("You get a benefit or State Pension from DWP"),
    ),
    Subject.DECEASED: (
        N_("Did they get a benefit or State Pension from DWP?"),
        N_("They got a benefit or State Pension from DWP"),
    ),
}
PARENT_DWP_BENEFIT: Forms = {
    Subject.PARENTS: (
        N_("Does either parent get a benefit from DWP, such as Universal Credit?"),
        N_("Either parent gets a benefit from DWP, such as Universal Credit"),
    ),
}
EITHER_DWP_BENEFIT: Forms = {
    Subject.COUPLE: (
        N_("Does either of you get a benefit or State Pension from DWP?"),
        N_("Either of you gets a benefit or State Pension from DWP"),
    ),
}
PASSPORT: Forms = {
    Subject.YOU: (N_("Do you hold a British passport?"), N_("You hold a British passport")),
    Subject.DECEASED: (N_("Did they hold a British passport?"), N_("They held a British passport")),
    Subject.COUPLE: (
        N_("Does either of you hold a British passport?"),
        N_("Either of you holds a British passport"),
    ),
}
STUDENT_LOAN: Forms = {
    Subject.YOU: (N_("Do you have a student loan?"), N_("You have a student loan")),
    Subject.DECEASED: (N_("Did they have a student loan?"), N_("They had a student loan")),
}
VETERANS_UK: Forms = {
    Subject.YOU: (
        N_("Do you get a pension or compensation from Veterans UK?"),
        N_("You get a pension or compensation from Veterans UK"),
    ),
    Subject.DECEASED: (
        N_("Did they get a pension or compensation from Veterans UK?"),
        N_("They got a pension or compensation from Veterans UK"),
    ),
}
SOCIAL_SECURITY_SCOTLAND: Forms = {
    Subject.YOU: (
        N_("Do you get a benefit from Social Security Scotland?"),
        N_("You get a benefit from Social Security Scotland"),
    ),
    Subject.DECEASED: (
        N_("Did they get a benefit from Social Security Scotland?"),
        N_("They got a benefit from Social Security Scotland"),
    ),
}
COUNCIL_BENEFIT: Forms = {
    Subject.YOU: (
        N_("Do you get Housing Benefit or Council Tax Support from %(council)s?"),
        N_("You get Housing Benefit or Council Tax Support from %(council)s"),
    ),
    Subject.DECEASED: (
        N_("Did they get Housing Benefit or Council Tax Support from %(council)s?"),
        N_("They got Housing Benefit or Council Tax Support from %(council)s"),
    ),
    Subject.PARENTS: (
        N_("Does either parent get Housing Benefit or Council Tax Support from %(council)s?"),
        N_("Either parent gets Housing Benefit or Council Tax Support from %(council)s"),
    ),
    Subject.COUPLE: (
        N_("Does either of you get Housing Benefit or Council Tax Support from %(council)s?"),
        N_("Either of you gets Housing Benefit or Council Tax Support from %(council)s"),
    ),
}
BLUE_BADGE: Forms = {
    Subject.YOU: (
        N_("Do you have a Blue Badge from %(council)s?"),
        N_("You have a Blue Badge from %(council)s"),
    ),
    Subject.DECEASED: (
        N_("Did they have a Blue Badge from %(council)s?"),
        N_("They had a Blue Badge from %(council)s"),
    ),
}
LIBRARY: Forms = {
    Subject.YOU: (
        N_("Are you a member of %(library)s?"),
        N_("You are a member of %(library)s"),
    ),
    Subject.DECEASED: (
        N_("Were they a member of %(library)s?"),
        N_("They were a member of %(library)s"),
    ),
}


def _councils() -> dict[str, Mapping[Subject, Wording]]:
    """Each council's questions (names are not translated: they are the councils' own)."""
    worded: dict[str, Mapping[Subject, Wording]] = {}
    for town, library in (
        ("leeds", "Leeds Libraries"),
        ("manchester", "Manchester Libraries"),
        ("sheffield", "Sheffield Libraries and Archives"),
    ):
        council = f"{town.title()} City Council"
        worded[f"{town}-council-benefit"] = _worded(COUNCIL_BENEFIT, council=council)
        worded[f"{town}-blue-badge-holder"] = _worded(BLUE_BADGE, council=council)
        worded[f"{town}-library-member"] = _worded(LIBRARY, library=library)
    return worded


# Routing question id (as in catalogue/*.yaml) -> its wording for each subject it is asked of.
WORDINGS: Mapping[str, Mapping[Subject, Wording]] = {
    "holds-driving-licence": _worded(DRIVING_LICENCE),
    "keeps-registered-vehicle": _worded(VEHICLE),
    "gets-dwp-benefit": _worded(DWP_BENEFIT),
    "parent-gets-dwp-benefit": _worded(PARENT_DWP_BENEFIT),
    "either-gets-dwp-benefit": _worded(EITHER_DWP_BENEFIT),
    "holds-british-passport": _worded(PASSPORT),
    "has-student-loan": _worded(STUDENT_LOAN),
    "paid-by-veterans-uk": _worded(VETERANS_UK),
    "paid-by-social-security-scotland": _worded(SOCIAL_SECURITY_SCOTLAND),
    **_councils(),
}


def wording(event_type: str, question_id: str) -> Wording | None:
    """How the portal asks a routing question in a report of ``event_type``; None if it does not
    know the question (then the catalogue's own text is used)."""
    subject = SUBJECTS.get(event_type)
    return WORDINGS.get(question_id, {}).get(subject) if subject else None


def ask(event_type: str, question_id: str, catalogue_text: str, _: Gettext) -> str:
    """The question as the portal asks it, or the catalogue's text."""
    worded = wording(event_type, question_id)
    return worded.ask(_) if worded else catalogue_text
