"""Form posts to answers and payloads, and problems back to the inputs that can fix them."""

from __future__ import annotations

from typing import Any

import pytest

from tellonce.entrypoints.portal.forms import (
    build_payload,
    contributions,
    input_errors,
    parse_date,
    put,
    read_answers,
    rule_errors,
)
from tellonce.entrypoints.portal.journeys import JOURNEYS
from tellonce.entrypoints.portal.questions import Question
from tellonce.service_layer.portal_drafts import AnswerProblem

MOVE = JOURNEYS["change-of-address"]
BIRTH = JOURNEYS["birth"]


def q(journey_event: str, slug: str) -> Question:
    found = JOURNEYS[journey_event].question(slug)
    assert found is not None
    return found


def english(message: str) -> str:
    return message


def dated(day: str, month: str, year: str) -> dict[str, str]:
    return {"date-day": day, "date-month": month, "date-year": year}


@pytest.mark.parametrize(
    ("typed", "message", "focus"),
    [
        (dated("", "", ""), "Enter date of birth", "date-day"),
        (dated("1", "", ""), "Date of birth must include a month and year", "date-month"),
        (dated("", "2", ""), "Date of birth must include a day and year", "date-day"),
        (dated("", "", "1990"), "Date of birth must include a day and month", "date-day"),
        (dated("1", "2", ""), "Date of birth must include a year", "date-year"),
        (dated("30", "2", "1990"), "Date of birth must be a real date", "date-day"),
        (dated("1", "2", "90"), "Year must include 4 numbers", "date-year"),
        (dated("x", "2", "1990"), "Date of birth must be a real date", "date-day"),
    ],
)
def test_dates_are_checked_as_gov_uk_date_inputs_are(
    typed: dict[str, str], message: str, focus: str
) -> None:
    (error,) = input_errors(q("change-of-address", "date-of-birth"), typed, english)
    assert (error.message, error.input_id) == (message, focus)


def test_month_names_are_understood_and_optional_dates_may_be_blank() -> None:
    assert str(parse_date(dated("5", "March", "2020"))) == "2020-03-05"
    assert str(parse_date(dated("5", "sept", "2020"))) == "2020-09-05"
    optional = q("birth", "first-parent-date-of-birth")
    assert input_errors(optional, dated("", "", ""), english) == []
    assert contributions(optional, dated("", "", "")) == []


def test_a_radio_must_be_one_of_its_options() -> None:
    sex = q("birth", "child-sex")
    (error,) = input_errors(sex, {"answer": "other"}, english)
    assert error.message == "Select the sex recorded on the birth register"
    assert input_errors(sex, {"answer": "female"}, english) == []


def test_only_the_questions_inputs_are_read_and_trimmed() -> None:
    form = {"given-names": "  Siân   Mair ", "family-name": "Ellis", "csrf_token": "x"}
    assert read_answers(q("change-of-address", "name"), form) == {
        "given-names": "Siân Mair",
        "family-name": "Ellis",
    }


def test_answers_build_the_payload_with_lists_and_blanks_left_out() -> None:
    pages = {
        "first-parent-name": {"given-names": "Hannah", "family-name": "Okafor"},
        "second-parent": {"answer": "yes"},
        "second-parent-name": {"given-names": "Chidi", "family-name": ""},
        "first-parent-national-insurance-number": {"answer": ""},
    }
    payload = build_payload(BIRTH.applicable(pages), pages)
    assert payload == {
        "parents": [
            {"name": {"given_names": "Hannah", "family_name": "Okafor"}},
            {"name": {"given_names": "Chidi"}},
        ]
    }
    pages["second-parent"] = {"answer": "no"}  # the second parent's pages no longer apply
    assert len(build_payload(BIRTH.applicable(pages), pages)["parents"]) == 1


def test_put_makes_the_way_and_never_overwrites_answers_with_a_placeholder() -> None:
    payload: dict[str, Any] = {}
    put(payload, ("a", "b"), 1)
    put(payload, ("a",), {})
    put(payload, ("list", 1, "x"), "y")
    assert payload == {"a": {"b": 1}, "list": [{}, {"x": "y"}]}


def test_rule_problems_land_on_the_input_that_can_fix_them() -> None:
    address = q("change-of-address", "new-address")
    postcode = "Enter a real postcode, like LS1 1UR"
    problems = [
        AnswerProblem(("new_address", "postcode"), "postcode_invalid", postcode),
        AnswerProblem(("new_address", "town"), "missing", "Field required"),
        AnswerProblem(("previous_address", "town"), "missing", "Field required"),
        AnswerProblem(("new_address",), "address_unchanged", "The new address must be different"),
    ]
    errors = rule_errors(address, problems, english)
    assert [(e.input_id, e.message) for e in errors] == [
        ("address-line-1", "The new address must be different"),
        ("address-town", "Enter town or city"),
        ("address-postcode", postcode),
    ]


def test_names_say_whose_name_is_missing() -> None:
    problems = [AnswerProblem(("child", "name", "given_names"), "missing", "Field required")]
    (error,) = rule_errors(q("birth", "child-name"), problems, english)
    assert error.message == "Enter the child's first names"


def test_date_rules_start_with_the_questions_label() -> None:
    problems = [
        AnswerProblem(("move_date",), "date_in_future", "The date must be today or in the past")
    ]
    (error,) = rule_errors(q("change-of-address", "move-date"), problems, english)
    assert (error.input_id, error.message) == ("date-day", "Move date must be today or in the past")


def test_a_blank_answer_that_leaves_a_whole_object_missing_is_reported_on_its_page() -> None:
    problems = [AnswerProblem(("registration",), "missing", "Field required")]
    (error,) = rule_errors(q("birth", "registration-reference"), problems, english)
    assert (error.input_id, error.message) == ("answer", "Enter the registration reference")
