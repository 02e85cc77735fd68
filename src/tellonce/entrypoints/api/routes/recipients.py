"""/api/v1/feed and /api/v1/disclosures — the recipient's side: pull, acknowledge, report."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from tellonce.bootstrap import Hub
from tellonce.domain.errors import NotFound
from tellonce.entrypoints.api.dependencies import Acknowledger, FeedReader, HubDep
from tellonce.service_layer.acknowledgement import (
    DisclosureProgress,
    acknowledge,
    report_outcome,
)
from tellonce.service_layer.feed import MAX_PAGE, read_erasures, read_feed, read_withdrawals
from tellonce.service_layer.identity import RecipientCaller, visible_recipient

router = APIRouter(prefix="/api/v1", tags=["recipients"])


class FeedOut(BaseModel):
    events: list[dict[str, Any]] = Field(description="CloudEvents, exactly as pushed")
    next_cursor: str = Field(description="Pass as ?after= to continue; opaque")
    has_more: bool


class ProgressOut(BaseModel):
    disclosure_id: uuid.UUID
    state: str
    acknowledged: bool
    outcome: str | None

    @classmethod
    def of(cls, progress: DisclosureProgress) -> ProgressOut:
        return cls(
            disclosure_id=progress.id,
            state=progress.state,
            acknowledged=progress.acknowledged,
            outcome=progress.outcome,
        )


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["actioned", "no-record-found", "not-applicable", "rejected"]
    reason: str | None = Field(default=None, max_length=500, description="Required if rejected")


class BatchAcknowledgementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    disclosure_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_PAGE)


class BatchAcknowledgementOut(BaseModel):
    acknowledged: list[ProgressOut]


def _answering(caller: RecipientCaller, hub: Hub) -> str:
    recipient_id = visible_recipient(caller, hub.traffic)
    if recipient_id is None:
        raise NotFound("There is no disclosure with this id for this API key")
    return recipient_id


@router.get("/feed", summary="This recipient's disclosures, in order (pull)")
def feed(
    hub: HubDep,
    recipient: FeedReader,
    after: Annotated[
        str | None,
        Query(
            max_length=100,
            pattern=r"^[A-Za-z0-9_-]*$",
            description="A next_cursor this feed gave you (opaque; any other is a 422)",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    state: Annotated[
        Literal["all", "unacknowledged", "consent-withdrawn", "erasure-requested"],
        Query(
            description="consent-withdrawn: notices for disclosures whose consent was "
            "withdrawn; erasure-requested: for consent disclosures whose person was erased"
        ),
    ] = "all",
) -> FeedOut:
    recipient_id = visible_recipient(recipient, hub.traffic)
    if recipient_id is None:  # a key of the other environment (ADR 0089)
        return FeedOut(events=[], next_cursor=after or "", has_more=False)
    if state in ("consent-withdrawn", "erasure-requested"):
        notices = read_withdrawals if state == "consent-withdrawn" else read_erasures
        page = notices(
            recipient_id,
            after,
            limit=limit,
            uow_factory=hub.uow,
            clock=hub.clock,
            hub_url=hub.settings.public_url,
        )
        return FeedOut(events=page.events, next_cursor=page.next_cursor, has_more=page.has_more)
    page = read_feed(
        recipient_id,
        after,
        limit=limit,
        unacknowledged_only=state == "unacknowledged",
        uow_factory=hub.uow,
        clock=hub.clock,
        events=hub.events,
    )
    return FeedOut(events=page.events, next_cursor=page.next_cursor, has_more=page.has_more)


@router.post("/disclosures/{disclosure_id}/acknowledgement", summary="Acknowledge receipt")
def acknowledge_one(disclosure_id: uuid.UUID, hub: HubDep, recipient: Acknowledger) -> ProgressOut:
    (progress,) = acknowledge(
        _answering(recipient, hub), [disclosure_id], uow=hub.uow(), clock=hub.clock
    )
    return ProgressOut.of(progress)


@router.post("/acknowledgements", summary="Acknowledge many disclosures at once")
def acknowledge_batch(
    body: BatchAcknowledgementIn, hub: HubDep, recipient: Acknowledger
) -> BatchAcknowledgementOut:
    progress = acknowledge(
        _answering(recipient, hub), body.disclosure_ids, uow=hub.uow(), clock=hub.clock
    )
    return BatchAcknowledgementOut(acknowledged=[ProgressOut.of(p) for p in progress])


@router.post("/disclosures/{disclosure_id}/outcome", summary="Report what was done")
def outcome(
    disclosure_id: uuid.UUID, body: OutcomeIn, hub: HubDep, recipient: Acknowledger
) -> ProgressOut:
    progress = report_outcome(
        _answering(recipient, hub),
        disclosure_id,
        body.outcome,
        body.reason,
        uow=hub.uow(),
        clock=hub.clock,
        vault=hub.vault,
    )
    return ProgressOut.of(progress)
