"""Loopback webhook receivers that behave like a recipient's system.

They verify every request with the ``standardwebhooks`` library (as a recipient would), record
what arrived, and answer with a status chosen per path — so the demo and the tests can play a
healthy receiver, a flaky one, one that has gone away, and so on.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

# path, attempt number for this webhook-id (1-based) -> (status, extra headers)
Behaviour = Callable[[str, int], tuple[int, dict[str, str]]]


def always_ok(_: str, __: int) -> tuple[int, dict[str, str]]:
    return 204, {}


@dataclass(frozen=True, slots=True)
class Received:
    path: str
    webhook_id: str
    timestamp: str
    event: dict[str, Any]
    status: int


@dataclass
class ReceiverState:
    secrets: dict[str, str] = field(default_factory=dict)  # path -> whsec_ secret
    behaviour: Behaviour = always_ok
    received: list[Received] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # paths whose signature failed
    attempts: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def delivered(self, path: str | None = None) -> list[Received]:
        with self.lock:
            return [
                r
                for r in self.received
                if 200 <= r.status < 300 and (path is None or r.path == path)
            ]


def receiver_app(state: ReceiverState) -> web.Application:
    async def handle(request: web.Request) -> web.Response:
        path = request.match_info["path"]
        body = await request.read()
        secret = state.secrets.get(path)
        try:
            if secret is None:
                raise WebhookVerificationError("no secret for this path")
            Webhook(secret).verify(body, dict(request.headers))
        except WebhookVerificationError:
            with state.lock:
                state.rejected.append(path)
            return web.Response(status=401)
        webhook_id = request.headers["webhook-id"]
        with state.lock:
            attempt = state.attempts.get(webhook_id, 0) + 1
            state.attempts[webhook_id] = attempt
        status, headers = state.behaviour(path, attempt)
        with state.lock:
            state.received.append(
                Received(
                    path, webhook_id, request.headers["webhook-timestamp"], json.loads(body), status
                )
            )
        return web.Response(status=status, headers=headers)

    app = web.Application()
    app.router.add_post("/hooks/{path}", handle)
    return app


class ReceiverServer:
    """A receiver on 127.0.0.1 in its own thread and event loop."""

    def __init__(self, state: ReceiverState | None = None) -> None:
        self.state = state or ReceiverState()
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/{path}"

    def start(self) -> ReceiverServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    async def _start(self) -> None:
        self._runner = web.AppRunner(receiver_app(self.state), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server  # aiohttp exposes the bound port only here
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> ReceiverServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
