"""The fraud guard on changes of address (ADR 0088): cancelling one during its cooling-off.

A change of address is held for a cooling-off (``Settings.address_cooling_off``) before
anything leaves: its pushes are not due and its disclosures get no feed position before the
hold ends. Meanwhile the citizen, told by message, may cancel it: every disclosure becomes
``cancelled`` (never sent), the pushes are dropped, and the cancellation is logged in the
transparency log as a "report-cancelled" entry.
"""

from __future__ import annotations

from tellonce.domain.errors import Conflict, NotFound
from tellonce.domain.references import normalise_reference
from tellonce.service_layer.notifications import queue_message
from tellonce.service_layer.ports import Clock, UnitOfWorkFactory, Vault
from tellonce.service_layer.ports.identity import Account
from tellonce.service_layer.ports.reports import ReportView
from tellonce.service_layer.reporting import report_status
from tellonce.service_layer.transparency.entries import record_report_cancelled

ALREADY_CANCELLED = "This report has already been cancelled"
NOT_HELD = "This report can no longer be cancelled: it has been sent, or was never held"
BEING_SENT = "This report is being sent now and can no longer be cancelled"


def cancel_report(
    reference: str,
    *,
    account: Account,
    uow_factory: UnitOfWorkFactory,
    vault: Vault,
    clock: Clock,
) -> ReportView:
    """The reporter cancels a report still in its cooling-off. ``NotFound`` for a report that
    is not theirs; ``Conflict`` once the hold is over (or it was never held)."""
    normalised = normalise_reference(reference)
    now = clock.now()
    with uow_factory() as uow:
        held = uow.reports.held(normalised, account.id) if normalised else None
        if held is None:
            raise NotFound("There is no report with that reference")
        if held.cancelled_at is not None:
            raise Conflict(ALREADY_CANCELLED)
        if held.held_until is None or held.held_until <= now:
            raise Conflict(NOT_HELD)
        view = uow.reports.view(held.reference, account.id)
        disclosures = view.disclosures if view is not None else ()
        if any(uow.deliveries.in_flight(d.id, now) for d in disclosures):
            raise Conflict(BEING_SENT)  # a clock far behind the worker's: never cancel half
        cancelled = uow.reports.cancel(held.id, now)
        uow.deliveries.drop_pending_pushes(cancelled, now)
        record_report_cancelled(
            uow,
            vault,
            person_id=held.subject_person_id,
            report_id=held.id,
            event_type=held.event_type,
            recipients=[d.recipient_id for d in disclosures],
            now=now,
        )
        queue_message(
            uow, account.id, "address-change-cancelled", {"reference": held.reference}, now
        )
        uow.commit()
    return report_status(held.reference, account=account, uow=uow_factory(), vault=vault)
