"""Withdrawing consent and downloading a copy of your data in the portal, on SQLite and
PostgreSQL: only the citizen's own granted consents, CSRF-checked, POST-redirect-GET to a
success banner, and nothing personal in the URL."""

from __future__ import annotations

import re
import uuid

import sqlalchemy as sa
from fastapi.testclient import TestClient
from httpx2 import Response  # what Starlette's TestClient returns

from tellonce.adapters.database.schema import consent_records, disclosures
from tellonce.bootstrap import Hub
from tellonce.service_layer.identity import create_recipient_key
from tests.support.portal import HTML, Portal, send

WATER = "yorkshire-water-account"
WITHDRAW_LINK = re.compile(r'href="/your-data/consents/([0-9a-f-]{36})/withdraw"')


def withdraw_links(page: str) -> list[str]:
    return WITHDRAW_LINK.findall(page)


def consent_ids(hub: Hub) -> dict[str, uuid.UUID]:
    """decision ("granted" / "refused") -> the consent's id, for a report with one of each."""
    with hub.engine.connect() as connection:
        rows = connection.execute(sa.select(consent_records.c.id, consent_records.c.decision))
        return {row.decision: row.id for row in rows}


def state_of(hub: Hub, agreement_id: str) -> str:
    with hub.engine.connect() as connection:
        state: str = connection.execute(
            sa.select(disclosures.c.state).where(disclosures.c.agreement_id == agreement_id)
        ).scalar_one()
    return state


def withdrawn_at(hub: Hub, consent_id: uuid.UUID) -> object:
    with hub.engine.connect() as connection:
        return connection.execute(
            sa.select(consent_records.c.withdrawn_at).where(consent_records.c.id == consent_id)
        ).scalar_one()


