"""Push delivery: claim due messages, send them outside any transaction, record every attempt.

The database row is the truth. A message is claimed with a lease in a short transaction, sent,
and settled in another short transaction; a worker that dies in between loses nothing — its
lease runs out and another worker sends the message again with the same ``webhook-id``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tellonce.domain.backoff import DeliveryVerdict, RetrySchedule
from tellonce.domain.cloudevents import (
    consent_withdrawn_event,
    correction_event,
    erasure_requested_event,
    overdue_event,
)
from tellonce.domain.deadlines import acknowledgement_due
from tellonce.domain.delivery_queue import QueueKind
from tellonce.domain.disclosures import DisclosureState, on_overdue
from tellonce.service_layer.disclosure_events import EventBuilder, encode
from tellonce.service_layer.hub_actions import Actor, record_action
from tellonce.service_layer.notifications import (
    overdue_personalisation,
    queue_contact_message,
    queue_message,
)
from tellonce.service_layer.ports import Clock, UnitOfWork, UnitOfWorkFactory, Vault
from tellonce.service_layer.ports.deliveries import AttemptRecord, ClaimedMessage, NewQueuedMessage
from tellonce.service_layer.ports.disclosures import DisclosureRecord
from tellonce.service_layer.ports.pusher import OutgoingWebhook, Pusher, PushResult
from tellonce.service_layer.ports.vault import SealedDataError
from tellonce.service_layer.transparency.entries import record_delivered

log = logging.getLogger(__name__)
SETTLE_GATHER_SECONDS = 0.05


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
    escalate_after: int = 3  # reminders left unanswered before the operators are alerted
    rng: random.Random = field(default_factory=random.SystemRandom)
    # ``deliver_continuously``: messages claimed and not yet settled, in all and per recipient.
    # A recipient at its bound is skipped by the next claims until some of its messages settle,
    # so one that hangs holds at most this many plus one claim's worth (all its own).
    in_flight_limit: int = 800
    in_flight_per_recipient: int = 200


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


async def deliver_continuously(
    service: DeliveryService,
    stop: asyncio.Event,
    *,
    poll: float = 0.5,
    until_idle: bool = False,
) -> DeliveryRound:
    """Deliver until ``stop`` is set (or, with ``until_idle``, until nothing is due): the
    worker's loop.

    Every claimed message is sent on its own and settled as soon as its answer (or its timeout)
    comes, together with whatever else finished meanwhile; claiming goes on while slow sends are
    in flight, so a receiver that hangs delays nobody else's messages (docs/reliability.md,
    finding 1). What one worker holds is bounded: ``in_flight_limit`` messages in all, and a
    recipient with ``in_flight_per_recipient`` of them gets no more claims until some settle.
    Each claim and each settlement is its own short transaction, as in ``deliver_due``: a crash
    in between loses nothing (leases run out and the same ``webhook-id`` is sent again).

    On ``stop`` it claims no more, waits for the sends in flight and settles them; cancelled,
    it cancels them and leaves their claims to be handed back (or to their leases)."""
    return await _Pump(service).run(stop, poll, until_idle=until_idle)


class _Pump:
    def __init__(self, service: DeliveryService) -> None:
        self.service = service
        self.held: dict[str, int] = {}  # recipient -> messages claimed and not settled
        self.total = 0
        self.sending: set[asyncio.Task[None]] = set()
        self.done: list[tuple[ClaimedMessage, PushResult | None]] = []
        self.finished = asyncio.Event()  # something waits to be settled (or: stop settling)
        self.freed = asyncio.Event()  # a settlement freed room
        self.closing = False
        self.totals = DeliveryRound(claimed=0)

    async def run(self, stop: asyncio.Event, poll: float, *, until_idle: bool) -> DeliveryRound:
        settler = asyncio.create_task(self._settle_loop())
        try:
            await self._claim_loop(stop, poll, until_idle=until_idle)
            if self.sending:
                await asyncio.gather(*self.sending)
            self.closing = True
            self.finished.set()
            await settler
        finally:
            for task in (*self.sending, settler):
                task.cancel()
            await asyncio.gather(*self.sending, settler, return_exceptions=True)
        return self.totals

    async def _claim_loop(self, stop: asyncio.Event, poll: float, *, until_idle: bool) -> None:
        service = self.service
        failures = 0
        while not stop.is_set():
            room = service.in_flight_limit - self.total
            skip = {r for r, n in self.held.items() if n >= service.in_flight_per_recipient}
            claimed: list[ClaimedMessage] = []
            wanted = min(service.batch_size, room)
            if wanted < service.batch_size // 4 and self.total:
                wanted = 0  # wait for room for a worthwhile claim: claims cost a transaction
            if wanted > 0:
                self.freed.clear()
                try:
                    claimed, built = await asyncio.to_thread(
                        _claim_and_build_all, service, wanted, skip
                    )
                    failures = 0
                except Exception as error:  # the loop must outlive a database restart
                    failures += 1
                    # The type only: messages can carry row values.
                    log.warning("delivery claim failed (%s); retrying", type(error).__name__)
                    await _pause(stop, poll * min(2**failures, 60))
                    continue
                for message, webhook in built:
                    self._start(message, webhook)
            if until_idle and not claimed and not self.total:
                return
            if claimed and len(claimed) >= wanted:
                continue  # a full claim: more may be due at once
            # Short of room, or skipping busy recipients: claim again when a settlement frees
            # some; otherwise (nothing more due) after the poll interval.
            waiters = [stop]
            if wanted <= 0 or skip or until_idle:
                waiters.append(self.freed)
            await _first(waiters, timeout=poll)

    def _start(self, message: ClaimedMessage, webhook: OutgoingWebhook | None) -> None:
        recipient = message.disclosure.recipient_id
        self.held[recipient] = self.held.get(recipient, 0) + 1
        self.total += 1
        if webhook is None:  # could not be built: settled as a failure (dead-lettered)
            self._finish(message, None)
            return
        task = asyncio.create_task(self._send(message, webhook))
        self.sending.add(task)
        task.add_done_callback(self.sending.discard)

    async def _send(self, message: ClaimedMessage, webhook: OutgoingWebhook) -> None:
        try:
            result: PushResult | None = await self.service.pusher.send(webhook)
        except Exception as error:  # a pusher never should; retried, not dead-lettered
            log.warning("push failed unexpectedly (%s)", type(error).__name__)
            result = PushResult(None, "internal error", 0.0, None, DeliveryVerdict.RETRY)
        self._finish(message, result)

    def _finish(self, message: ClaimedMessage, result: PushResult | None) -> None:
        self.done.append((message, result))
        self.finished.set()

    async def _settle_loop(self) -> None:
        failures = 0
        while True:
            while not self.done:
                if self.closing:
                    return
                self.finished.clear()
                await self.finished.wait()
            if not self.closing and len(self.done) < self.service.batch_size // 2:
                # Gather a while: settling costs a transaction, and only frees room (the
                # receivers already have these messages), so a short wait delays nobody.
                await asyncio.sleep(SETTLE_GATHER_SECONDS)
            batch, self.done = self.done, []
            claimed = [m for m, _ in batch]
            outcomes = {m.queue_id: r for m, r in batch if r is not None}
            try:
                settled = await asyncio.to_thread(_settle, self.service, claimed, outcomes)
            except Exception as error:  # the database went away: settle again when it is back
                failures += 1
                log.warning("delivery settlement failed (%s); retrying", type(error).__name__)
                self.done[:0] = batch
                await asyncio.sleep(min(0.5 * 2**failures, 30))
                continue
            failures = 0
            self.totals = _sum(self.totals, settled)
            for message in claimed:
                recipient = message.disclosure.recipient_id
                self.held[recipient] -= 1
                if not self.held[recipient]:
                    del self.held[recipient]
            self.total -= len(claimed)
            self.freed.set()


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    await _first([stop], timeout=seconds)


async def _first(events: list[asyncio.Event], *, timeout: float) -> None:
    """Wait until the first of ``events`` is set, or ``timeout``."""
    tasks = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(tasks, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _claim_and_build_all(
    service: DeliveryService, limit: int, skip: set[str]
) -> tuple[list[ClaimedMessage], list[tuple[ClaimedMessage, OutgoingWebhook | None]]]:
    claimed, withdrawn = _claim(service, limit, skip)
    if not claimed:
        return [], []
    return claimed, _build(service, claimed, withdrawn)


def _sum(a: DeliveryRound, b: DeliveryRound) -> DeliveryRound:
    return DeliveryRound(
        claimed=a.claimed + b.claimed,
        delivered=a.delivered + b.delivered,
        retrying=a.retrying + b.retrying,
        dead_lettered=a.dead_lettered + b.dead_lettered,
        endpoint_disabled=a.endpoint_disabled + b.endpoint_disabled,
    )


def _claim(
    service: DeliveryService, limit: int | None = None, skip: Collection[str] = ()
) -> tuple[list[ClaimedMessage], Mapping[uuid.UUID, datetime]]:
    """Claim due messages; for consent-withdrawn notices, also when each was withdrawn."""
    now = service.clock.now()
    with service.uow_factory() as uow:
        claimed = uow.deliveries.claim(
            now,
            service.owner,
            now + service.lease,
            service.batch_size if limit is None else limit,
            skip,
        )
        service.events.load_terms(uow, [m.disclosure for m in claimed])
        notices = [m.disclosure.id for m in claimed if m.kind is QueueKind.CONSENT_WITHDRAWN]
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
    corrected = _corrected_fields(service, claimed)
    for message in claimed:
        try:
            secrets = tuple(
                service.vault.open_secret(sealed, message.disclosure.recipient_id.encode()).decode()
                for sealed in message.sealed_secrets
            )
            if message.kind is QueueKind.CONSENT_WITHDRAWN:
                event = consent_withdrawn_event(
                    message.disclosure.id,
                    message.disclosure.agreement_id,
                    message.disclosure.agreement_version,
                    withdrawn.get(message.disclosure.id, now),
                    hub_url=service.hub_url,
                    now=now,
                )
            elif message.kind is QueueKind.ERASURE_REQUESTED:
                event = erasure_requested_event(
                    message.disclosure.id,
                    message.disclosure.agreement_id,
                    message.disclosure.agreement_version,
                    hub_url=service.hub_url,
                    now=now,
                )
            elif message.kind is QueueKind.CORRECTION:
                event = correction_event(
                    service.events.event(message.disclosure),
                    message.message_id,
                    corrected.get(message.message_id, []),
                    now=now,
                )
            elif message.kind is QueueKind.OVERDUE:
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


def _corrected_fields(
    service: DeliveryService, claimed: list[ClaimedMessage]
) -> Mapping[str, list[str]]:
    """For correction messages (rare): which agreed fields each one corrects."""
    ids = [m.message_id for m in claimed if m.kind is QueueKind.CORRECTION]
    if not ids:
        return {}
    with service.uow_factory() as uow:
        return uow.rights.corrected_fields(ids)


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
        dead: list[ClaimedMessage] = []
        for message in claimed:
            result = outcomes.get(message.queue_id)
            verdict = result.verdict if result else DeliveryVerdict.FAIL
            counts[verdict] += 1
            if verdict is DeliveryVerdict.DELIVERED:
                succeeded.append(message)
            elif _failed(service, uow, message, result, now):
                dead.append(message)
        # Only rows this worker still held count: if its lease ran out and another worker took
        # a row over, that worker settles it.
        finished = uow.deliveries.finish([m.queue_id for m in succeeded], service.owner)
        _mark_delivered(
            service,
            uow,
            [
                m.disclosure
                for m in succeeded
                if m.kind is QueueKind.DISCLOSURE and m.queue_id in finished
            ],
            now,
        )
        uow.commit()
    for message in dead:  # the operators' alert (the citizen reads "our team has been told")
        log.warning(
            "%s message for disclosure %s to %s dead-lettered: see tellonce deliveries list",
            message.kind,
            message.disclosure.id,
            message.disclosure.recipient_id,
        )
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
) -> bool:
    """Record a failed attempt; True if the message was dead-lettered (by this worker)."""
    attempts = message.attempts + 1
    verdict = result.verdict if result else DeliveryVerdict.FAIL
    disclosure_ids = [message.disclosure.id] if message.kind is QueueKind.DISCLOSURE else []
    if verdict is DeliveryVerdict.DISABLE_ENDPOINT:
        # 410 Gone: stop pushing to this endpoint. The message stays queued and waits, visible
        # to administrators, until the endpoint is re-enabled or the recipient pulls it.
        uow.endpoints.disable(message.disclosure.recipient_id, now)
        uow.deliveries.reschedule(message.queue_id, service.owner, now, attempts)
        uow.disclosures.mark_push_failed(
            disclosure_ids, DisclosureState.ENDPOINT_DISABLED.value, now
        )
        return False
    delay = None
    if verdict is DeliveryVerdict.RETRY and result is not None:
        delay = service.schedule.next_delay(attempts, service.rng, result.retry_after)
    if delay is None:
        parked = uow.deliveries.park(message.queue_id, service.owner, "dead", attempts)
        uow.disclosures.mark_push_failed(disclosure_ids, DisclosureState.DEAD_LETTERED.value, now)
        return parked
    uow.deliveries.reschedule(message.queue_id, service.owner, now + delay, attempts)
    uow.disclosures.mark_push_failed(disclosure_ids, DisclosureState.RETRYING.value, now)
    return False


def _mark_delivered(
    service: DeliveryService, uow: UnitOfWork, records: Sequence[DisclosureRecord], now: datetime
) -> None:
    """First delivery: start the acknowledgement clock (counted from delivery) and log it."""
    first = [r for r in records if r.delivered_at is None]
    # One deadline per agreement's terms, not per message: every message in a batch was
    # delivered "now" (working-day arithmetic was 15 % of settling a batch).
    deadlines: dict[object, datetime] = {}
    due = []
    for r in first:
        terms = service.events.agreement(uow, r).acknowledgement
        if terms not in deadlines:
            deadlines[terms] = acknowledgement_due(now, terms)
        due.append((r.id, deadlines[terms]))
    uow.disclosures.mark_delivered(due, now)
    record_delivered(uow, first, now)


def chase_overdue(service: DeliveryService) -> int:
    """Chase every disclosure past its acknowledgement deadline, whatever its channel.

    The deadline runs from when the disclosure became available (queued to push, or in the
    feed), so a recipient that never collects it, or whose endpoint fails, is chased too. Each
    reminder, in one transaction: the state becomes ``overdue`` (unless a delivery problem
    explains the wait better: retrying, dead-lettered, endpoint disabled); a reminder event is
    pushed if the recipient has an endpoint; its feed marks the disclosure with the reminder
    (``reminder``, ``acknowledgeby``); its contact in the catalogue, if any, is emailed; the
    citizen is told at the first reminder; after ``escalate_after`` reminders the disclosure is
    escalated to the operators (``tellonce deliveries list``, and a warning in the log).
    """
    now = service.clock.now()
    with service.uow_factory() as uow:
        _start_clocks(service, uow, now)
        due = uow.disclosures.due_for_chase(now, service.batch_size)
        escalated = [record for record in due if _chase(service, uow, record, now)]
        uow.commit()
    for record in escalated:  # the operators' alert, once it is true: ids only
        log.warning(
            "disclosure %s escalated: %s has not acknowledged it after %d reminders",
            record.id,
            record.recipient_id,
            record.chases + 1,
        )
    return len(due)


def _start_clocks(service: DeliveryService, uow: UnitOfWork, now: datetime) -> None:
    """Disclosures submitted before deadlines ran from availability, and still undelivered,
    get their deadline counted from submission, as new ones do, so they are chased too."""
    records = uow.disclosures.without_deadline(service.batch_size)
    service.events.load_terms(uow, records)
    for record in records:
        terms = service.events.agreement(uow, record).acknowledgement
        due_by = acknowledgement_due(record.created_at, terms)
        uow.disclosures.update(record.id, now, acknowledge_by=due_by, next_chase_at=due_by)


def _chase(
    service: DeliveryService, uow: UnitOfWork, record: DisclosureRecord, now: datetime
) -> bool:
    """Send one reminder (in the caller's transaction); True if it escalates the disclosure."""
    chases = record.chases + 1
    escalate = chases == min(service.escalate_after, service.max_chases)
    uow.disclosures.update(
        record.id,
        now,
        state=on_overdue(DisclosureState(record.state)).value,
        chases=chases,
        next_chase_at=now + service.chase_every if chases < service.max_chases else None,
        **({"escalated_at": now} if escalate else {}),
    )
    endpoint = uow.endpoints.get(record.recipient_id)
    if endpoint is not None and endpoint.url:
        reminder = NewQueuedMessage(
            str(uuid.uuid4()), record.id, QueueKind.OVERDUE, now, record.recipient_id
        )
        uow.deliveries.enqueue([reminder])
    if uow.endpoints.contact_email(record.recipient_id):
        api = f"{service.hub_url}/api/v1"
        queue_contact_message(
            uow,
            record.recipient_id,
            "recipient-overdue",
            {
                "disclosure_id": str(record.id),
                "acknowledge_by": (record.acknowledge_by or now).strftime("%d %B %Y %H:%M UTC"),
                "reminder": str(chases),
                "feed_url": f"{api}/feed",
                "acknowledge_url": f"{api}/disclosures/{record.id}/acknowledgement",
            },
            now,
        )
    if chases == 1:
        account_id, name = uow.disclosures.addressee(record.id)
        message = overdue_personalisation(record.report_reference, name)
        queue_message(uow, account_id, "disclosure-overdue", message, now)
    return escalate


def replay_dead_letters(
    disclosure_ids: Sequence[uuid.UUID] | None,
    *,
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor | None = None,
    recipient_id: str | None = None,
) -> list[uuid.UUID]:
    """Re-queue dead-lettered messages (all, or the given disclosures) for immediate delivery.
    With an ``actor``, a hub action (how many; the recipient if one was chosen) in the same
    transaction, when something was replayed."""
    with uow:
        now = clock.now()
        replayed = uow.deliveries.replay(disclosure_ids, now)
        if replayed:
            subject: dict[str, object] = {"count": len(replayed)}
            if recipient_id is not None:
                subject["recipient"] = recipient_id
            record_action(uow, actor, "deliveries-replayed", now, subject)
        uow.commit()
    return replayed


def escalated_disclosures(*, uow: UnitOfWork) -> list[DisclosureRecord]:
    """Disclosures whose recipient left the escalation threshold of reminders unanswered."""
    with uow:
        return uow.deliveries.escalated()


def stuck_deliveries(*, uow: UnitOfWork) -> list[DisclosureRecord]:
    """Disclosures waiting for an administrator: dead-lettered, or held by a disabled endpoint."""
    with uow:
        return uow.deliveries.stuck()
