"""/api/v1/registrar — register offices' systems: registered births, deaths and marriages in
bulk (ADR 0071), authorised by an API key with the registrar scope."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field, ValidationInfo, field_validator

from tellonce.domain.errors import NotAuthenticated
from tellonce.domain.registrations import RegisteredDetails
from tellonce.entrypoints.api.dependencies import Credentials, HubDep, IdempotencyKey
from tellonce.entrypoints.api.problems import pointer
from tellonce.entrypoints.api.schemas import ReportOut, _In
from tellonce.service_layer.identity import authenticate_registrar
from tellonce.service_layer.ports.identity import Account
from tellonce.service_layer.registrations import record_registration
from tellonce.service_layer.reporting import (
    BULK_LIMIT,
    IdempotencyRequest,
    ReportDraft,
    submit_registered_reports,
)

router = APIRouter(prefix="/api/v1/registrar", tags=["registrars"])
# A thousand reports of a few kilobytes each: more than the 1 MiB every other route accepts.
BULK_MAX_BODY_BYTES = 16 * 1024 * 1024
BULK_PATH = "/api/v1/registrar/reports"


def current_registrar(hub: HubDep, credentials: Credentials) -> Account:
    if credentials is None:
        raise NotAuthenticated("Send Authorization: Bearer <API key with the registrar scope>")
    return authenticate_registrar(credentials.credentials, uow=hub.read_uow())


RegistrarDep = Annotated[Account, Depends(current_registrar)]


class RegisteredReportIn(_In):
    event_type: Literal["birth", "death", "marriage"]
    payload: dict[str, Any] = Field(
        description="The registered event, shaped by /api/v1/schemas/{event_type}/v1.json"
    )
    answers: dict[str, bool] = Field(
        default_factory=dict, description="Answers to routing questions, by question id"
    )


class BulkReportsIn(_In):
    reports: list[RegisteredReportIn] = Field(min_length=1, max_length=BULK_LIMIT)


class BulkResultOut(BaseModel):
    index: int = Field(description="The report's position in the request, from 0")
    status: Literal[201, 422] = Field(description="201: written; 422: refused, see problem")
    report: ReportOut | None = None
    problem: dict[str, Any] | None = Field(
        default=None,
        description="An RFC 9457 problem whose errors point into the request "
        "(e.g. #/reports/3/payload/deceased/date_of_death)",
    )


class BulkReportsOut(BaseModel):
    created: int
    refused: int
    results: list[BulkResultOut]


@router.post(
    "/reports",
    summary="Submit up to 1,000 registered births, deaths and marriages",
    description=(
        "Each report is all or nothing: one that fails validation or routing is refused with "
        "an RFC 9457 problem naming the field, and the others are written. The written reports "
        "commit together: if the request fails (5xx, or no answer) none was written, and it is "
        "safe to send again. Only recipients entitled by law are told; each report's subject "
        "is a new person with their own key. Needs an API key with the registrar scope. "
        "With an Idempotency-Key, a repeat of the same request writes nothing and returns the "
        "same per-item results (24 hours); the same key with other reports is a 422, and a "
        "repeat while the first is still being written a 409."
    ),
    responses={409: {"description": "A repeat is in progress"}},
)
def submit_bulk(
    body: BulkReportsIn,
    hub: HubDep,
    registrar: RegistrarDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> BulkReportsOut:
    drafts = [ReportDraft(r.event_type, r.payload, r.answers) for r in body.reports]
    idempotency = (
        IdempotencyRequest(f"registrar:{registrar.id}", idempotency_key, hub.idempotency_ttl)
        if idempotency_key
        else None
    )
    submitted = submit_registered_reports(
        drafts,
        account=registrar,
        uow_factory=hub.uow,
        vault=hub.vault,
        clock=hub.clock,
        idempotency=idempotency,
    )
    if submitted.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    out = []
    for result in submitted.results:
        if result.report is not None:
            out.append(
                BulkResultOut(index=result.index, status=201, report=ReportOut.of(result.report))
            )
            continue
        out.append(
            BulkResultOut(
                index=result.index,
                status=422,
                problem={
                    "type": "/problems/invalid-request",
                    "title": "Your request has errors",
                    "status": 422,
                    "detail": f"Report {result.index} was not written: correct the fields listed",
                    "errors": [
                        {"pointer": pointer(p.location), "detail": p.message}
                        for p in result.problems
                    ],
                },
            )
        )
    created = sum(1 for r in out if r.status == 201)
    return BulkReportsOut(created=created, refused=len(out) - created, results=out)


class RegisteredNameIn(_In):
    given_names: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)


class RegistrationIn(_In):
    event_type: Literal["birth", "death"]
    name: RegisteredNameIn = Field(description="The child's, or the person who died")
    date_of_birth: date
    date_of_death: date | None = Field(
        default=None, validate_default=True, description="Deaths only, and required"
    )
    district: str = Field(min_length=1, max_length=100, description="The registration district")

    @field_validator("date_of_death")
    @classmethod
    def _death_has_a_date(cls, value: date | None, info: ValidationInfo) -> date | None:
        if (info.data.get("event_type") == "death") != (value is not None):
            raise ValueError("Give date_of_death for a death, and only for a death")
        return value


class RegistrationOut(BaseModel):
    reference: str = Field(description="Give it to the informant or parent: valid 28 days, once")
    expires_at: datetime
    event_type: str


@router.post(
    "/registrations",
    status_code=201,
    summary="Record a registered death or birth and get its registration reference",
    description=(
        "The reference authorises one report of this death or birth (ADR 0087): valid for 28 "
        "days, used once, and only with matching details (names and district regardless of "
        "letter case, spacing and accents; dates exactly). Reports the registrar submits "
        "itself through /registrar/reports need none: the registrar key is the authority."
    ),
)
def record(body: RegistrationIn, hub: HubDep, registrar: RegistrarDep) -> RegistrationOut:
    details = RegisteredDetails(
        body.event_type,
        body.name.given_names,
        body.name.family_name,
        body.date_of_birth,
        body.date_of_death,
        body.district,
    )
    issued = record_registration(
        details, registrar=registrar, uow_factory=hub.uow, vault=hub.vault, clock=hub.clock
    )
    return RegistrationOut(
        reference=issued.reference, expires_at=issued.expires_at, event_type=body.event_type
    )
