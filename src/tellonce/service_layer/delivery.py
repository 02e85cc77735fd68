"""Push delivery: claim due messages, send them outside any transaction, record every attempt.

The database row is the truth. A message is claimed with a lease in a short transaction, sent,
and settled in another short transaction; a worker that dies in between loses nothing — its
lease runs out and another worker sends the message again with the same ``webhook-id``.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tellonce.domain.backoff import DeliveryVerdict, RetrySchedule
from tellonce.domain.cloudevents import consent_withdrawn_event, overdue_event
from tellonce.domain.deadlines import acknowledgement_due
from tellonce.domain.disclosures import DisclosureState, on_overdue
from tellonce.service_layer.disclosure_events import EventBuilder, encode
from tellonce.service_layer.ports import (
    CONSENT_WITHDRAWN_KIND,
    AttemptRecord,
    ClaimedMessage,
    Clock,
    DisclosureRecord,
    OutgoingWebhook,
    Pusher,
    PushResult,
    SealedDataError,
    UnitOfWork,
    UnitOfWorkFactory,
    Vault,
)
from tellonce.service_layer.transparency import record_delivered


@dataclass
class DeliveryService:
    """What a delivery worker needs, wired once."""

    uow_factory: UnitOfWorkFactory
    vault: Vault
    clock: Clock
    pusher: Pusher
    events: EventBuilder
    hub_url: str
    owner: str  # this worker's name, for leases
    schedule: RetrySchedule = field(default_factory=RetrySchedule)
    # Long enough for a whole batch to one slow endpoint (200 messages, 8 at a time, 10 s
    # timeouts is about 250 s): a lease that ran out mid-batch would only cause a duplicate
    # send (same webhook-id), never a loss, but duplicates are noise for recipients.
    lease: timedelta = timedelta(minutes=10)
    batch_size: int = 200
    chase_every: timedelta = timedelta(days=1)
    max_chases: int = 5
    rng: random.Random = field(default_factory=random.SystemRandom)


@dataclass(frozen=True, slots=True)
class DeliveryRound:
    claimed: int
    delivered: int = 0
    retrying: int = 0
    dead_lettered: int = 0
    endpoint_disabled: int = 0


async def deliver_due(service: DeliveryService) -> DeliveryRound:
    """Claim one batch of due messages, push them concurrently, and record the outcomes."""
    claimed, withdrawn = await asyncio.to_thread(_claim, service)
    if not claimed:
        return DeliveryRound(claimed=0)
    built = await asyncio.to_thread(_build, service, claimed, withdrawn)
    sendable = [(message, webhook) for message, webhook in built if webhook is not None]
    results = await service.pusher.send_many([webhook for _, webhook in sendable])
    # Messages that could not be built (no outcome) are settled as failures: dead-lettered.
    outcomes = dict(zip((m.queue_id for m, _ in sendable), results, strict=True))
    return await asyncio.to_thread(_settle, service, claimed, outcomes)


def _claim(
    service: DeliveryService,
) -> tuple[list[ClaimedMessage], Mapping[uuid.UUID, datetime]]:
    """Claim due messages; for consent-withdrawn notices, also when each was withdrawn."""
    now = service.clock.now()
    with service.uow_factory() as uow:
        claimed = uow.deliveries.claim(now, service.owner, now + service.lease, service.batch_size)
        service.events.load_terms(uow, [m.disclosure for m in claimed])
        notices = [m.disclosure.id for m in claimed if m.kind == CONSENT_WITHDRAWN_KIND]
        withdrawn = uow.consents.withdrawn_at(notices)
        uow.commit()
    return claimed, withdrawn


def _build(
    service: DeliveryService,
    claimed: list[ClaimedMessage],
    withdrawn: Mapping[uuid.UUID, datetime],
) -> list[tuple[ClaimedMessage, OutgoingWebhook | None]]:
    built: list[tuple[ClaimedMessage, OutgoingWebhook | None]] = []
    now = service.clock.now()
    for message in claimed:
        try:
            secrets = tuple(
                service.vault.open_secret(sealed, message.disclosure.recipient_id.encode()).decode()
                for sealed in message.sealed_secrets
            )
            if message.kind == CONSENT_WITHDRAWN_KIND:
                event = consent_withdrawn_event(
                    message.disclosure.id,
                    message.disclosure.agreement_id,
                    message.disclosure.agreement_version,
                    withdrawn.get(message.disclosure.id, now),
                    hub_url=service.hub_url,
                    now=now,
                )
            elif message.kind == "overdue":
                event = overdue_event(
                    message.message_id,
                    str(message.disclosure.id),
                    message.disclosure.acknowledge_by or now,
                    message.disclosure.chases,
                    hub_url=service.hub_url,
                    now=now,
                )
            else:
                event = service.events.event(message.disclosure)
        except SealedDataError:
            # The person's key is gone (erased) or a secret cannot be opened: nothing to send.
            built.append((message, None))
            continue
        body = encode(event)
        built.append(
            (message, OutgoingWebhook(message.endpoint_url, message.message_id, body, secrets))
        )
    return built


def _settle(
    service: DeliveryService,
    claimed: list[ClaimedMessage],
    outcomes: dict[int, PushResult],
) -> DeliveryRound:
    now = service.clock.now()
    counts = dict.fromkeys(DeliveryVerdict, 0)
    with service.uow_factory() as uow:
        uow.deliveries.record_attempts(
            [_attempt(m, outcomes[m.queue_id], now) for m in claimed if m.queue_id in outcomes]
        )
        succeeded: list[ClaimedMessage] = []
        for message in claimed:
            result = outcomes.get(message.queue_id)
            verdict = result.verdict if result else DeliveryVerdict.FAIL
            counts[verdict] += 1
            if verdict is DeliveryVerdict.DELIVERED:
                succeeded.append(message)
            else:
                _failed(service, uow, message, result, now)
        # Only rows this worker still held count: if its lease ran out and another worker took
        # a row over, that worker settles it.
        finished = uow.deliveries.finish([m.queue_id for m in succeeded], service.owner)
        _mark_delivered(
            service,
            uow,
            [m.disclosure for m in succeeded if m.kind == "disclosure" and m.queue_id in finished],
            now,
        )
        uow.commit()
    return DeliveryRound(
        claimed=len(claimed),
        delivered=counts[DeliveryVerdict.DELIVERED],
        retrying=counts[DeliveryVerdict.RETRY],
        dead_lettered=counts[DeliveryVerdict.FAIL],
        endpoint_disabled=counts[DeliveryVerdict.DISABLE_ENDPOINT],
    )


def _attempt(message: ClaimedMessage, result: PushResult, now: datetime) -> AttemptRecord:
    return AttemptRecord(
        message_id=message.message_id,
        disclosure_id=message.disclosure.id,
        attempted_at=now,
        status_code=result.status,
        error=result.error,
        duration_ms=result.duration_ms,
        verdict=result.verdict.value,
    )


def _failed(
    service: DeliveryService,
    uow: UnitOfWork,
    message: ClaimedMessage,
    result: PushResult | None,
    now: datetime,
) -> None:
    attempts = message.attempts + 1
    verdict = result.verdict if result else DeliveryVerdict.FAIL
    disclosure_ids = [message.disclosure.id] if message.kind == "disclosure" else []
    if verdict is DeliveryVerdict.DISABLE_ENDPOINT:
        # 410 Gone: stop pushing to this endpoint. The message stays queued and waits, visible
        # to administrators, until the endpoint is re-enabled or the recipient pulls it.
        uow.endpoints.set_state(message.disclosure.recipient_id, "disabled", now)
        uow.deliveries.reschedule(message.queue_id, service.owner, now, attempts)
        uow.disclosures.mark_push_failed(
            disclosure_ids, DisclosureState.ENDPOINT_DISABLED.value, now
        )
        return
    delay = None
    if verdict is DeliveryVerdict.RETRY and result is not None:
        delay = service.schedule.next_delay(attempts, service.rng, result.retry_after)
    if delay is None:
        uow.deliveries.park(message.queue_id, service.owner, "dead", attempts)
        uow.disclosures.mark_push_failed(disclosure_ids, DisclosureState.DEAD_LETTERED.value, now)
        return
    uow.deliveries.reschedule(message.queue_id, service.owner, now + delay, attempts)
    uow.disclosures.mark_push_failed(disclosure_ids, DisclosureState.RETRYING.value, now)


def _mark_delivered(
    service: DeliveryService, uow: UnitOfWork, records: Sequence[DisclosureRecord], now: datetime
) -> None:
    """First delivery: start the acknowledgement clock (counted from delivery) and log it."""
    first = [r for r in records if r.delivered_at is None]
    due = [
        (r.id, acknowledgement_due(now, service.events.agreement(uow, r).acknowledgement))
        for r in first
    ]
    uow.disclosures.mark_delivered(due, now)
    record_delivered(uow, first, now)


def chase_overdue(service: DeliveryService) -> int:
    """Mark disclosures past their acknowledgement deadline overdue and queue a reminder."""
    now = service.clock.now()
    with service.uow_factory() as uow:
        due = uow.disclosures.due_for_chase(now, service.batch_size)
        for record in due:
            chases = record.chases + 1
            uow.disclosures.update(
                record.id,
                now,
                state=on_overdue(DisclosureState(record.state)).value,
                chases=chases,
                next_chase_at=now + service.chase_every if chases < service.max_chases else None,
            )
            endpoint = uow.endpoints.get(record.recipient_id)
            if endpoint is not None and endpoint.url:
                uow.deliveries.enqueue(str(uuid.uuid4()), record.id, "overdue", now)
        uow.commit()
    return len(due)


def replay_dead_letters(
    disclosure_ids: Sequence[uuid.UUID] | None, *, uow: UnitOfWork, clock: Clock
) -> list[uuid.UUID]:
    """Re-queue dead-lettered messages (all, or the given disclosures) for immediate delivery."""
    with uow:
        replayed = uow.deliveries.replay(disclosure_ids, clock.now())
        uow.commit()
    return replayed


def stuck_deliveries(*, uow: UnitOfWork) -> list[DisclosureRecord]:
    """Disclosures waiting for an administrator: dead-lettered, or held by a disabled endpoint."""
    with uow:
        return uow.deliveries.stuck()
