"""The five journeys, one per life event, each an ordered list of one-question pages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tellonce.entrypoints.portal.i18n import N_
from tellonce.entrypoints.portal.journeys import address_and_name, family, marriage
from tellonce.entrypoints.portal.questions import Question

Pages = Mapping[str, Mapping[str, str]]


@dataclass(frozen=True, slots=True)
class Journey:
    event_type: str
    title: str  # msgid: the journey's name, as a caption above each question
    choice: str  # msgid: the option on "What has changed?"
    choice_hint: str  # msgid
    questions: tuple[Question, ...]

    def question(self, slug: str) -> Question | None:
        return next((q for q in self.questions if q.slug == slug), None)

    def applicable(self, pages: Pages) -> list[Question]:
        return [q for q in self.questions if q.applies(pages)]

    def after(self, slug: str, pages: Pages) -> Question | None:
        """The next question that applies, given the answers so far."""
        asked = self.applicable(pages)
        slugs = [q.slug for q in asked]
        if slug not in slugs:
            return None
        index = slugs.index(slug)
        return asked[index + 1] if index + 1 < len(asked) else None

    def before(self, slug: str, pages: Pages) -> Question | None:
        asked = self.applicable(pages)
        slugs = [q.slug for q in asked]
        index = slugs.index(slug) if slug in slugs else 0
        return asked[index - 1] if index > 0 else None


def _journeys() -> dict[str, Journey]:
    built = (
        Journey(
            "change-of-address",
            N_("Change of address"),
            N_("I have moved home, or will soon"),
            N_("Tell us up to 3 months before you move"),
            address_and_name.CHANGE_OF_ADDRESS,
        ),
        Journey(
            "change-of-name",
            N_("Change of name"),
            N_("I have changed my name"),
            N_("For example, after a marriage or by deed poll"),
            address_and_name.CHANGE_OF_NAME,
        ),
        Journey(
            "birth",
            N_("Birth"),
            N_("A baby has been born"),
            N_("After the birth has been registered"),
            family.BIRTH,
        ),
        Journey(
            "death",
            N_("Death"),
            N_("Someone has died"),
            N_("After the death has been registered"),
            family.DEATH,
        ),
        Journey(
            "marriage",
            N_("Marriage or civil partnership"),
            N_("I have got married or formed a civil partnership"),
            N_("Either of the couple can tell us"),
            marriage.MARRIAGE,
        ),
    )
    return {journey.event_type: journey for journey in built}


JOURNEYS: Mapping[str, Journey] = _journeys()
