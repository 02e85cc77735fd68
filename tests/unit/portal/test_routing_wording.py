"""Every routing question of the demo catalogue is worded for whoever each report is about:
"Do you…" after a move, "Did they…" after a death, never "the person"."""

from __future__ import annotations

import re

import pytest

from tellonce.adapters.catalogue_files import read_catalogue
from tellonce.domain.events import EVENT_TYPES
from tellonce.entrypoints.portal.routing_wording import SUBJECTS, Subject, ask, wording
from tests.support.paths import CATALOGUE_DIR


def asked_in(event_type: str) -> dict[str, str]:
    """Routing question id -> the catalogue's text, for the agreements that cover an event."""
    catalogue, problems = read_catalogue(CATALOGUE_DIR)
    assert catalogue is not None, problems
    return {
        q.id: q.text
        for agreement in catalogue.agreements
        if event_type in agreement.fields
        for q in agreement.questions
    }


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_catalogue_question_is_worded_for_the_event(event_type: str) -> None:
    for question_id in asked_in(event_type):
        worded = wording(event_type, question_id)
        assert worded is not None, f"{question_id} has no wording for a {event_type}"
        text = worded.ask(str)
        assert "the person" not in text
        assert text.endswith("?") and not worded.state(str).endswith("?")
        subject = SUBJECTS[event_type]
        if subject is Subject.YOU:
            assert re.match(r"(Do|Are) you ", text), text
        if subject is Subject.DECEASED:
            assert re.match(r"(Did|Were) they ", text), text


def test_a_death_asks_in_the_past_tense_and_a_move_asks_the_citizen() -> None:
    assert ask("death", "holds-driving-licence", "", str) == "Did they hold a UK driving licence?"
    assert ask("death", "has-student-loan", "", str) == "Did they have a student loan?"
    assert ask("change-of-address", "holds-driving-licence", "", str) == (
        "Do you hold a UK driving licence?"
    )
    assert ask("change-of-address", "leeds-blue-badge-holder", "", str) == (
        "Do you have a Blue Badge from Leeds City Council?"
    )


def test_a_question_the_portal_does_not_know_keeps_the_catalogue_text() -> None:
    assert wording("death", "holds-fishing-licence") is None
    assert ask("death", "holds-fishing-licence", "Do they fish?", str) == "Do they fish?"
