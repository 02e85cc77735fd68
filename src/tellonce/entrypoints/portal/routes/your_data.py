"""What the citizen can see about their own data: every disclosure, consents, and messages.

Here they can also withdraw a consent they gave (as easily as they gave it) and download a
copy of their data (what ``export_your_data`` lists).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from babel.dates import format_date
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tellonce.domain.errors import Conflict, NotFound
from tellonce.entrypoints.downloads import json_attachment
from tellonce.entrypoints.portal.context import Portal
from tellonce.entrypoints.portal.display import event_title, field_label
from tellonce.entrypoints.portal.i18n import N_
from tellonce.entrypoints.portal.rendering import language_of, redirect, render
from tellonce.entrypoints.portal.routes.rights import request_rows
from tellonce.entrypoints.portal.routes.tracking import UK, status_tag, when
from tellonce.entrypoints.portal.security import AccountDep, PortalDep, PostedDep
from tellonce.service_layer import consents
from tellonce.service_layer.consent_records import consent_record_for
from tellonce.service_layer.consents import withdraw_consent
from tellonce.service_layer.notifications import messages_for_account
from tellonce.service_layer.ports.identity import Account
from tellonce.service_layer.ports.your_data import ConsentChoice, PastDisclosure
from tellonce.service_layer.rights import export_your_data, printable_copy
from tellonce.service_layer.your_data import data_for_account

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
            "status": _(status_tag(d.outcome or d.state, pushed=d.pushed)[0]),
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
    context["requests"] = request_rows(portal, account, language, _)
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


@router.get("/your-data/consents/{consent_id}/record")
def consent_record_download(
    request: Request, portal: PortalDep, account: AccountDep, consent_id: str
) -> Response:
    """The consent record (ISO/IEC TS 27560 shape) as a JSON file the citizen keeps."""
    found = _find(portal, account, consent_id)
    if found is None:
        return render(request, portal, "not_found.html", status=404)
    record = consent_record_for(found[0].id, account=account, uow=portal.hub.uow())
    body = json.dumps(record, indent=2, ensure_ascii=False).encode()
    return json_attachment(body, f"tellonce-consent-{found[0].id}.json")


@router.post("/your-data/copy")
def printable(
    request: Request,
    portal: PortalDep,
    account: AccountDep,
    form: PostedDep,  # noqa: ARG001 - CSRF checked
) -> HTMLResponse:
    """A copy of the citizen's data as a page to print or save, with the log's proofs."""
    language = language_of(request)
    _ = portal.gettext(language)
    hub = portal.hub
    copy = printable_copy(account, uow=hub.uow(), vault=hub.vault, clock=hub.clock)
    document = copy.export.document
    reports = []
    for report in document["reports"]:
        details = [
            (field_label(path, _), value) for path, value in _leaves(report["details"] or {})
        ]
        told = [
            {
                "record": d,
                "fields": [field_label(f, _) for f in d["fields"]],
                "when": when(d["created_at"], language),
                "status": _(status_tag(d["outcome"] or d["state"], pushed=d["pushed"])[0]),
                "proofs": copy.proofs.get(str(d["id"]), []),
            }
            for d in document["disclosures"]
            if d["report_reference"] == report["reference"]
        ]
        reports.append(
            {
                "report": report,
                "title": event_title(report["event_type"], _),
                "when": when(report["submitted_at"], language),
                "details": details,
                "erased": report["details"] is None,
                "disclosures": told,
            }
        )
    context = {
        "reports": reports,
        "made": when(copy.export.exported_at, language),
        "origin": copy.log_origin,
        "back_url": "/your-data",
    }
    return render(request, portal, "your_data_copy.html", context)


def _leaves(node: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Each detail as (dotted path, text), in the order given."""
    if isinstance(node, dict):
        found: list[tuple[str, str]] = []
        for name, value in node.items():
            found += _leaves(value, f"{prefix}.{name}" if prefix else name)
        return found
    if isinstance(node, list):
        return [leaf for item in node for leaf in _leaves(item, prefix)]
    return [] if node is None else [(prefix, str(node))]


@router.post("/your-data/download")
def download(
    portal: PortalDep,
    account: AccountDep,
    form: PostedDep,  # noqa: ARG001 - CSRF checked
) -> Response:
    """A copy of the citizen's data (a subject access request): see ``export_your_data``."""
    hub = portal.hub
    export = export_your_data(account, uow=hub.uow(), vault=hub.vault, clock=hub.clock)
    return json_attachment(export.as_json(), export.filename)


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
