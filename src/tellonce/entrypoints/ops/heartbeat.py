"""A worker's heartbeat: every ``heartbeat_seconds`` it records that it is alive, so that
``/readyz`` (in any API process) can tell whether accepted reports are being delivered."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from tellonce.bootstrap import Hub

log = logging.getLogger(__name__)


async def run_heartbeat(hub: Hub, owner: str, stop: asyncio.Event) -> None:
    operations = hub.operations()
    every = hub.settings.heartbeat_seconds
    while not stop.is_set():
        try:
            await asyncio.to_thread(operations.beat, owner, hub.clock.now())
        except Exception as error:  # the loop must outlive a database restart
            log.warning("heartbeat failed (%s); retrying", type(error).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)
