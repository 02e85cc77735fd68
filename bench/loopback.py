"""A plain loopback receiver and the bare aiohttp POST loop: the baselines for delivery figures.

The receiver runs in its own process, so client and server each get a core of this 2-core
machine, and it does no verification: the same receiver serves the baseline and the contender.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time

import aiohttp
from aiohttp import web

BODY = json.dumps(
    {
        "specversion": "1.0",
        "id": "00000000-0000-0000-0000-000000000000",
        "source": "https://tellonce.example/hub",
        "type": "uk.tellonce.disclosure.change-of-address",
        "datacontenttype": "application/json",
        "data": {"new_address": {"postcode": "SW1A 1AA", "line_1": "1 Example Street"}},
    }
).encode()
CONTENT_TYPE = "application/cloudevents+json"


def serve_receiver(port: int) -> None:
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
    app.router.add_post("/hooks/{path}", hook)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def wait_until_listening(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            time.sleep(0.05)
        else:
            return
    raise RuntimeError("receiver did not start")


async def bare_post_loop(url: str, posts: int, concurrency: int) -> float:
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
