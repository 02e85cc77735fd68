"""Nothing the hub logs holds personal data: not on success, not when a recipient fails, not
when a request is invalid, not when the hub itself fails."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tellonce.adapters.database.repositories import reports as repository
from tellonce.bootstrap import Hub
from tellonce.entrypoints.demo.receivers import ReceiverServer
from tests.e2e.conftest import sign_in
from tests.e2e.delivery import connect, run_rounds
from tests.e2e.test_intake_api import submission

# Every value of the example change of address that could identify the person.
PERSONAL = (
    "Ellis-Roberts",
    "Siân",
    "1988-04-17",
    "QQ123456C",
    "9995260182",
    "14 Ash Grove",
    "LS6 2AB",
    "Wilmslow Road",
    "M14 5TQ",
    "sian.ellis-roberts@example.com",
    "07700900982",
)


def test_the_logs_of_a_whole_journey_and_its_failures_hold_no_personal_data(
    client: TestClient, hub: Hub, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    auth = sign_in(client, "logged")
    body = submission(client, auth, {"charity-newsletter": True}, holds_driving_licence=True)
    assert client.post("/api/v1/reports", json=body, headers=auth).status_code == 201

    with ReceiverServer() as receiver:  # every push fails: the worker logs its retries
        receiver.state.behaviour = lambda _path, _attempt: (500, {})
        connect(hub, receiver)
        run_rounds(hub)

    wrong: dict[str, Any] = {**body, "payload": {**body["payload"], "move_date": "2999-01-01"}}
    assert client.post("/api/v1/reports", json=wrong, headers=auth).status_code == 422

    original = repository.SqlReportRepository.add

    def fail(self: Any, *args: Any) -> None:
        original(self, *args)
        raise RuntimeError(f"constraint failed for {args!r}")  # an error that carries the data

    monkeypatch.setattr(repository.SqlReportRepository, "add", fail)
    assert client.post("/api/v1/reports", json=body, headers=auth).status_code == 500

    logged = caplog.text
    assert "unexpected error: RuntimeError" in logged  # the hub did log, and what went wrong
    assert any(record.levelno >= logging.WARNING for record in caplog.records)
    for value in PERSONAL:
        assert value not in logged, value
