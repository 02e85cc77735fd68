"""The HTTP application: API routes, problem+json errors, one hub per process."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from tellonce.bootstrap import Hub
from tellonce.entrypoints.api import problems
from tellonce.entrypoints.api.routes import demo, recipients, reports, schemas, your_data
from tellonce.entrypoints.api.routes import log as log_routes
from tellonce.entrypoints.log_sequencer import run_log_sequencer
from tellonce.entrypoints.portal.app import install_portal
from tellonce.entrypoints.worker import run_worker

DESCRIPTION = """
Report a life event once; tellonce tells every public body entitled to know — and only what
each is entitled to. Errors are RFC 9457 `application/problem+json` naming the field at fault.
"""


def create_app(hub: Hub, *, background: bool = False) -> FastAPI:
    """The app. ``background`` runs the delivery worker and the log sequencer in this process
    (the embedded SQLite default)."""

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

    app = FastAPI(
        lifespan=lifespan,
        title="tellonce",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.hub = hub
    problems.install(app)
    problems.document(app)
    app.include_router(reports.router)
    app.include_router(schemas.router)
    app.include_router(recipients.router)
    app.include_router(your_data.router)
    app.include_router(log_routes.router)
    if hub.settings.allows_demo_sign_in:
        app.include_router(demo.router)

    @app.get("/healthz", tags=["operations"], summary="Liveness")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    install_portal(app, hub)
    return app
