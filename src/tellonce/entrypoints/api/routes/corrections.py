"""Rectification over the API: the citizen corrects a report's details
(/api/v1/reports/{reference}/corrections); earlier recipients collect, acknowledge and answer
the corrections they are sent (/api/v1/corrections)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from tellonce.bootstrap import Hub
from tellonce.domain.errors import NotFound
from tellonce.entrypoints.api.dependencies import Acknowledger, CitizenDep, FeedReader, HubDep
from tellonce.service_layer.identity import RecipientCaller, visible_recipient
from tellonce.service_layer.ports.rights import CorrectionView
from tellonce.service_layer.rectification import (
    answer_correction,
    correct_report,
    corrections_for_report,
    read_corrections,
)

router = APIRouter(prefix="/api/v1")


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    corrections: dict[str, Any] = Field(
        description="Dotted paths of the report's details and their corrected values, e.g. "
        '{"person.name.family_name": "Ellis-Robertson"}',
        min_length=1,
        max_length=20,
    )


class CorrectionOut(BaseModel):
    id: uuid.UUID
    disclosure_id: uuid.UUID
    recipient_id: str
    fields: list[str] = Field(description="the recipient's agreed fields that were corrected")
    created_at: datetime
    delivered_at: datetime | None
    acknowledged_at: datetime | None
    outcome: str | None
    outcome_reason: str | None
    outcome_at: datetime | None

    @classmethod
    def of(cls, view: CorrectionView) -> CorrectionOut:
        return cls(
            id=view.id,
            disclosure_id=view.disclosure_id,
            recipient_id=view.recipient_id,
            fields=list(view.fields),
            created_at=view.created_at,
            delivered_at=view.delivered_at,
            acknowledged_at=view.acknowledged_at,
            outcome=view.outcome,
            outcome_reason=view.outcome_reason,
            outcome_at=view.outcome_at,
        )


class RectificationOut(BaseModel):
    reference: str
    corrected_fields: list[str]
    corrections: list[CorrectionOut] = Field(
        description="one per earlier recipient that holds a corrected detail"
    )


class CorrectionListOut(BaseModel):
    corrections: list[CorrectionOut]


class CorrectionEventsOut(BaseModel):
    events: list[dict[str, Any]] = Field(description="correction CloudEvents, exactly as pushed")


class CorrectionOutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["actioned", "no-record-found", "not-applicable", "rejected"]
    reason: str | None = Field(default=None, max_length=500)


@router.post(
    "/reports/{reference}/corrections",
    summary="Correct details of my report; earlier recipients that hold them are told",
    status_code=status.HTTP_201_CREATED,
    tags=["your data"],
    responses={404: {"description": "No such report"}, 409: {"description": "Erased"}},
)
def correct(
    reference: str, body: CorrectionIn, hub: HubDep, citizen: CitizenDep
) -> RectificationOut:
    done = correct_report(
        reference,
        body.corrections,
        account=citizen,
        uow=hub.uow(),
        vault=hub.vault,
        clock=hub.clock,
    )
    return RectificationOut(
        reference=done.reference,
        corrected_fields=list(done.corrected_fields),
        corrections=[CorrectionOut.of(c) for c in done.corrections],
    )


@router.get(
    "/reports/{reference}/corrections",
    summary="The corrections sent about my report, per recipient",
    tags=["your data"],
)
def list_corrections(reference: str, hub: HubDep, citizen: CitizenDep) -> CorrectionListOut:
    views = corrections_for_report(reference, account=citizen, uow=hub.uow(), vault=hub.vault)
    return CorrectionListOut(corrections=[CorrectionOut.of(v) for v in views])


def _answering(caller: RecipientCaller, hub: Hub) -> str:
    recipient_id = visible_recipient(caller, hub.traffic)
    if recipient_id is None:
        raise NotFound("There is no correction with this id for this API key")
    return recipient_id


@router.get(
    "/corrections",
    summary="This recipient's unanswered corrections (pull)",
    tags=["recipients"],
)
def pull_corrections(hub: HubDep, recipient: FeedReader) -> CorrectionEventsOut:
    recipient_id = visible_recipient(recipient, hub.traffic)
    if recipient_id is None:  # a key of the other environment (ADR 0089)
        return CorrectionEventsOut(events=[])
    events = read_corrections(recipient_id, uow=hub.uow(), clock=hub.clock, events=hub.events)
    return CorrectionEventsOut(events=events)


@router.post(
    "/corrections/{correction_id}/acknowledgement",
    summary="Acknowledge a correction",
    tags=["recipients"],
)
def acknowledge_correction(
    correction_id: uuid.UUID, hub: HubDep, recipient: Acknowledger
) -> CorrectionOut:
    view = answer_correction(
        correction_id,
        recipient_id=_answering(recipient, hub),
        outcome=None,
        reason=None,
        uow=hub.uow(),
        vault=hub.vault,
        clock=hub.clock,
    )
    return CorrectionOut.of(view)


@router.post(
    "/corrections/{correction_id}/outcome",
    summary="Say what was done with a correction",
    tags=["recipients"],
)
def correction_outcome(
    correction_id: uuid.UUID, body: CorrectionOutcomeIn, hub: HubDep, recipient: Acknowledger
) -> CorrectionOut:
    view = answer_correction(
        correction_id,
        recipient_id=_answering(recipient, hub),
        outcome=body.outcome,
        reason=body.reason,
        uow=hub.uow(),
        vault=hub.vault,
        clock=hub.clock,
    )
    return CorrectionOut.of(view)
