"""Registrars' bulk intake: up to 1,000 registered births, deaths and marriages a request, each
report all or nothing with its own result, authorised by an API key with the registrar scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tellonce.adapters.database.schema import (
    consent_records,
    delivery_queue,
    disclosures,
    idempotency_keys,
    log_entries,
    people,
    reports,
)
from tellonce.bootstrap import Hub
from tellonce.domain.examples import example_payload
from tellonce.service_layer import reporting
from tellonce.service_layer.identity import create_registrar_key, revoke_registrar_key
from tests.support.api import count, key_for, sign_in

BULK = "/api/v1/registrar/reports"


def registrar_key(hub: Hub, registrar: str = "leeds-register-office") -> tuple[str, str]:
    issued = create_registrar_key(
        registrar, "test", None, uow_factory=hub.uow, vault=hub.vault, clock=hub.clock
    )
    return issued.key, issued.prefix


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def registered(hub: Hub, event_type: str) -> dict[str, Any]:
    return {
        "event_type": event_type,
        "payload": example_payload(event_type, today=hub.clock.now().date()),
    }


class FailsOnCall:
    """``real``, except that its ``n``-th call fails as a full disk would."""

    def __init__(self, n: int, real: Callable[..., Any]) -> None:
        self.n, self.real, self.calls = n, real, 0

    def __call__(self, *args: Any) -> Any:
        self.calls += 1
        if self.calls == self.n:
            raise RuntimeError("the disk is full")
        return self.real(*args)


def test_valid_reports_are_written_and_an_invalid_one_is_refused_naming_its_field(
    client: TestClient, hub: Hub
) -> None:
    key, _ = registrar_key(hub)
    logged_before = count(hub, log_entries)
    bad = registered(hub, "death")
    tomorrow = hub.clock.now().date() + dt.timedelta(days=2)
    bad["payload"]["deceased"]["date_of_death"] = tomorrow.isoformat()
    body = {"reports": [registered(hub, "death"), bad, registered(hub, "birth")]}

    response = client.post(BULK, json=body, headers=auth(key))

    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["created"], answer["refused"]) == (2, 1)
    first, second, third = answer["results"]
    assert [r["index"] for r in answer["results"]] == [0, 1, 2]
    assert first["status"] == 201
    assert [d["recipient"]["id"] for d in first["report"]["disclosures"]] == ["dwp"]
    assert third["status"] == 201 and third["report"]["event_type"] == "birth"
    assert second["status"] == 422 and second["report"] is None
    problem = second["problem"]
    assert problem["type"] == "/problems/invalid-request"
    assert [e["pointer"] for e in problem["errors"]] == [
        "#/reports/1/payload/deceased/date_of_death"
    ]
    # Written whole: the reports, the disclosure, its queue row and its log entry; the
    # subjects are new people (not the registrar); no consent was asked, so none recorded.
    assert count(hub, reports) == 2
    assert count(hub, disclosures) == 1
    assert count(hub, delivery_queue) == 1
    assert count(hub, log_entries) == logged_before + 1  # "disclosure-authorised" for dwp
    assert count(hub, consent_records) == 0
    assert count(hub, people) == 1 + 2  # the registrar's account, and one subject each


def test_only_recipients_entitled_by_law_are_told(client: TestClient, hub: Hub) -> None:
    key, _ = registrar_key(hub)
    body = {"reports": [registered(hub, "death") for _ in range(3)]}
    answer = client.post(BULK, json=body, headers=auth(key)).json()
    assert answer["created"] == 3
    for result in answer["results"]:
        assert {d["basis"] for d in result["report"]["disclosures"]} <= {"law"}
    references = {r["report"]["reference"] for r in answer["results"]}
    assert len(references) == 3


def test_a_failure_while_writing_leaves_none_of_the_requests_reports(
    client: TestClient, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, _ = registrar_key(hub)
    logged_before = count(hub, log_entries)  # the catalogue's own entries
    monkeypatch.setattr(hub.vault, "seal", FailsOnCall(3, hub.vault.seal))
    body = {"reports": [registered(hub, "death") for _ in range(4)]}
    response = client.post(BULK, json=body, headers=auth(key))
    assert response.status_code == 500
    assert count(hub, reports) == 0
    assert count(hub, log_entries) == logged_before


def test_only_a_registrar_key_may_submit_in_bulk(client: TestClient, hub: Hub) -> None:
    body = {"reports": [registered(hub, "death")]}
    assert client.post(BULK, json=body).status_code == 401
    citizen = sign_in(client)
    assert client.post(BULK, json=body, headers=citizen).status_code == 401
    recipient = key_for(hub, "dwp")
    wrong_key = client.post(BULK, json=body, headers=recipient)
    assert wrong_key.status_code == 403  # a valid key, without the scope (ADR 0089)
    assert wrong_key.json()["required_scope"] == "registrar"
    key, prefix = registrar_key(hub)
    assert client.post(BULK, json=body, headers=auth(key)).status_code == 200
    assert revoke_registrar_key(prefix, uow=hub.uow(), clock=hub.clock)
    refused = client.post(BULK, json=body, headers=auth(key))
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    # A registrar key is not a recipient key either: it lacks the feed scope.
    key, _ = registrar_key(hub)
    feed = client.get("/api/v1/feed", headers=auth(key))
    assert feed.status_code == 403
    assert feed.headers["content-type"] == "application/problem+json"
    assert feed.json()["required_scope"] == "feed"
    assert 'scope="feed"' in feed.headers["www-authenticate"]


def test_a_request_over_the_limit_or_of_other_events_is_refused_whole(
    client: TestClient, hub: Hub
) -> None:
    key, _ = registrar_key(hub)
    one = registered(hub, "birth")
    too_many = client.post(BULK, json={"reports": [one] * 1001}, headers=auth(key))
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["pointer"] == "#/reports"
    moves = {"reports": [registered(hub, "change-of-address")]}
    refused = client.post(BULK, json=moves, headers=auth(key))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["pointer"].startswith("#/reports/0/event_type")
    assert count(hub, reports) == 0


def test_a_failure_after_a_slice_was_written_leaves_none_of_the_requests_reports(
    client: TestClient, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request's reports are prepared and written a slice at a time, all in its one
    transaction: a failure in a later slice takes the earlier slices' rows with it."""
    key, _ = registrar_key(hub)
    monkeypatch.setattr(reporting, "BULK_SLICE", 2)
    real_write = reporting._write_prepared
    write_then_fail = FailsOnCall(2, real_write)
    logged_before = count(hub, log_entries)
    monkeypatch.setattr(reporting, "_write_prepared", write_then_fail)
    body = {"reports": [registered(hub, "death") for _ in range(5)]}
    response = client.post(BULK, json=body, headers=auth(key))
    assert response.status_code == 500
    assert (
        write_then_fail.calls == 2
    )  # the first slice was written in the transaction, then rolled back
    assert count(hub, reports) == count(hub, disclosures) == count(hub, delivery_queue) == 0
    assert count(hub, log_entries) == logged_before
    monkeypatch.setattr(reporting, "_write_prepared", real_write)
    response = client.post(BULK, json=body, headers=auth(key))
    assert response.json()["created"] == 5
    assert count(hub, reports) == 5


