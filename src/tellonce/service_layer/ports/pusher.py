"""Sending signed webhooks, many at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from tellonce.domain.backoff import DeliveryVerdict


@dataclass(frozen=True, slots=True)
class OutgoingWebhook:
    url: str
    message_id: str
    body: bytes
    secrets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PushResult:
    status: int | None
    error: str | None
    duration_ms: float
    retry_after: timedelta | None
    verdict: DeliveryVerdict


class Pusher(Protocol):
    """Sends signed webhooks, one or many at once; never raises for HTTP or network trouble."""

    async def send(self, webhook: OutgoingWebhook) -> PushResult:
        """One attempt; returns when its answer (or its timeout) comes."""
        ...

    async def send_many(self, webhooks: Sequence[OutgoingWebhook]) -> list[PushResult]: ...
