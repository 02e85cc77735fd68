"""/api/v1/consents and /api/v1/access-requests: the citizen's consents, a copy of their data."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from tellonce.entrypoints.api.dependencies import CitizenDep, HubDep
from tellonce.service_layer.consents import Withdrawal, withdraw_consent
from tellonce.service_layer.rights import export_your_data
from tellonce.service_layer.your_data import ConsentChoice, data_for_account

router = APIRouter(prefix="/api/v1", tags=["your data"])


class ConsentOut(BaseModel):
    id: uuid.UUID
    report_reference: str
    recipient_name: str
    agreement_id: str
    agreement_version: int
    decision: str = Field(description="granted or refused")
    purpose: str
    purpose_code: str = Field(description="W3C DPV purpose")
    method: str
    preview_digest: str
    recorded_at: datetime
    withdrawn_at: datetime | None

    @classmethod
    def of(cls, choice: ConsentChoice) -> ConsentOut:
        return cls.model_validate(choice, from_attributes=True)


class ConsentListOut(BaseModel):
    consents: list[ConsentOut]


class WithdrawalOut(BaseModel):
    consent_id: uuid.UUID
    withdrawn_at: datetime
    disclosure_state: str | None = Field(
        description="withdrawn if it had not been sent (it never will be); otherwise unchanged"
    )
    recipient_told: bool = Field(
        description="The recipient already had the data and is told to stop using it"
    )

    @classmethod
    def of(cls, withdrawal: Withdrawal) -> WithdrawalOut:
        return cls.model_validate(withdrawal, from_attributes=True)


@router.get("/consents", summary="My consent choices, newest first")
def list_consents(hub: HubDep, citizen: CitizenDep) -> ConsentListOut:
    data = data_for_account(citizen, hub.uow())
    return ConsentListOut(consents=[ConsentOut.of(c) for c in data.consents])


@router.post(
    "/consents/{consent_id}/withdrawal",
    summary="Withdraw a consent (idempotent)",
    responses={409: {"description": "Not a consent you gave, or being sent right now"}},
)
def withdraw(consent_id: uuid.UUID, hub: HubDep, citizen: CitizenDep) -> WithdrawalOut:
    withdrawal = withdraw_consent(
        consent_id, account=citizen, uow=hub.uow(), vault=hub.vault, clock=hub.clock
    )
    return WithdrawalOut.of(withdrawal)


@router.post(
    "/access-requests",
    summary="A copy of everything the hub holds about me (subject access), as JSON",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}},
)
def access_request(hub: HubDep, citizen: CitizenDep) -> Response:
    export = export_your_data(citizen, uow=hub.uow(), vault=hub.vault, clock=hub.clock)
    return Response(
        export.as_json(),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "Cache-Control": "no-store",
        },
    )
