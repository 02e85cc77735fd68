"""Shared fixtures: databases on SQLite and PostgreSQL, a wired hub, an API client.

Every integration and end-to-end test runs on both databases. Without PostgreSQL the
PostgreSQL half is skipped locally — but on CI (CI=true) a missing PostgreSQL is a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import hypothesis
import pytest
import sqlalchemy as sa

from tellonce.adapters.database.schema import metadata
from tellonce.bootstrap import Hub, build_vault
from tellonce.service_layer.ports import Clock
from tests.fakes import FakeClock
from tests.support.databases import ON_CI, make_settings, migrated_database

# Property tests check behaviour, not speed: on a shared 2-core machine a per-example deadline
# only makes them flaky. Speed is measured in bench/, beside baselines.
hypothesis.settings.register_profile(
    "tellonce",
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.too_slow],
    derandomize=ON_CI,  # CI explores the same examples every run; locally they vary
)
hypothesis.settings.load_profile("tellonce")


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def migrated_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sa.Engine]:
    """One migrated database per backend per test process, emptied between tests."""
    with migrated_database(request.param, tmp_path_factory.mktemp(request.param)) as engine:
        yield engine


@pytest.fixture
def engine(migrated_engine: sa.Engine) -> Iterator[sa.Engine]:
    yield migrated_engine
    with migrated_engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def hub(engine: sa.Engine, tmp_path: Path, clock: Clock) -> Iterator[Hub]:
    settings = make_settings(tmp_path, engine.url.render_as_string(hide_password=False))
    yield Hub(settings=settings, engine=engine, vault=build_vault(settings), clock=clock)
