"""A worker process's life: run until SIGTERM or SIGINT, then stop within a bound.

On the signal the loops stop claiming; each lane finishes the batch it has on the wire and
settles it. Whatever is still running after ``shutdown_grace_seconds`` (a receiver that
hangs) is cancelled, and the process hands back every claim it still holds, so another
worker takes them at once instead of after the lease. A message whose send was cut short may
then be sent again: a retry, with the same ``webhook-id`` (docs/webhooks.md).
"""

from __future__ import annotations

import asyncio
import logging
import signal

from tellonce.bootstrap import Hub
from tellonce.entrypoints.log_sequencer import run_log_sequencer
from tellonce.entrypoints.worker import run_worker, worker_name

log = logging.getLogger(__name__)


async def run_worker_process(hub: Hub, *, stop: asyncio.Event | None = None) -> None:
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    owner = worker_name()
    # Every worker also stands by to sequence the transparency log (one holds the lease).
    tasks = [
        asyncio.create_task(run_worker(hub, stop, owner=owner)),
        asyncio.create_task(run_log_sequencer(hub, stop)),
    ]
    await stop.wait()
    grace = hub.settings.shutdown_grace_seconds
    _done, running = await asyncio.wait(tasks, timeout=grace)
    for task in running:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    released = await asyncio.to_thread(hub.operations().release_claims, owner)
    log.info(
        "worker %s stopped (%s); %d claim(s) handed back",
        owner,
        "cut short after the grace period" if running else "cleanly",
        released,
    )
