"""The fault suite's fixtures: a fresh database per scenario (PostgreSQL unless the scenario
is about SQLite), its hub with the test catalogue, and the counts to run at.

``make test`` runs reduced counts; ``make faults`` (``TELLONCE_FAULT_COUNTS=full``) the issue's
full ones: at least 5,000 disclosures and 10 worker kills.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tellonce.adapters.clock import SystemClock
from tellonce.bootstrap import Hub, build_vault
from tellonce.service_layer.catalogue import load_catalogue
from tests.factories import small_catalogue
from tests.support.databases import make_settings, migrated_database
from tests.support.faults import FULL, REDUCED, Counts


@pytest.fixture
def counts() -> Counts:
    return FULL if os.environ.get("TELLONCE_FAULT_COUNTS") == "full" else REDUCED


def _hub(engine: sa.Engine, tmp_path: Path) -> Hub:
    settings = make_settings(tmp_path, engine.url.render_as_string(hide_password=False))
    # Real processes read the system clock: the hub shares it (ADR 0050).
    hub = Hub(settings=settings, engine=engine, vault=build_vault(settings), clock=SystemClock())
    load_catalogue(small_catalogue(), uow=hub.uow(), clock=hub.clock)
    return hub


@pytest.fixture
def pg_hub(tmp_path: Path) -> Iterator[Hub]:
    with migrated_database("postgres", tmp_path / "db") as engine:
        yield _hub(engine, tmp_path)


@pytest.fixture
def sqlite_hub(tmp_path: Path) -> Iterator[Hub]:
    with migrated_database("sqlite", tmp_path) as engine:
        yield _hub(engine, tmp_path)


@pytest.fixture(params=["sqlite", "postgres"])
def any_hub(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Hub]:
    with migrated_database(request.param, tmp_path) as engine:
        yield _hub(engine, tmp_path)
