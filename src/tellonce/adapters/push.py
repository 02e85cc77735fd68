"""The ``Pusher`` port over ``WebhookSender`` (aiohttp, Standard Webhooks signatures)."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Self

from tellonce.adapters.webhooks import DestinationPolicy, WebhookRequest, WebhookSender
from tellonce.service_layer.ports.pusher import OutgoingWebhook, PushResult


class WebhookPusher:
    def __init__(self, sender: WebhookSender) -> None:
        self._sender = sender

    @classmethod
    def build(
        cls,
        *,
        allowed_hosts: frozenset[str],
        require_https: bool,
        overall_limit: int,
        per_endpoint_limit: int,
    ) -> WebhookPusher:
        policy = DestinationPolicy(allowed_hosts=allowed_hosts, require_https=require_https)
        sender = WebhookSender(
            policy, overall_limit=overall_limit, per_endpoint_limit=per_endpoint_limit
        )
        return cls(sender)

    async def __aenter__(self) -> Self:
        await self._sender.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._sender.__aexit__(exc_type, exc, tb)

    async def send(self, webhook: OutgoingWebhook) -> PushResult:
        r = await self._sender.send(_request(webhook))
        return PushResult(r.status, r.error, r.duration_ms, r.retry_after, r.verdict)

    async def send_many(self, webhooks: Sequence[OutgoingWebhook]) -> list[PushResult]:
        results = await self._sender.send_many(_request(w) for w in webhooks)
        return [
            PushResult(r.status, r.error, r.duration_ms, r.retry_after, r.verdict) for r in results
        ]


def _request(w: OutgoingWebhook) -> WebhookRequest:
    return WebhookRequest(url=w.url, msg_id=w.message_id, body=w.body, secrets=w.secrets)
