"""Each life event's own rules, through the ASGI app: every problem shows, in an error summary,
on the page whose answer can fix it (the browser tests cover change of address in full)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from tellonce.bootstrap import Hub
from tests.support.portal import Portal, date_form, errors, today, walk


@dataclass(frozen=True)
class Case:
    event_type: str
    answers: dict[str, dict[str, str]]
    slug: str  # the page that must show the message
    message: str


NAME = {"given-names": "Ann", "family-name": "Lee"}
ADDRESS = {"address-line-1": "1 High St", "address-town": "Leeds", "address-postcode": "LS1 1UR"}
REGISTRATION = {
    "registration-reference": {"answer": "BR/LDS/1"},
    "registration-district": {"answer": "Leeds"},
}


def ago(hub: Hub, days: int) -> dict[str, str]:
    return date_form(today(hub) - dt.timedelta(days=days))


def born(year: int) -> dict[str, str]:
    return date_form(dt.date(year, 1, 1))


def birth(hub: Hub, **changes: dict[str, str]) -> dict[str, dict[str, str]]:
    answers = {
        "child-name": NAME,
        "child-date-of-birth": ago(hub, 10),
        "child-sex": {"answer": "female"},
        "place-of-birth": {"answer": "Leeds"},
        "child-nhs-number": {"answer": ""},
        "first-parent-name": NAME,
        "first-parent-relationship": {"answer": "mother"},
        "first-parent-date-of-birth": born(1990),
        "first-parent-national-insurance-number": {"answer": ""},
        "second-parent": {"answer": "no"},
        "address": ADDRESS,
        **REGISTRATION,
        "registration-date": ago(hub, 0),
    }
    return {**answers, **{k.replace("_", "-"): v for k, v in changes.items()}}


def death(hub: Hub, **changes: dict[str, str]) -> dict[str, dict[str, str]]:
    answers = {
        "deceased-name": NAME,
        "deceased-date-of-birth": born(1950),
        "date-of-death": ago(hub, 3),
        "deceased-national-insurance-number": {"answer": ""},
        "deceased-nhs-number": {"answer": ""},
        "deceased-address": ADDRESS,
        "marital-status": {"answer": "married"},
        **REGISTRATION,
        "registration-date": ago(hub, 0),
    }
    return {**answers, **{k.replace("_", "-"): v for k, v in changes.items()}}


def marriage(hub: Hub, **changes: dict[str, str]) -> dict[str, dict[str, str]]:
    answers = {
        "kind": {"answer": "civil-partnership"},
        "date": ago(hub, 5),
        "place": {"answer": "Leeds"},
        "first-name-before": NAME,
        "first-name-changing": {"answer": "no"},
        "first-date-of-birth": born(1990),
        "first-national-insurance-number": {"answer": ""},
        "second-name-before": {"given-names": "Bo", "family-name": "Kim"},
        "second-name-changing": {"answer": "no"},
        "second-date-of-birth": ago(hub, 365 * 15),
    }
    return {**answers, **{k.replace("_", "-"): v for k, v in changes.items()}}


def rule_cases(hub: Hub) -> list[Case]:
    renamed = {
        "reporter": {"answer": "self"},
        "previous-name": NAME,
        "new-name": NAME,
        "date-of-birth": born(1990),
    }
    return [
        Case(
            "birth",
            birth(hub, child_date_of_birth=ago(hub, 800)),
            "child-date-of-birth",
            "The date of birth must be within the last 12 months",
        ),
        Case(
            "birth",
            birth(hub, child_sex={}),
            "child-sex",
            "Select the sex recorded on the birth register",
        ),
        Case(
            "birth",
            birth(hub, registration_date=ago(hub, 20)),
            "registration-date",
            "The registration date must be on or after the date of birth",
        ),
        Case(
            "birth",
            birth(hub, registration_reference={"answer": "BR LDS 1"}),
            "registration-reference",
            "Registration reference must only include letters, numbers, hyphens and slashes",
        ),
        Case(
            "death",
            death(hub, date_of_death=born(1949)),
            "date-of-death",
            "The date of death must be on or after the date of birth",
        ),
        Case(
            "death", death(hub, marital_status={}), "marital-status", "Select their marital status"
        ),
        Case(
            "marriage",
            marriage(hub),
            "second-date-of-birth",
            "Each person must have been at least 16 on the date",
        ),
        Case("marriage", marriage(hub, kind={}), "kind", "Select marriage or civil partnership"),
        Case(
            "change-of-name",
            renamed,
            "new-name",
            "The new name must be different from the previous name",
        ),
        Case(
            "change-of-name",
            {**renamed, "previous-name": {}},
            "previous-name",
            "Enter your first names",
        ),
    ]


@pytest.mark.parametrize("index", range(10))
def test_every_event_rule_shows_on_the_page_that_can_fix_it(
    portal: Portal, hub: Hub, index: int
) -> None:
    case = rule_cases(hub)[index]
    portal.sign_in()
    response = walk(portal, portal.start(case.event_type), case.answers)
    assert portal.visited[-1].endswith(f"/{case.slug}") or portal.visited[-2].endswith(
        f"/{case.slug}"
    )
    assert case.message in errors(response), (case.message, errors(response))
