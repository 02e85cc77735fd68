"""API fuzzing with schemathesis against /openapi.json: no 500s, and responses match the spec.

Citizen endpoints are called with a real session and recipient endpoints with a real API key,
so the generated requests reach the use cases instead of stopping at authentication.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tellonce.adapters.database.engine import create_database_engine
from tellonce.adapters.database.migrate import upgrade
from tellonce.bootstrap import Hub, build_vault
from tellonce.domain.events import EVENT_MODELS, EVENT_TYPES
from tellonce.domain.examples import example_payload
from tellonce.entrypoints.asgi import create_app
from tellonce.service_layer.catalogue import load_catalogue
from tellonce.service_layer.identity import create_recipient_key, start_session
from tests.factories import small_catalogue
from tests.fakes import FakeClock
from tests.support.databases import make_settings
from tests.support.faults import Tally

AUTH: dict[str, str] = {}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    tmp: Path = tmp_path_factory.mktemp("openapi")
    engine = create_database_engine(f"sqlite:///{tmp / 'api.db'}")
    upgrade(engine)
    settings_ = make_settings(tmp, engine.url.render_as_string())
    hub = Hub(settings=settings_, engine=engine, vault=build_vault(settings_), clock=FakeClock())
    load_catalogue(small_catalogue(), uow=hub.uow(), clock=hub.clock)
    session = start_session(
        "test",
        "fuzzer",
        uow_factory=hub.uow,
        vault=hub.vault,
        clock=hub.clock,
        lifetime=hub.session_lifetime,
    )
    key = create_recipient_key("dwp", "test", None, uow=hub.uow(), clock=hub.clock)
    AUTH["citizen"] = f"Bearer {session.token}"
    AUTH["recipient"] = f"Bearer {key.key}"
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(hub))
    engine.dispose()


def _authorisation(path: str) -> str:
    recipient_paths = ("/api/v1/feed", "/api/v1/disclosures", "/api/v1/acknowledgements")
    return AUTH["recipient"] if path.startswith(recipient_paths) else AUTH["citizen"]


def _check(case: Any) -> None:
    case.headers = {**(case.headers or {}), "Authorization": _authorisation(case.path)}
    response = case.call()
    assert response.status_code < 500, f"{case.method} {case.path}: {response.text}"
    if response.status_code >= 400:
        assert response.headers["content-type"][0].startswith("application/problem+json")
    # Schema-valid is not always acceptable: business rules (a date of death cannot be in the
    # future, a postcode must exist in form) go beyond what JSON Schema can say.
    case.validate_response(response, excluded_checks=[positive_data_acceptance])


def test_every_operation_keeps_its_contract(api_schema: Any) -> None:
    """Drive each operation with Hypothesis-generated requests (schemathesis strategies)."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    # make faults runs more of them, and docs/reliability.md records how many.
    examples = 100 if os.environ.get("TELLONCE_FAULT_COUNTS") == "full" else 25
    cases = Counter[str]()
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case: Any) -> None:
            cases[f"{case.method} {case.path}"] += 1
            _check(case)

        exercise()
    counted = Tally(
        "schemathesis over /openapi.json",
        "sqlite",
        extra={
            "cases": sum(cases.values()),
            "operations": len(operations),
            "max_examples_each": examples,
        },
    )
    counted.publish()


def _openapi(api_schema: Any) -> dict[str, Any]:
    spec: dict[str, Any] = api_schema.raw_schema
    return spec


def _validator(spec: dict[str, Any], name: str) -> jsonschema_rs.Validator:
    # The component, resolved against the whole description (its $refs are #/components/...).
    root = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    return jsonschema_rs.Draft202012Validator(root)


@pytest.mark.parametrize("body", ["ReportDraftIn", "ReportSubmissionIn"])
def test_a_report_is_one_branch_per_event_and_each_example_fits_exactly_its_own(
    api_schema: Any, body: str
) -> None:
    spec = _openapi(api_schema)
    described = spec["components"]["schemas"][body]
    assert described["discriminator"]["propertyName"] == "event_type"
    mapping = described["discriminator"]["mapping"]
    assert set(mapping) == set(EVENT_TYPES)
    assert [branch["$ref"] for branch in described["oneOf"]] == list(mapping.values())
    whole = _validator(spec, body)
    extra = {"preview_digest": "0" * 64} if body == "ReportSubmissionIn" else {}
    for event_type in EVENT_TYPES:
        request = {"event_type": event_type, "payload": example_payload(event_type), **extra}
        fits = [
            other
            for other, ref in mapping.items()
            if _validator(spec, ref.rsplit("/", 1)[1]).is_valid(request)
        ]
        assert fits == [event_type]
        assert whole.is_valid(request)
        # The same payload under another event's name does not fit.
        for other in EVENT_TYPES:
            if other != event_type:
                assert not whole.is_valid({**request, "event_type": other}), (event_type, other)
    # Schema-valid used to mean {"event_type": "birth", "payload": {}}: no longer.
    assert not whole.is_valid({"event_type": "birth", "payload": {}, **extra})


def test_each_payload_component_is_the_schema_the_hub_serves(api_schema: Any) -> None:
    spec = _openapi(api_schema)
    client = TestClient(api_schema.app)
    for event_type, model in EVENT_MODELS.items():
        served = client.get(f"/api/v1/schemas/{event_type}/v1.json")
        assert served.status_code == 200  # the link in the description resolves
        component = spec["components"]["schemas"][model.__name__]
        assert f"/api/v1/schemas/{event_type}/v1.json" in component["description"]
        assert component["properties"].keys() == served.json()["properties"].keys()
        assert component["required"] == served.json()["required"]
    assert "/api/v1/schemas/{event_type}/v1.json" in spec["info"]["description"]


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/v1/feed", "get"),
        ("/api/v1/log/proofs/inclusion", "get"),
        ("/api/v1/log/proofs/consistency", "get"),
        ("/api/v1/disclosures/{disclosure_id}/outcome", "post"),
    ],
)
def test_state_dependent_422s_are_described(api_schema: Any, path: str, method: str) -> None:
    responses = _openapi(api_schema)["paths"][path][method]["responses"]
    assert responses["422"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"
    }


def test_the_described_outcome_needs_a_reason_to_reject(api_schema: Any) -> None:
    outcome = _validator(_openapi(api_schema), "OutcomeIn")
    assert outcome.is_valid({"outcome": "actioned"})
    assert outcome.is_valid({"outcome": "rejected", "reason": "Not our customer"})
    assert not outcome.is_valid({"outcome": "rejected"})
    assert not outcome.is_valid({"outcome": "rejected", "reason": "  "})


def test_the_described_cursor_is_an_unpadded_base64url_string(api_schema: Any) -> None:
    [after] = [
        p
        for p in _openapi(api_schema)["paths"]["/api/v1/feed"]["get"]["parameters"]
        if p["name"] == "after"
    ]
    [text] = [s for s in after["schema"]["anyOf"] if s.get("type") == "string"]
    assert text["pattern"] == "^[A-Za-z0-9_-]*$"
