"""The AsyncAPI description and real events built by the hub, for the contract tests."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from typing import Any

import jsonschema_rs
import yaml

from tellonce.adapters.catalogue_files import read_catalogue
from tellonce.domain.catalogue import Catalogue
from tellonce.domain.cloudevents import (
    DisclosureFacts,
    disclosure_event,
)
from tellonce.domain.events import select_fields
from tellonce.domain.examples import example_payload
from tests.support.paths import CATALOGUE_DIR, ROOT

DOCUMENT = ROOT / "docs" / "asyncapi.yaml"


HUB_URL = "https://hub.tellonce.example"


TODAY = datetime(2026, 11, 25, 9, 41, 7, tzinfo=UTC)


# --- Reading the document ------------------------------------------------------------------------
@cache
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
    return loaded


def messages() -> dict[str, dict[str, Any]]:
    """Component messages by their ``name``, which is the CloudEvent ``type``."""
    found: dict[str, dict[str, Any]] = document()["components"]["messages"]
    return {message["name"]: message for message in found.values()}


def validator(pointer: str) -> jsonschema_rs.Validator:
    """A validator for the schema at ``pointer``. The whole document is the root resource, so
    every ``#/components/...`` reference inside resolves as an AsyncAPI reader resolves it;
    draft 7 because an AsyncAPI Schema Object is a superset of JSON Schema draft 7."""
    root = {**copy.deepcopy(document()), "$ref": pointer}
    return jsonschema_rs.Draft7Validator(root, validate_formats=True)


def payload_validator(event_type: str) -> jsonschema_rs.Validator:
    message = messages()[event_type]
    return validator(message["payload"]["$ref"])


def problems(check: jsonschema_rs.Validator, instance: Any) -> list[str]:
    return [f"{list(e.instance_path)}: {e.message}" for e in check.iter_errors(instance)]


# --- Real events ---------------------------------------------------------------------------------
def facts_for(event_type: str, agreement_id: str) -> DisclosureFacts:
    agreement = next(a for a in catalogue().agreements if a.id == agreement_id)
    return DisclosureFacts(
        disclosure_id=str(uuid.uuid4()),
        event_type=event_type,
        report_reference="TLO-J48D-7KK8",
        agreement_id=agreement.id,
        agreement_version=agreement.version,
        purpose=agreement.purpose.description,
        purpose_dpv=agreement.purpose.dpv_code,
        legal_basis=agreement.lawful_basis.describe(),
        legal_gateway=agreement.gateway.citation if agreement.gateway else None,
        person_ref=uuid.uuid4().hex,
        sequence=12,
        created_at=TODAY,
    )


@cache
def catalogue() -> Catalogue:
    found, catalogue_problems = read_catalogue(CATALOGUE_DIR)
    assert found is not None, catalogue_problems
    return found


def agreed_fields() -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """Every (agreement, event type, fields) in the demo catalogue: the real field selections."""
    for agreement in catalogue().agreements:
        for event_type, fields in sorted(agreement.fields.items()):
            yield agreement.id, event_type, tuple(fields)


def real_event(event_type: str, fields: tuple[str, ...], agreement_id: str) -> dict[str, Any]:
    payload = example_payload(event_type, today=TODAY.date())
    event = disclosure_event(
        facts_for(event_type, agreement_id), select_fields(payload, fields), hub_url=HUB_URL
    )
    # What the recipient parses is the JSON the hub sends, not the dict it built.
    parsed: dict[str, Any] = json.loads(json.dumps(event))
    return parsed
