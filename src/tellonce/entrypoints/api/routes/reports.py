"""/api/v1/reports — preview, submit and follow reports of life events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from tellonce.entrypoints.api.dependencies import CitizenDep, HubDep, IdempotencyKey
from tellonce.entrypoints.api.schemas import (
    PreviewOut,
    ReportDraftIn,
    ReportListOut,
    ReportOut,
    ReportSubmissionIn,
)
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
    plan = preview_report(_draft(body), uow=hub.uow(), clock=hub.clock)
    return PreviewOut.of(plan)


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
    views = reports_for_account(account=citizen, uow=hub.uow(), limit=limit, offset=offset)
    return ReportListOut(reports=[ReportOut.of(v) for v in views])


@router.get("/{reference}", summary="A report and every recipient's progress")
def get_report(
    reference: Annotated[str, Path(max_length=20, examples=["TLO-7KQ4-M2XH"])],
    hub: HubDep,
    citizen: CitizenDep,
) -> ReportOut:
    return ReportOut.of(report_status(reference, account=citizen, uow=hub.uow()))
