"""Migrations build the schema on both databases, and the models never drift from them."""

from __future__ import annotations

import uuid

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


def test_keys_issued_before_scopes_keep_what_they_could_do(engine: sa.Engine) -> None:
    """Migration 0011 (ADR 0089): a recipient key of before gets ``feed acknowledge``."""
    from tellonce.adapters.database.schema import recipient_keys
    from tellonce.adapters.database.unit_of_work import SqlUnitOfWork
    from tellonce.service_layer.catalogue import load_catalogue
    from tests.factories import small_catalogue
    from tests.fakes import FakeClock

    clock = FakeClock()
    load_catalogue(small_catalogue(), uow=SqlUnitOfWork(engine), clock=clock)
    downgrade(engine, "0008")
    assert "scopes" not in {c["name"] for c in sa.inspect(engine).get_columns("recipient_keys")}
    with engine.begin() as connection:  # the columns there were before 0011
        connection.execute(
            sa.insert(recipient_keys).values(
                id=uuid.uuid4(), recipient_id="dwp", environment="live", prefix="tlo_live_old",
                key_hash=b"k" * 32, label=None, created_at=clock.now(),
            )
        )  # fmt: skip
    upgrade(engine)
    with SqlUnitOfWork(engine) as uow:
        holder = uow.recipient_keys.holder_for(b"k" * 32)
    assert holder is not None
    assert holder.scopes == frozenset({"feed", "acknowledge"})


def test_0012_removes_correction_reasons_held_in_clear(engine: sa.Engine) -> None:
    """Migration 0012 cannot seal (no master key in a migration, ADR 0077): a reason stored in
    clear before it is removed, the outcome kept, and the clear column is gone."""
    import sqlite3
    import uuid

    downgrade(engine, "0008")
    try:
        ids = [uuid.uuid4().hex for _ in range(3)]
        values = (ids[0], ids[0], ids[1], ids[2], "somebody", '["person.date_of_birth"]')
        insert = (
            "INSERT INTO corrections (id, message_id, report_id, disclosure_id, recipient_id, "
            "fields, created_at, outcome, outcome_reason) VALUES ({}, {}, {}, {}, {}, {}, "
            "'2026-12-04 09:00:00+00:00', 'rejected', 'No Ellis-Roberts here')"
        )
        # Only this table is under test: its parents' rows are left out, foreign keys off.
        if engine.dialect.name == "sqlite":
            assert engine.url.database
            # Close the fixture's pooled connections before other connections open the file
            # (as the staff CLI test does: a CI run failed with "disk I/O error" beside them).
            engine.dispose()
            plain = sqlite3.connect(engine.url.database)  # foreign keys off by default
            with plain:
                plain.execute(insert.format(*"??????"), values)
            plain.close()
            # Upgraded without the hub's engine (foreign keys on): the orphan row would stop
            # SQLite's table copy, which real rows, having parents, never do.
            bare = sa.create_engine(engine.url)
            upgrade(bare)
            bare.dispose()
        else:
            with engine.begin() as connection:
                connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
                connection.exec_driver_sql(insert.format(*["%s"] * 6), values)
        upgrade(engine)
        columns = {c["name"] for c in sa.inspect(engine).get_columns("corrections")}
        assert "outcome_reason" not in columns and "sealed_outcome_reason" in columns
        with engine.begin() as connection:
            row = connection.execute(
                sa.text("SELECT outcome, sealed_outcome_reason FROM corrections")
            ).one()
            if engine.dialect.name != "sqlite":
                connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
            connection.execute(sa.text("DELETE FROM corrections"))
        assert (row.outcome, row.sealed_outcome_reason) == ("rejected", None)
    finally:
        upgrade(engine)


def test_0014_gives_queued_rows_their_disclosures_recipient(engine: sa.Engine) -> None:
    """Rows queued before 0014 take their recipient from their disclosure, so the claim (which
    no longer reads disclosures) still finds them."""
    from datetime import timedelta

    from tellonce.adapters.database.schema import delivery_queue, disclosures
    from tellonce.adapters.database.unit_of_work import SqlUnitOfWork
    from tests.fakes import FakeClock
    from tests.support.seeded import push, queue, seed

    clock = FakeClock()

    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine)

    seeded = seed(uow, clock)
    queue(uow, push(seeded.disclosures["dwp"]), push(seeded.disclosures["dvla"]))
    downgrade(engine, "0013")
    assert "recipient_id" not in {
        c["name"] for c in sa.inspect(engine).get_columns("delivery_queue")
    }
    upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(delivery_queue.c.recipient_id, disclosures.c.recipient_id).join(
                disclosures, disclosures.c.id == delivery_queue.c.disclosure_id
            )
        ).all()
    assert sorted(queued for queued, _ in rows) == ["dvla", "dwp"]
    assert all(queued == told for queued, told in rows)
    now = clock.now()
    with uow() as u:
        claimed = u.deliveries.claim(now, "w1", now + timedelta(minutes=2), 10)
    assert sorted(m.disclosure.recipient_id for m in claimed) == ["dvla", "dwp"]
