"""Rights over the API, on SQLite and PostgreSQL, with real loopback receivers and the feed:
erasure by crypto-shredding (proved on every ciphertext, every table and the database file),
its refusal while the law's disclosures are on their way, restriction and objection holding
disclosures, and requests listed with their statutory deadlines (``tellonce rights list``)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import jsonschema_rs
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tellonce.adapters.database.schema import (
    disclosures,
    metadata,
    people,
    portal_drafts,
    registration_references,
    reports,
)
from tellonce.bootstrap import Hub
from tellonce.domain.catalogue import Catalogue, Channel, LawfulBasis
from tellonce.domain.rights import RightKind
from tellonce.entrypoints.cli import main
from tellonce.entrypoints.demo.receivers import ReceiverServer
from tellonce.service_layer.catalogue import load_catalogue
from tellonce.service_layer.identity import authenticate_citizen
from tellonce.service_layer.ports.identity import Account
from tellonce.service_layer.ports.vault import PersonKey, SealedDataError
from tellonce.service_layer.rights_requests import open_request
from tests.factories import small_catalogue
from tests.fakes import FakeClock
from tests.support.api import charity_report, count, key_for, sign_in, submit_death
from tests.support.delivery import connect, report_of, run_rounds, states, submit_move

ERASURE_TYPE = "uk.tellonce.disclosure.erasure-requested"
WITHDRAWN_TYPE = "uk.tellonce.disclosure.consent-withdrawn"
# Every personal detail of the example move that could not turn up by chance.
PERSONAL = (
    "Ellis-Roberts",
    "Siân",
    "QQ123456C",
    "9995260182",
    "Ash Grove",
    "Headingley",
    "LS6 2AB",
    "Wilmslow Road",
    "M14 5TQ",
    "sian.ellis-roberts@example.com",
    "07700900982",
    "1988-04-17",
)


@pytest.fixture
def receiver() -> Iterator[ReceiverServer]:
    with ReceiverServer() as server:
        yield server


def charity_pushes_too(hub: Hub, *, dvla_by_law: bool = False) -> None:
    catalogue = small_catalogue()
    charity = dataclasses.replace(catalogue.recipients["a-charity"], channel=Channel.BOTH)
    agreements = tuple(
        dataclasses.replace(a, lawful_basis=LawfulBasis("c"))
        if dvla_by_law and a.id == "dvla-moves"
        else a
        for a in catalogue.agreements
    )
    both = Catalogue({**catalogue.recipients, "a-charity": charity}, agreements)
    load_catalogue(both, uow=hub.uow(), clock=hub.clock)


def every_stored_value(hub: Hub) -> Iterator[tuple[str, object]]:
    with hub.engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(sa.select(table)):
                for value in row:
                    yield table.name, value


def plaintext_left(hub: Hub) -> list[tuple[str, str]]:
    """Every personal detail found in clear in any column of any table."""
    found = []
    for table, value in every_stored_value(hub):
        if isinstance(value, bytes | bytearray | memoryview):
            text = bytes(value).decode("utf-8", "replace")
        else:
            text = json.dumps(value, ensure_ascii=False, default=str)
        found += [(table, p) for p in PERSONAL if p in text]
    return found


def database_files(hub: Hub) -> list[Path]:
    if hub.engine.dialect.name != "sqlite":
        return []
    database = hub.engine.url.database
    assert database
    return [p for p in (Path(database), Path(f"{database}-wal")) if p.exists()]


def test_erasure_shreds_every_ciphertext_and_tells_the_consent_recipient(
    client: TestClient, hub: Hub, receiver: ReceiverServer
) -> None:
    charity_pushes_too(hub)
    connect(hub, receiver)
    connect(hub, receiver, "a-charity")
    report = charity_report(client)
    run_rounds(hub, 2)
    assert len(receiver.state.delivered()) == 6 and not receiver.state.rejected
    account = _account(hub, client)
    with hub.uow() as uow:  # before: the details open under the person's key
        [row] = uow.your_data.sealed_reports(account.id)
        key = uow.people.key_for(row.subject_person_id)
        assert b"M14 5TQ" in hub.vault.open(key, row.sealed_payload, row.id.bytes)

    response = client.post("/api/v1/erasure-requests", headers=sign_in(client, "mover"))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["erased_at"] and answer["people_erased"] == 1
    assert (answer["consents_withdrawn"], answer["recipients_told"]) == (1, 1)
    [kept] = answer["limits"]
    assert (kept["reason"], kept["dpv"]) == ("accountability-records", "dpv:LegalCompliance")
    assert answer["request"]["outcome"] == "partly-fulfilled"

    # Every ciphertext the person had can no longer be opened, whatever key row is used.
    with hub.engine.connect() as connection:
        sealed = list(connection.execute(sa.select(reports.c.id, reports.c.sealed_payload)))
        person = connection.execute(sa.select(people).where(people.c.id == row.subject_person_id))
        erased = person.one()
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(portal_drafts)).scalar() == 0
        )
    assert erased.wrapped_key is None and erased.erased_at is not None
    stored = PersonKey(erased.data_key_id, erased.master_key_id, erased.wrapped_key)
    for report_id, ciphertext in sealed:
        assert ciphertext[1:17] == stored.data_key_id.bytes  # sealed under the erased key
        with pytest.raises(SealedDataError):
            hub.vault.open(stored, ciphertext, report_id.bytes)
    # No personal detail is left in clear in any table, nor in the SQLite file.
    assert plaintext_left(hub) == []
    for path in database_files(hub):
        data = path.read_bytes()
        assert not [p for p in PERSONAL if p.encode() in data], path

    # The consent recipient is told, signed, through the same outbox.
    run_rounds(hub, 2)
    told = receiver.state.delivered("a-charity")[1:]
    assert {t.event["type"] for t in told} == {WITHDRAWN_TYPE, ERASURE_TYPE}
    assert not receiver.state.rejected
    [erasure] = [t.event for t in told if t.event["type"] == ERASURE_TYPE]
    assert erasure["subject"] == receiver.state.delivered("a-charity")[0].event["subject"]
    assert set(erasure["data"]) == {"disclosure_id", "agreement", "legal_basis", "links"}
    # The report keeps what is not personal; a copy of the data now has no details.
    assert states(report_of(client, report["reference"]))["dwp"] == "delivered"
    copy = client.post("/api/v1/access-requests", headers=sign_in(client, "mover")).json()
    assert copy["reports"][0]["details"] is None
    kinds = [r["kind"] for r in _requests(client)]
    assert kinds == ["access", "erasure"]


def test_a_pull_only_consent_recipient_finds_the_erasure_in_its_feed(
    client: TestClient, hub: Hub, receiver: ReceiverServer
) -> None:
    connect(hub, receiver)
    charity_report(client)
    run_rounds(hub)
    charity = key_for(hub, "a-charity")
    [event] = client.get("/api/v1/feed", headers=charity).json()["events"]  # collected
    for recipient in ("leeds-council-tax", "manchester-council-tax", "leeds-electoral"):
        assert client.get("/api/v1/feed", headers=key_for(hub, recipient)).json()["events"]
    answer = client.post("/api/v1/erasure-requests", headers=sign_in(client, "mover")).json()
    assert answer["erased_at"] and answer["recipients_told"] == 1
    page = client.get("/api/v1/feed?state=erasure-requested", headers=charity).json()
    [notice] = page["events"]
    assert notice["type"] == ERASURE_TYPE and notice["subject"] == event["subject"]
    withdrawn = client.get("/api/v1/feed?state=consent-withdrawn", headers=charity).json()
    assert [e["subject"] for e in withdrawn["events"]] == [event["subject"]]
    later = client.get(
        f"/api/v1/feed?state=erasure-requested&after={page['next_cursor']}", headers=charity
    ).json()
    assert later["events"] == []
    dwp = client.get("/api/v1/feed?state=erasure-requested", headers=key_for(hub, "dwp")).json()
    assert dwp["events"] == []  # it has its data by law: not told
    assert client.get("/api/v1/feed", headers=charity).json()["events"] == []


def test_erasure_is_refused_while_a_disclosure_by_law_is_on_its_way(
    client: TestClient, hub: Hub
) -> None:
    submit_move(client)  # nobody has collected it yet
    answer = client.post("/api/v1/erasure-requests", headers=sign_in(client, "mover")).json()
    assert answer["erased_at"] is None and answer["request"]["outcome"] == "refused"
    [limit] = answer["limits"]
    assert limit["reason"] == "law-disclosure-in-flight"
    assert (limit["article"], limit["dpv"]) == ("UK GDPR Article 17(3)(b)", "dpv:LegalObligation")
    assert "Dwp" in limit["recipients"]
    account = _account(hub, client)
    with hub.uow() as uow:
        assert uow.people.key_for(account.person_id).wrapped is not None
    entries = _log(hub)
    assert entries[-1]["kind"] == "rights-request-closed"
    assert (entries[-1]["outcome"], entries[-1]["reasons"]) == ("refused", ["dpv:LegalObligation"])
    assert not [p for p in PERSONAL if p in json.dumps(entries, ensure_ascii=False)]


def test_objection_holds_public_task_disclosures_until_lifted(
    client: TestClient, hub: Hub, receiver: ReceiverServer
) -> None:
    charity_pushes_too(hub, dvla_by_law=True)
    connect(hub, receiver, "dwp", "dvla")
    auth = sign_in(client, "mover")
    set_ = client.put("/api/v1/processing-flags/objection", headers=auth)
    assert set_.status_code == 200, set_.text
    assert set_.json()["in_force"] is True
    report = submit_move(client)
    held = states(report_of(client, report["reference"]))
    assert held["dvla"] == "queued"  # Art. 6(1)(c): an objection does not stop it
    assert {r for r, s in held.items() if s == "held"} == {
        "dwp",
        "leeds-council-tax",
        "manchester-council-tax",
        "leeds-electoral",
    }
    run_rounds(hub)
    assert [r.path for r in receiver.state.delivered()] == ["dvla"]
    feed = client.get("/api/v1/feed", headers=key_for(hub, "leeds-electoral")).json()
    assert feed["events"] == []  # the feed does not serve it either
    assert client.get("/api/v1/processing-flags", headers=auth).json() == {
        "in_force": ["objection"]
    }

    lifted = client.delete("/api/v1/processing-flags/objection", headers=auth).json()
    assert lifted["in_force"] is False and len(lifted["disclosures"]) == 4
    run_rounds(hub)
    assert {r.path for r in receiver.state.delivered()} == {"dvla", "dwp"}
    feed = client.get("/api/v1/feed", headers=key_for(hub, "leeds-electoral")).json()
    assert [e["subject"] for e in feed["events"]] == [
        d["id"] for d in report["disclosures"] if d["recipient"]["id"] == "leeds-electoral"
    ]
    bad = client.put("/api/v1/processing-flags/erasure", headers=auth)
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert "kind" in json.dumps(bad.json()["errors"])


def test_restriction_holds_what_has_not_left_and_is_logged(
    client: TestClient, hub: Hub, receiver: ReceiverServer
) -> None:
    connect(hub, receiver, "dvla")
    report = submit_move(client)
    run_rounds(hub)  # dvla has it; the rest wait (no endpoints, not collected)
    answer = client.put("/api/v1/processing-flags/restriction", headers=sign_in(client, "mover"))
    assert len(answer.json()["disclosures"]) == 4
    now = states(report_of(client, report["reference"]))
    assert now["dvla"] == "delivered" and now["dwp"] == "held"
    kinds = [e["kind"] for e in _log(hub)[-2:]]
    assert kinds == ["rights-request-received", "rights-request-closed"]
    assert [(r["kind"], r["outcome"]) for r in _requests(client)] == [("restriction", "fulfilled")]


def test_operators_list_overdue_requests_and_extend_them(
    cli_env: Hub, capsys: pytest.CaptureFixture[str], client: TestClient
) -> None:
    hub = cli_env
    assert isinstance(hub.clock, FakeClock)
    account = _account(hub, client)
    with hub.uow() as uow:
        request = open_request(
            uow, hub.vault, account=account, kind=RightKind.RECTIFICATION, now=hub.clock.now()
        )
        uow.commit()
    assert main(["rights", "list", "--overdue"], clock=hub.clock) == 0
    assert "0 overdue" in capsys.readouterr().out
    hub.clock.advance(timedelta(days=40))
    assert main(["rights", "list", "--overdue"], clock=hub.clock) == 1
    out = capsys.readouterr().out
    assert str(request.id) in out and "due 2026-12-29" in out
    assert (
        main(
            ["rights", "extend", str(request.id), "--months", "2", "--reason", "Many recipients"],
            clock=hub.clock,
        )
        == 0
    )
    assert "due 2027-02-25" in capsys.readouterr().out
    assert main(["rights", "list", "--overdue"], clock=hub.clock) == 0
    assert (
        main(
            ["rights", "extend", str(request.id), "--months", "1", "--reason", "x"], clock=hub.clock
        )
        == 1
    )
    assert "months" in capsys.readouterr().err
    assert _log(hub)[-1]["kind"] == "rights-request-extended"
    assert [r["due_on"] for r in _requests(client)] == ["2027-02-25"]


def _account(hub: Hub, client: TestClient) -> Account:
    token = sign_in(client, "mover")["Authorization"].removeprefix("Bearer ")
    return authenticate_citizen(token, uow=hub.uow(), clock=hub.clock)


def _requests(client: TestClient) -> list[dict[str, object]]:
    listed = client.get("/api/v1/rights-requests", headers=sign_in(client, "mover")).json()
    requests: list[dict[str, object]] = listed["rights_requests"]
    return sorted(requests, key=lambda r: str(r["received_at"]) + str(r["kind"]))


def _log(hub: Hub) -> list[dict[str, object]]:
    with hub.uow() as uow:
        return [json.loads(entry) for _, entry in uow.log.pending(10_000)]


def test_each_consent_is_a_record_valid_against_the_published_schema(
    client: TestClient,
) -> None:
    charity_report(client)
    auth = sign_in(client, "mover")
    [consent] = client.get("/api/v1/consents", headers=auth).json()["consents"]
    response = client.get(f"/api/v1/consents/{consent['id']}/record", headers=auth)
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    record = response.json()
    schema = client.get("/api/v1/schemas/consent-record.json").json()
    check = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
    assert [e.message for e in check.iter_errors(record)] == []
    assert record["record_id"] == consent["id"] and record["state"] == "given"
    assert record["recipient"]["name"] == consent["recipient_name"]
    stranger = client.get(
        f"/api/v1/consents/{consent['id']}/record", headers=sign_in(client, "someone-else")
    )
    assert stranger.status_code == 404
    assert stranger.headers["content-type"] == "application/problem+json"


def test_erasure_deletes_the_registered_details_behind_the_citizens_death_report(
    client: TestClient, hub: Hub
) -> None:
    """The registrar's details a reference holds are sealed under the hub's key, not the
    person's: shredding keys would leave them, so erasure deletes the reference."""
    auth = sign_in(client, "informant")
    submit_death(client, auth)
    with hub.engine.begin() as connection:  # every recipient has it and answered
        now = hub.clock.now()
        connection.execute(
            sa.update(disclosures).values(
                state="actioned", outcome="actioned", delivered_at=now, outcome_at=now
            )
        )
    assert count(hub, registration_references) == 1
    answer = client.post("/api/v1/erasure-requests", headers=auth).json()
    assert answer["erased_at"], answer
    assert count(hub, registration_references) == 0


