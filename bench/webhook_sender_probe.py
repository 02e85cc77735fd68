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
import socket
import statistics
import time
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import web

from tellonce.adapters.webhooks import (
    DestinationPolicy,
    WebhookRequest,
    WebhookSender,
    generate_secret,
)
from tellonce.domain.backoff import DeliveryVerdict

BODY = json.dumps(
    {
        "specversion": "1.0",
        "id": "00000000-0000-0000-0000-000000000000",
        "source": "https://tellonce.example/hub",
        "type": "uk.gov.tellonce.change-of-address.v1",
        "datacontenttype": "application/json",
        "data": {"new_address": {"postcode": "SW1A 1AA", "line_1": "1 Example Street"}},
    }
).encode()
CONTENT_TYPE = "application/cloudevents+json"


def _serve(port: int) -> None:
    async def hook(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=204)

    try:
        import uvloop  # noqa: PLC0415 - optional; makes the receiver less of a bottleneck

        uvloop.install()
    except ImportError:
        pass
    app = web.Application()
    app.router.add_post("/hook", hook)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _wait_until_listening(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            time.sleep(0.05)
        else:
            return
    raise RuntimeError("receiver did not start")


async def _bare(url: str, posts: int, concurrency: int) -> float:
    """The baseline: the cheapest correct aiohttp POST loop, no signing, no bookkeeping."""
    remaining = posts
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                async with session.post(
                    url, data=BODY, headers={"Content-Type": CONTENT_TYPE}
                ) as response:
                    await response.read()
                    assert response.status == 204

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return posts / (time.perf_counter() - started)


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
        "bare_aiohttp": _bare,
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

    port = _free_port()
    receiver = multiprocessing.get_context("spawn").Process(target=_serve, args=(port,))
    receiver.start()
    try:
        _wait_until_listening(port)
        url = f"http://127.0.0.1:{port}/hook"
        for concurrency in args.concurrency:
            result = asyncio.run(_probe(url, args.posts, concurrency, args.rounds))
            print(json.dumps(result))
    finally:
        receiver.terminate()
        receiver.join()


if __name__ == "__main__":
    main()
