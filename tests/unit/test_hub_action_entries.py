"""Hub actions in the transparency log (ADR 0093): a known kind to every verifier, canonical
JSON, the actor as a role, organisation and pseudonymous id, the time rounded to the hour."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from tellonce.domain.transparency.entries import EntryKind, hub_action, parse_entry


def test_a_hub_action_is_a_canonical_entry_of_a_known_kind() -> None:
    staff = str(uuid.uuid4())
    at = dt.datetime(2026, 12, 4, 9, 41, 7, tzinfo=dt.UTC)
    entry = hub_action(
        "endpoint-disabled",
        at,
        {"role": "operator", "organisation": "hub", "staff": staff},
        {"recipient": "leeds-council-tax"},
    )
    body = parse_entry(entry.encode())
    assert body["kind"] == "hub-action"
    assert EntryKind.HUB_ACTION.value == "hub-action"
    assert body["time"] == "2026-12-04T09:00:00Z"
    assert body["actor"] == {"role": "operator", "organisation": "hub", "staff": staff}
    assert body["recipient"] == "leeds-council-tax"
    assert "commitment" not in body
    assert json.loads(entry.encode()) == body
