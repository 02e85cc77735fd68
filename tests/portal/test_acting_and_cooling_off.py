"""Acting for others and the address cooling-off in the portal (ADR 0088), on SQLite and
PostgreSQL, as a browser without JavaScript: "You reported this for …", the hold, and
"Cancel this change" with its confirmation page (CSRF-checked, POST-redirect-GET)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from httpx2 import Response  # what Starlette's TestClient returns

from tellonce.adapters.database.schema import disclosures, log_entries
from tellonce.bootstrap import Hub, build_vault
from tests.fakes import FakeClock
from tests.support.databases import make_settings
from tests.support.portal import Portal, date_form, move_answers, send, today, walk
from tests.support.registrations import recorded

HOLD = timedelta(minutes=60)


@pytest.fixture
def hub(engine: sa.Engine, tmp_path: Path, clock: FakeClock) -> Iterator[Hub]:
    settings = make_settings(tmp_path, engine.url.render_as_string(hide_password=False))
    settings = settings.model_copy(update={"address_cooling_off_minutes": 60})
    yield Hub(settings=settings, engine=engine, vault=build_vault(settings), clock=clock)


def summary(response: Response) -> str:
    """The text of the page's error summary, or "" if it has none."""
    found = re.search(r'govuk-error-summary__list">(.*?)</ul>', response.text, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else ""


def banner(response: Response) -> str:
    found = re.search(
        r'govuk-notification-banner--success"(.*?)</div>\s*</div>', response.text, re.S
    )
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else ""


def death_answers(hub: Hub) -> dict[str, dict[str, str]]:
    """A death the register office recorded first (ADR 0087), answered page by page."""
    died = today(hub) - timedelta(days=6)
    reference = recorded(
        hub, "death", ("Margaret Anne", "Hughes"), dt.date(1938, 11, 2), "Sheffield", died
    )
    return {
        "deceased-name": {"given-names": "Margaret Anne", "family-name": "Hughes"},
        "deceased-date-of-birth": date_form(dt.date(1938, 11, 2)),
        "date-of-death": date_form(died),
        "deceased-national-insurance-number": {"answer": "QQ987654D"},
        "deceased-nhs-number": {"answer": ""},
        "deceased-address": {
            "address-line-1": "5 Crookes Valley Road",
            "address-town": "Sheffield",
            "address-postcode": "S10 2TN",
        },
        "marital-status": {"answer": "widowed"},
        "registration-reference": {"answer": reference},
        "registration-district": {"answer": "Sheffield"},
        "registration-date": date_form(today(hub) - timedelta(days=3)),
        "informant-name": {"given-names": "David", "family-name": "Hughes"},
        "informant-relationship": {"answer": "child"},
        "informant-address": {"address-line-1": "", "address-town": "", "address-postcode": ""},
        "informant-contact": {"email": "me@example.com", "phone": ""},
    }


def states(hub: Hub) -> set[str]:
    with hub.engine.connect() as connection:
        return set(connection.execute(sa.select(disclosures.c.state)).scalars())


def test_a_change_of_address_can_be_cancelled_while_it_is_held(portal: Portal, hub: Hub) -> None:
    portal.sign_in("mover")
    reference = send(portal, hub)
    page = portal.get(f"/reports/{reference}").text
    assert "data-held-until" in page
    assert "we will not tell anyone about this change of address until" in page
    assert f'href="/reports/{reference}/cancel"' in page
    assert "Cancel this change" in page
    assert "We will not send it before" in page  # each organisation's card says so too
    assert "data-acting-for" not in page  # reported for themselves

    confirm = portal.get(f"/reports/{reference}/cancel")
    assert confirm.status_code == 200
    assert "Cancel this change of address?" in confirm.text
    assert "Yes, cancel this change" in confirm.text
    assert f'href="/reports/{reference}"' in confirm.text  # "No, keep this change"

    response = portal.post(f"/reports/{reference}/cancel")
    assert response.status_code == 303
    assert response.headers["location"] == f"/reports/{reference}?cancelled=1"
    done = portal.get(response.headers["location"])
    assert "You cancelled this change of address" in banner(done)
    assert "data-cancelled" in done.text
    assert "Cancel this change" not in done.text
    assert '<strong class="govuk-tag govuk-tag--grey">Cancelled</strong>' in done.text
    assert states(hub) == {"cancelled"}
    with hub.engine.connect() as connection:
        kinds = list(connection.execute(sa.select(log_entries.c.kind)).scalars())
    assert kinds.count("report-cancelled") == 1

    again = portal.post(f"/reports/{reference}/cancel")
    assert again.status_code == 409
    assert summary(again) == "You have already cancelled this change"


def test_after_the_hold_the_change_cannot_be_cancelled(
    portal: Portal, hub: Hub, clock: FakeClock
) -> None:
    portal.sign_in("mover")
    reference = send(portal, hub)
    clock.advance(HOLD)
    page = portal.get(f"/reports/{reference}").text
    assert "data-held-until" not in page
    assert "Cancel this change" not in page
    confirm = portal.get(f"/reports/{reference}/cancel")
    assert "it has already been sent" in summary(confirm)
    assert "Yes, cancel this change" not in confirm.text
    refused = portal.post(f"/reports/{reference}/cancel")
    assert refused.status_code == 409
    assert "it has already been sent" in summary(refused)
    assert "cancelled" not in states(hub)


def test_nobody_else_can_cancel_and_a_cross_site_post_is_refused(portal: Portal, hub: Hub) -> None:
    portal.sign_in("mover")
    reference = send(portal, hub)
    forged = portal.client.post(f"/reports/{reference}/cancel", data={"csrf_token": "forged"})
    assert forged.status_code in {400, 403}
    assert "cancelled" not in states(hub)
    portal.client.cookies.clear()
    portal.sign_in("someone-else")
    assert portal.get(f"/reports/{reference}/cancel").status_code == 404
    assert portal.post(f"/reports/{reference}/cancel").status_code == 404
    assert "cancelled" not in states(hub)


def test_a_death_reported_by_the_informant_says_who_it_was_for(portal: Portal, hub: Hub) -> None:
    portal.sign_in("informant")
    preview = walk(portal, portal.start("death"), death_answers(hub))
    digest = re.search(r'name="digest" value="([^"]+)"', preview.text)
    assert digest, preview.text
    portal.post("/report/preview", {"digest": digest.group(1), "consent": []})
    response = portal.post("/report/check-answers")
    reference = response.headers["location"].split("/")[2]
    page = portal.get(f"/reports/{reference}").text
    assert "You reported this for Margaret Anne Hughes, as the informant." in page
    assert "data-held-until" not in page  # only a change of address is held


def test_a_change_reported_under_a_power_of_attorney_says_so(portal: Portal, hub: Hub) -> None:
    portal.sign_in("attorney")
    answers = {**move_answers(hub), "reporter": {"answer": "power_of_attorney"}}
    preview = walk(portal, portal.start("change-of-address"), answers)
    assert "Who reported it" in preview.text  # shown to the organisations that agreed to it
    digest = re.search(r'name="digest" value="([^"]+)"', preview.text)
    assert digest, preview.text
    portal.post("/report/preview", {"digest": digest.group(1), "consent": []})
    check = portal.get("/report/check-answers").text
    assert "An adult I have a power of attorney for" in check
    response = portal.post("/report/check-answers")
    reference = response.headers["location"].split("/")[2]
    page = portal.get(f"/reports/{reference}").text
    assert "You reported this for Siân Ellis-Roberts, under a power of attorney." in page


def test_the_question_page_asks_who_the_change_is_for(portal: Portal) -> None:
    portal.sign_in()
    first = portal.start("change-of-address")
    assert first.endswith("/reporter")
    page = portal.get(first).text
    assert "Who are you reporting this for?" in page
    assert 'type="radio" value="self"' in page or 'value="self"' in page
    missing = portal.post(first, {})
    assert missing.status_code == 400 or "Select who you are reporting this for" in missing.text
    assert "Select who you are reporting this for" in summary(missing)
