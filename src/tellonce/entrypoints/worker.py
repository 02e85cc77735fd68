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
import time

from tellonce.bootstrap import Hub
from tellonce.service_layer.delivery import DeliveryService, chase_overdue, deliver_due
from tellonce.service_layer.notifications import send_due_messages

log = logging.getLogger(__name__)
CHASE_EVERY_SECONDS = 5.0


def worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


async def run_worker(hub: Hub, stop: asyncio.Event, *, owner: str | None = None) -> None:
    """Run delivery lanes until ``stop`` is set.

    Two lanes share one HTTP client: while one lane waits on the network, the other claims,
    builds or settles its batch in the database — the lanes claim disjoint rows (leases), so
    running them side by side is as safe as running two workers.
    """
    async with hub.pusher() as pusher:
        service = hub.delivery_service(pusher, owner=owner or worker_name())
        log.info("delivery worker %s started", service.owner)
        poll = hub.settings.worker_poll_seconds
        lanes = [_lane(service, stop, poll, chases=i == 0) for i in range(2)]
        await asyncio.gather(*lanes, _message_lane(hub, service.owner, stop, poll))
        log.info("delivery worker %s stopped", service.owner)


async def _lane(
    service: DeliveryService, stop: asyncio.Event, poll: float, *, chases: bool
) -> None:
    last_chase = 0.0
    failures = 0
    while not stop.is_set():
        try:
            full = (await deliver_due(service)).claimed >= service.batch_size
            if chases and time.monotonic() - last_chase > CHASE_EVERY_SECONDS:
                await asyncio.to_thread(chase_overdue, service)
                last_chase = time.monotonic()
            failures = 0
        except Exception as error:  # the loop must outlive a database restart
            failures += 1
            # The type only: messages can carry row values.
            log.warning("delivery round failed (%s); retrying", type(error).__name__)
            full = False
        if not full:
            pause = poll * min(2**failures, 60)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=pause)


async def _message_lane(hub: Hub, owner: str, stop: asyncio.Event, poll: float) -> None:
    """Send queued messages to citizens (the notifier may block on HTTP: a thread)."""
    failures = 0
    while not stop.is_set():
        try:
            claimed = await asyncio.to_thread(
                send_due_messages, hub.uow, hub.notifier, hub.clock, owner
            )
            failures = 0
        except Exception as error:  # the loop must outlive a database restart
            failures += 1
            log.warning("message round failed (%s); retrying", type(error).__name__)
            claimed = 0
        if not claimed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=poll * min(2**failures, 60))
