"""The hub's administration (``/admin``, operators): the catalogue in force, its history and
four-eyes proposals; delivery operations. No page here shows a citizen's personal data."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException

from tellonce.domain.areas import Nation
from tellonce.domain.catalogue import Channel, RecipientKind
from tellonce.domain.errors import Conflict, InvalidInput, NotFound
from tellonce.entrypoints.console.web import (
    StaffDep,
    StaffPortalDep,
    error_list,
    field_errors,
    page,
)
from tellonce.entrypoints.portal.rendering import redirect
from tellonce.entrypoints.portal.security import PostedDep
from tellonce.service_layer import administration
from tellonce.service_layer.ports.console import StaffMember
from tellonce.service_layer.staff import Forbidden

router = APIRouter(include_in_schema=False)
NOTICES = {
    "proposed": "Change proposed: another operator must approve it before it takes effect",
    "approved": "Change approved and in force",
    "rejected": "Change rejected",
    "replayed": "Dead-lettered deliveries queued again",
    "disabled": "Endpoint disabled: its pushes wait until it is enabled",
    "enabled": "Endpoint enabled: waiting pushes are sent again",
}
DONE = {"approve": "approved", "reject": "rejected"}


def _catalogue_page(
    request: Request,
    portal: StaffPortalDep,
    member: StaffMember,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    state = administration.catalogue_state(member, uow_factory=portal.hub.console_uow)
    by_recipient: dict[str, list[Any]] = {}
    for agreement in sorted(state.catalogue.agreements, key=lambda a: a.id):
        by_recipient.setdefault(agreement.recipient_id, []).append(agreement)
    context = {
        "title": "Catalogue",
        "state": state,
        "by_recipient": by_recipient,
        "notice": NOTICES.get(request.query_params.get("done", "")),
        **(extra or {}),
    }
    return page(request, portal, "admin_catalogue.html", context, member=member, status=status)


@router.get("/admin")
def catalogue(request: Request, portal: StaffPortalDep, member: StaffDep) -> HTMLResponse:
    return _catalogue_page(request, portal, member)


def _fields_text(fields: dict[str, tuple[str, ...]]) -> str:
    return "\n".join(f"{event}: {', '.join(paths)}" for event, paths in fields.items())


def parse_fields(text: str) -> dict[str, tuple[str, ...]]:
    """``event-type: path, path`` per line, as the form shows them."""
    fields: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        event, _, paths = line.partition(":")
        fields[event.strip()] = tuple(p.strip() for p in paths.split(",") if p.strip())
    return fields


def _agreement(portal: StaffPortalDep, member: StaffMember, agreement_id: str) -> Any:
    state = administration.catalogue_state(member, uow_factory=portal.hub.console_uow)
    found = {a.id: a for a in state.catalogue.agreements}.get(agreement_id)
    if found is None:
        raise HTTPException(404)
    return found


@router.get("/admin/catalogue/{agreement_id}/change")
def change_page(
    request: Request, portal: StaffPortalDep, member: StaffDep, agreement_id: str
) -> HTMLResponse:
    agreement = _agreement(portal, member, agreement_id)
    values = {
        "title": agreement.title,
        "purpose": agreement.purpose.description,
        "retention": agreement.retention,
        "fields": _fields_text(dict(agreement.fields)),
    }
    context = {
        "title": f"Propose a change to {agreement.title}",
        "agreement": agreement,
        "values": values,
    }
    return page(request, portal, "admin_change.html", context, member=member)


@router.post("/admin/catalogue/{agreement_id}/change")
def propose_change(
    request: Request, portal: StaffPortalDep, member: StaffDep, agreement_id: str, form: PostedDep
) -> Response:
    hub = portal.hub
    values = {k: form.get(k) for k in ("title", "purpose", "retention", "fields")}
    change = administration.AgreementChange(
        values["title"], values["purpose"], values["retention"], parse_fields(values["fields"])
    )
    try:
        administration.propose_agreement_change(
            member, agreement_id, change, uow_factory=hub.console_uow, clock=hub.clock
        )
    except NotFound:
        raise HTTPException(404) from None
    except InvalidInput as error:
        agreement = _agreement(portal, member, agreement_id)
        context = {
            "title": f"Propose a change to {agreement.title}",
            "agreement": agreement,
            "values": values,
            "errors": error_list(error.problems),
            "field_errors": field_errors(error.problems),
        }
        return page(request, portal, "admin_change.html", context, member=member, status=400)
    return redirect("/admin?done=proposed")


@router.post("/admin/catalogue/{agreement_id}/retire")
def propose_retirement(
    portal: StaffPortalDep,
    member: StaffDep,
    agreement_id: str,
    form: PostedDep,  # noqa: ARG001 - CSRF checked
) -> Response:
    hub = portal.hub
    try:
        administration.propose_retirement(
            member, agreement_id, uow_factory=hub.console_uow, clock=hub.clock
        )
    except NotFound:
        raise HTTPException(404) from None
    return redirect("/admin?done=proposed")


def _recipient_context(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": "Propose a new recipient",
        "values": values,
        "kinds": [k.value for k in RecipientKind],
        "channels": [c.value for c in Channel],
        "nations": [n.value for n in Nation],
    }


@router.get("/admin/recipients/new")
def recipient_page(request: Request, portal: StaffPortalDep, member: StaffDep) -> HTMLResponse:
    administration.catalogue_state(member, uow_factory=portal.hub.console_uow)  # operators only
    return page(request, portal, "admin_recipient.html", _recipient_context({}), member=member)


@router.post("/admin/recipients/new")
def propose_recipient(
    request: Request, portal: StaffPortalDep, member: StaffDep, form: PostedDep
) -> Response:
    hub = portal.hub
    values: dict[str, Any] = {
        k: form.get(k).strip() for k in ("id", "name", "controller", "kind", "channel")
    }
    values["nations"] = form.getlist("nations")
    try:
        recipient = administration.new_recipient(
            values["id"],
            values["name"],
            values["controller"],
            values["kind"],
            values["channel"],
            values["nations"],
        )
        administration.propose_recipient(
            member, recipient, uow_factory=hub.console_uow, clock=hub.clock
        )
    except InvalidInput as error:
        context = {
            **_recipient_context(values),
            "errors": error_list(error.problems),
            "field_errors": field_errors(error.problems),
        }
        return page(request, portal, "admin_recipient.html", context, member=member, status=400)
    return redirect("/admin?done=proposed")


@router.post("/admin/proposals/{proposal_id}/{decision}")
def decide(
    request: Request,
    portal: StaffPortalDep,
    member: StaffDep,
    proposal_id: uuid.UUID,
    decision: str,
    form: PostedDep,  # noqa: ARG001 - CSRF checked
) -> Response:
    if decision not in ("approve", "reject"):
        raise HTTPException(404)
    hub = portal.hub
    try:
        administration.decide(
            member,
            proposal_id,
            approve=decision == "approve",
            uow_factory=hub.console_uow,
            clock=hub.clock,
        )
    except NotFound:
        raise HTTPException(404) from None
    except (Conflict, Forbidden) as error:
        errors = [{"text": str(error), "href": f"#proposal-{proposal_id}"}]
        return _catalogue_page(
            request,
            portal,
            member,
            {"errors": errors},
            403 if isinstance(error, Forbidden) else 409,
        )
    return redirect(f"/admin?done={DONE[decision]}")


@router.get("/admin/deliveries")
def deliveries(request: Request, portal: StaffPortalDep, member: StaffDep) -> HTMLResponse:
    hub = portal.hub
    overview = administration.delivery_overview(
        member, uow_factory=hub.console_uow, clock=hub.clock
    )
    with hub.uow() as uow:
        catalogue = uow.catalogue.current()
        endpoints = {rid: uow.endpoints.get(rid) for rid in catalogue.recipients}
    stuck: dict[str, int] = {}
    for record in overview.stuck:
        stuck[record.recipient_id] = stuck.get(record.recipient_id, 0) + 1
    context = {
        "title": "Deliveries",
        "overview": overview,
        "catalogue": catalogue,
        "endpoints": endpoints,
        "stuck": stuck,
        "now": hub.clock.now(),
        "notice": NOTICES.get(request.query_params.get("done", "")),
    }
    return page(request, portal, "admin_deliveries.html", context, member=member)


@router.post("/admin/deliveries/{recipient_id}/{action}")
def delivery_action(
    portal: StaffPortalDep,
    member: StaffDep,
    recipient_id: str,
    action: str,
    form: PostedDep,  # noqa: ARG001 - CSRF checked
) -> Response:
    hub = portal.hub
    try:
        if action == "replay":
            administration.replay(
                member, recipient_id, uow_factory=hub.console_uow, clock=hub.clock
            )
            return redirect("/admin/deliveries?done=replayed")
        if action in ("disable", "enable"):
            administration.set_endpoint_enabled(
                member,
                recipient_id,
                action == "enable",
                uow_factory=hub.console_uow,
                clock=hub.clock,
            )
            return redirect(f"/admin/deliveries?done={action}d")
    except NotFound:
        raise HTTPException(404) from None
    raise HTTPException(404)


@router.get("/admin/rights")
def rights(request: Request, portal: StaffPortalDep, member: StaffDep) -> HTMLResponse:
    """Citizens' rights requests and their statutory deadlines (docs/rights.md)."""
    hub = portal.hub
    overview = administration.rights_overview(member, uow_factory=hub.console_uow, clock=hub.clock)
    context = {"title": "Rights requests", "overview": overview}
    return page(request, portal, "admin_rights.html", context, member=member)