def test_erasure_leaves_no_correction_outcome_reason_in_clear(client: TestClient, hub: Hub) -> None:
    """A recipient's reason for a correction's outcome is free text about the person: sealed
    under their key (ADR 0077), so the plaintext scan after erasure finds nothing."""
    report = submit_move(client)
    with hub.engine.begin() as connection:  # every recipient has it
        now = hub.clock.now()
        connection.execute(sa.update(disclosures).values(state="delivered", delivered_at=now))
    auth = sign_in(client, "mover")
    corrected = client.post(
        f"/api/v1/reports/{report['reference']}/corrections",
        json={"corrections": {"person.date_of_birth": "1988-04-18"}},
        headers=auth,
    )
    assert corrected.status_code == 201, corrected.text
    told = {c["recipient_id"]: c for c in corrected.json()["corrections"]}
    reason = "No Ellis-Roberts at Wilmslow Road"
    answered = client.post(
        f"/api/v1/corrections/{told['leeds-electoral']['id']}/outcome",
        json={"outcome": "no-record-found", "reason": reason},
        headers=key_for(hub, "leeds-electoral"),
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["outcome_reason"] == reason
    listed = client.get(f"/api/v1/reports/{report['reference']}/corrections", headers=auth)
    assert {c["outcome_reason"] for c in listed.json()["corrections"]} == {reason, None}
    assert ("corrections", "Ellis-Roberts") not in plaintext_left(hub)  # sealed at rest

    answer = client.post("/api/v1/erasure-requests", headers=auth).json()
    assert answer["erased_at"], answer
    assert plaintext_left(hub) == []
    listed = client.get(f"/api/v1/reports/{report['reference']}/corrections", headers=auth)
    assert listed.status_code == 200, listed.text  # the outcome stays; the reason went
    assert {c["outcome_reason"] for c in listed.json()["corrections"]} == {None}
    assert "no-record-found" in {c["outcome"] for c in listed.json()["corrections"]}
