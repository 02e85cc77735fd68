"""The HTTP API: its routes, problem+json errors and OpenAPI description, installed into the
process's ASGI application (``entrypoints.asgi`` builds that, with the portal beside it)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from tellonce.bootstrap import Hub
from tellonce.entrypoints.api import openapi, problems
from tellonce.entrypoints.api.routes import assistant as assistant_routes
from tellonce.entrypoints.api.routes import (
    corrections,
    demo,
    recipients,
    registrar,
    reports,
    rights,
    schemas,
    your_data,
)
from tellonce.entrypoints.api.routes import log as log_routes

DESCRIPTION = """
Report a life event once; tellonce tells every public body entitled to know — and only what
each is entitled to. Errors are RFC 9457 `application/problem+json` naming the field at fault.
A report's `payload` is shaped by its `event_type`: each life event's JSON Schema is served at
`/api/v1/schemas/{event_type}/v1.json` and included below.
"""

# What the FastAPI application is made with: the API's name and where its description is served.
API_METADATA: dict[str, Any] = {
    "title": "tellonce",
    "version": "1.0.0",
    "description": DESCRIPTION,
    "openapi_url": "/openapi.json",
    "docs_url": "/api/docs",
    "redoc_url": None,
}


def install_api(app: FastAPI, hub: Hub) -> None:
    """The API's routes and its problem+json errors (the portal's pages come after)."""
    app.state.hub = hub
    problems.install(app)
    problems.document(app)
    openapi.describe(app)
    app.include_router(reports.router)
    app.include_router(registrar.router)
    app.include_router(schemas.router)
    app.include_router(recipients.router)
    app.include_router(your_data.router)
    app.include_router(rights.router)
    app.include_router(corrections.router)
    app.include_router(log_routes.router)
    app.include_router(assistant_routes.router)
    if hub.settings.allows_demo_sign_in:
        app.include_router(demo.router)

    @app.get("/healthz", tags=["operations"], summary="Liveness")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}
