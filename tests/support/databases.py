"""Test databases: a fresh PostgreSQL database per test process (never skipped on CI) and the
hub's settings for one."""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tellonce.adapters.database.engine import create_database_engine
from tellonce.adapters.database.migrate import upgrade
from tellonce.config import Mode, Settings

ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


POSTGRES_ADMIN_URL = os.environ.get(
    "TELLONCE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


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


def make_settings(tmp_path: Path, database_url: str, mode: Mode = Mode.DEVELOPMENT) -> Settings:
    return Settings(
        mode=mode,
        data_dir=tmp_path,
        database_url=database_url,
        master_keys=f"test1:{base64.b64encode(secrets.token_bytes(32)).decode()}",
        index_key=base64.b64encode(secrets.token_bytes(32)).decode(),
        demo_sign_in=True,
        # Tests that move the clock by hours (drafts expiring, deadlines) keep their session;
        # tests/portal/test_oidc_sign_in.py holds the idle timeout at its default.
        session_idle_minutes=24 * 60,
    )


@contextlib.contextmanager
def migrated_database(backend: str, folder: Path) -> Iterator[sa.Engine]:
    """A freshly migrated database: a SQLite file in ``folder``, or a new PostgreSQL database
    (dropped afterwards)."""
    if backend == "sqlite":
        engine = create_database_engine(f"sqlite:///{folder / 'tellonce.db'}")
        try:
            upgrade(engine)
            yield engine
        finally:
            engine.dispose()
        return
    name, engine = create_postgres_database()
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        drop_postgres_database(name)
