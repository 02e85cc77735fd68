"""The catalogue's routing questions through the ASGI app: how many pages each journey takes,
and how they are asked."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import replace

from tellonce.bootstrap import Hub
from tellonce.domain.catalogue import RoutingQuestion
from tellonce.service_layer.catalogue import load_catalogue
from tests.support.portal import (
    Portal,
    date_form,
    demo_catalogue,
    errors,
    move_answers,
    today,
    walk,
)
from tests.support.registrations import recorded

NO_ANSWER = {"answer": ""}


def ago(hub: Hub, days: int) -> dict[str, str]:
    return date_form(today(hub) - dt.timedelta(days=days))


def name(given: str, family: str) -> dict[str, str]:
    return {"given-names": given, "family-name": family}


def address(line_1: str, town: str, postcode: str) -> dict[str, str]:
    return {"address-line-1": line_1, "address-town": town, "address-postcode": postcode}


def registered(hub: Hub, reference: str, district: str) -> dict[str, dict[str, str]]:
    return {
        "registration-reference": {"answer": reference},
        "registration-district": {"answer": district},
        "registration-date": ago(hub, 3),
    }


def journeys(hub: Hub) -> dict[str, dict[str, dict[str, str]]]:
    """The browser tests' five journeys (tests/browser/journeys.py), as form answers. The
    death and the birth were recorded by a registrar first (ADR 0087)."""
    contact = {"email": "me@example.com", "phone": ""}
    born = today(hub) - dt.timedelta(days=12)
    birth_reference = recorded(hub, "birth", ("Zoë Amara", "Okafor"), born, "Leeds")
    died = today(hub) - dt.timedelta(days=6)
    death_reference = recorded(
        hub, "death", ("Margaret Anne", "Hughes"), dt.date(1938, 11, 2), "Sheffield", died
    )
    return {
        "change-of-address": move_answers(hub),
        "change-of-name": {
            "reporter": {"answer": "self"},
            "previous-name": name("Joanna", "Kowalska"),
            "new-name": name("Joanna", "Whitfield"),
            "date-of-birth": date_form(dt.date(1991, 9, 3)),
            "national-insurance-number": {"answer": "QQ654321A"},
            "nhs-number": NO_ANSWER,
            "address": address("8 Elm Bank Road", "Manchester", "M20 2LS"),
            "change-date": ago(hub, 40),
            "evidence": {"answer": "marriage-certificate"},
            "evidence-reference": {"answer": "MXB 204117"},
            "contact": contact,
        },
        "birth": {
            "child-name": name("Zoë Amara", "Okafor"),
            "child-date-of-birth": ago(hub, 12),
            "child-sex": {"answer": "female"},
            "place-of-birth": {"answer": "Leeds General Infirmary"},
            "child-nhs-number": NO_ANSWER,
            "first-parent-name": name("Hannah", "Okafor"),
            "first-parent-relationship": {"answer": "mother"},
            "first-parent-date-of-birth": date_form(dt.date(1992, 6, 30)),
            "first-parent-national-insurance-number": {"answer": "QQ112233B"},
            "second-parent": {"answer": "yes"},
            "second-parent-name": name("Chidi", "Okafor"),
            "second-parent-relationship": {"answer": "father"},
            "second-parent-date-of-birth": date_form(dt.date(1990, 2, 11)),
            "second-parent-national-insurance-number": NO_ANSWER,
            "address": address("42 Chapel Terrace", "Leeds", "LS7 3QB"),
            **registered(hub, birth_reference, "Leeds"),
            "contact": contact,
        },
        "death": {
            "deceased-name": name("Margaret Anne", "Hughes"),
            "deceased-date-of-birth": date_form(dt.date(1938, 11, 2)),
            "date-of-death": ago(hub, 6),
            "deceased-national-insurance-number": {"answer": "QQ987654D"},
            "deceased-nhs-number": NO_ANSWER,
            "deceased-address": address("5 Crookes Valley Road", "Sheffield", "S10 2TN"),
            "marital-status": {"answer": "widowed"},
            **registered(hub, death_reference, "Sheffield"),
            "informant-name": name("David", "Hughes"),
            "informant-relationship": {"answer": "child"},
            "informant-address": address("", "", ""),
            "informant-contact": contact,
        },
        "marriage": {
            "kind": {"answer": "marriage"},
            "date": ago(hub, 21),
            "place": {"answer": "Sheffield Register Office"},
            "first-name-before": name("Ólafur", "Jónsson"),
            "first-name-changing": {"answer": "no"},
            "first-date-of-birth": date_form(dt.date(1989, 12, 5)),
            "first-national-insurance-number": {"answer": "QQ445566C"},
            "second-name-before": name("Priya", "Sharma"),
            "second-name-changing": {"answer": "yes"},
            "second-name-after": name("Priya", "Sharma-Jónsson"),
            "second-date-of-birth": date_form(dt.date(1990, 7, 21)),
            "second-national-insurance-number": {"answer": "QQ778899A"},
            "address": address("11 Psalter Lane", "Sheffield", "S11 8YA"),
            "registered": {"answer": "yes"},
            **registered(hub, "MR/SHF/000932", "Sheffield"),
            "contact": contact,
        },
    }


def every_box(page: str) -> dict[str, list[str]]:
    """Tick every box of a checkbox page but "None of these"."""
    ticked = re.findall(r'name="applies" type="checkbox" value="([^"]+)"', page)
    return {"applies": [value for value in ticked if value != "none"]}


def pages_to_preview(
    portal: Portal, event_type: str, answers: Mapping[str, Mapping[str, str]]
) -> tuple[list[str], list[str]]:
    """Walk a journey answering yes to every routing question: (question pages, routing pages)."""
    questions: list[str] = []
    routing: list[str] = []
    location = portal.start(event_type)
    while location != "/report/preview":
        page = portal.get(location).text
        if location.startswith("/report/questions"):
            routing.append(location)
            data: Mapping[str, str | list[str]] = (
                every_box(page) if 'name="applies"' in page else {"answer": "yes"}
            )
        else:
            questions.append(location)
            data = answers[location.rsplit("/", 1)[-1]]
        response = portal.post(location, data)
        assert response.status_code == 303, (location, response.text)
        location = response.headers["location"]
    return questions, routing


def test_every_journey_asks_its_routing_questions_on_one_page(portal: Portal, hub: Hub) -> None:
    """Before, one yes/no page each: 8 for this move, 6 for the change of name, 2 for the birth,
    8 for the death and 4 for the marriage."""
    portal.sign_in()
    counted = {
        event_type: tuple(len(pages) for pages in pages_to_preview(portal, event_type, answers))
        for event_type, answers in journeys(hub).items()
    }
    assert counted == {
        "change-of-address": (9, 1),  # with "Who are you reporting this for?" (ADR 0088)
        "change-of-name": (11, 1),
        "birth": (19, 1),
        "death": (14, 1),
        "marriage": (18, 1),
    }


def boxes(page: str) -> list[str]:
    """The checkbox labels of a page, in order."""
    return [
        re.sub(r"\s+", " ", label).strip()
        for label in re.findall(r'class="govuk-label govuk-checkboxes__label"[^>]*>([^<]+)<', page)
    ]


def to_routing_page(portal: Portal, hub: Hub, event_type: str) -> str:
    portal.sign_in()
    answers = journeys(hub)[event_type]
    location = portal.start(event_type)
    while not location.startswith("/report/questions"):
        response = portal.answer(location, answers[location.rsplit("/", 1)[-1]])
        location = response.headers["location"]
    assert location == "/report/questions"
    return portal.get(location).text


def heading(page: str) -> str:
    found = re.search(r"<h1[^>]*>([^<]+)</h1>", page)
    assert found, page
    return found.group(1).strip()


def test_a_move_asks_the_citizen_about_themselves(portal: Portal, hub: Hub) -> None:
    page = to_routing_page(portal, hub, "change-of-address")
    assert heading(page) == "Which of these apply to you?"
    assert boxes(page) == [
        "You hold a UK driving licence",
        "You keep a vehicle registered in your name",
        "You get a benefit or State Pension from DWP",
        "You have a Blue Badge from Leeds City Council",
        "You get Housing Benefit or Council Tax Support from Leeds City Council",
        "You are a member of Leeds Libraries",
        "You have a student loan",
        "You get a pension or compensation from Veterans UK",
        "None of these",
    ]
    assert "the person" not in page
    assert 'data-behaviour="exclusive"' in page
    assert '<div class="govuk-checkboxes__divider">or</div>' in page


def test_a_death_asks_in_the_past_tense_about_the_person_who_died(portal: Portal, hub: Hub) -> None:
    page = to_routing_page(portal, hub, "death")
    assert heading(page) == "Which of these applied to the person who died?"
    assert boxes(page)[:3] == [
        "They held a UK driving licence",
        "They kept a vehicle registered in their name",
        "They held a British passport",
    ]
    assert "They had a student loan" in boxes(page)
    assert "the person hold" not in page
    assert "Do they" not in page


def test_none_of_these_with_another_box_or_no_box_at_all_is_explained(
    portal: Portal, hub: Hub
) -> None:
    to_routing_page(portal, hub, "change-of-address")
    both = portal.post("/report/questions", {"applies": ["holds-driving-licence", "none"]})
    assert both.status_code == 400
    assert errors(both) == ["Select \u2018None of these\u2019 or the options that apply, not both"]
    assert 'href="#applies"' in both.text
    nothing = portal.post("/report/questions", {})
    assert nothing.status_code == 400
    assert errors(nothing) == ["Select all that apply, or select \u2018None of these\u2019"]
    assert portal.post("/report/questions", {"applies": ["none"]}).status_code == 303
    page = portal.get("/report/questions").text
    assert re.search(r'value="none" checked', page), "None of these is remembered"


def test_ticked_boxes_are_yes_and_the_rest_no(portal: Portal, hub: Hub) -> None:
    to_routing_page(portal, hub, "change-of-address")
    ticked = {"applies": ["holds-driving-licence", "leeds-library-member"]}
    assert portal.post("/report/questions", ticked).headers["location"] == "/report/preview"
    preview = portal.get("/report/preview").text
    assert "Driver licensing, DVLA" in preview
    assert "Leeds Libraries" in preview
    assert "Vehicle registration, DVLA" not in preview
    digest = re.search(r'name="digest" value="([^"]+)"', preview)
    assert digest
    portal.post("/report/preview", {"digest": digest.group(1)})
    check = portal.get("/report/check-answers").text
    # The checkbox page is one row on "Check your answers", as answered.
    assert re.search(
        r'<dt class="govuk-summary-list__key">Which of these apply to you\?</dt>\s*'
        r'<dd class="govuk-summary-list__value">'
        r"You hold a UK driving licence<br>You are a member of Leeds Libraries</dd>",
        check,
    )
    assert check.count('href="/report/questions?change=1"') == 1
    # The hidden text of each "Change" keeps the row's own case.
    assert '<span class="govuk-visually-hidden"> Which of these apply to you?</span>' in check
    assert '<span class="govuk-visually-hidden"> NHS number</span>' in check
    assert "nhs number" not in check


def test_the_preview_says_why_in_plain_english(portal: Portal, hub: Hub) -> None:
    to_routing_page(portal, hub, "change-of-address")
    portal.post("/report/questions", {"applies": ["holds-driving-licence"]})
    preview = portal.get("/report/preview").text
    assert "area served" not in preview
    assert "nation england" not in preview
    assert "Your old address is in England" in preview
    assert "Your old address is in the area Yorkshire Water serves" in preview
    assert "Your old address is in the Leeds City Council area" in preview
    assert "Your new address is in the Manchester City Council area" in preview
    assert "You selected \u2018You hold a UK driving licence\u2019" in preview
    # Every lawful basis in plain English, above the article it is.
    assert "Because it is their public task<br>UK GDPR Article 6(1)(e)" in preview
    assert "Because the law requires it<br>UK GDPR Article 6(1)(c)" in preview
    assert "Because you agree to it<br>UK GDPR Article 6(1)(a)" in preview


def test_a_death_preview_speaks_of_their_address(portal: Portal, hub: Hub) -> None:
    to_routing_page(portal, hub, "death")
    portal.post("/report/questions", {"applies": ["none"]})
    preview = portal.get("/report/preview").text
    assert "Their address is in England" in preview
    assert "Their address is in the Sheffield City Council area" in preview
    assert "area served" not in preview


def test_a_question_the_portal_cannot_word_keeps_a_yes_no_page_of_its_own(
    portal: Portal, hub: Hub
) -> None:
    """A new agreement's question, before the portal words it, is asked after the checkbox
    page in the catalogue's own words, and its back link leads to the checkbox page."""
    catalogue = demo_catalogue()
    fishing = RoutingQuestion("holds-fishing-licence", "Does the person hold a fishing licence?")
    agreements = tuple(
        replace(a, questions=(*a.questions, fishing))
        if a.id == "veterans-uk-pensions-and-compensation"
        else a
        for a in catalogue.agreements
    )
    assert agreements != catalogue.agreements
    load_catalogue(replace(catalogue, agreements=agreements), uow=hub.uow(), clock=hub.clock)
    to_routing_page(portal, hub, "change-of-address")
    response = portal.post("/report/questions", {"applies": ["paid-by-veterans-uk"]})
    assert response.headers["location"] == "/report/questions/holds-fishing-licence"
    page = portal.get("/report/questions/holds-fishing-licence").text
    assert heading(page) == "Does the person hold a fishing licence?"
    assert '<a href="/report/questions" class="govuk-back-link">' in page
    response = portal.post("/report/questions/holds-fishing-licence", {"answer": "yes"})
    assert response.headers["location"] == "/report/preview"
    preview = portal.get("/report/preview").text
    assert "You answered yes to \u2018Does the person hold a fishing licence?\u2019" in preview
    digest = re.search(r'name="digest" value="([^"]+)"', preview)
    assert digest
    portal.post("/report/preview", {"digest": digest.group(1)})
    check = portal.get("/report/check-answers").text
    assert "You get a pension or compensation from Veterans UK</dd>" in check
    assert (
        '<span class="govuk-visually-hidden"> Does the person hold a fishing licence?</span>'
        in check
    )
    assert 'href="/report/questions/holds-fishing-licence?change=1"' in check


def test_a_death_needs_the_registrars_reference_and_the_preview_shows_it(
    portal: Portal, hub: Hub
) -> None:
    portal.sign_in("informant")
    answers = journeys(hub)["death"]
    right = answers["registration-reference"]
    answers["registration-reference"] = {"answer": "TUO-0000-0000-0000"}
    page = walk(portal, portal.start("death"), answers)
    assert page.status_code == 400
    assert errors(page) == [
        "Enter the registration reference the registrar gave you: this one is not recognised"
    ]
    assert 'class="govuk-error-summary"' in page.text
    page = walk(
        portal, "/report/death/registration-reference", {**answers, "registration-reference": right}
    )
    assert "What the registrar recorded" in page.text, page.text[:300]
    recorded = page.text.split('id="registered"', 1)[1].split("</dl>", 1)[0]
    assert "Margaret Anne Hughes" in recorded and "2 November 1938" in recorded
    assert "Sheffield" in recorded
