"""The HTTP application: API routes, problem+json errors, one hub per process."""

from __future__ import annotations

from fastapi import FastAPI

from tellonce.bootstrap import Hub
from tellonce.entrypoints.api import problems
from tellonce.entrypoints.api.routes import demo, reports, schemas

DESCRIPTION = """
Report a life event once; tellonce tells every public body entitled to know — and only what
each is entitled to. Errors are RFC 9457 `application/problem+json` naming the field at fault.
"""


def create_app(hub: Hub) -> FastAPI:
    app = FastAPI(
        title="tellonce",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.hub = hub
    problems.install(app)
    app.include_router(reports.router)
    app.include_router(schemas.router)
    if hub.settings.allows_demo_sign_in:
        app.include_router(demo.router)

    @app.get("/healthz", tags=["operations"], summary="Liveness")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
