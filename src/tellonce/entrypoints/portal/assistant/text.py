"""What the assistant says: one reply per kind, FAQ answers, and where to go for what we do not do.

Every string is a gettext msgid (``N_``), translated by the portal's catalogues (Welsh drafts
in ``translations/cy``). The API answers in the same words as the portal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from tellonce.entrypoints.portal.i18n import N_
from tellonce.entrypoints.portal.journeys import JOURNEYS
from tellonce.service_layer.assistant import (
    FAQ,
    OUT_OF_SCOPE,
    STATUS,
    YOUR_DATA,
    Reply,
    ReplyKind,
    reference_in,
)
from tellonce.service_layer.ports.assistant import Facts

Gettext = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class Link:
    text: str
    href: str


@dataclass(frozen=True, slots=True)
class Said:
    """A reply in words: paragraphs, the facts noted, and links to follow."""

    paragraphs: list[str]
    noted: list[tuple[str, str]]  # (label, value) rows
    links: list[Link]


CHOICE_LABELS = {
    **{event: journey.choice for event, journey in JOURNEYS.items()},
    STATUS: N_("Check on a report I have already made"),
    YOUR_DATA: N_("See what you hold about me, or change it"),
    FAQ: N_("Ask a question about this service"),
    OUT_OF_SCOPE: N_("Something else"),
}
START_LABELS = {event: journey.title for event, journey in JOURNEYS.items()}

STARTS = {
    "death": N_(
        "I am sorry for your loss. I can help you tell the organisations that need to know "
        "about a death."
    ),
    "change-of-address": N_(
        "I can help you tell the organisations that need to know about your move."
    ),
    "change-of-name": N_(
        "I can help you tell the organisations that need to know about your new name."
    ),
    "birth": N_(
        "Congratulations. I can help you tell the organisations that need to know about the birth."
    ),
    "marriage": N_(
        "Congratulations. I can help you tell the organisations that need to know about your "
        "marriage or civil partnership."
    ),
}
CHECK_EVERYTHING = N_(
    "You will see each answer on its question page, to check or change. Nothing is sent until "
    "you have seen who we will tell and exactly what each will receive, and said yes."
)
SEVERAL = N_(
    "It sounds like more than one thing has changed. We ask about each change separately, one "
    "after the other. Which would you like to start with?"
)
CLARIFY = N_("I am not sure I have understood. Which of these is closest?")
STATUS_ABOUT_EVENT = N_(
    "It sounds like you are asking about a report you have already made, not making a new one."
)
STATUS_TEXT = N_(
    "Your reports show what each organisation has done: sent, received, acted on, or overdue "
    "if it has not answered in time."
)
YOUR_DATA_TEXT = N_(
    "Your data lists every organisation that has received your details, when and why. You can "
    "withdraw a consent there, or download a copy of everything we hold about you."
)
OUT_OF_SCOPE_TEXT = N_(
    "I can only help you tell public organisations about a change of address, a change of "
    "name, a birth, a death, or a marriage or civil partnership, and follow what they do next."
)
ALSO_OFFER = N_("If something has changed for you as well, I can help with that:")

FAQ_ANSWERS = {
    "what-is-this": N_(
        "Tell government once lets you report a change of address, a change of name, a birth, "
        "a death, or a marriage or civil partnership once. We tell every public organisation "
        "that is entitled to know, show you exactly what each will receive first, and let you "
        "follow what each does with it."
    ),
    "cost": N_("It is free."),
    "timing": N_(
        "Organisations are sent your report within minutes of you sending it. Each must "
        "acknowledge it within the time its agreement sets, usually a few working days; your "
        "reports page shows when each has."
    ),
    "on-behalf": N_(
        "Yes, for a death or a birth you report as the person telling us. For someone else's "
        "change of address or name, they need to tell us themselves, or someone with legal "
        "authority to act for them."
    ),
    "documents": N_(
        "For a birth, a death or a marriage you need the registration reference from the "
        "certificate. For a change of name, the document that shows it, such as a deed poll. "
        "A National Insurance number and NHS number help, but are optional."
    ),
    "security": N_(
        "Your details are encrypted under a key of your own, and each organisation receives "
        "only the details its data-sharing agreement allows. Every disclosure is written to a "
        "public, tamper-evident log without your personal details."
    ),
    "who-is-told": N_(
        "It depends on what changed and where you live. Before anything is sent you see which "
        "organisations we must tell by law and why, which ones you can choose to tell, and "
        "exactly which of your details each will receive."
    ),
    "welsh": N_("Yes. Choose Cymraeg at the top of any page."),
    "before-moving": N_("Yes. You can tell us about a move up to 3 months before it happens."),
}
FAQ_DEFAULT = "what-is-this"

# Out-of-scope subjects: where to go instead (GOV.UK's own pages).
ELSEWHERE = {
    "passport": (
        N_("Apply for or renew a passport on GOV.UK"),
        "https://www.gov.uk/apply-renew-passport",
    ),
    "council-tax": (N_("Council Tax on GOV.UK"), "https://www.gov.uk/council-tax"),
    "benefits": (N_("Benefits on GOV.UK"), "https://www.gov.uk/browse/benefits"),
    "register": (
        N_("Register a birth, death or marriage at a register office"),
        "https://www.gov.uk/register-offices",
    ),
    "tax": (N_("Money and tax on GOV.UK"), "https://www.gov.uk/browse/tax"),
    "driving": (N_("Driving and transport on GOV.UK"), "https://www.gov.uk/browse/driving"),
    "gov-uk": (N_("Search GOV.UK"), "https://www.gov.uk/search"),
    "general": (N_("Find other government services on GOV.UK"), "https://www.gov.uk/"),
}

RELATIONSHIP_WORDS = {
    "mother": N_("your mother"),
    "father": N_("your father"),
    "husband": N_("your husband"),
    "wife": N_("your wife"),
    "partner": N_("your partner"),
    "son": N_("your son"),
    "daughter": N_("your daughter"),
    "brother": N_("your brother"),
    "sister": N_("your sister"),
    "grandparent": N_("your grandparent"),
    "relative": N_("a relative"),
    "friend": N_("someone you know"),
}
DATE_LABELS = {
    "death": N_("Date of death"),
    "change-of-address": N_("Move date"),
    "change-of-name": N_("Date of the change"),
    "birth": N_("Date of birth"),
    "marriage": N_("Date of the ceremony"),
}
MONTHS = (
    N_("January"),
    N_("February"),
    N_("March"),
    N_("April"),
    N_("May"),
    N_("June"),
    N_("July"),
    N_("August"),
    N_("September"),
    N_("October"),
    N_("November"),
    N_("December"),
)


def long_date(day: date, _: Gettext) -> str:
    return f"{day.day} {_(MONTHS[day.month - 1])} {day.year}"


def noted(event: str, facts: Facts, _: Gettext) -> list[tuple[str, str]]:
    """The facts a journey will be pre-filled with, as rows to show before starting it."""
    rows = []
    if facts.when is not None:
        rows.append((_(DATE_LABELS[event]), long_date(facts.when, _)))
    if event == "change-of-address":
        if facts.town:
            rows.append((_("Town or city"), facts.town))
        if facts.postcode:
            rows.append((_("Postcode"), facts.postcode))
    if event == "death" and facts.relationship in RELATIONSHIP_WORDS:
        rows.append((_("Who died"), _(RELATIONSHIP_WORDS[facts.relationship])))
    if event == "birth" and facts.child_sex:
        rows.append((_("Sex"), _("Female") if facts.child_sex == "female" else _("Male")))
    return rows


def say(reply: Reply, _: Gettext) -> Said:  # noqa: PLR0911 -- one return per kind of reply
    """A reply in the citizen's language."""
    kind = reply.kind
    if kind is ReplyKind.START:
        event = reply.intents[0]
        rows = noted(event, reply.facts, _)
        texts = [_(STARTS[event])] + ([_(CHECK_EVERYTHING)] if rows else [])
        return Said(texts, rows, [])
    if kind is ReplyKind.SEVERAL:
        return Said([_(SEVERAL)], [], [])
    if kind is ReplyKind.CLARIFY:
        return Said([_(CLARIFY)], [], [])
    if kind is ReplyKind.STATUS:
        texts = ([_(STATUS_ABOUT_EVENT)] if reply.topic else []) + [_(STATUS_TEXT)]
        reference = reference_in(reply.facts)
        href = f"/reports/{reference}" if reference else "/reports"
        return Said(texts, [], [Link(_("Go to your reports"), href)])
    if kind is ReplyKind.YOUR_DATA:
        return Said([_(YOUR_DATA_TEXT)], [], [Link(_("Go to your data"), "/your-data")])
    if kind is ReplyKind.FAQ:
        answer = FAQ_ANSWERS.get(reply.topic or FAQ_DEFAULT, FAQ_ANSWERS[FAQ_DEFAULT])
        return Said([_(answer)], [], [])
    text, href = ELSEWHERE.get(reply.topic or "general", ELSEWHERE["general"])
    also = [_(ALSO_OFFER)] if reply.intents else []
    return Said([_(OUT_OF_SCOPE_TEXT), *also], [], [Link(_(text), href)])
