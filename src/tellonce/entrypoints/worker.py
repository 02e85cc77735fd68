"""The delivery worker: push due disclosures, chase overdue ones, until told to stop.

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

log = logging.getLogger(__name__)
CHASE_EVERY_SECONDS = 5.0


def worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


async def run_worker(hub: Hub, stop: asyncio.Event, *, owner: str | None = None) -> None:
    async with hub.pusher() as pusher:
        service = hub.delivery_service(pusher, owner=owner or worker_name())
        log.info("delivery worker %s started", service.owner)
        last_chase = 0.0
        failures = 0
        while not stop.is_set():
            try:
                full = await _one_round(service)
                if time.monotonic() - last_chase > CHASE_EVERY_SECONDS:
                    await asyncio.to_thread(chase_overdue, service)
                    last_chase = time.monotonic()
                failures = 0
            except Exception as error:  # the loop must outlive a database restart
                failures += 1
                # The type only: messages can carry row values.
                log.warning("delivery round failed (%s); retrying", type(error).__name__)
                full = False
            if not full:
                pause = hub.settings.worker_poll_seconds * min(2**failures, 60)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=pause)
        log.info("delivery worker %s stopped", service.owner)


async def _one_round(service: DeliveryService) -> bool:
    """Deliver one batch; True when the batch was full (so go again at once)."""
    delivered = await deliver_due(service)
    return delivered.claimed >= service.batch_size
