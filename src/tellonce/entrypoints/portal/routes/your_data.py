"""What the citizen can see about their own data: every disclosure, consents, and messages.

Here they can also withdraw a consent they gave (as easily as they gave it) and download a
copy of everything the hub holds about them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from babel.dates import format_date
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tellonce.domain.errors import Conflict, NotFound
from tellonce.entrypoints.portal.context import Portal
from tellonce.entrypoints.portal.display import event_title, field_label
from tellonce.entrypoints.portal.i18n import N_
from tellonce.entrypoints.portal.rendering import language_of, redirect, render
from tellonce.entrypoints.portal.routes.tracking import STATUS_TAGS, UK, when
from tellonce.entrypoints.portal.security import AccountDep, PortalDep, PostedDep
from tellonce.service_layer import consents
from tellonce.service_layer.consents import withdraw_consent
from tellonce.service_layer.notifications import messages_for_account
from tellonce.service_layer.ports import Account
from tellonce.service_layer.rights import export_your_data
from tellonce.service_layer.your_data import ConsentChoice, PastDisclosure, data_for_account

router = APIRouter(include_in_schema=False)

# The service's reasons for refusing a withdrawal, marked here for translation.
WITHDRAWAL_PROBLEMS = {
    consents.NOT_GIVEN: N_("You did not give this consent, so there is nothing to withdraw"),
    consents.IN_FLIGHT: N_(
        "This organisation is being sent your details right now. Try again in a few minutes: "
        "your consent has not been withdrawn yet"
    ),
}
Found = tuple[ConsentChoice, PastDisclosure | None]  # a consent and the disclosure made under it


def day(moment: datetime | None, language: str) -> str:
    """A date in the GOV.UK style: 4 June 2026."""
    return "" if moment is None else format_date(moment.astimezone(UK), "d MMMM y", locale=language)


@router.get("/your-data")
def your_data(request: Request, portal: PortalDep, account: AccountDep) -> HTMLResponse:
    language = language_of(request)
    _ = portal.gettext(language)
    data = data_for_account(account, portal.hub.uow())
    disclosures = [
        {
            "record": d,
            "event": event_title(d.event_type, _),
            "when": when(d.created_at, language),
            "fields": [field_label(path, _) for path in d.fields],
            "status": _(STATUS_TAGS.get(d.outcome or d.state, (d.state, ""))[0]),
        }
        for d in data.disclosures
    ]
    consent_rows = [
        {
            "record": c,
            "when": when(c.recorded_at, language),
            "withdrawn_on": day(c.withdrawn_at, language),
        }
        for c in data.consents
    ]
    context: dict[str, Any] = {"disclosures": disclosures, "consents": consent_rows}
    withdrawn = _choice(data.consents, request.query_params.get("withdrawn"))
    if withdrawn is not None and withdrawn.withdrawn_at is not None:
        disclosure = _disclosure_for(withdrawn, data.disclosures)
        told = disclosure is not None and disclosure.state != "withdrawn"
        context["withdrawn"] = {"choice": withdrawn, "told": told}
    return render(request, portal, "your_data.html", context)


@router.get("/your-data/consents/{consent_id}/withdraw")
def withdraw_page(
    request: Request, portal: PortalDep, account: AccountDep, consent_id: str
) -> HTMLResponse:
    _ = portal.gettext(language_of(request))
    found = _find(portal, account, consent_id)
    if found is None:
        return render(request, portal, "not_found.html", status=404)
    if found[0].decision != "granted":
        return _confirm(request, portal, found, _(WITHDRAWAL_PROBLEMS[consents.NOT_GIVEN]))
    return _confirm(request, portal, found)


@router.post("/your-data/consents/{consent_id}/withdraw")
def withdraw(
    request: Request,
    portal: PortalDep,
    account: AccountDep,
    form: PostedDep,  # noqa: ARG001 - CSRF checked
    consent_id: str,
) -> Response:
    found = _find(portal, account, consent_id)
    if found is None:
        return render(request, portal, "not_found.html", status=404)
    hub = portal.hub
    try:
        withdrawal = withdraw_consent(
            found[0].id, account=account, uow=hub.uow(), vault=hub.vault, clock=hub.clock
        )
    except NotFound:
        return render(request, portal, "not_found.html", status=404)
    except Conflict as problem:
        _ = portal.gettext(language_of(request))
        message = WITHDRAWAL_PROBLEMS.get(str(problem), str(problem))
        return _confirm(request, portal, found, _(message), status=409)
    return redirect(f"/your-data?withdrawn={withdrawal.consent_id}")


@router.post("/your-data/download")
def download(
    portal: PortalDep,
    account: AccountDep,
    form: PostedDep,  # noqa: ARG001 - CSRF checked
) -> Response:
    """A copy of everything the hub holds about the citizen (a subject access request)."""
    hub = portal.hub
    export = export_your_data(account, uow=hub.uow(), vault=hub.vault, clock=hub.clock)
    return Response(
        export.as_json(),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _find(portal: Portal, account: Account, consent_id: str) -> Found | None:
    """The citizen's own consent and the disclosure made under it; None for anyone else's."""
    data = data_for_account(account, portal.hub.uow())
    choice = _choice(data.consents, consent_id)
    return None if choice is None else (choice, _disclosure_for(choice, data.disclosures))


def _choice(choices: tuple[ConsentChoice, ...], consent_id: str | None) -> ConsentChoice | None:
    try:
        wanted = uuid.UUID(consent_id or "")
    except ValueError:
        return None
    return next((c for c in choices if c.id == wanted), None)


def _disclosure_for(
    choice: ConsentChoice, disclosures: tuple[PastDisclosure, ...]
) -> PastDisclosure | None:
    return next(
        (
            d
            for d in disclosures
            if d.report_reference == choice.report_reference
            and d.agreement_id == choice.agreement_id
        ),
        None,
    )


def _confirm(
    request: Request, portal: Portal, found: Found, problem: str | None = None, status: int = 200
) -> HTMLResponse:
    """'Withdraw your consent?', with the service's reason in an error summary if it refused."""
    choice, disclosure = found
    language = language_of(request)
    context = {
        "choice": choice,
        "sent": disclosure is not None and disclosure.delivered_at is not None,
        "agreed": day(choice.recorded_at, language),
        "withdrawn_on": day(choice.withdrawn_at, language),
        "back_url": "/your-data",
        "errors": [{"text": problem}] if problem else [],  # about the page, not one input
    }
    return render(request, portal, "withdraw_consent.html", context, status=status)


@router.get("/messages")
def messages(request: Request, portal: PortalDep, account: AccountDep) -> HTMLResponse:
    language = language_of(request)
    found = messages_for_account(account.id, inbox=portal.inbox)
    items = [{"message": m, "when": when(m.sent_at, language)} for m in found]
    context = {"messages": items, "by_email": portal.messages_by_email}
    return render(request, portal, "messages.html", context)
