"""Migrations build the schema on both databases, and the models never drift from them."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tellonce.adapters.database.migrate import downgrade, upgrade
from tellonce.adapters.database.schema import metadata


def test_models_and_migrations_agree(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_every_table_exists_after_upgrade(engine: sa.Engine) -> None:
    assert set(metadata.tables) <= set(sa.inspect(engine).get_table_names())


def test_downgrade_to_base_and_back(engine: sa.Engine) -> None:
    downgrade(engine, "base")
    assert "reports" not in sa.inspect(engine).get_table_names()
    upgrade(engine)
    assert "reports" in sa.inspect(engine).get_table_names()