def test_a_thousand_reports_fit_in_one_request(client: TestClient, hub: Hub) -> None:
    key, _ = registrar_key(hub)
    body = {"reports": [registered(hub, "death") for _ in range(1000)]}
    response = client.post(BULK, json=body, headers=auth(key))
    assert response.status_code == 200, response.text[:500]
    assert response.json()["created"] == 1000
    assert count(hub, reports) == 1000


def _with_a_bad_death(hub: Hub) -> dict[str, Any]:
    bad = registered(hub, "death")
    bad["payload"]["deceased"]["date_of_death"] = (
        hub.clock.now().date() + dt.timedelta(days=2)
    ).isoformat()
    return {"reports": [registered(hub, "death"), bad, registered(hub, "birth")]}


def test_a_repeat_with_the_same_idempotency_key_returns_the_same_results(
    client: TestClient, hub: Hub
) -> None:
    key, _ = registrar_key(hub)
    body = _with_a_bad_death(hub)
    headers = {**auth(key), "Idempotency-Key": "leeds-2026-12-04-batch-1"}
    first = client.post(BULK, json=body, headers=headers)
    logged = count(hub, log_entries)
    again = client.post(BULK, json=body, headers=headers)

    assert first.status_code == again.status_code == 200, again.text
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    one, two = first.json(), again.json()
    assert (two["created"], two["refused"]) == (one["created"], one["refused"]) == (2, 1)
    for a, b in zip(one["results"], two["results"], strict=True):
        assert (a["index"], a["status"]) == (b["index"], b["status"])
        if a["status"] == 201:
            assert a["report"]["reference"] == b["report"]["reference"]
            assert a["report"]["disclosures"] == b["report"]["disclosures"]
        else:
            assert a["problem"]["errors"] == b["problem"]["errors"]
    # Nothing written twice.
    assert count(hub, reports) == 2
    assert count(hub, log_entries) == logged


def test_the_same_idempotency_key_with_other_reports_is_refused(
    client: TestClient, hub: Hub
) -> None:
    key, _ = registrar_key(hub)
    headers = {**auth(key), "Idempotency-Key": "batch-2"}
    assert client.post(BULK, json=_with_a_bad_death(hub), headers=headers).status_code == 200
    other = {"reports": [registered(hub, "marriage")]}
    response = client.post(BULK, json=other, headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["pointer"] == "#/header/Idempotency-Key"
    assert count(hub, reports) == 2


def test_idempotency_keys_are_per_register_office_and_a_failed_request_frees_its_key(
    client: TestClient, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    leeds, _ = registrar_key(hub)
    york, _ = registrar_key(hub, "york-register-office")
    body = {"reports": [registered(hub, "death")]}
    for office in (leeds, york):
        response = client.post(BULK, json=body, headers={**auth(office), "Idempotency-Key": "k"})
        assert response.status_code == 200
        assert "Idempotent-Replayed" not in response.headers
    assert count(hub, reports) == 2

    real_seal = hub.vault.seal
    monkeypatch.setattr(hub.vault, "seal", FailsOnCall(1, real_seal))
    headers = {**auth(leeds), "Idempotency-Key": "retry-me"}
    assert client.post(BULK, json=body, headers=headers).status_code == 500
    monkeypatch.setattr(hub.vault, "seal", real_seal)
    retried = client.post(BULK, json=body, headers=headers)
    assert retried.status_code == 200
    assert "Idempotent-Replayed" not in retried.headers
    assert retried.json()["created"] == 1
    assert count(hub, reports) == 3


def test_a_repeat_while_the_first_is_being_written_gets_409(client: TestClient, hub: Hub) -> None:
    key, _ = registrar_key(hub)
    body = {"reports": [registered(hub, "death")]}
    headers = {**auth(key), "Idempotency-Key": "busy"}
    first = client.post(BULK, json=body, headers=headers)
    assert first.status_code == 200
    # Make the key look in progress again: claimed, not completed, lock still held.
    with hub.engine.begin() as connection:
        connection.execute(
            sa.update(idempotency_keys)
            .where(idempotency_keys.c.key == "busy")
            .values(report_reference=None)
        )
    response = client.post(BULK, json=body, headers=headers)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
