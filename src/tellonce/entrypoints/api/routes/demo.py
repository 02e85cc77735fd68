"""/api/v1/demo — conveniences that exist only in demo mode."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, status

from tellonce.entrypoints.api.dependencies import HubDep
from tellonce.entrypoints.api.schemas import DemoSessionIn, SessionOut
from tellonce.service_layer.identity import start_session

router = APIRouter(prefix="/api/v1/demo", tags=["demo"])


@router.post(
    "/sessions",
    status_code=status.HTTP_201_CREATED,
    summary="Sign in as a demo citizen (demo mode only)",
)
def demo_session(hub: HubDep, body: DemoSessionIn | None = None) -> SessionOut:
    # The same name signs in as the same demo citizen; no name makes a new one.
    subject = (body.name if body and body.name else None) or secrets.token_hex(8)
    issued = start_session(
        "demo",
        subject,
        uow_factory=hub.uow,
        vault=hub.vault,
        clock=hub.clock,
        lifetime=hub.session_lifetime,
    )
    return SessionOut(token=issued.token, expires_in=int(hub.session_lifetime.total_seconds()))
