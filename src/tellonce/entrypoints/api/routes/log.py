"""The transparency log: C2SP tlog-tiles under /log/, proofs and receipts under /api/v1/.

``/log/checkpoint``, ``/log/tile/...`` and ``/log/key`` are what any tlog-tiles client or
witness reads. Full tiles and entry bundles never change, so they are cached for a year; a
partial tile is only briefly interesting (it is soon replaced by a wider one); the
checkpoint must always be fresh.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from tellonce.entrypoints.api.dependencies import CitizenDep, HubDep, ReportReference
from tellonce.entrypoints.downloads import json_attachment
from tellonce.service_layer.transparency.entries import receipt_for_report
from tellonce.service_layer.transparency.reads import (
    CHECKPOINT_PATH,
    ProofAnswer,
    log_resource,
)

router = APIRouter(tags=["transparency log"])

IMMUTABLE = "public, max-age=31536000, immutable"
PARTIAL = "public, max-age=60"
NO_CACHE = "no-cache"
_BINARY: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/octet-stream": {}}, "description": "The bytes"}
}
_TEXT: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/plain": {}}, "description": "The text"}
}
_CHECKPOINT_DOC = "The log's latest checkpoint, a C2SP tlog-checkpoint signed note"


@router.get(
    "/log/checkpoint", response_class=PlainTextResponse, responses=_TEXT, summary=_CHECKPOINT_DOC
)
def checkpoint(hub: HubDep) -> Response:
    resource = log_resource(CHECKPOINT_PATH, uow=hub.uow())
    return PlainTextResponse(resource.data, headers={"Cache-Control": NO_CACHE})


@router.get(
    "/log/key",
    response_class=PlainTextResponse,
    responses=_TEXT,
    summary="The log's verifier key (C2SP signed-note verifier key)",
)
def verifier_key(hub: HubDep) -> Response:
    return PlainTextResponse(
        hub.log_signer.verifier_key + "\n", headers={"Cache-Control": "public, max-age=3600"}
    )


@router.get(
    "/log/tile/{path:path}",
    response_class=Response,
    responses=_BINARY,
    summary="A C2SP tlog-tiles hash tile (tile/L/N[.p/W]) or entry bundle (tile/entries/N)",
)
def tile(path: Annotated[str, Path(max_length=200)], hub: HubDep) -> Response:
    resource = log_resource(f"tile/{path}", uow=hub.uow())
    return Response(
        resource.data,
        media_type="application/octet-stream",
        headers={"Cache-Control": IMMUTABLE if resource.immutable else PARTIAL},
    )


class ProofOut(BaseModel):
    hashes: list[str] = Field(description="Base64 SHA-256 hashes, leaf side first (RFC 9162)")

    @staticmethod
    def _hashes(answer: ProofAnswer) -> list[str]:
        return [base64.b64encode(h).decode("ascii") for h in answer.hashes]


class InclusionProofOut(ProofOut):
    index: int
    size: int

    @classmethod
    def of(cls, answer: ProofAnswer) -> InclusionProofOut:
        return cls(index=answer.first, size=answer.size, hashes=cls._hashes(answer))


class ConsistencyProofOut(ProofOut):
    from_size: int = Field(serialization_alias="from")
    to_size: int = Field(serialization_alias="to")

    @classmethod
    def of(cls, answer: ProofAnswer) -> ConsistencyProofOut:
        return cls(from_size=answer.first, to_size=answer.size, hashes=cls._hashes(answer))


@router.get("/api/v1/log/proofs/inclusion", summary="Prove an entry is in the log")
def inclusion(
    hub: HubDep,
    index: Annotated[int, Query(ge=0, le=2**63 - 1, description="The entry's leaf index")],
    size: Annotated[
        int | None, Query(ge=1, le=2**63 - 1, description="Tree size (default: latest)")
    ] = None,
) -> InclusionProofOut:
    answer = hub.log_reads.inclusion_proof(index, size)
    return InclusionProofOut.of(answer)


@router.get(
    "/api/v1/log/proofs/consistency",
    summary="Prove a later tree extends an earlier one",
    response_model_by_alias=True,
)
def consistency(
    hub: HubDep,
    from_: Annotated[int, Query(alias="from", ge=0, le=2**63 - 1, description="Old size")],
    to: Annotated[
        int | None, Query(ge=0, le=2**63 - 1, description="New size (default: latest)")
    ] = None,
) -> ConsistencyProofOut:
    answer = hub.log_reads.consistency_proof(from_, to)
    return ConsistencyProofOut.of(answer)


@router.get(
    "/api/v1/reports/{reference}/receipt",
    tags=["reports"],
    response_class=Response,
    responses={200: {"content": {"application/json": {}}, "description": "The receipt file"}},
    summary="Download a report's transparency receipt, verifiable offline",
)
def receipt(
    reference: ReportReference,
    hub: HubDep,
    citizen: CitizenDep,
) -> Response:
    found = receipt_for_report(
        reference, account=citizen, uow=hub.uow(), vault=hub.vault, cache=hub.log_tiles
    )
    return json_attachment(found.to_json(), f"tellonce-receipt-{found.reference}.json")
