"""The assistant through the ASGI app, on SQLite and PostgreSQL: the portal's chat without
JavaScript (one message per page), journeys pre-filled for the citizen to check, and the API
with its problem+json errors. The real model answers (it loads once per test process)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tellonce.adapters.database.schema import portal_drafts
from tellonce.bootstrap import Hub
from tellonce.entrypoints.asgi import create_app
from tests.support.portal import HTML, Portal, errors

PROBLEM = "application/problem+json"


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    with TestClient(
        create_app(hub), raise_server_exceptions=False, follow_redirects=False
    ) as test_client:
        yield test_client


@pytest.fixture
def portal(client: TestClient) -> Portal:
    browser = Portal(client)
    browser.sign_in("assistant")
    return browser


def say(portal: Portal, message: str) -> str:
    portal.get("/assistant")
    response = portal.post("/assistant", {"message": message})
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("/assistant#turn-")
    page = portal.get("/assistant")
    assert page.status_code == 200
    return page.text


def checked(html: str, value: str) -> bool:
    return re.search(rf'value="{value}"\s+checked', html) is not None


def test_a_death_reported_by_a_relative_prefills_the_journey(portal: Portal) -> None:
    page = say(portal, "My mum died last Tuesday")  # the clock says Wednesday 25 November 2026
    assert "I am sorry for your loss" in page
    assert "24 November 2026" in page and "your mother" in page
    response = portal.post("/assistant/start", {"event": "death"})
    assert response.headers["location"] == "/report/death/deceased-name"  # from the first page
    date_page = portal.get("/report/death/date-of-death").text
    assert 'value="24"' in date_page and 'value="11"' in date_page and 'value="2026"' in date_page
    assert not errors(portal.get("/report/death/date-of-death"))
    assert checked(portal.get("/report/death/informant-relationship").text, "child")


def test_a_move_with_a_loose_date_prefills_town_postcode_and_date(portal: Portal) -> None:
    page = say(portal, "upping sticks to Leeds LS6 2AB next Friday")
    assert "Which of these is closest?" in page  # an idiom the model is unsure of: it asks
    assert portal.post("/assistant", {"choice": "change-of-address"}).status_code == 303
    page = portal.get("/assistant").text
    assert "Leeds" in page and "LS6 2AB" in page and "27 November 2026" in page
    portal.post("/assistant/start", {"event": "change-of-address"})
    address = portal.get("/report/change-of-address/new-address")
    assert 'value="Leeds"' in address.text and 'value="LS6 2AB"' in address.text
    assert not errors(address)  # line 1 is still to fill, but nothing is wrong yet
    assert 'value="27"' in portal.get("/report/change-of-address/move-date").text


def test_a_status_question_about_a_death_is_not_a_new_report(portal: Portal) -> None:
    page = say(
        portal,
        "I told you about my husband's death three weeks ago and the pension still hasn't stopped",
    )
    assert "already made, not making a new one" in page
    assert 'href="/reports"' in page
    assert "/assistant/start" not in page


def test_out_of_scope_says_where_to_go(portal: Portal) -> None:
    page = say(portal, "I need to renew my passport")
    assert "I can only help you tell public organisations" in page
    assert "https://www.gov.uk/apply-renew-passport" in page


def test_several_events_offer_each_journey(portal: Portal) -> None:
    page = say(portal, "we got married and I'm taking her surname")
    assert "more than one thing has changed" in page
    assert 'name="event" value="marriage"' in page
    assert 'name="event" value="change-of-name"' in page


def test_unsure_asks_with_buttons_and_a_choice_answers(portal: Portal) -> None:
    page = say(portal, "Rydyn ni wedi priodi")  # Welsh: always asked about
    assert "Which of these is closest?" in page
    assert 'name="choice" value="marriage"' in page
    assert portal.post("/assistant", {"choice": "marriage"}).status_code == 303
    assert 'name="event" value="marriage"' in portal.get("/assistant").text


def test_an_empty_message_is_an_error_on_the_page(portal: Portal) -> None:
    portal.get("/assistant")
    response = portal.post("/assistant", {"message": "   "})
    assert response.status_code == 400
    assert errors(response) == ["Enter a message"]
    assert portal.post("/assistant", {"choice": "death"}).status_code == 303  # no conversation


def test_a_start_not_offered_goes_back_to_the_assistant(portal: Portal) -> None:
    say(portal, "I need to renew my passport")
    response = portal.post("/assistant/start", {"event": "death"})
    assert response.headers["location"] == "/assistant"


def test_the_conversation_is_sealed_and_starts_again(portal: Portal, hub: Hub) -> None:
    say(portal, "My mum died last Tuesday")
    with hub.engine.connect() as connection:
        sealed = connection.execute(sa.select(portal_drafts.c.sealed_answers)).scalars().all()
    assert sealed and all(b"mum" not in s for s in sealed)
    portal.post("/assistant/new")
    assert "I am sorry" not in portal.get("/assistant").text


def test_the_assistant_needs_sign_in(client: TestClient) -> None:
    response = client.get("/assistant", headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/sign-in")


# --- the API ----------------------------------------------------------------------------------


@pytest.fixture
def token(client: TestClient) -> str:
    found: str = client.post("/api/v1/demo/sessions").json()["token"]
    return found


def post(client: TestClient, token: str, body: Any) -> Any:
    return client.post(
        "/api/v1/assistant/messages", json=body, headers={"Authorization": f"Bearer {token}"}
    )


def test_api_reply_with_prefill_and_a_conversation(
    client: TestClient, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    response = post(client, token, {"message": "My mum died last Tuesday"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["reply"]["kind"] == "start"
    assert body["reply"]["event_type"] == "death"
    assert body["reply"]["prefill"] == {
        "deceased": {"date_of_death": "2026-11-24"},
        "informant": {"relationship": "child"},
    }
    assert [c["intent"] for c in body["reply"]["choices"]] == ["death"]
    assert not any("mum" in record.getMessage() for record in caplog.records)
    status = post(
        client,
        token,
        {"conversation_id": body["conversation_id"], "message": "has DWP been told yet?"},
    ).json()
    assert status["conversation_id"] == body["conversation_id"]
    assert status["reply"]["kind"] == "status"
    assert status["reply"]["links"] == [{"text": "Go to your reports", "href": "/reports"}]


def test_api_clarifying_choice(client: TestClient, token: str) -> None:
    asked = post(client, token, {"message": "Mae fy mam wedi marw"}).json()
    assert asked["reply"]["kind"] == "clarify"
    intents = [c["intent"] for c in asked["reply"]["choices"]]
    assert intents[0] == "death" and intents[-1] == "out-of-scope"
    chosen = post(
        client, token, {"conversation_id": asked["conversation_id"], "choice": "death"}
    ).json()
    assert chosen["reply"]["kind"] == "start"
    assert chosen["reply"]["prefill"] == {"informant": {"relationship": "child"}}


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({}, "#/message"),
        ({"message": ""}, "#/message"),
        ({"message": "   "}, "#/message"),
        ({"message": "x" * 501}, "#/message"),
        ({"message": "hi", "choice": "death"}, "#/message"),
        ({"choice": "death"}, "#/conversation_id"),
        ({"choice": "passport"}, "#/choice"),
        ({"message": "hi", "conversation_id": "not-a-uuid"}, "#/conversation_id"),
        ({"message": "hi", "colour": "blue"}, "#/colour"),
        ({"message": 42}, "#/message"),
        ([], "#/"),
    ],
)
def test_api_bad_input_is_problem_json_naming_the_field(
    client: TestClient, token: str, body: Any, pointer: str
) -> None:
    response = post(client, token, body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert pointer in [e["pointer"] for e in response.json()["errors"]]


def test_api_choice_not_offered_and_unknown_conversation(client: TestClient, token: str) -> None:
    first = post(client, token, {"message": "I need to renew my passport"}).json()
    wrong = post(client, token, {"conversation_id": first["conversation_id"], "choice": "birth"})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["pointer"] == "#/choice"
    gone = post(
        client, token, {"conversation_id": "00000000-0000-4000-8000-000000000000", "choice": "faq"}
    )
    assert gone.status_code == 404
    assert gone.headers["content-type"].startswith(PROBLEM)


def test_api_needs_a_citizen(client: TestClient) -> None:
    response = client.post("/api/v1/assistant/messages", json={"message": "hello"})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)
    not_json = client.post(
        "/api/v1/assistant/messages",
        content=b"{not json",
        headers={"Content-Type": "application/json", "Authorization": "Bearer nope"},
    )
    assert not_json.status_code in (401, 422)


def test_api_answers_in_welsh(client: TestClient, token: str) -> None:
    response = client.post(
        "/api/v1/assistant/messages",
        json={"message": "Is it free to use?"},
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "cy"},
    )
    assert response.json()["reply"]["text"] == ["Mae\u2019n rhad ac am ddim."]


def test_a_welsh_message_is_asked_about_in_welsh(portal: Portal) -> None:
    portal.client.get("/assistant?lang=cy", headers=HTML)
    page = say(portal, "Mae fy mam wedi marw")
    assert "Gofyn i\u2019r cynorthwyydd" in page
    assert "Dydw i ddim yn siŵr fy mod wedi deall" in page


def test_api_status_with_a_reference_links_to_that_report(client: TestClient, token: str) -> None:
    reply = post(client, token, {"message": "has tlo-7kq4-m3xh been acknowledged yet?"}).json()
    assert reply["reply"]["kind"] == "status"
    assert reply["reply"]["links"][0]["href"] == "/reports/TLO-7KQ4-M3XH"
