"""The start page, signing in and out, and the pages every GOV.UK service must have."""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tellonce.domain.catalogue import Agreement, Recipient
from tellonce.entrypoints.portal.context import Portal
from tellonce.entrypoints.portal.display import event_title, field_label
from tellonce.entrypoints.portal.i18n import N_, Gettext
from tellonce.entrypoints.portal.rendering import (
    delete_cookie,
    language_of,
    redirect,
    render,
    set_cookie,
)
from tellonce.entrypoints.portal.security import (
    DRAFT_COOKIE,
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    AccountDep,
    PortalDep,
    PostedDep,
    read_cookie,
    safe_next,
)
from tellonce.service_layer.identity import end_session, sign_in_secrets, start_session
from tellonce.service_layer.ports.identity import SignInFailed
from tellonce.service_layer.your_data import agreements_in_force

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)
# How long a sign-in at the provider may take before the browser forgets it began.
SIGN_IN_SECONDS = 600


@router.get("/")
def start(request: Request, portal: PortalDep) -> HTMLResponse:
    return render(request, portal, "start.html")


@router.get("/sign-in", response_model=None)
def sign_in_page(
    request: Request,
    portal: PortalDep,
    next: str = "/report",  # noqa: A002 - the query parameter's name
) -> HTMLResponse | RedirectResponse:
    # Outside demo mode, straight to the identity provider (as services on One Login do).
    if not portal.demo and portal.hub.identity_provider is not None:
        return _to_provider(portal, safe_next(next))
    return render(
        request,
        portal,
        "sign_in.html",
        {"next_path": safe_next(next), "provider": portal.hub.identity_provider is not None},
    )


@router.get("/sign-in/provider")
def sign_in_with_provider(
    portal: PortalDep,
    next: str = "/report",  # noqa: A002 - the query parameter's name
) -> Response:
    """The demo sign-in page's "Sign in with your identity provider" link."""
    if portal.hub.identity_provider is None:
        return redirect("/sign-in")
    return _to_provider(portal, safe_next(next))


def _to_provider(portal: Portal, next_path: str) -> RedirectResponse:
    provider = portal.hub.identity_provider
    assert provider is not None
    # The browser keeps a random seed (and where to go after); state, nonce and the PKCE
    # verifier are derived from it under the index key, so nothing is stored server-side.
    seed = secrets.token_urlsafe(32)
    url = provider.authorization_url(sign_in_secrets(seed, vault=portal.hub.vault))
    response = redirect(url)
    # SameSite=Lax: the provider's redirect back is a top-level GET from another site.
    set_cookie(response, portal, SIGN_IN_COOKIE, f"{seed} {next_path}", max_age=SIGN_IN_SECONDS)
    return response


@router.get("/sign-in/callback")
def sign_in_callback(request: Request, portal: PortalDep) -> Response:
    """The provider's answer: check state, swap the code (with the PKCE verifier), validate
    the ID token (signature, issuer, audience, expiry, nonce), start a new session."""
    provider = portal.hub.identity_provider
    kept = read_cookie(request, portal, SIGN_IN_COOKIE)
    code = request.query_params.get("code")
    state = request.query_params.get("state", "")
    if provider is None or not kept or " " not in kept:
        return _sign_in_failed(request, portal)
    seed, _, next_path = kept.partition(" ")
    expected = sign_in_secrets(seed, vault=portal.hub.vault)
    if not code or not hmac.compare_digest(state.encode(), expected.state.encode()):
        return _sign_in_failed(request, portal)
    try:
        identity = provider.complete(code, expected)
    except SignInFailed as error:
        log.warning("sign-in refused: %s", error)
        return _sign_in_failed(request, portal)
    response = redirect(safe_next(next_path))
    _issue_session(request, portal, response, identity.issuer, identity.subject, identity.vot)
    delete_cookie(response, portal, SIGN_IN_COOKIE)
    return response


def _sign_in_failed(request: Request, portal: Portal) -> Response:
    response = render(request, portal, "sign_in_failed.html", status=400)
    delete_cookie(response, portal, SIGN_IN_COOKIE)
    return response


def _issue_session(
    request: Request,
    portal: Portal,
    response: Response,
    issuer: str,
    subject: str,
    vot: str | None,
) -> None:
    hub = portal.hub
    issued = start_session(
        issuer,
        subject,
        uow_factory=hub.uow,
        vault=hub.vault,
        clock=hub.clock,
        lifetime=hub.session_lifetime,
        vot=vot,
        replacing=read_cookie(request, portal, SESSION_COOKIE),
    )
    max_age = int(hub.session_lifetime.total_seconds())
    set_cookie(response, portal, SESSION_COOKIE, issued.token, max_age=max_age)
    # A draft belongs to the session that started it.
    delete_cookie(response, portal, DRAFT_COOKIE)


@router.post("/sign-in")
def sign_in(request: Request, portal: PortalDep, form: PostedDep) -> Response:
    if not portal.demo:
        return render(request, portal, "sign_in.html", {"next_path": "/report"}, status=403)
    name = " ".join(form.get("demo-name").split())[:100]
    response = redirect(safe_next(form.get("next")))
    # The same demo name signs in as the same demo citizen; no name makes a new one.
    _issue_session(request, portal, response, "demo", name.casefold() or secrets.token_hex(8), None)
    return response


@router.post("/sign-out")
def sign_out(
    request: Request,
    portal: PortalDep,
    form: PostedDep,  # noqa: ARG001 - CSRF checked
) -> RedirectResponse:
    token = read_cookie(request, portal, SESSION_COOKIE)
    via = end_session(token, uow=portal.hub.uow()) if token else None
    provider = portal.hub.identity_provider
    # Signed in at the provider: sign out there too, which comes back to /signed-out.
    there = (
        provider.end_session_url(f"{portal.hub.settings.public_url}/signed-out")
        if via == "oidc" and provider is not None
        else None
    )
    response = redirect(there or "/signed-out")
    delete_cookie(response, portal, SESSION_COOKIE)
    delete_cookie(response, portal, DRAFT_COOKIE)
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
