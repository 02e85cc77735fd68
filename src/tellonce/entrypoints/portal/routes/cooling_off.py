"""Cancelling a change of address during its cooling-off (the fraud guard, ADR 0088).

The report page shows the hold and a "Cancel this change" button; this page asks to confirm,
and the POST cancels through the same use case as the API.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tellonce.domain.errors import Conflict, NotFound
from tellonce.entrypoints.portal.context import Portal
from tellonce.entrypoints.portal.i18n import N_
from tellonce.entrypoints.portal.rendering import language_of, redirect, render
from tellonce.entrypoints.portal.routes.tracking import when
from tellonce.entrypoints.portal.security import AccountDep, PortalDep, PostedDep
from tellonce.service_layer import cooling_off
from tellonce.service_layer.cooling_off import cancel_report
from tellonce.service_layer.ports.reports import ReportView
from tellonce.service_layer.reporting import report_status

router = APIRouter(include_in_schema=False)

# The service's reasons for refusing a cancellation, marked here for translation.
CANCEL_PROBLEMS = {
    cooling_off.ALREADY_CANCELLED: N_("You have already cancelled this change"),
    cooling_off.NOT_HELD: N_(
        "This change can no longer be cancelled because it has already been sent"
    ),
    cooling_off.BEING_SENT: N_(
        "This change is being sent right now, so it can no longer be cancelled"
    ),
}


def cancellable(report: ReportView, now: datetime) -> bool:
    """Held for its cooling-off, not yet cancelled, and the hold not over."""
    return report.held_until is not None and report.cancelled_at is None and now < report.held_until


@router.get("/reports/{reference}/cancel")
def cancel_page(
    request: Request, portal: PortalDep, account: AccountDep, reference: str
) -> HTMLResponse:
    try:
        report = report_status(
            reference, account=account, uow=portal.hub.uow(), vault=portal.hub.vault
        )
    except NotFound:
        return render(request, portal, "not_found.html", status=404)
    problem = None
    if not cancellable(report, portal.hub.clock.now()):
        reason = cooling_off.ALREADY_CANCELLED if report.cancelled_at else cooling_off.NOT_HELD
        problem = portal.gettext(language_of(request))(CANCEL_PROBLEMS[reason])
    return _confirm(request, portal, report, problem)


@router.post("/reports/{reference}/cancel")
def cancel(
    request: Request,
    portal: PortalDep,
    account: AccountDep,
    form: PostedDep,  # noqa: ARG001 - CSRF checked
    reference: str,
) -> Response:
    hub = portal.hub
    try:
        report = cancel_report(
            reference, account=account, uow_factory=hub.uow, vault=hub.vault, clock=hub.clock
        )
    except NotFound:
        return render(request, portal, "not_found.html", status=404)
    except Conflict as refused:
        _ = portal.gettext(language_of(request))
        message = _(CANCEL_PROBLEMS.get(str(refused), str(refused)))
        current = report_status(reference, account=account, uow=hub.uow(), vault=hub.vault)
        return _confirm(request, portal, current, message, status=409)
    return redirect(f"/reports/{report.reference}?cancelled=1")


def _confirm(
    request: Request,
    portal: Portal,
    report: ReportView,
    problem: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """'Cancel this change of address?', with the reason in an error summary if refused."""
    context = {
        "report": report,
        "held_until": when(report.held_until, language_of(request)),
        "back_url": f"/reports/{report.reference}",
        "errors": [{"text": problem}] if problem else [],  # about the page, not one input
    }
    return render(request, portal, "cancel_change.html", context, status=status)
