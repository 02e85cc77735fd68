"""API fuzzing with schemathesis against /openapi.json: no 500s, and responses match the spec.

Citizen endpoints are called with a real session and recipient endpoints with a real API key,
so the generated requests reach the use cases instead of stopping at authentication.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tellonce.adapters.database.engine import create_database_engine
from tellonce.adapters.database.migrate import upgrade
from tellonce.bootstrap import Hub, build_vault
from tellonce.entrypoints.api.app import create_app
from tellonce.service_layer.catalogue import load_catalogue
from tellonce.service_layer.identity import create_recipient_key, start_session
from tests.conftest import make_settings
from tests.factories import small_catalogue
from tests.fakes import FakeClock

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
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case: Any) -> None:
            _check(case)

        exercise()
