"""/api/v1/schemas — the published JSON Schema of each life event's payload, and of the
``data`` of the disclosure events recipients receive (their CloudEvents ``dataschema``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

from tellonce.domain.disclosure_schema import disclosure_data_schema, disclosure_schema_url
from tellonce.domain.events import EVENT_MODELS, json_schema
from tellonce.entrypoints.api.dependencies import HubDep
from tellonce.entrypoints.api.schemas import EventType

router = APIRouter(prefix="/api/v1/schemas", tags=["schemas"])


@router.get("", summary="The life events and their schema URLs")
def list_schemas(hub: HubDep) -> dict[str, Any]:
    base = hub.settings.public_url + "/api/v1"
    return {
        "event_types": [
            {
                "event_type": event_type,
                "schema_version": model.schema_version,
                "schema": f"{base}/schemas/{event_type}/v{model.schema_version}.json",
                "disclosure_schema": disclosure_schema_url(event_type, base_url=base),
            }
            for event_type, model in EVENT_MODELS.items()
        ]
    }


@router.get("/{event_type}/v{version}.json", summary="JSON Schema (2020-12) for one life event")
def get_schema(event_type: EventType, version: int, hub: HubDep) -> dict[str, Any]:
    if EVENT_MODELS[event_type].schema_version != version:
        raise HTTPException(404, "There is no such schema version")
    return json_schema(event_type, base_url=hub.settings.public_url + "/api/v1")


@router.get(
    "/{event_type}/v{version}/disclosure.json",
    summary="JSON Schema (2020-12) for the data of a disclosure event (its dataschema)",
)
def get_disclosure_schema(event_type: EventType, version: int, hub: HubDep) -> dict[str, Any]:
    if EVENT_MODELS[event_type].schema_version != version:
        raise HTTPException(404, "There is no such schema version")
    return disclosure_data_schema(event_type, base_url=hub.settings.public_url + "/api/v1")
