"""FastAPI dependencies: the hub, and who is calling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tellonce.bootstrap import Hub
from tellonce.domain.errors import FieldProblem, InvalidInput, NotAuthenticated
from tellonce.domain.references import normalise_reference
from tellonce.service_layer.identity import (
    ACKNOWLEDGE,
    FEED,
    RecipientCaller,
    authenticate_citizen,
    authenticate_recipient,
)
from tellonce.service_layer.ports.identity import Account

_bearer = HTTPBearer(auto_error=False, description="A citizen session token or a recipient key")


def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


HubDep = Annotated[Hub, Depends(get_hub)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def current_citizen(hub: HubDep, credentials: Credentials) -> Account:
    if credentials is None:
        raise NotAuthenticated("Sign in to continue: send Authorization: Bearer <session token>")
    return authenticate_citizen(
        credentials.credentials,
        uow=hub.read_uow(),
        clock=hub.clock,
        idle=hub.session_idle,
        seen=hub.uow,
    )


def recipient_with(
    scope: str,
) -> Callable[[Hub, HTTPAuthorizationCredentials | None], RecipientCaller]:
    """A dependency: the recipient calling with an API key that has ``scope`` (ADR 0089)."""

    def current_recipient(hub: HubDep, credentials: Credentials) -> RecipientCaller:
        if credentials is None:
            raise NotAuthenticated(
                f"Send Authorization: Bearer <recipient API key with the {scope} scope>"
            )
        return authenticate_recipient(credentials.credentials, uow=hub.read_uow(), scope=scope)

    return current_recipient


CitizenDep = Annotated[Account, Depends(current_citizen)]
# A recipient reading its feed (disclosures, notices, corrections): the ``feed`` scope.
FeedReader = Annotated[RecipientCaller, Depends(recipient_with(FEED))]
# A recipient acknowledging or reporting an outcome: the ``acknowledge`` scope.
Acknowledger = Annotated[RecipientCaller, Depends(recipient_with(ACKNOWLEDGE))]
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


def report_reference(
    reference: Annotated[
        str,
        Path(
            max_length=20,
            examples=["TLO-33Q3-3GRW"],
            description="A report reference; any case, spaces and hyphens are ignored",
        ),
    ],
) -> str:
    """The reference, written the hub's way; one that cannot be a reference is a problem at
    ``#/path/reference`` (a well-formed one that is not the caller's is a 404)."""
    normalised = normalise_reference(reference)
    if normalised is None:
        raise InvalidInput(
            [FieldProblem(("path", "reference"), "Enter a report reference like TLO-33Q3-3GRW")]
        )
    return normalised


ReportReference = Annotated[str, Depends(report_reference)]
