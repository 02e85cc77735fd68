"""Shared fixtures: databases on SQLite and PostgreSQL, a wired hub, an API client.

Every integration and end-to-end test runs on both databases. Without PostgreSQL the
PostgreSQL half is skipped locally — but on CI (CI=true) a missing PostgreSQL is a failure.
"""

from __future__ import annotations

import base64
import os
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

import hypothesis
import pytest
import sqlalchemy as sa

from tellonce.adapters.database.engine import create_database_engine
from tellonce.adapters.database.migrate import upgrade
from tellonce.adapters.database.schema import metadata
from tellonce.bootstrap import Hub, build_vault
from tellonce.config import Mode, Settings
from tests.fakes import FakeClock

ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# Property tests check behaviour, not speed: on a shared 2-core machine a per-example deadline
# only makes them flaky. Speed is measured in bench/, beside baselines.
hypothesis.settings.register_profile(
    "tellonce",
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.too_slow],
    derandomize=ON_CI,  # CI explores the same examples every run; locally they vary
)
hypothesis.settings.load_profile("tellonce")
POSTGRES_ADMIN_URL = os.environ.get(
    "TELLONCE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _shared_testdata() -> Path:
    """Other projects' test vectors live beside the checkout in ``../shared/testdata`` (read
    there, never copied in). A clone elsewhere can point at them with TELLONCE_SHARED_TESTDATA;
    the workplace's fixed location is the last resort."""
    candidates = [
        os.environ.get("TELLONCE_SHARED_TESTDATA"),
        str(Path(__file__).resolve().parents[2] / "shared" / "testdata"),
        "/work/shared/testdata",
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return Path(candidates[1] or "")


SHARED_TESTDATA = _shared_testdata()
CATALOGUE_DIR = Path(__file__).resolve().parents[1] / "catalogue"


def _postgres_available() -> bool:
    try:
        engine = sa.create_engine(POSTGRES_ADMIN_URL)
        with engine.connect():
            pass
        engine.dispose()
    except sa.exc.OperationalError:
        return False
    return True


def create_postgres_database() -> tuple[str, sa.Engine]:
    if not _postgres_available():
        if ON_CI:
            pytest.fail("PostgreSQL is not reachable on CI: it must be, tests never skip there")
        pytest.skip("PostgreSQL is not running here (CI=true turns this into a failure)")
    name = f"tellonce_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    url = sa.make_url(POSTGRES_ADMIN_URL).set(database=name)
    return name, create_database_engine(url.render_as_string(hide_password=False))


def drop_postgres_database(name: str) -> None:
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def migrated_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sa.Engine]:
    """One migrated database per backend per test process, emptied between tests."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "tellonce.db"
        engine = create_database_engine(f"sqlite:///{path}")
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    name, engine = create_postgres_database()
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        drop_postgres_database(name)


@pytest.fixture
def engine(migrated_engine: sa.Engine) -> Iterator[sa.Engine]:
    yield migrated_engine
    with migrated_engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())


def make_settings(tmp_path: Path, database_url: str, mode: Mode = Mode.DEVELOPMENT) -> Settings:
    return Settings(
        mode=mode,
        data_dir=tmp_path,
        database_url=database_url,
        master_keys=f"test1:{base64.b64encode(secrets.token_bytes(32)).decode()}",
        index_key=base64.b64encode(secrets.token_bytes(32)).decode(),
        demo_sign_in=True,
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def hub(engine: sa.Engine, tmp_path: Path, clock: FakeClock) -> Iterator[Hub]:
    settings = make_settings(tmp_path, engine.url.render_as_string(hide_password=False))
    yield Hub(settings=settings, engine=engine, vault=build_vault(settings), clock=clock)
