"""The journey in progress for this browser: an opaque id in a cookie, sealed answers behind it."""

from __future__ import annotations

import uuid

from fastapi import Request
from fastapi.responses import Response

from tellonce.entrypoints.portal.context import Portal
from tellonce.entrypoints.portal.security import DRAFT_COOKIE, cookie_name, draft_id
from tellonce.entrypoints.portal.state import JourneyState
from tellonce.service_layer.portal_drafts import (
    discard_draft,
    load_draft,
    save_draft,
    start_draft,
)
from tellonce.service_layer.ports.identity import Account


class NoJourney(Exception):
    """No answers in progress (never started, expired, or already sent)."""


def current_state(
    request: Request, portal: Portal, account: Account
) -> tuple[uuid.UUID, JourneyState]:
    found = draft_id(request)
    if found is None:
        raise NoJourney
    hub = portal.hub
    data = load_draft(found, account=account, uow=hub.uow(), vault=hub.vault, clock=hub.clock)
    state = JourneyState.from_json(data) if data is not None else None
    if state is None:
        raise NoJourney
    return found, state


def save_state(portal: Portal, account: Account, found: uuid.UUID, state: JourneyState) -> None:
    hub = portal.hub
    saved = save_draft(
        found, state.to_json(), account=account, uow=hub.uow(), vault=hub.vault, clock=hub.clock
    )
    if not saved:
        raise NoJourney


def start_state(portal: Portal, account: Account, state: JourneyState, response: Response) -> None:
    hub = portal.hub
    new_id = start_draft(
        state.to_json(), account=account, uow=hub.uow(), vault=hub.vault, clock=hub.clock
    )
    response.set_cookie(
        cookie_name(portal, DRAFT_COOKIE),
        str(new_id),
        path="/",
        secure=portal.secure_cookies,
        httponly=True,
        samesite="lax",
    )


def end_state(portal: Portal, account: Account, found: uuid.UUID, response: Response) -> None:
    discard_draft(found, account=account, uow=portal.hub.uow())
    response.delete_cookie(
        cookie_name(portal, DRAFT_COOKIE), path="/", secure=portal.secure_cookies
    )
