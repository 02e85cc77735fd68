"""A pusher that records every webhook and answers as a scripted receiver would."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from tellonce.adapters.webhooks import parse_retry_after
from tellonce.domain.backoff import classify
from tellonce.entrypoints.demo.receivers import Behaviour, always_ok
from tellonce.service_layer.ports.pusher import OutgoingWebhook, PushResult


@dataclass
class RecordingPusher:
    """Answers each webhook with ``behaviour(path, attempt)`` — the same script the loopback
    ``ReceiverServer`` plays — where ``path`` is the URL's last segment and ``attempt`` counts
    this webhook-id's attempts from 1. URLs in ``unreachable`` fail as a refused connection."""

    behaviour: Behaviour = always_ok
    unreachable: set[str] = field(default_factory=set)
    sent: list[OutgoingWebhook] = field(default_factory=list)  # every one that reached it
    results: list[PushResult] = field(default_factory=list)  # what each of those got
    attempts: dict[str, int] = field(default_factory=dict)

    async def send(self, webhook: OutgoingWebhook) -> PushResult:
        return self._send(webhook)

    async def send_many(self, webhooks: Sequence[OutgoingWebhook]) -> list[PushResult]:
        return [self._send(webhook) for webhook in webhooks]

    def _send(self, webhook: OutgoingWebhook) -> PushResult:
        if webhook.url in self.unreachable:
            return PushResult(None, "connection refused", 0.0, None, classify(None, True))
        self.sent.append(webhook)
        attempt = self.attempts.get(webhook.message_id, 0) + 1
        self.attempts[webhook.message_id] = attempt
        status, headers = self.behaviour(webhook.url.rsplit("/", 1)[-1], attempt)
        retry_after = parse_retry_after(headers.get("Retry-After"), time.time())
        result = PushResult(status, None, 0.0, retry_after, classify(status, False))
        self.results.append(result)
        return result

    def delivered(self) -> list[OutgoingWebhook]:
        """Webhooks the receiver accepted (2xx), in the order they were sent."""
        return [
            w
            for w, r in zip(self.sent, self.results, strict=True)
            if r.status is not None and r.status // 100 == 2
        ]


class PublicDestinations:
    """A destination check for the fast tests: every URL counts as a public one (the real
    policy, with its DNS look-ups, is tested against the real sender)."""

    def refusal(self, url: str) -> str | None:  # noqa: ARG002 - accepts every URL
        return None
