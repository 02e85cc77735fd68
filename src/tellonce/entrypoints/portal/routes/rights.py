"""The rights under "Your data" that change what the hub holds or does: correct a report's
details, delete your data, limit (restrict) or object to how it is used (docs/rights.md).
Each page calls the same use case as the API; refusals are shown in a GOV.UK error summary."""

from __future__ import annotations

from typing import Any

from babel.dates import format_date
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tellonce.domain.errors import Conflict, InvalidInput, NotFound
from tellonce.domain.rights import ErasureLimit
from tellonce.entrypoints.portal.context import Portal
from tellonce.entrypoints.portal.display import event_title, field_label
from tellonce.entrypoints.portal.i18n import N_, Gettext
from tellonce.entrypoints.portal.rendering import language_of, redirect, render
from tellonce.entrypoints.portal.routes.tracking import when
from tellonce.entrypoints.portal.security import AccountDep, PortalDep, PostedDep
from tellonce.service_layer import erasure, processing_flags, rectification
from tellonce.service_layer.erasure import erase_your_data
from tellonce.service_layer.ports.identity import Account
from tellonce.service_layer.processing_flags import active_flags, lift_flag, set_flag
from tellonce.service_layer.rectification import correct_report, report_details
from tellonce.service_layer.reporting import reports_for_account
from tellonce.service_layer.rights_requests import requests_for_account

router = APIRouter(include_in_schema=False)

BUSY = N_(
    "An organisation is being sent your details right now. Try again in a few minutes: "
    "nothing has changed yet"
)
PROBLEMS = {
    erasure.IN_FLIGHT: BUSY,
    processing_flags.IN_FLIGHT: BUSY,
    rectification.ERASED: N_(
        "The details of this report were deleted, so there is nothing to correct"
    ),
}
LIMITS = {
    ErasureLimit.LAW_DISCLOSURE_IN_FLIGHT: N_(
        "The law says we must send your details to these organisations, and they have not "
        "received them yet: %(organisations)s. You can ask again once they have."
    ),
    ErasureLimit.ACCOUNTABILITY_RECORDS: N_(
        "We keep a record of who we told, when, what kind of details and under which law, "
        "without any of your details, to show we acted lawfully."
    ),
}
FLAGS = {
    "restriction": {
        "title": N_("Limit how your data is used"),
        "intro": N_(
            "You can ask us to stop sending your details to organisations that receive them "
            "for a public task, a contract or their legitimate interests, for example while you "
            "check that they are right."
        ),
        "still": N_(
            "We will still send your details where the law requires it, and where you gave "
            "your consent."
        ),
        "set": N_("Limit how my data is used"),
        "lift": N_("Stop limiting how my data is used"),
        "on": N_("You have limited how your data is used."),
    },
    "objection": {
        "title": N_("Object to how your data is used"),
        "intro": N_(
            "You can object to us sending your details to organisations that receive them to "
            "carry out a public task or for their legitimate interests."
        ),
        "still": N_(
            "We will still send your details where the law requires it, and where you gave "
            "your consent. To stop an organisation you chose to tell, withdraw your consent."
        ),
        "set": N_("Object"),
        "lift": N_("Withdraw my objection"),
        "on": N_("You have objected to how your data is used."),
    },
}
REQUEST_KINDS = {
    "access": N_("Get a copy of your data"),
    "rectification": N_("Correct your data"),
    "erasure": N_("Delete your data"),
    "restriction": N_("Limit how your data is used"),
    "objection": N_("Object to how your data is used"),
}
OUTCOMES = {
    "fulfilled": N_("Done"),
    "partly-fulfilled": N_("Done, with limits"),
    "refused": N_("Refused"),
}


def _problem(problem: Exception, _: Gettext) -> list[dict[str, str]]:
    return [{"text": _(PROBLEMS.get(str(problem), str(problem)))}]


def request_rows(
    portal: Portal, account: Account, language: str, _: Gettext
) -> list[dict[str, str]]:
    """The citizen's rights requests with their deadlines, for "Your data"."""
    rows = []
    for r in requests_for_account(account, uow=portal.hub.uow()):
        rows.append(
            {
                "kind": _(REQUEST_KINDS[r.kind]),
                "received": when(r.received_at, language),
                "due": _("Paused")
                if r.due_on is None
                else format_date(r.due_on, "d MMMM y", locale=language),
                "state": _(OUTCOMES[r.outcome]) if r.outcome else _("In progress"),
            }
        )
    return rows


# --- Delete your data (erasure) ------------------------------------------------------------------
@router.get("/your-data/rights/erasure")
def erasure_page(request: Request, portal: PortalDep, account: AccountDep) -> HTMLResponse:  # noqa: ARG001 - signed in only
    return render(request, portal, "erase.html", {"back_url": "/your-data"})


@router.post("/your-data/rights/erasure")
def erase(
    request: Request,
    portal: PortalDep,
    account: AccountDep,
    form: PostedDep,  # noqa: ARG001 - CSRF checked
) -> HTMLResponse:
    _ = portal.gettext(language_of(request))
    hub = portal.hub
    try:
        answer = erase_your_data(account, uow=hub.uow(), vault=hub.vault, clock=hub.clock)
    except Conflict as problem:
        busy = {"back_url": "/your-data", "errors": _problem(problem, _)}
        return render(request, portal, "erase.html", busy, status=409)
    limits = [
        _(LIMITS[n.reason]) % {"organisations": ", ".join(n.recipients)} for n in answer.limits
    ]
    if answer.erased_at is None:
        refused = {
            "back_url": "/your-data",
            "errors": [{"text": _("We cannot delete your data yet")}],
            "refusals": limits,
        }
        return render(request, portal, "erase.html", refused, status=409)
    context: dict[str, Any] = {
        "erased_on": when(answer.erased_at, language_of(request)),
        "limits": limits,
        "told": answer.recipients_told,
    }
    return render(request, portal, "erased.html", context)


