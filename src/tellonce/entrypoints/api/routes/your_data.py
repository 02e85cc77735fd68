"""/api/v1/consents and /api/v1/access-requests: the citizen's consents, a copy of their data."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from tellonce.entrypoints.api.dependencies import CitizenDep, HubDep
from tellonce.entrypoints.downloads import json_attachment
from tellonce.service_layer.consent_records import consent_record_for
from tellonce.service_layer.consents import Withdrawal, withdraw_consent
from tellonce.service_layer.ports.your_data import ConsentChoice
from tellonce.service_layer.rights import export_your_data
from tellonce.service_layer.your_data import data_for_account

router = APIRouter(prefix="/api/v1", tags=["your data"])
# Kept in the repository beside the domain code that builds the records.
CONSENT_RECORD_SCHEMA = (
    Path(__file__).resolve().parents[3]
    / "domain"
    / "schemas"
    / "iso-27560-consent-record.schema.json"
)


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


@router.get(
    "/consents/{consent_id}/record",
    summary="One consent as an ISO/IEC TS 27560-shaped record (W3C DPV codes)",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}, 404: {"description": "Not yours"}},
)
def consent_record(consent_id: uuid.UUID, hub: HubDep, citizen: CitizenDep) -> Response:
    record = consent_record_for(consent_id, account=citizen, uow=hub.uow())
    body = json.dumps(record, indent=2, ensure_ascii=False).encode()
    return json_attachment(body, f"tellonce-consent-{consent_id}.json")


@router.get(
    "/schemas/consent-record.json",
    summary="The JSON Schema every exported consent record is valid against",
    tags=["schemas"],
)
def consent_record_schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(CONSENT_RECORD_SCHEMA.read_text(encoding="utf-8"))
    return loaded


@router.post(
    "/access-requests",
    summary=(
        "A copy of my data (subject access), as JSON: my reports with every detail, "
        "disclosures, delivery attempts, consents and messages"
    ),
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}},
)
def access_request(hub: HubDep, citizen: CitizenDep) -> Response:
    export = export_your_data(citizen, uow=hub.uow(), vault=hub.vault, clock=hub.clock)
    return json_attachment(export.as_json(), export.filename)
