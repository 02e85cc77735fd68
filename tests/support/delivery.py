"""Helpers for delivery tests: submit reports, point recipients at receivers, run rounds."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from tellonce.bootstrap import Hub
from tellonce.domain.backoff import RetrySchedule
from tellonce.entrypoints.demo.receivers import ReceiverServer
from tellonce.service_layer.delivery import DeliveryRound, DeliveryService, deliver_due
from tellonce.service_layer.endpoints import set_endpoint
from tests.support.api import sign_in, submission

PUSH_RECIPIENTS = ("dwp", "dvla", "leeds-council-tax", "manchester-council-tax", "leeds-electoral")


def submit_move(client: TestClient, *, today: date | None = None, **headers: str) -> dict[str, Any]:
    auth = sign_in(client, "mover")
    body = submission(client, auth, today=today, holds_driving_licence=True)
    response = client.post("/api/v1/reports", json=body, headers={**auth, **headers})
    assert response.status_code == 201, response.text
    report: dict[str, Any] = response.json()
    return report


def connect(hub: Hub, receiver: ReceiverServer, *recipients: str) -> None:
    for recipient in recipients or PUSH_RECIPIENTS:
        issued = set_endpoint(
            recipient,
            receiver.url(recipient),
            None,
            uow=hub.uow(),
            vault=hub.vault,
            clock=hub.clock,
            destinations=hub.destinations,
        )
        receiver.state.secrets[recipient] = issued.secret


def run_rounds(
    hub: Hub, rounds: int = 1, *, schedule: RetrySchedule | None = None, owner: str = "test"
) -> list[DeliveryRound]:
    async def go() -> list[DeliveryRound]:
        async with hub.pusher() as pusher:
            service: DeliveryService = hub.delivery_service(pusher, owner=owner)
            if schedule is not None:
                service.schedule = schedule
            return [await deliver_due(service) for _ in range(rounds)]

    return asyncio.run(go())


def report_of(client: TestClient, reference: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/reports/{reference}", headers=sign_in(client, "mover"))
    assert response.status_code == 200
    report: dict[str, Any] = response.json()
    return report


def states(report: dict[str, Any]) -> dict[str, str]:
    return {d["recipient"]["id"]: d["state"] for d in report["disclosures"]}
