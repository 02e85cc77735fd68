"""The start page, signing in and out, and the pages every GOV.UK service must have."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tellonce.domain.catalogue import Agreement, Recipient
from tellonce.entrypoints.portal.display import event_title, field_label
from tellonce.entrypoints.portal.i18n import N_, Gettext
from tellonce.entrypoints.portal.rendering import language_of, redirect, render, set_cookie
from tellonce.entrypoints.portal.security import (
    DRAFT_COOKIE,
    SESSION_COOKIE,
    AccountDep,
    PortalDep,
    PostedDep,
    safe_next,
)
from tellonce.service_layer.identity import end_session, start_session
from tellonce.service_layer.your_data import agreements_in_force

router = APIRouter(include_in_schema=False)


@router.get("/")
def start(request: Request, portal: PortalDep) -> HTMLResponse:
    return render(request, portal, "start.html")


@router.get("/sign-in")
def sign_in_page(request: Request, portal: PortalDep, next: str = "/report") -> HTMLResponse:  # noqa: A002 - the query parameter's name
    return render(request, portal, "sign_in.html", {"next_path": safe_next(next)})


@router.post("/sign-in")
def sign_in(request: Request, portal: PortalDep, form: PostedDep) -> Response:
    if not portal.demo:
        return render(request, portal, "sign_in.html", {"next_path": "/report"}, status=403)
    name = " ".join(form.get("demo-name").split())[:100]
    hub = portal.hub
    # The same demo name signs in as the same demo citizen; no name makes a new one.
    issued = start_session(
        "demo",
        name.casefold() or secrets.token_hex(8),
        uow_factory=hub.uow,
        vault=hub.vault,
        clock=hub.clock,
        lifetime=hub.session_lifetime,
    )
    response = redirect(safe_next(form.get("next")))
    max_age = int(hub.session_lifetime.total_seconds())
    set_cookie(response, portal, SESSION_COOKIE, issued.token, max_age=max_age)
    return response


@router.post("/sign-out")
def sign_out(
    request: Request,
    portal: PortalDep,
    form: PostedDep,  # noqa: ARG001 - CSRF checked
) -> RedirectResponse:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        end_session(token, uow=portal.hub.uow())
    response = redirect("/signed-out")
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(DRAFT_COOKIE, path="/")
    return response


@router.get("/signed-out")
def signed_out(request: Request, portal: PortalDep) -> HTMLResponse:
    return render(request, portal, "signed_out.html")


@router.get("/accessibility")
def accessibility(request: Request, portal: PortalDep) -> HTMLResponse:
    return render(request, portal, "accessibility.html")


@router.get("/cookies")
def cookies(request: Request, portal: PortalDep) -> HTMLResponse:
    return render(request, portal, "cookies.html")


@dataclass(frozen=True, slots=True)
class NoticeEntry:
    agreement: Agreement
    events: list[tuple[str, list[str]]]  # (event title, field labels)


@dataclass(frozen=True, slots=True)
class NoticeRecipient:
    recipient: Recipient
    entries: list[NoticeEntry]


@router.get("/privacy")
def privacy(request: Request, portal: PortalDep) -> HTMLResponse:
    """The privacy notice, generated from the catalogue in force: who gets what, and why."""
    _ = portal.gettext(language_of(request))
    catalogue = agreements_in_force(portal.hub.uow())
    by_recipient: dict[str, list[NoticeEntry]] = {}
    for agreement in sorted(catalogue.agreements, key=lambda a: a.title):
        by_recipient.setdefault(agreement.recipient_id, []).append(_entry(agreement, _))
    recipients = sorted(
        (
            NoticeRecipient(catalogue.recipient(rid), entries)
            for rid, entries in by_recipient.items()
        ),
        key=lambda r: r.recipient.name,
    )
    return render(request, portal, "privacy.html", {"recipients": recipients})


def _entry(agreement: Agreement, _: Gettext) -> NoticeEntry:
    events = [
        (event_title(event, _), [field_label(path, _) for path in paths])
        for event, paths in sorted(agreement.fields.items())
    ]
    return NoticeEntry(agreement, events)


RIGHTS = {
    "access": N_("Get a copy of your data"),
    "rectification": N_("Correct your data"),
    "erasure": N_("Delete your data"),
    "restriction": N_("Limit how your data is used"),
    "objection": N_("Object to how your data is used"),
}


@router.get("/your-data/rights/{right}", response_model=None)
def right(
    request: Request,
    portal: PortalDep,
    account: AccountDep,  # noqa: ARG001 - signed in only
    right: str,
) -> HTMLResponse | RedirectResponse:
    if right not in RIGHTS:
        return render(request, portal, "not_found.html", status=404)
    if right == "access":  # answered at once: the download on the Your data page
        return RedirectResponse("/your-data#download", status_code=303)
    return render(request, portal, "right.html", {"right": right, "right_title": RIGHTS[right]})
