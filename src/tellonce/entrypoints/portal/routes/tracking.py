"""After sending: the confirmation, the receipt, and each report's progress per recipient."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tellonce.domain.errors import Conflict, NotFound
from tellonce.entrypoints.downloads import json_attachment
from tellonce.entrypoints.portal.context import Portal
from tellonce.entrypoints.portal.display import event_title, field_label
from tellonce.entrypoints.portal.i18n import N_, Gettext
from tellonce.entrypoints.portal.rendering import language_of, render
from tellonce.entrypoints.portal.security import AccountDep, PortalDep
from tellonce.service_layer.notifications import next_step
from tellonce.service_layer.ports.identity import Account
from tellonce.service_layer.ports.reports import DisclosureView, ReportView
from tellonce.service_layer.rectification import corrections_for_report, report_details
from tellonce.service_layer.reporting import report_status, reports_for_account
from tellonce.service_layer.retention import details_deleted_at
from tellonce.service_layer.transparency.entries import receipt_for_report

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
    "held": (N_("On hold"), "govuk-tag--grey"),
    "cancelled": (N_("Cancelled"), "govuk-tag--grey"),
}
OUTCOMES = frozenset({"actioned", "no-record-found", "not-applicable", "rejected"})
# A recipient without a push endpoint collects disclosures from its feed: nothing is "sent".
PULL_TAGS = {
    "queued": (N_("Waiting to be collected"), "govuk-tag--grey"),
    "delivered": (N_("Collected"), "govuk-tag--blue"),
}
# Each note says only what the hub really does in that state (see
# tests/portal/test_tracking_copy.py): pushes are retried and re-sent, dead letters and escalations
# raise an operator alert, and every recipient is reminded from its deadline on.
STATE_NOTES = {
    "queued": N_("We will send it shortly."),
    "retrying": N_(
        "Their system could not take it just now, so we are trying again. "
        "You do not need to do anything."
    ),
    "overdue": N_("They have not confirmed they received it in the time they agreed."),
    "dead-lettered": N_(
        "We could not deliver it to their system. Our team has been told, and they can "
        "still collect it from us."
    ),
    "endpoint-disabled": N_(
        "Their system is not taking reports at the moment. We will send it when it is back."
    ),
    "withdrawn": N_(
        "You withdrew your consent before your details were sent. "
        "Nothing was sent to %(recipient)s."
    ),
    "held": N_(
        "You asked us to limit, or objected to, how your details are used. "
        "We will not send them to %(recipient)s unless you change that."
    ),
    "cancelled": N_("You cancelled this change. Nothing was sent to %(recipient)s."),
}
# A change of address in its cooling-off (ADR 0088): nothing leaves before the hold ends.
HELD_NOTE = N_("We will not send it before %(when)s, and not at all if you cancel the change.")
# "You reported this for …" (acting for others, ADR 0088), by the reporter's role.
ACTING_AS = {
    "informant": N_("You reported this for %(name)s, as the informant."),
    "executor": N_("You reported this for %(name)s, as their executor or administrator."),
    "parent": N_("You reported this for %(name)s, as their parent."),
    "power_of_attorney": N_(
        "You reported this for %(name)s, under a power of attorney. We have told the "
        "organisations that receive it that you say you hold one; they may ask to see it."
    ),
}
# Where each event's subject is named in its payload (given names, family name).
SUBJECT_NAME = {
    "death": "deceased.name",
    "birth": "child.name",
    "change-of-address": "person.name",
    "change-of-name": "person.new_name",
}
PULL_NOTES = {
    "queued": N_(
        "It is ready for them to collect from us. If they have not confirmed they received it "
        "in the time they agreed, we will remind them."
    ),
    "overdue": N_("They have not collected it in the time they agreed."),
}
REMINDED = N_("We have reminded them.")
ESCALATED = N_("We have reminded them more than once and told our team.")
ANSWERED = frozenset({"acknowledged", "withdrawn"}) | OUTCOMES


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


def status_tag(state: str, *, pushed: bool) -> tuple[str, str]:
    """The tag's text (untranslated) and colour: a pull recipient collects, nothing is sent."""
    tags = STATUS_TAGS if pushed else {**STATUS_TAGS, **PULL_TAGS}
    return tags.get(state, (state, ""))


def progress(
    disclosure: DisclosureView, language: str, _: Gettext, *, held_until: str | None = None
) -> RecipientProgress:
    outcome = disclosure.outcome or (disclosure.state if disclosure.state in OUTCOMES else None)
    state = disclosure.state
    tag, tag_class = status_tag(outcome or state, pushed=disclosure.pushed)
    steps = [Step(_("Report created"), when(disclosure.created_at, language))]
    if disclosure.delivered_at:
        delivered = _("Sent to them") if disclosure.pushed else _("They collected it")
        steps.append(Step(delivered, when(disclosure.delivered_at, language)))
    if disclosure.acknowledged_at:
        steps.append(
            Step(_("They confirmed they received it"), when(disclosure.acknowledged_at, language))
        )
    note = _note(disclosure, _)
    if held_until and disclosure.state == "queued":
        note = _(HELD_NOTE) % {"when": held_until}
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


