"""/api/v1/reports — preview, submit and follow reports of life events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from tellonce.entrypoints.api.dependencies import (
    CitizenDep,
    HubDep,
    IdempotencyKey,
    ReportReference,
)
from tellonce.entrypoints.api.schemas import (
    PreviewOut,
    ReportDraftIn,
    ReportListOut,
    ReportOut,
    ReportSubmissionIn,
)
from tellonce.service_layer.cooling_off import cancel_report
from tellonce.service_layer.portal_drafts import normalised_answers
from tellonce.service_layer.registrations import recorded_registration
from tellonce.service_layer.reporting import (
    IdempotencyRequest,
    ReportDraft,
    ReportSubmission,
    preview_report,
    report_status,
    reports_for_account,
    submit_report,
)

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


def _draft(body: ReportDraftIn) -> ReportDraft:
    return ReportDraft(event_type=body.event_type, payload=body.payload, answers=body.answers)


@router.post("/preview", summary="Preview who would be told, why, and exactly what")
def preview(body: ReportDraftIn, hub: HubDep, _citizen: CitizenDep) -> PreviewOut:
    plan = preview_report(_draft(body), uow=hub.read_uow(), clock=hub.clock)
    # A death or a birth: the registrar's reference is checked now, and its details shown.
    payload = normalised_answers(body.event_type, body.payload, clock=hub.clock) or {}
    registered = recorded_registration(
        body.event_type, payload, uow=hub.read_uow(), vault=hub.vault, clock=hub.clock
    )
    return PreviewOut.of(plan, registered)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Submit a report with the citizen's consent choices",
    responses={409: {"description": "A repeat is in progress, or the preview has changed"}},
)
def submit(
    body: ReportSubmissionIn,
    hub: HubDep,
    citizen: CitizenDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ReportOut:
    submission = ReportSubmission(
        draft=_draft(body),
        consents=body.consents,
        preview_digest=body.preview_digest,
        method="api",
    )
    idempotency = (
        IdempotencyRequest(str(citizen.id), idempotency_key, hub.idempotency_ttl)
        if idempotency_key
        else None
    )
    result = submit_report(
        submission,
        account=citizen,
        uow_factory=hub.uow,
        vault=hub.vault,
        clock=hub.clock,
        idempotency=idempotency,
        read_uow_factory=hub.read_uow,
        cooling_off=hub.settings.address_cooling_off,
        writer=hub.report_writer,
    )
    response.headers["Location"] = f"/api/v1/reports/{result.report.reference}"
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return ReportOut.of(result.report)


@router.get("", summary="List my reports, newest first")
def list_reports(
    hub: HubDep,
    citizen: CitizenDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> ReportListOut:
    views = reports_for_account(
        account=citizen, uow=hub.read_uow(), vault=hub.vault, limit=limit, offset=offset
    )
    return ReportListOut(reports=[ReportOut.of(v) for v in views])


@router.get("/{reference}", summary="A report and every recipient's progress")
def get_report(
    reference: ReportReference,
    hub: HubDep,
    citizen: CitizenDep,
) -> ReportOut:
    return ReportOut.of(
        report_status(reference, account=citizen, uow=hub.read_uow(), vault=hub.vault)
    )


@router.post(
    "/{reference}/cancellation",
    summary="Cancel a change of address during its cooling-off: nothing is sent",
    responses={409: {"description": "The cooling-off is over, or it was already cancelled"}},
)
def cancel(reference: ReportReference, hub: HubDep, citizen: CitizenDep) -> ReportOut:
    return ReportOut.of(
        cancel_report(
            reference, account=citizen, uow_factory=hub.uow, vault=hub.vault, clock=hub.clock
        )
    )
