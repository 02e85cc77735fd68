"""Rate limits per API key, per citizen session and per client address (issue 13).

Buckets are named by keyed hashes (``Vault.blind_index``): neither keys, session tokens nor
client addresses (personal data) are kept by the store.
"""

from __future__ import annotations

from collections.abc import Sequence

from tellonce.domain.rate_limits import Limit, retry_after_seconds, window_start
from tellonce.service_layer.ports import Clock, Vault
from tellonce.service_layer.ports.rate_limits import RateLimitStore


def bucket(kind: str, value: str, *, vault: Vault) -> str:
    digest = vault.blind_index("rate-limit", kind + "\n" + value)
    return f"{kind}:{digest.hex()[:32]}"


def admit(
    buckets: Sequence[tuple[str, Limit]], *, store: RateLimitStore, clock: Clock
) -> int | None:
    """Count the request in every bucket; None if all are within their limits, else the
    seconds to wait (the longest of the buckets over their limit)."""
    now = clock.now()
    waits = []
    for name, limit in buckets:
        start = window_start(now, limit.window)
        if store.hit(name, start, start + limit.window) > limit.requests:
            waits.append(retry_after_seconds(now, limit.window))
    return max(waits) if waits else None
