"""The log sequencer's loop: sign a checkpoint at start-up, then integrate pending entries
every ``log_checkpoint_interval_seconds`` until told to stop.

Every worker process (and ``serve``'s in-process worker) may run one: they share a lease, so
one sequences and the others stand by, taking over within the lease's 15 seconds if it dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket

from tellonce.bootstrap import Hub
from tellonce.service_layer.transparency.entries import (
    LogIntegrityError,
    integrate_pending,
    publish_checkpoint,
    release_lease,
)

log = logging.getLogger(__name__)


def sequencer_name() -> str:
    return f"log-{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


async def run_log_sequencer(hub: Hub, stop: asyncio.Event) -> None:
    """Run until ``stop`` is set. A log that fails its integrity checks stops the loop (an
    operator must look); anything else, such as a database restart, is retried."""
    sequencer = hub.log_sequencer(owner=sequencer_name())
    interval = hub.settings.log_checkpoint_interval_seconds
    verifier = hub.log_signer.verifier()
    started = False
    failures = 0
    try:
        while not stop.is_set():
            try:
                if started:
                    await asyncio.to_thread(integrate_pending, sequencer)
                else:
                    await asyncio.to_thread(publish_checkpoint, sequencer, verifier)
                    started = True
                failures = 0
            except LogIntegrityError:
                log.critical("transparency log integrity check failed: sequencer stopped")
                raise
            except Exception as error:  # the loop must outlive a database restart
                failures += 1
                log.warning("log sequencing failed (%s); retrying", type(error).__name__)
            pause = interval * min(2**failures, 30)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=pause)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.to_thread(release_lease, sequencer)
