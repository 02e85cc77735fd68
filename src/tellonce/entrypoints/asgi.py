"""The server process's ASGI application: the API and the portal on one hub, the middleware
around them, and (on the embedded default) the delivery worker and the log sequencer running
beside them for the application's lifetime."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta

import anyio.to_thread
from fastapi import FastAPI, Request, Response
from starlette.types import ASGIApp, Scope

from tellonce.bootstrap import Hub, bootstrap
from tellonce.config import Settings
from tellonce.domain.rate_limits import Limit
from tellonce.entrypoints.api.app import API_METADATA, install_api
from tellonce.entrypoints.api.middleware import (
    LIMITED_ACTIONS,
    BodyLimit,
    BodyTooLarge,
    ContainErrors,
    NoStoreWithCredentials,
    RateLimit,
    SecurityHeaders,
    credentials_of,
)
from tellonce.entrypoints.api.problems import database_unavailable_problem, problem
from tellonce.entrypoints.api.routes.registrar import BULK_MAX_BODY_BYTES, BULK_PATH
from tellonce.entrypoints.console.install import install_staff_pages
from tellonce.entrypoints.log_sequencer import run_log_sequencer
from tellonce.entrypoints.ops.routes import install_operations
from tellonce.entrypoints.portal.app import install_portal, wants_page
from tellonce.entrypoints.portal.rendering import render
from tellonce.entrypoints.worker import run_worker
from tellonce.service_layer.rate_limits import admit, bucket


class _HubApp(FastAPI):
    def build_middleware_stack(self) -> ASGIApp:
        return ContainErrors(super().build_middleware_stack())


def create_app(hub: Hub, *, background: bool = False) -> FastAPI:
    """The app. ``background`` runs the delivery worker and the log sequencer in this process
    (the embedded SQLite default)."""
    app = _HubApp(lifespan=_lifespan(hub, background=background), **API_METADATA)
    install_api(app, hub)
    install_operations(app, hub)  # /readyz and /metrics
    install_portal(app, hub)  # after the API: its error pages wrap the API's problem handlers
    install_staff_pages(app)  # console, administration, public register (after the portal)
    _stack_middleware(app, hub)
    return app


def served_app() -> FastAPI:
    """The app of one of ``tellonce serve --workers N``'s processes, from the environment.
    No background tasks: ``serve`` runs one worker process beside them instead."""
    return create_app(bootstrap(Settings()), background=False)


def _lifespan(
    hub: Hub, *, background: bool
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        tasks = []
        if background:
            tasks = [
                asyncio.create_task(run_worker(hub, stop)),
                asyncio.create_task(run_log_sequencer(hub, stop)),
            ]
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)

    return lifespan


def _stack_middleware(app: FastAPI, hub: Hub) -> None:
    async def too_large(request: Request, limit: int) -> Response:
        # Answered as an error of the request's kind: a page for browsers, else a problem.
        handler = app.exception_handlers[BodyTooLarge]
        result = handler(request, BodyTooLarge(limit))
        return await result if isinstance(result, Awaitable) else result

    app.add_middleware(NoStoreWithCredentials, always=frozenset({"/api/v1/demo/sessions"}))
    if hub.settings.rate_limits:
        _install_rate_limits(app, hub)
    app.add_middleware(SecurityHeaders, hsts=hub.settings.public_url.startswith("https://"))
    bulk = max(BULK_MAX_BODY_BYTES, hub.settings.max_body_bytes)
    app.add_middleware(
        BodyLimit,
        max_bytes=hub.settings.max_body_bytes,
        refuse=too_large,
        larger={BULK_PATH: bulk},
    )


def _install_rate_limits(app: FastAPI, hub: Hub) -> None:
    settings = hub.settings
    window = timedelta(seconds=settings.rate_limit_window_seconds)
    per_key = Limit(settings.rate_limit_per_key, window)
    per_session = Limit(settings.rate_limit_per_session, window)
    per_address = Limit(settings.rate_limit_per_address, window)

    def buckets(scope: Scope) -> list[tuple[str, Limit]]:
        key, session = credentials_of(scope)
        found = [(bucket("key", key, vault=hub.vault), per_key)] if key else []
        if (scope["method"], scope["path"]) in LIMITED_ACTIONS:
            if session:
                found.append((bucket("session", session, vault=hub.vault), per_session))
            client = scope.get("client")
            if client:  # behind a proxy: uvicorn's --proxy-headers gives the real address
                found.append((bucket("address", str(client[0]), vault=hub.vault), per_address))
        return found

    async def admitted(wanted: list[tuple[str, Limit]]) -> int | None:
        # The database store writes: off the event loop.
        return await anyio.to_thread.run_sync(
            lambda: admit(wanted, store=hub.rate_limit_store, clock=hub.clock)
        )

    async def too_many(request: Request, wait: int) -> Response:
        headers = {"Retry-After": str(wait)}
        if wants_page(request):
            page = render(request, app.state.portal, "too_many_requests.html", status=429)
            page.headers.update(headers)
            return page
        detail = f"Too many requests: try again in {wait} seconds"
        return problem(429, "Too many requests", detail, slug="too-many-requests", headers=headers)

    app.add_middleware(
        RateLimit,
        buckets=buckets,
        admit=admitted,
        refuse=too_many,
        outage=database_unavailable_problem,
    )
