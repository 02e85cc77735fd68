"""The delivery worker: push due disclosures, chase overdue ones, send messages to citizens,
until told to stop.

Run as many as you like on PostgreSQL (``tellonce worker``); they share the queue through
leases and ``SKIP LOCKED``. On the embedded SQLite default, ``tellonce serve`` runs one inside
the server process instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from datetime import timedelta

from tellonce.bootstrap import Hub
from tellonce.entrypoints.ops.heartbeat import run_heartbeat
from tellonce.service_layer.delivery import DeliveryService, chase_overdue, deliver_continuously
from tellonce.service_layer.notifications import send_due_contact_messages, send_due_messages
from tellonce.service_layer.retention import purge_expired

log = logging.getLogger(__name__)
CHASE_EVERY_SECONDS = 5.0


def worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


async def run_worker(hub: Hub, stop: asyncio.Event, *, owner: str | None = None) -> None:
    """Deliver, chase, send messages and purge until ``stop`` is set.

    Delivery is one continuous loop (``deliver_continuously``): each message is settled as soon
    as its answer comes, and claiming goes on while slow sends are in flight, within bounds per
    recipient and in all, so a receiver that hangs never delays the others.
    """
    async with hub.pusher() as pusher:
        service = hub.delivery_service(pusher, owner=owner or worker_name())
        log.info("delivery worker %s started", service.owner)
        poll = hub.settings.worker_poll_seconds
        await asyncio.gather(
            _delivery_lane(service, stop, poll),
            _chase_lane(service, stop),
            _message_lane(hub, service.owner, stop, poll),
            _retention_lane(hub, stop),
            run_heartbeat(hub, service.owner, stop),  # what /readyz looks for
        )
        log.info("delivery worker %s stopped", service.owner)


async def _delivery_lane(service: DeliveryService, stop: asyncio.Event, poll: float) -> None:
    failures = 0
    while not stop.is_set():
        try:
            await deliver_continuously(service, stop, poll=poll)
        except Exception as error:  # the loop must outlive anything
            failures += 1
            log.warning("delivery loop failed (%s); restarting", type(error).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=poll * min(2**failures, 60))


async def _chase_lane(service: DeliveryService, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await asyncio.to_thread(chase_overdue, service)
        except Exception as error:  # the loop must outlive a database restart
            log.warning("chase round failed (%s); retrying", type(error).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=CHASE_EVERY_SECONDS)


async def _message_lane(hub: Hub, owner: str, stop: asyncio.Event, poll: float) -> None:
    """Send queued messages to citizens, and reminders to recipients' contacts (the notifier
    may block on HTTP: a thread)."""
    failures = 0
    while not stop.is_set():
        try:
            claimed = await asyncio.to_thread(
                send_due_messages, hub.uow, hub.notifier, hub.clock, owner
            )
            claimed += await asyncio.to_thread(
                send_due_contact_messages, hub.uow, hub.notifier, hub.clock, owner
            )
            failures = 0
        except Exception as error:  # the loop must outlive a database restart
            failures += 1
            log.warning("message round failed (%s); retrying", type(error).__name__)
            claimed = 0
        if not claimed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=poll * min(2**failures, 60))


async def _retention_lane(hub: Hub, stop: asyncio.Event) -> None:
    """Destroy reports' details past their retention period (docs/rights.md), every
    ``TELLONCE_RETENTION_CHECK_SECONDS``; on the hub's clock, so tests can move it."""
    settings = hub.settings
    while not stop.is_set():
        try:
            purged = await asyncio.to_thread(
                purge_expired,
                uow=hub.uow(),
                clock=hub.clock,
                default_days=settings.retention_days,
                days_by_event=settings.retention_days_by_event,
                registration_grace=timedelta(days=settings.registration_grace_days),
            )
            if purged.reports or purged.registrations:  # counts only: never whose
                log.info(
                    "retention: %d report(s) purged, %d registration reference(s) deleted",
                    purged.reports,
                    purged.registrations,
                )
        except Exception as error:  # the loop must outlive a database restart
            log.warning("retention round failed (%s); retrying", type(error).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.retention_check_seconds)
