"""The JSON Schema of a disclosure event's ``data``: what its CloudEvents ``dataschema`` names.

A recipient receives only the fields its agreement names, so the payload part is the life
event's published schema with every ``required`` dropped; everything else (types, patterns,
``additionalProperties: false``) stays, so a field the event cannot hold still fails. Around it
are the terms of the disclosure: agreement, purpose, legal basis, the person's pseudonym for this
recipient, the sequence, and the links to acknowledge and report the outcome.
"""

from __future__ import annotations

from typing import Any

from tellonce.domain.events import json_schema, model_for
from tellonce.domain.references import ALPHABET

_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def disclosure_schema_url(event_type: str, *, base_url: str) -> str:
    """``{base_url}/schemas/{event_type}/v{n}/disclosure.json``; ``base_url`` ends in /api/v1."""
    version = model_for(event_type).schema_version
    return f"{base_url.rstrip('/')}/schemas/{event_type}/v{version}/disclosure.json"


def partial(node: Any) -> Any:
    """``node`` with every ``required`` list dropped, at every depth."""
    if isinstance(node, list):
        return [partial(item) for item in node]
    if not isinstance(node, dict):
        return node
    return {k: partial(v) for k, v in node.items() if not (k == "required" and isinstance(v, list))}


def disclosure_data_schema(event_type: str, *, base_url: str) -> dict[str, Any]:
    """JSON Schema 2020-12 of ``data`` in a ``uk.tellonce.disclosure.<event_type>`` event."""
    payload = json_schema(event_type, base_url=base_url)
    payload_url = payload.pop("$id")
    del payload["$schema"]
    definitions = payload.pop("$defs", {})
    link = {"type": "string", "format": "uri"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": disclosure_schema_url(event_type, base_url=base_url),
        "title": f"{payload['title']}: the data of a disclosure",
        "description": (
            f"What a recipient is told about a {event_type} report, and under which terms. Only "
            f"`payload` holds personal data: the agreed fields of {payload_url}, in its shape."
        ),
        "type": "object",
        "required": [
            "report_reference",
            "agreement",
            "purpose",
            "legal_basis",
            "person_ref",
            "sequence",
            "payload",
            "links",
        ],
        "additionalProperties": False,
        "properties": {
            "report_reference": {
                "type": "string",
                "pattern": f"^TLO-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}$",
            },
            "agreement": _closed(
                id={"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
                version={"type": "integer", "minimum": 1},
            ),
            "purpose": _closed(
                description={"type": "string"},
                dpv={"type": "string", "pattern": "^dpv:[A-Z][A-Za-z0-9]*$"},
            ),
            "legal_basis": _closed(
                description={"type": "string"}, gateway={"type": ["string", "null"]}
            ),
            "person_ref": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
            "sequence": {"type": "integer", "minimum": 1},
            "payload": partial(payload),
            "links": _closed(acknowledge=link, outcome=link, feed=link),
        },
        "$defs": {name: partial(definition) for name, definition in definitions.items()},
    }


def _closed(**properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": list(properties),
        "additionalProperties": False,
        "properties": properties,
    }
