"""FastAPI dependencies: the hub, and who is calling."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tellonce.bootstrap import Hub
from tellonce.domain.errors import NotAuthenticated
from tellonce.service_layer.identity import authenticate_citizen, authenticate_recipient
from tellonce.service_layer.ports import Account

_bearer = HTTPBearer(auto_error=False, description="A citizen session token or a recipient key")


def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


HubDep = Annotated[Hub, Depends(get_hub)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def current_citizen(hub: HubDep, credentials: Credentials) -> Account:
    if credentials is None:
        raise NotAuthenticated("Sign in to continue: send Authorization: Bearer <session token>")
    return authenticate_citizen(credentials.credentials, uow=hub.uow(), clock=hub.clock)


def current_recipient(hub: HubDep, credentials: Credentials) -> str:
    if credentials is None:
        raise NotAuthenticated("Send Authorization: Bearer <recipient API key>")
    return authenticate_recipient(credentials.credentials, uow=hub.uow())


CitizenDep = Annotated[Account, Depends(current_citizen)]
RecipientDep = Annotated[str, Depends(current_recipient)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Repeat a POST safely: the same key returns the first result for 24 hours",
    ),
]
