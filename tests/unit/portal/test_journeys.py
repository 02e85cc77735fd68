"""The journeys fit the life events: every question's path is a real field, every field an
agreement can name has a label, and each journey asks every field the domain requires."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tellonce.adapters.catalogue_files import read_catalogue
from tellonce.domain.events import EVENT_TYPES, field_paths
from tellonce.entrypoints.portal.display import FIELD_LABELS, field_label, shared_rows
from tellonce.entrypoints.portal.domain_messages import CHANGE_OF_ADDRESS_MESSAGES
from tellonce.entrypoints.portal.forms import build_payload, concerns
from tellonce.entrypoints.portal.journeys import JOURNEYS
from tellonce.service_layer.portal_drafts import answer_problems
from tests.fakes import FakeClock
from tests.support.paths import CATALOGUE_DIR

DOMAIN = Path(__file__).resolve().parents[3] / "src" / "tellonce" / "domain"


def dotted(path: tuple[str | int, ...]) -> str:
    return ".".join(str(p) for p in path if not isinstance(p, int))


def test_there_is_a_journey_for_every_life_event() -> None:
    assert set(JOURNEYS) == set(EVENT_TYPES)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_question_writes_a_real_field_and_has_a_unique_url(event_type: str) -> None:
    journey = JOURNEYS[event_type]
    slugs = [q.slug for q in journey.questions]
    assert len(slugs) == len(set(slugs))
    assert all(re.fullmatch(r"[a-z0-9-]+", slug) for slug in slugs)
    for question in journey.questions:
        if question.path is not None:
            assert dotted(question.path) in field_paths(event_type), question.slug


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_blank_answers_to_every_page_leave_nothing_a_page_cannot_show(event_type: str) -> None:
    """With every page left blank, each problem the domain reports belongs to some page."""
    journey = JOURNEYS[event_type]
    pages: dict[str, dict[str, str]] = {q.slug: {} for q in journey.questions}
    payload = build_payload(journey.applicable(pages), pages)
    problems = answer_problems(event_type, payload, clock=FakeClock())
    owned = [q.path for q in journey.applicable(pages) if q.path is not None]
    for problem in problems:
        assert any(concerns(problem, path) for path in owned), problem


def test_every_field_the_demo_catalogue_shares_has_a_plain_label() -> None:
    catalogue, _ = read_catalogue(CATALOGUE_DIR)
    assert catalogue is not None
    shared = {path for a in catalogue.agreements for paths in a.fields.values() for path in paths}
    assert shared <= set(FIELD_LABELS), sorted(shared - set(FIELD_LABELS))
    assert field_label("child.sex", str) == "Child's sex"
    assert field_label("person.unknown_thing", str) == "Person: unknown thing"


def test_the_preview_shows_values_as_a_person_reads_them() -> None:
    data = {
        "person": {"name": {"given_names": "Siân", "family_name": "Ellis"}},
        "new_address": {"line_1": "1 High St", "town": "Leeds", "postcode": "LS1 1UR"},
        "move_date": "2026-11-11",
        "parents": [{"name": {"given_names": "A", "family_name": "B"}}, {}],
        "deceased": {"marital_status": "widowed"},
        "registration": {"reference": "2020-01-01"},
    }
    rows = shared_rows(
        data, ["person.name", "new_address", "move_date", "parents.name", "contact"], "en", str
    )
    assert [(r.field, r.lines) for r in rows] == [
        ("person.name", ("Siân Ellis",)),
        ("new_address", ("1 High St, Leeds, LS1 1UR",)),
        ("move_date", ("11 November 2026",)),
        ("parents.name", ("A B",)),
    ]
    extra = shared_rows(data, ["deceased.marital_status", "registration.reference"], "en", str)
    assert [r.lines for r in extra] == [("Widowed, or a surviving civil partner",), ("2020-01-01",)]


def test_domain_messages_marked_for_translation_are_the_domains_own() -> None:
    source = "\n".join(p.read_text() for p in DOMAIN.glob("*.py"))
    for message in CHANGE_OF_ADDRESS_MESSAGES:
        if message.startswith(("Enter 100", "Enter 60")):
            assert "characters or fewer" in source
            continue
        assert message in source, message