# --- Limit or object -----------------------------------------------------------------------------
def _flag_page(
    request: Request, portal: Portal, account: Account, kind: str, **extra: Any
) -> HTMLResponse:
    in_force = kind in active_flags(account, uow=portal.hub.uow())
    status = extra.pop("status", 200)
    context = {"kind": kind, "words": FLAGS[kind], "in_force": in_force, "back_url": "/your-data"}
    return render(request, portal, "processing_flag.html", context | extra, status=status)


def _change_flag(
    request: Request, portal: Portal, account: Account, kind: str, form: Any
) -> Response:
    hub = portal.hub
    try:
        if form.get("action") == "lift":
            lift_flag(kind, account=account, uow=hub.uow(), clock=hub.clock)
        else:
            set_flag(kind, account=account, uow=hub.uow(), vault=hub.vault, clock=hub.clock)
    except Conflict as problem:
        _ = portal.gettext(language_of(request))
        return _flag_page(request, portal, account, kind, errors=_problem(problem, _), status=409)
    return redirect(f"/your-data/rights/{kind}?changed=1")


@router.get("/your-data/rights/restriction")
def restriction_page(request: Request, portal: PortalDep, account: AccountDep) -> HTMLResponse:
    changed = request.query_params.get("changed") == "1"
    return _flag_page(request, portal, account, "restriction", changed=changed)


@router.post("/your-data/rights/restriction")
def restrict(request: Request, portal: PortalDep, account: AccountDep, form: PostedDep) -> Response:
    return _change_flag(request, portal, account, "restriction", form)


@router.get("/your-data/rights/objection")
def objection_page(request: Request, portal: PortalDep, account: AccountDep) -> HTMLResponse:
    changed = request.query_params.get("changed") == "1"
    return _flag_page(request, portal, account, "objection", changed=changed)


@router.post("/your-data/rights/objection")
def object_(request: Request, portal: PortalDep, account: AccountDep, form: PostedDep) -> Response:
    return _change_flag(request, portal, account, "objection", form)


# --- Correct your data (rectification) -----------------------------------------------------------
@router.get("/your-data/rights/rectification")
def rectification_page(request: Request, portal: PortalDep, account: AccountDep) -> HTMLResponse:
    language = language_of(request)
    _ = portal.gettext(language)
    reports = reports_for_account(account=account, uow=portal.hub.uow(), vault=portal.hub.vault)
    rows = [
        {"report": r, "title": event_title(r.event_type, _), "when": when(r.submitted_at, language)}
        for r in reports
    ]
    return render(
        request, portal, "correct_choose.html", {"reports": rows, "back_url": "/your-data"}
    )


def _correct_form(
    request: Request,
    portal: Portal,
    account: Account,
    reference: str,
    *,
    chosen: str = "",
    value: str = "",
    errors: list[dict[str, str]] | None = None,
    field_errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    _ = portal.gettext(language_of(request))
    hub = portal.hub
    try:
        event_type, details = report_details(
            reference, account=account, uow=hub.uow(), vault=hub.vault
        )
    except NotFound:
        return render(request, portal, "not_found.html", status=404)
    except Conflict as problem:
        details, event_type = {}, ""
        errors = _problem(problem, _)
        status = 409
    options = [
        {
            "value": path,
            "text": field_label(path, _),
            "hint": {"text": _("Now: %(value)s") % {"value": current}},
            "checked": path == chosen,
        }
        for path, current in details.items()
    ]
    context = {
        "reference": reference,
        "event": event_title(event_type, _) if event_type else "",
        "options": options,
        "value": value,
        "errors": errors or [],
        "field_errors": field_errors or {},
        "back_url": f"/reports/{reference}",
    }
    return render(request, portal, "correct.html", context, status=status)


@router.get("/reports/{reference}/correct")
def correct_page(
    request: Request, portal: PortalDep, account: AccountDep, reference: str
) -> HTMLResponse:
    return _correct_form(request, portal, account, reference)


@router.post("/reports/{reference}/correct")
def correct(
    request: Request, portal: PortalDep, account: AccountDep, form: PostedDep, reference: str
) -> Response:
    _ = portal.gettext(language_of(request))
    chosen, value = form.get("detail"), form.get("value").strip()
    problems: dict[str, str] = {}
    if not chosen:
        problems["detail"] = _("Select the detail you want to correct")
    if not value:
        problems["value"] = _("Enter the correct value")
    if not problems:
        hub = portal.hub
        try:
            correct_report(
                reference,
                {chosen: value},
                account=account,
                uow=hub.uow(),
                vault=hub.vault,
                clock=hub.clock,
            )
        except NotFound:
            return render(request, portal, "not_found.html", status=404)
        except InvalidInput:
            problems["value"] = _(
                "Enter a correct value that is different from the one we hold, "
                "in the same form as when you reported it"
            )
        except Conflict as problem:
            return _correct_form(
                request, portal, account, reference, errors=_problem(problem, _), status=409
            )
        else:
            return redirect(f"/reports/{reference}?corrected=1")
    errors = [{"text": text, "href": f"#{name}"} for name, text in problems.items()]
    return _correct_form(
        request,
        portal,
        account,
        reference,
        chosen=chosen,
        value=value,
        errors=errors,
        field_errors=problems,
        status=400,
    )
