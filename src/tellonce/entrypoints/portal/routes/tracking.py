"""After sending: the confirmation, the receipt, and each report's progress per recipient."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tellonce.domain.errors import Conflict, NotFound
from tellonce.entrypoints.portal.display import event_title, field_label
from tellonce.entrypoints.portal.i18n import N_, Gettext
from tellonce.entrypoints.portal.rendering import language_of, render
from tellonce.entrypoints.portal.security import AccountDep, PortalDep
from tellonce.service_layer.notifications import next_step
from tellonce.service_layer.ports import DisclosureView, ReportView
from tellonce.service_layer.reporting import report_status, reports_for_account
from tellonce.service_layer.transparency import receipt_for_report

router = APIRouter(include_in_schema=False)
UK = ZoneInfo("Europe/London")

# state -> (tag text, tag colour class)
STATUS_TAGS = {
    "queued": (N_("Waiting to send"), "govuk-tag--grey"),
    "retrying": (N_("Trying again"), "govuk-tag--yellow"),
    "delivered": (N_("Sent"), "govuk-tag--blue"),
    "acknowledged": (N_("Received"), "govuk-tag--light-blue"),
    "actioned": (N_("Done"), "govuk-tag--green"),
    "no-record-found": (N_("No record found"), "govuk-tag--orange"),
    "not-applicable": (N_("Does not apply"), "govuk-tag--grey"),
    "rejected": (N_("Not accepted"), "govuk-tag--red"),
    "overdue": (N_("Overdue"), "govuk-tag--red"),
    "dead-lettered": (N_("Not delivered"), "govuk-tag--red"),
    "endpoint-disabled": (N_("Not delivered"), "govuk-tag--red"),
    "withdrawn": (N_("Not sent"), "govuk-tag--grey"),
}
OUTCOMES = frozenset({"actioned", "no-record-found", "not-applicable", "rejected"})
STATE_NOTES = {
    "queued": N_("We will send it shortly."),
    "retrying": N_(
        "Their system did not answer, so we are trying again. You do not need to do anything."
    ),
    "overdue": N_(
        "They have not confirmed they received it in the time they agreed. We are reminding them."
    ),
    "dead-lettered": N_(
        "We could not deliver it to their system. Our team has been told and will send it again."
    ),
    "endpoint-disabled": N_(
        "Their system is not taking reports at the moment. We will send it when it is back."
    ),
    "withdrawn": N_(
        "You withdrew your consent before your details were sent. "
        "Nothing was sent to %(recipient)s."
    ),
}


@dataclass(frozen=True, slots=True)
class Step:
    text: str
    when: str


@dataclass(frozen=True, slots=True)
class RecipientProgress:
    disclosure: DisclosureView
    tag: str
    tag_class: str
    steps: list[Step]
    note: str | None
    fields: list[str]


def when(moment: datetime | None, language: str) -> str:
    if moment is None:
        return ""
    text = format_datetime(moment, "d MMMM y, h:mma", tzinfo=UK, locale=language)
    return text.replace("AM", "am").replace("PM", "pm")


def progress(disclosure: DisclosureView, language: str, _: Gettext) -> RecipientProgress:
    outcome = disclosure.outcome or (disclosure.state if disclosure.state in OUTCOMES else None)
    tag, tag_class = STATUS_TAGS.get(outcome or disclosure.state, (disclosure.state, ""))
    steps = [Step(_("Report created"), when(disclosure.created_at, language))]
    if disclosure.delivered_at:
        steps.append(Step(_("Sent to them"), when(disclosure.delivered_at, language)))
    if disclosure.acknowledged_at:
        steps.append(
            Step(_("They confirmed they received it"), when(disclosure.acknowledged_at, language))
        )
    note = None
    if disclosure.state in STATE_NOTES:
        note = _(STATE_NOTES[disclosure.state]) % {"recipient": disclosure.recipient_name}
    if outcome:
        steps.append(Step(_(tag), when(disclosure.outcome_at, language)))
        note = next_step(outcome, disclosure.recipient_name)
    return RecipientProgress(
        disclosure,
        _(tag),
        tag_class,
        steps,
        note,
        [field_label(path, _) for path in disclosure.fields],
    )


@router.get("/reports")
def your_reports(request: Request, portal: PortalDep, account: AccountDep) -> HTMLResponse:
    language = language_of(request)
    _ = portal.gettext(language)
    reports = reports_for_account(account=account, uow=portal.hub.uow())
    rows = [
        {
            "report": report,
            "title": event_title(report.event_type, _),
            "submitted": when(report.submitted_at, language),
            "summary": _summary(report, _),
        }
        for report in reports
    ]
    return render(request, portal, "reports.html", {"reports": rows})


def _summary(report: ReportView, _: Gettext) -> str:
    done = sum(1 for d in report.disclosures if d.outcome or d.state in OUTCOMES)
    return _("%(done)s of %(total)s organisations have acted on it") % {
        "done": done,
        "total": len(report.disclosures),
    }


@router.get("/reports/{reference}")
def report_page(
    request: Request, portal: PortalDep, account: AccountDep, reference: str
) -> HTMLResponse:
    language = language_of(request)
    _ = portal.gettext(language)
    try:
        report = report_status(reference, account=account, uow=portal.hub.uow())
    except NotFound:
        return render(request, portal, "not_found.html", status=404)
    context = {
        "report": report,
        "title": event_title(report.event_type, _),
        "submitted": when(report.submitted_at, language),
        "recipients": [progress(d, language, _) for d in report.disclosures],
        "back_url": "/reports",
    }
    return render(request, portal, "report.html", context)


@router.get("/reports/{reference}/confirmation")
def confirmation(
    request: Request, portal: PortalDep, account: AccountDep, reference: str
) -> HTMLResponse:
    try:
        report = report_status(reference, account=account, uow=portal.hub.uow())
    except NotFound:
        return render(request, portal, "not_found.html", status=404)
    return render(request, portal, "confirmation.html", {"report": report})


@router.get("/reports/{reference}/receipt", response_model=None)
def receipt(request: Request, portal: PortalDep, account: AccountDep, reference: str) -> Response:
    """The transparency-log receipt, as a file the citizen keeps and can verify offline."""
    hub = portal.hub
    try:
        found = receipt_for_report(
            reference, account=account, uow=hub.uow(), vault=hub.vault, cache=hub.log_tiles
        )
    except NotFound:
        return render(request, portal, "not_found.html", status=404)
    except Conflict:  # not yet in a signed checkpoint: the sequencer runs every few seconds
        return render(
            request, portal, "receipt_not_ready.html", {"reference": reference}, status=409
        )
    filename = f"tellonce-receipt-{found.reference}.json"
    return Response(
        found.to_json(),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )
