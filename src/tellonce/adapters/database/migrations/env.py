"""Alembic environment: the engine is handed in by ``tellonce.adapters.database.migrate``."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from tellonce.adapters.database.schema import metadata

engine = context.config.attributes["engine"]
assert isinstance(engine, sa.Engine), "run migrations through tellonce.adapters.database.migrate"

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