def _note(disclosure: DisclosureView, _: Gettext) -> str | None:
    """What the state means and what the hub is doing about it: only what it really does."""
    state = disclosure.state
    sentences = []
    pull_note = PULL_NOTES.get(state) if not disclosure.pushed else None
    if state == "overdue" and disclosure.delivered_at is not None:
        pull_note = None  # collected, not confirmed: the general note says it
    if pull_note or state in STATE_NOTES:
        text = pull_note or STATE_NOTES[state]
        sentences.append(_(text) % {"recipient": disclosure.recipient_name})
    if disclosure.chases and disclosure.acknowledged_at is None and state not in ANSWERED:
        sentences.append(_(ESCALATED if disclosure.escalated_at else REMINDED))
    return " ".join(sentences) or None


@router.get("/reports")
def your_reports(request: Request, portal: PortalDep, account: AccountDep) -> HTMLResponse:
    language = language_of(request)
    _ = portal.gettext(language)
    reports = reports_for_account(account=account, uow=portal.hub.uow(), vault=portal.hub.vault)
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
        report = report_status(
            reference, account=account, uow=portal.hub.uow(), vault=portal.hub.vault
        )
    except NotFound:
        return render(request, portal, "not_found.html", status=404)
    now = portal.hub.clock.now()
    held = report.held_until is not None and report.cancelled_at is None
    holding = held and report.held_until is not None and now < report.held_until
    held_until = when(report.held_until, language) if holding else None
    context = {
        "report": report,
        "title": event_title(report.event_type, _),
        "submitted": when(report.submitted_at, language),
        "recipients": [progress(d, language, _, held_until=held_until) for d in report.disclosures],
        "back_url": "/reports",
        "held_until": held_until,
        "cancelled_on": when(report.cancelled_at, language) if report.cancelled_at else None,
        "just_cancelled": request.query_params.get("cancelled") == "1",
        "acting_for": acting_for(portal, account, report, _),
    }
    context |= corrections_context(portal, account, report, language, _)
    context["corrected"] = request.query_params.get("corrected") == "1"
    return render(request, portal, "report.html", context)


def acting_for(portal: Portal, account: Account, report: ReportView, _: Gettext) -> str | None:
    """ "You reported this for …" when the reporter acted for someone else; None for oneself.
    The subject's name comes from the sealed report; once erased, it is not shown."""
    text = ACTING_AS.get(report.reporter_role or "")
    if text is None:
        return None
    name = _("them")
    try:
        _event, details = report_details(
            report.reference, account=account, uow=portal.hub.uow(), vault=portal.hub.vault
        )
    except (Conflict, NotFound):
        details = {}
    path = SUBJECT_NAME.get(report.event_type)
    if path is not None:
        parts = [details.get(f"{path}.given_names"), details.get(f"{path}.family_name")]
        name = " ".join(p for p in parts if p) or name
    return _(text) % {"name": name}


CORRECTION_STATES = {
    "sent": N_("Sent"),
    "waiting": N_("Waiting to be sent or collected"),
    "received": N_("Received"),
}


def corrections_context(
    portal: Portal, account: Account, report: ReportView, language: str, _: Gettext
) -> dict[str, Any]:
    """The corrections sent about this report, one row per recipient told (Art. 19)."""
    names = {d.id: d.recipient_name for d in report.disclosures}
    views = corrections_for_report(
        report.reference, account=account, uow=portal.hub.uow(), vault=portal.hub.vault
    )
    rows = []
    for c in views:
        if c.outcome:
            state = status_tag(c.outcome, pushed=True)[0]
        else:
            step = "received" if c.acknowledged_at else "sent" if c.delivered_at else "waiting"
            state = CORRECTION_STATES[step]
        rows.append(
            {
                "recipient": names.get(c.disclosure_id, c.recipient_id),
                "fields": ", ".join(field_label(f, _) for f in c.fields),
                "when": when(c.created_at, language),
                "state": _(state),
            }
        )
    deleted = details_deleted_at(report.id, account, uow=portal.hub.uow())
    return {"corrections": rows, "deleted_on": when(deleted, language) if deleted else None}


@router.get("/reports/{reference}/confirmation")
def confirmation(
    request: Request, portal: PortalDep, account: AccountDep, reference: str
) -> HTMLResponse:
    try:
        report = report_status(
            reference, account=account, uow=portal.hub.uow(), vault=portal.hub.vault
        )
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
    return json_attachment(found.to_json(), f"tellonce-receipt-{found.reference}.json")
