"""The recording pusher keeps the ``Pusher`` contract of the real ``WebhookPusher``, which is
run here against a loopback receiver playing the same script (verifying every signature)."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from tellonce.adapters.push import WebhookPusher
from tellonce.adapters.webhooks import generate_secret
from tellonce.domain.backoff import DeliveryVerdict
from tellonce.entrypoints.demo.receivers import ReceiverServer, ReceiverState
from tellonce.service_layer.ports.pusher import OutgoingWebhook, Pusher, PushResult
from tests.fakes import RecordingPusher

PATHS = ("ok", "flaky", "gone", "slow-down", "bad")


def behaviour(path: str, attempt: int) -> tuple[int, dict[str, str]]:
    """A receiver per path: healthy, failing once, gone, throttling, refusing the request."""
    if path == "flaky":
        return (503 if attempt == 1 else 200), {}
    if path == "slow-down":
        return 429, {"Retry-After": "120"}
    return {"ok": 204, "gone": 410, "bad": 400}[path], {}


@dataclass
class Harness:
    pusher: Pusher
    url: Any  # path -> URL
    unreachable_url: str
    received: Any  # () -> [(path, webhook id, event)] in arrival order


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.fixture(params=["fake", "webhook"])
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    unreachable = f"http://127.0.0.1:{_closed_port()}/hooks/ok"
    if request.param == "fake":
        fake = RecordingPusher(behaviour, unreachable={unreachable})
        yield Harness(
            fake,
            lambda path: f"http://127.0.0.1:1/hooks/{path}",
            unreachable,
            lambda: [
                (w.url.rsplit("/", 1)[-1], w.message_id, json.loads(w.body)) for w in fake.sent
            ],
        )
        return
    state = ReceiverState(secrets=dict.fromkeys(PATHS, SECRET), behaviour=behaviour)
    with ReceiverServer(state) as receiver:
        async with WebhookPusher.build(
            allowed_hosts=frozenset({"127.0.0.1"}),
            require_https=False,
            overall_limit=8,
            per_endpoint_limit=4,
        ) as pusher:
            yield Harness(
                pusher,
                receiver.url,
                unreachable,
                lambda: [(r.path, r.webhook_id, r.event) for r in state.received],
            )


SECRET = generate_secret()


def webhook(harness: Harness, path: str, message_id: str) -> OutgoingWebhook:
    body = json.dumps({"id": message_id, "to": path}).encode()
    return OutgoingWebhook(harness.url(path), message_id, body, (SECRET,))


def verdicts(results: Sequence[PushResult]) -> list[tuple[int | None, DeliveryVerdict]]:
    return [(r.status, r.verdict) for r in results]


@pytest.mark.anyio
async def test_results_come_back_in_order_classified_by_status(harness: Harness) -> None:
    sent = [webhook(harness, path, f"msg-{path}") for path in PATHS]
    results = await harness.pusher.send_many(sent)
    assert verdicts(results) == [
        (204, DeliveryVerdict.DELIVERED),
        (503, DeliveryVerdict.RETRY),
        (410, DeliveryVerdict.DISABLE_ENDPOINT),
        (429, DeliveryVerdict.RETRY),
        (400, DeliveryVerdict.FAIL),
    ]
    assert results[3].retry_after == timedelta(seconds=120)
    assert all(r.error is None and r.duration_ms >= 0 for r in results)


@pytest.mark.anyio
async def test_the_receiver_gets_each_body_under_its_stable_id(harness: Harness) -> None:
    first = webhook(harness, "flaky", "msg-1")
    assert verdicts(await harness.pusher.send_many([first])) == [(503, DeliveryVerdict.RETRY)]
    assert verdicts(await harness.pusher.send_many([first])) == [(200, DeliveryVerdict.DELIVERED)]
    assert harness.received() == [
        ("flaky", "msg-1", {"id": "msg-1", "to": "flaky"}),
        ("flaky", "msg-1", {"id": "msg-1", "to": "flaky"}),
    ]


@pytest.mark.anyio
async def test_an_unreachable_receiver_is_a_retry_not_an_exception(harness: Harness) -> None:
    lost = OutgoingWebhook(harness.unreachable_url, "msg-lost", b"{}", (SECRET,))
    [result] = await harness.pusher.send_many([lost])
    assert (result.status, result.error, result.verdict) == (
        None,
        "connection refused",
        DeliveryVerdict.RETRY,
    )
    assert harness.received() == []


@pytest.mark.anyio
async def test_nothing_to_send_sends_nothing(harness: Harness) -> None:
    assert await harness.pusher.send_many([]) == []
