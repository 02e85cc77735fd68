"""Probe: WebhookSender throughput beside a bare aiohttp POST loop, same receiver, same run.

    .venv/bin/python bench/webhook_sender_probe.py [--posts 5000] [--concurrency 8 32]

The receiver is a plain aiohttp app in a separate process (so client and server each get a core
of this 2-core machine). For each concurrency the baseline and the sender alternate for a few
rounds and the best round of each is kept, because the machine is shared and noisy. One JSON
object per line is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import time
from collections.abc import Awaitable, Callable

from bench.loopback import BODY, bare_post_loop, free_port, serve_receiver, wait_until_listening
from tellonce.adapters.webhooks import (
    DestinationPolicy,
    WebhookRequest,
    WebhookSender,
    generate_secret,
)
from tellonce.domain.backoff import DeliveryVerdict


def _sender(many: bool) -> Callable[[str, int, int], Awaitable[float]]:
    """``send_many`` with every request at once (how the worker calls it), or N workers."""

    async def run(url: str, posts: int, concurrency: int) -> float:
        secrets = (generate_secret(),)
        requests = [WebhookRequest(url, f"msg_{i}", BODY, secrets) for i in range(posts)]
        policy = DestinationPolicy(allow_private=True, require_https=False)
        async with WebhookSender(
            policy, overall_limit=concurrency, per_endpoint_limit=concurrency
        ) as sender:
            started = time.perf_counter()
            if many:
                results = await sender.send_many(requests)
            else:
                queue = iter(requests)
                results = []

                async def worker() -> None:
                    for request in queue:
                        results.append(await sender.send(request))

                await asyncio.gather(*(worker() for _ in range(concurrency)))
            elapsed = time.perf_counter() - started
        assert all(r.verdict is DeliveryVerdict.DELIVERED for r in results), results[:3]
        return posts / elapsed

    return run


async def _probe(url: str, posts: int, concurrency: int, rounds: int) -> dict[str, object]:
    contenders = {
        "bare_aiohttp": bare_post_loop,
        "sender_send_many": _sender(many=True),
        "sender_workers": _sender(many=False),
    }
    for run in contenders.values():  # warm up connections, caches and the receiver
        await run(url, min(posts, 500), concurrency)
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, run in contenders.items():
            rates[name].append(await run(url, posts, concurrency))
    best = {name: max(values) for name, values in rates.items()}
    return {
        "benchmark": "webhook_sender_probe",
        "posts": posts,
        "concurrency": concurrency,
        **{f"{name}_per_s": round(rate) for name, rate in best.items()},
        **{f"{name}_median_per_s": round(statistics.median(v)) for name, v in rates.items()},
        "ratio_send_many": round(best["sender_send_many"] / best["bare_aiohttp"], 3),
        "ratio_workers": round(best["sender_workers"] / best["bare_aiohttp"], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    port = free_port()
    receiver = multiprocessing.get_context("spawn").Process(target=serve_receiver, args=(port,))
    receiver.start()
    try:
        wait_until_listening(port)
        url = f"http://127.0.0.1:{port}/hook"
        for concurrency in args.concurrency:
            result = asyncio.run(_probe(url, args.posts, concurrency, args.rounds))
            print(json.dumps(result))
    finally:
        receiver.terminate()
        receiver.join()


if __name__ == "__main__":
    main()