def summary(response: Response) -> str:
    """The text of the page's error summary, or "" if it has none."""
    found = re.search(r'govuk-error-summary__list">(.*?)</ul>', response.text, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else ""


def banner(response: Response) -> str:
    found = re.search(
        r'govuk-notification-banner--success"(.*?)</div>\s*</div>', response.text, re.S
    )
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else ""


def test_only_granted_consents_not_yet_withdrawn_can_be_withdrawn(portal: Portal, hub: Hub) -> None:
    portal.sign_in("mover")
    send(portal, hub, consent=[WATER])
    ids = consent_ids(hub)
    assert set(ids) == {"granted", "refused"}
    page = portal.get("/your-data").text
    assert withdraw_links(page) == [str(ids["granted"])]
    assert "Withdraw consent" in page
    assert '<span class="govuk-visually-hidden"> for Yorkshire Water</span>' in page

    path = f"/your-data/consents/{ids['granted']}/withdraw"
    confirm = portal.get(path)
    assert confirm.status_code == 200
    assert "Withdraw your consent for Yorkshire Water?" in confirm.text
    assert "We have not sent your details to Yorkshire Water yet" in confirm.text
    assert "govuk-button--warning" in confirm.text
    assert 'href="/your-data"' in confirm.text  # back link and cancel
    assert confirm.headers["cache-control"] == "no-store"

    response = portal.post(path)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location == f"/your-data?withdrawn={ids['granted']}"  # an opaque id, nothing else
    done = portal.get(location)
    assert "You withdrew your consent for Yorkshire Water" in banner(done)
    assert "nothing was sent" in banner(done)
    assert withdraw_links(done.text) == []
    assert "Withdrawn on " in done.text
    assert state_of(hub, WATER) == "withdrawn"
    assert banner(portal.get("/your-data")) == ""  # only straight after withdrawing


def test_withdrawing_before_delivery_shows_on_the_report_and_a_repeat_is_harmless(
    portal: Portal, hub: Hub
) -> None:
    portal.sign_in("mover")
    reference = send(portal, hub, consent=[WATER])
    granted = consent_ids(hub)["granted"]
    path = f"/your-data/consents/{granted}/withdraw"
    portal.get(path)
    assert portal.post(path).status_code == 303
    first = withdrawn_at(hub, granted)
    again = portal.post(path)
    assert again.status_code == 303
    assert again.headers["location"] == f"/your-data?withdrawn={granted}"
    assert withdrawn_at(hub, granted) == first
    assert state_of(hub, WATER) == "withdrawn"
    page = portal.get(path)  # the confirmation page now says it is done, with no button
    assert "You withdrew this consent on " in page.text
    assert "govuk-button--warning" not in page.text
    tracking = portal.get(f"/reports/{reference}").text
    card = tracking.split('data-state="withdrawn"', 1)[1].split('data-state="', 1)[0]
    assert '<strong class="govuk-tag govuk-tag--grey">Not sent</strong>' in card
    assert (
        "You withdrew your consent before your details were sent. "
        "Nothing was sent to Yorkshire Water." in card
    )


def test_withdrawing_after_delivery_tells_the_organisation(portal: Portal, hub: Hub) -> None:
    portal.sign_in("mover")
    send(portal, hub, consent=[WATER])
    key = create_recipient_key("yorkshire-water", "test", None, uow=hub.uow(), clock=hub.clock)
    feed = portal.client.get("/api/v1/feed", headers={"Authorization": f"Bearer {key.key}"})
    assert len(feed.json()["events"]) == 1  # Yorkshire Water has the details now
    granted = consent_ids(hub)["granted"]
    path = f"/your-data/consents/{granted}/withdraw"
    confirm = portal.get(path).text
    assert "We have already sent your details to Yorkshire Water" in confirm
    assert "does not affect what Yorkshire Water did with your details before" in confirm
    done = portal.get(portal.post(path).headers["location"])
    assert "We have told Yorkshire Water. It must stop using your details" in banner(done)
    assert state_of(hub, WATER) == "delivered"


def test_nobody_else_can_see_or_withdraw_a_consent(portal: Portal, hub: Hub) -> None:
    portal.sign_in("mover")
    send(portal, hub, consent=[WATER])
    granted = consent_ids(hub)["granted"]
    path = f"/your-data/consents/{granted}/withdraw"
    portal.sign_in("neighbour")
    portal.get("/your-data")
    page = portal.get(path)
    assert page.status_code == 404 and "Page not found" in page.text
    assert "Yorkshire Water" not in page.text
    assert portal.post(path).status_code == 404
    assert withdrawn_at(hub, granted) is None
    for nonsense in ("not-a-uuid", "1", str(uuid.uuid4())):
        assert portal.get(f"/your-data/consents/{nonsense}/withdraw").status_code == 404
        assert portal.post(f"/your-data/consents/{nonsense}/withdraw").status_code == 404


def test_a_refused_consent_cannot_be_withdrawn(portal: Portal, hub: Hub) -> None:
    portal.sign_in("mover")
    send(portal, hub, consent=[WATER])
    refused = consent_ids(hub)["refused"]
    path = f"/your-data/consents/{refused}/withdraw"
    page = portal.get(path)
    assert page.status_code == 200
    assert "You did not give this consent, so there is nothing to withdraw" in summary(page)
    assert "govuk-button--warning" not in page.text
    response = portal.post(path)
    assert response.status_code == 409
    assert "There is a problem" in response.text
    assert "You did not give this consent" in summary(response)
    assert "<title>Error: " in response.text
    assert withdrawn_at(hub, refused) is None


def test_forms_without_a_valid_csrf_token_are_refused(portal: Portal, hub: Hub) -> None:
    portal.sign_in("mover")
    send(portal, hub, consent=[WATER])
    granted = consent_ids(hub)["granted"]
    client: TestClient = portal.client
    for path in (f"/your-data/consents/{granted}/withdraw", "/your-data/download"):
        for body in ({}, {"csrf_token": "forged"}):
            response = client.post(path, data=body, headers=HTML)
            assert response.status_code == 400, path
            assert "could not accept that form" in response.text
    assert withdrawn_at(hub, granted) is None


def test_download_a_copy_of_your_data(portal: Portal, hub: Hub) -> None:
    portal.sign_in("mover")
    reference = send(portal, hub, consent=[WATER])
    page = portal.get("/your-data").text
    assert 'action="/your-data/download"' in page
    assert "Download a copy of your data" in page
    response = portal.post("/your-data/download")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-disposition"].startswith('attachment; filename="tellonce-')
    assert response.headers["cache-control"] == "no-store"
    data = response.json()
    [report] = data["reports"]
    assert report["reference"] == reference
    assert report["details"]["new_address"]["postcode"] == "M14 5TQ"
    granted = consent_ids(hub)["granted"]
    [consent] = [c for c in data["consents"] if c["id"] == str(granted)]
    assert (consent["agreement_id"], consent["decision"]) == (WATER, "granted")
    assert {d["report_reference"] for d in data["disclosures"]} == {reference}
