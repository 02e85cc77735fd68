"""Organisation settings (``/console/settings``, managers only): the webhook endpoint and its
health, the signing secret, API keys (shown once) and the organisation's staff."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tellonce.domain.errors import InvalidInput, NotFound
from tellonce.entrypoints.console.web import (
    StaffDep,
    StaffPortalDep,
    error_list,
    field_errors,
    page,
)
from tellonce.entrypoints.portal.rendering import redirect
from tellonce.entrypoints.portal.security import PostedDep
from tellonce.service_layer import console, staff
from tellonce.service_layer.ports.console import StaffMember

router = APIRouter(include_in_schema=False)
NOTICES = {
    "revoked": "API key revoked: it stops working at once",
    "invited": "Member added: they can sign in now",
    "removed": "Member removed: their sessions have ended",
}


def _settings_page(
    request: Request,
    portal: StaffPortalDep,
    member: StaffMember,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    state = console.settings(member, uow_factory=portal.hub.console_uow)
    with portal.hub.uow() as uow:  # the catalogue's name for the organisation
        organisation = uow.catalogue.current().recipients.get(member.recipient_id or "")
    context = {
        "title": "Organisation settings",
        "state": state,
        "organisation": organisation,
        "roles": staff.RECIPIENT_ROLES,
        "notice": NOTICES.get(request.query_params.get("done", "")),
        **(extra or {}),
    }
    return page(request, portal, "console_settings.html", context, member=member, status=status)


@router.get("/console/settings")
def settings(request: Request, portal: StaffPortalDep, member: StaffDep) -> HTMLResponse:
    return _settings_page(request, portal, member)


def _shown_once(
    request: Request, portal: StaffPortalDep, member: StaffMember, what: str, value: str
) -> HTMLResponse:
    return page(
        request,
        portal,
        "console_secret.html",
        {"title": what, "what": what, "value": value},
        member=member,
    )


def _attempt(
    request: Request,
    portal: StaffPortalDep,
    member: StaffMember,
    action: Callable[[], Response],
    values: dict[str, str],
) -> Response:
    try:
        return action()
    except InvalidInput as error:
        extra = {
            "errors": error_list(error.problems),
            "field_errors": field_errors(error.problems),
            "values": values,
        }
        return _settings_page(request, portal, member, extra, 400)
    except NotFound as error:
        extra = {"errors": [{"text": str(error), "href": "#endpoint"}], "values": values}
        return _settings_page(request, portal, member, extra, 400)


@router.post("/console/settings/endpoint")
def set_endpoint(
    request: Request, portal: StaffPortalDep, member: StaffDep, form: PostedDep
) -> Response:
    hub = portal.hub

    def act() -> Response:
        secret = console.set_endpoint(
            member,
            form.get("url"),
            uow_factory=hub.console_uow,
            vault=hub.vault,
            clock=hub.clock,
            destinations=hub.destinations,
        )
        return _shown_once(request, portal, member, "Your new signing secret", secret)

    return _attempt(request, portal, member, act, {"url": form.get("url")})


@router.post("/console/settings/secret")
def rotate_secret(
    request: Request,
    portal: StaffPortalDep,
    member: StaffDep,
    form: PostedDep,  # noqa: ARG001 - CSRF checked
) -> Response:
    hub = portal.hub

    def act() -> Response:
        secret = console.rotate_secret(
            member, uow_factory=hub.console_uow, vault=hub.vault, clock=hub.clock
        )
        return _shown_once(request, portal, member, "Your new signing secret", secret)

    return _attempt(request, portal, member, act, {})


@router.post("/console/settings/keys")
def create_key(
    request: Request, portal: StaffPortalDep, member: StaffDep, form: PostedDep
) -> Response:
    hub = portal.hub

    def act() -> Response:
        issued = console.create_key(
            member,
            form.get("environment"),
            form.get("label"),
            uow_factory=hub.console_uow,
            clock=hub.clock,
        )
        return _shown_once(request, portal, member, "Your new API key", issued.key)

    values = {"label": form.get("label"), "environment": form.get("environment")}
    return _attempt(request, portal, member, act, values)


@router.post("/console/settings/keys/revoke")
def revoke_key(
    request: Request, portal: StaffPortalDep, member: StaffDep, form: PostedDep
) -> Response:
    hub = portal.hub

    def act() -> Response:
        console.revoke_key(member, form.get("prefix"), uow_factory=hub.console_uow, clock=hub.clock)
        return redirect("/console/settings?done=revoked")

    return _attempt(request, portal, member, act, {})


@router.post("/console/settings/staff")
def invite(request: Request, portal: StaffPortalDep, member: StaffDep, form: PostedDep) -> Response:
    hub = portal.hub

    def act() -> Response:
        staff.add_staff(
            form.get("email"),
            form.get("name"),
            form.get("role"),
            member.recipient_id,
            uow=hub.console_uow(),
            clock=hub.clock,
            by=member,
        )
        return redirect("/console/settings?done=invited")

    values = {k: form.get(k) for k in ("email", "name", "role")}
    return _attempt(request, portal, member, act, values)


@router.post("/console/settings/staff/remove")
def remove(request: Request, portal: StaffPortalDep, member: StaffDep, form: PostedDep) -> Response:
    hub = portal.hub

    def act() -> Response:
        try:
            staff_id = uuid.UUID(form.get("member"))
        except ValueError:
            raise NotFound("There is no such member of your organisation") from None
        staff.remove_staff(staff_id, by=member, uow=hub.console_uow(), clock=hub.clock)
        return redirect("/console/settings?done=removed")

    return _attempt(request, portal, member, act, {})
