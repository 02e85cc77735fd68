"""The rights pages under "Your data", on SQLite and PostgreSQL, as a browser without
JavaScript: correct a detail (errors in a GOV.UK error summary, corrections shown per
recipient on the report), limit or object, delete your data (refused while the law's
disclosures are on their way, then done), and every request listed with its deadline."""

from __future__ import annotations

import html
import json
import re

import sqlalchemy as sa
from httpx2 import Response  # what Starlette's TestClient returns

from tellonce.adapters.database.schema import disclosures, people
from tellonce.bootstrap import Hub, note_verifier
from tellonce.domain.transparency.receipts import verify_receipt
from tellonce.service_layer.transparency.entries import publish_checkpoint
from tests.support.portal import Portal, errors, send


def _summary(response: Response) -> str:
    found = re.search(r'govuk-error-summary__list">(.*?)</ul>', response.text, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else ""


def _all_delivered(hub: Hub) -> None:
    """Every recipient has its disclosure (as if each had collected it)."""
    now = hub.clock.now()
    with hub.engine.connect() as connection:
        ids = list(connection.execute(sa.select(disclosures.c.id)).scalars())
    with hub.uow() as uow:
        uow.disclosures.mark_delivered([(i, now) for i in ids], now)
        uow.commit()


def test_correcting_a_detail_tells_those_that_hold_it(portal: Portal, hub: Hub) -> None:
    portal.sign_in("mover")
    reference = send(portal, hub)
    report = portal.get(f"/reports/{reference}").text
    assert f'href="/reports/{reference}/correct"' in report
    chooser = portal.get("/your-data/rights/rectification").text
    assert f'href="/reports/{reference}/correct"' in chooser

    form = portal.get(f"/reports/{reference}/correct")
    assert form.status_code == 200
    assert 'value="person.name.family_name"' in form.text and "Ellis-Roberts" in form.text
    empty = portal.post(f"/reports/{reference}/correct", {"detail": "", "value": ""})
    assert empty.status_code == 400
    assert errors(empty) == ["Select the detail you want to correct", "Enter the correct value"]
    assert 'href="#detail"' in empty.text and 'href="#value"' in empty.text
    same = portal.post(
        f"/reports/{reference}/correct",
        {"detail": "person.name.family_name", "value": "Ellis-Roberts"},
    )
    assert same.status_code == 400 and "different from the one we hold" in _summary(same)

    _all_delivered(hub)
    done = portal.post(
        f"/reports/{reference}/correct",
        {"detail": "person.name.family_name", "value": "Ellis-Robertson"},
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"/reports/{reference}?corrected=1"
    assert "Ellis" not in done.headers["location"]
    page = portal.get(done.headers["location"]).text
    assert "We corrected your report" in page
    assert page.count("data-correction=") >= 1
    assert "Waiting to be sent or collected" in page
    listed = portal.get("/your-data").text
    assert "Your requests" in listed and "Correct your data" in listed


def test_limit_and_object_can_be_set_and_lifted(portal: Portal, hub: Hub) -> None:
    portal.sign_in("mover")
    send(portal, hub)
    for kind, heading, button in [
        ("restriction", "Limit how your data is used", "Limit how my data is used"),
        ("objection", "Object to how your data is used", "Object"),
    ]:
        page = portal.get(f"/your-data/rights/{kind}")
        assert page.status_code == 200 and heading in page.text and button in page.text
        set_ = portal.post(f"/your-data/rights/{kind}", {"action": "set"})
        assert set_.status_code == 303
        after = portal.get(set_.headers["location"]).text
        assert "govuk-notification-banner--success" in after and 'value="lift"' in after
        lifted = portal.post(f"/your-data/rights/{kind}", {"action": "lift"})
        assert 'value="set"' in portal.get(lifted.headers["location"]).text
    with hub.engine.connect() as connection:
        states = set(connection.execute(sa.select(disclosures.c.state)).scalars())
    assert "held" not in states  # lifted again: all queued
    table = portal.get("/your-data").text
    assert table.count("Limit how your data is used") >= 2  # the link and the request


def test_deleting_your_data_is_refused_then_done(portal: Portal, hub: Hub) -> None:
    portal.sign_in("mover")
    send(portal, hub)
    page = portal.get("/your-data/rights/erasure")
    assert page.status_code == 200 and "govuk-button--warning" in page.text
    refused = portal.post("/your-data/rights/erasure")
    assert refused.status_code == 409
    assert _summary(refused) == "We cannot delete your data yet"
    assert "have not received them yet" in refused.text

    _all_delivered(hub)
    done = portal.post("/your-data/rights/erasure")
    assert done.status_code == 200
    assert "Your details have been deleted" in done.text
    with hub.engine.connect() as connection:
        erased = list(connection.execute(sa.select(people.c.erased_at)).scalars())
    assert any(erased)
    assert "Delete your data" in portal.get("/your-data").text


def test_a_printable_copy_holds_the_details_and_proofs_that_verify_offline(
    portal: Portal, hub: Hub
) -> None:
    portal.sign_in("mover")
    reference = send(portal, hub)
    publish_checkpoint(hub.log_sequencer(owner="test"), hub.log_signer.verifier())
    page = portal.post("/your-data/copy")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    text = html.unescape(page.text)
    assert "A copy of your data" in text and reference in text
    assert "Ellis-Roberts" in text and "M14 5TQ" in text  # the details, for the citizen
    entries = re.findall(r'data-proof="([^"]+)"', text)
    assert entries and set(entries) == {"disclosure-authorised"}
    blocks = re.findall(r'<pre class="govuk-body-s tellonce-proof__text">(.*?)</pre>', text, re.S)
    verifier = note_verifier(hub.log_signer.verifier_key)
    for entry, proof in zip(blocks[::2], blocks[1::2], strict=True):
        checkpoint = verify_receipt(proof, entry.encode(), verifier)
        assert checkpoint.size >= 1
        assert json.loads(entry)["kind"] == "disclosure-authorised"
    cells = re.findall(r'<td class="govuk-table__cell">([^<]+)</td>', portal.get("/your-data").text)
    assert "Get a copy of your data" in cells


def test_each_consent_choice_downloads_as_its_record(portal: Portal, hub: Hub) -> None:
    portal.sign_in("mover")
    send(portal, hub, consent=["yorkshire-water-account"])
    page = portal.get("/your-data").text
    links = re.findall(r'href="(/your-data/consents/[0-9a-f-]{36}/record)"', page)
    assert len(links) >= 2  # every choice: the one granted and those refused
    states = set()
    for link in links:
        response = portal.get(link)
        assert response.status_code == 200
        assert response.headers["content-disposition"].startswith("attachment;")
        record = response.json()
        states.add(record["state"])
        assert record["schema_version"] == "tellonce-27560/1"
    assert states == {"given", "refused"}  # one of each kind at least
    portal.sign_in("someone-else")
    assert portal.get(links[0]).status_code == 404
