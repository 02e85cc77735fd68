from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tellonce.bootstrap import Hub
from tellonce.entrypoints.asgi import create_app
from tellonce.service_layer.catalogue import load_catalogue
from tests.factories import small_catalogue


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    load_catalogue(small_catalogue(), uow=hub.uow(), clock=hub.clock)
    with TestClient(create_app(hub), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def cli_env(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> Hub:
    """Point `tellonce` commands run in-process at the test's database and keys."""
    settings = hub.settings
    assert settings.master_keys and settings.index_key
    monkeypatch.setenv("TELLONCE_MODE", "development")
    monkeypatch.setenv(
        "TELLONCE_DATABASE_URL", hub.engine.url.render_as_string(hide_password=False)
    )
    monkeypatch.setenv("TELLONCE_MASTER_KEYS", settings.master_keys.get_secret_value())
    monkeypatch.setenv("TELLONCE_INDEX_KEY", settings.index_key.get_secret_value())
    monkeypatch.setenv("TELLONCE_DATA_DIR", str(settings.data_dir))
    return hub
