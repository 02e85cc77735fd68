"""``/readyz`` and ``/metrics``, beside ``/healthz`` (the API's liveness route).

Neither is in ``/openapi.json``: they are for the operator's load balancer and Prometheus,
not for citizens or recipients, and the reverse proxy should not publish ``/metrics``.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response

from tellonce.bootstrap import Hub, metrics_exposition
from tellonce.entrypoints.api.problems import PROBLEM_JSON, RETRY_AFTER_SECONDS


def install_operations(app: FastAPI, hub: Hub) -> None:
    registry = hub.metrics_registry()

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        readiness = hub.readiness()
        checks = {c.name: {"ok": c.ok, "detail": c.detail} for c in readiness.checks}
        if readiness.ready:
            return JSONResponse({"status": "ready", "checks": checks})
        failing = ", ".join(c.name for c in readiness.checks if not c.ok)
        return JSONResponse(
            {
                "type": "/problems/service-unavailable",
                "title": "Not ready",
                "status": 503,
                "detail": f"failing: {failing}",
                "checks": checks,
            },
            status_code=503,
            media_type=PROBLEM_JSON,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"},
        )

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        body, content_type = metrics_exposition(registry)
        return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})
