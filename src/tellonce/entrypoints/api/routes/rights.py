"""/api/v1/rights-requests, /api/v1/erasure-requests and /api/v1/processing-flags: the
citizen's rights requests with their deadlines, erasure, restriction and objection
(docs/rights.md)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from tellonce.entrypoints.api.dependencies import CitizenDep, HubDep
from tellonce.service_layer.erasure import ErasureAnswer, erase_your_data
from tellonce.service_layer.ports.rights import RightsRequestRecord
from tellonce.service_layer.processing_flags import FlagAnswer, active_flags, lift_flag, set_flag
from tellonce.service_layer.rights_requests import requests_for_account

router = APIRouter(prefix="/api/v1", tags=["your data"])
FlagKind = Literal["restriction", "objection"]


class LimitOut(BaseModel):
    reason: str = Field(description="law-disclosure-in-flight or accountability-records")
    article: str = Field(description="the UK GDPR article that requires it")
    dpv: str = Field(description="W3C DPV concept")


class RightsRequestOut(BaseModel):
    id: uuid.UUID
    kind: str = Field(description="access, rectification, erasure, restriction or objection")
    state: str = Field(description="open, paused (waiting for proof of identity) or closed")
    received_at: datetime
    due_on: date | None = Field(
        description="the statutory deadline (one calendar month, as extended); null while paused"
    )
    extension_months: int
    extension_reason: str | None
    outcome: str | None = Field(description="fulfilled, partly-fulfilled or refused")
    limits: list[LimitOut]
    closed_at: datetime | None

    @classmethod
    def of(cls, request: RightsRequestRecord) -> RightsRequestOut:
        return cls(
            id=request.id,
            kind=request.kind,
            state=request.state,
            received_at=request.received_at,
            due_on=request.due_on,
            extension_months=request.extension_months,
            extension_reason=request.extension_reason,
            outcome=request.outcome,
            limits=[LimitOut.model_validate(dict(limit)) for limit in request.limits],
            closed_at=request.closed_at,
        )


class RightsRequestListOut(BaseModel):
    rights_requests: list[RightsRequestOut]


class ErasureLimitOut(LimitOut):
    recipients: list[str] = Field(description="the organisations concerned, if any")


class ErasureOut(BaseModel):
    request: RightsRequestOut
    erased_at: datetime | None = Field(description="null: refused, nothing was erased")
    limits: list[ErasureLimitOut]
    people_erased: int = Field(description="people whose data key was destroyed")
    consents_withdrawn: int
    recipients_told: int = Field(
        description="recipients that had data by consent and are sent an erasure-requested event"
    )

    @classmethod
    def of(cls, answer: ErasureAnswer) -> ErasureOut:
        return cls(
            request=RightsRequestOut.of(answer.request),
            erased_at=answer.erased_at,
            limits=[
                ErasureLimitOut(
                    reason=n.reason.value,
                    article=n.article,
                    dpv=n.dpv,
                    recipients=list(n.recipients),
                )
                for n in answer.limits
            ],
            people_erased=answer.people_erased,
            consents_withdrawn=answer.consents_withdrawn,
            recipients_told=answer.recipients_told,
        )


class FlagOut(BaseModel):
    kind: str
    in_force: bool
    disclosures: list[uuid.UUID] = Field(
        description="disclosures now held (set), or queued to be sent again (lifted)"
    )
    request: RightsRequestOut | None

    @classmethod
    def of(cls, answer: FlagAnswer) -> FlagOut:
        return cls(
            kind=answer.kind.value,
            in_force=answer.in_force,
            disclosures=[uuid.UUID(d) for d in answer.held],
            request=None if answer.request is None else RightsRequestOut.of(answer.request),
        )


class FlagsOut(BaseModel):
    in_force: list[str]


@router.get("/rights-requests", summary="My rights requests and their deadlines, newest first")
def list_rights_requests(hub: HubDep, citizen: CitizenDep) -> RightsRequestListOut:
    requests = requests_for_account(citizen, uow=hub.uow())
    return RightsRequestListOut(rights_requests=[RightsRequestOut.of(r) for r in requests])


@router.post(
    "/erasure-requests",
    summary="Erase my data (crypto-shredding), or be told why not",
    responses={409: {"description": "Being sent to an organisation right now: try again"}},
)
def erasure_request(hub: HubDep, citizen: CitizenDep) -> ErasureOut:
    answer = erase_your_data(citizen, uow=hub.uow(), vault=hub.vault, clock=hub.clock)
    return ErasureOut.of(answer)


@router.get("/processing-flags", summary="My restriction and objection in force")
def list_flags(hub: HubDep, citizen: CitizenDep) -> FlagsOut:
    return FlagsOut(in_force=sorted(active_flags(citizen, uow=hub.uow())))


@router.put(
    "/processing-flags/{kind}",
    summary="Restrict, or object to, further disclosures (idempotent)",
    responses={409: {"description": "Being sent to an organisation right now: try again"}},
)
def put_flag(kind: FlagKind, hub: HubDep, citizen: CitizenDep) -> FlagOut:
    answer = set_flag(kind, account=citizen, uow=hub.uow(), vault=hub.vault, clock=hub.clock)
    return FlagOut.of(answer)


@router.delete("/processing-flags/{kind}", summary="Lift my restriction or objection")
def delete_flag(kind: FlagKind, hub: HubDep, citizen: CitizenDep) -> FlagOut:
    return FlagOut.of(lift_flag(kind, account=citizen, uow=hub.uow(), clock=hub.clock))
