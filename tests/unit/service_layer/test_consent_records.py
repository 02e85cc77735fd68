"""Consent records (ISO/IEC TS 27560 shape, W3C DPV codes) on the fakes, each valid against
the JSON Schema kept in the repository: given, withdrawn and refused."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from tellonce.domain.errors import NotFound
from tellonce.service_layer.consent_records import consent_record_for, consent_records_for_account
from tellonce.service_layer.consents import withdraw_consent
from tests.support.fake_world import World
from tests.support.paths import ROOT

SCHEMA = ROOT / "src" / "tellonce" / "domain" / "schemas" / "iso-27560-consent-record.schema.json"


def validator() -> jsonschema_rs.Validator:
    schema = json.loads(Path(SCHEMA).read_text(encoding="utf-8"))
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)


def errors(record: dict[str, Any]) -> list[str]:
    return [f"{list(e.instance_path)}: {e.message}" for e in validator().iter_errors(record)]


def test_a_given_then_withdrawn_consent_is_a_valid_record(world: World) -> None:
    world.submit(consent=True)
    [record] = consent_records_for_account(world.account, uow=world.database.uow())
    assert errors(record) == []
    assert (record["state"], record["withdrawn_at"]) == ("given", None)
    assert record["processing"]["legal_basis"]["dpv"] == "dpv:Consent"
    assert record["processing"]["purposes"][0]["dpv"].startswith("dpv:")
    assert {p["field"]: p["dpv"] for p in record["processing"]["personal_data"]} == {
        "person.name": "pd:Name",
        "new_address.postcode": "pd:PostalAddress",
    }
    assert record["notice"]["preview_version"] >= 1
    assert len(record["notice"]["preview_digest"]) == 64
    consent_id = uuid.UUID(record["record_id"])
    withdraw_consent(
        consent_id,
        account=world.account,
        uow=world.database.uow(),
        vault=world.vault,
        clock=world.clock,
    )
    again = consent_record_for(consent_id, account=world.account, uow=world.database.uow())
    assert errors(again) == [] and again["state"] == "withdrawn"
    assert [e["type"] for e in again["events"]] == ["dpv:ConsentGiven", "dpv:ConsentWithdrawn"]


def test_a_refusal_is_a_valid_record_and_the_schema_catches_mistakes(world: World) -> None:
    world.submit(consent=False)
    [record] = consent_records_for_account(world.account, uow=world.database.uow())
    assert errors(record) == [] and record["state"] == "refused"
    assert record["given_at"] is None
    assert errors({**record, "state": "maybe"})
    assert errors({**record, "withdrawn_at": "2026-11-25T10:00:00Z"})  # refused: never withdrawn
    assert errors({**record, "address": "14 Ash Grove"})  # nothing else may be added
    with pytest.raises(NotFound):
        consent_record_for(world.account.id, account=world.account, uow=world.database.uow())
