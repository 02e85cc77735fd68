"""transparency log: pending queue, leaf runs, delivery commitments; entries never updated

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nothing wrote log entries before this revision, so leaf_index holds no data to move.
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.drop_constraint("uq_log_entries_leaf_index", type_="unique")
        batch_op.drop_column("leaf_index")
        batch_op.add_column(sa.Column("person_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_log_entries_person_id_people"), "people", ["person_id"], ["id"]
        )
    op.create_table(
        "log_pending",
        sa.Column("first_entry_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["first_entry_id"],
            ["log_entries.id"],
            name=op.f("fk_log_pending_first_entry_id_log_entries"),
        ),
        sa.PrimaryKeyConstraint("first_entry_id", name=op.f("pk_log_pending")),
    )
    op.create_table(
        "log_runs",
        sa.Column("first_leaf", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("first_entry_id", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["first_entry_id"],
            ["log_entries.id"],
            name=op.f("fk_log_runs_first_entry_id_log_entries"),
        ),
        sa.PrimaryKeyConstraint("first_leaf", name=op.f("pk_log_runs")),
        sa.UniqueConstraint("first_entry_id", name=op.f("uq_log_runs_first_entry_id")),
    )
    op.create_table(
        "log_delivery_commitments",
        sa.Column("disclosure_id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.String(length=36), nullable=False),
        sa.Column("commitment", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["disclosure_id"],
            ["disclosures.id"],
            name=op.f("fk_log_delivery_commitments_disclosure_id_disclosures"),
        ),
        sa.PrimaryKeyConstraint("disclosure_id", name=op.f("pk_log_delivery_commitments")),
    )


def downgrade() -> None:
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("leaf_index", sa.BigInteger(), nullable=True))
    # Keep the sequence: each entry in a run gets back its own leaf index.
    op.execute(
        "UPDATE log_entries SET leaf_index = ("
        " SELECT r.first_leaf + log_entries.id - r.first_entry_id FROM log_runs r"
        " WHERE log_entries.id BETWEEN r.first_entry_id AND r.first_entry_id + r.count - 1)"
    )
    op.drop_table("log_delivery_commitments")
    op.drop_table("log_runs")
    op.drop_table("log_pending")
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_log_entries_person_id_people"), type_="foreignkey")
        batch_op.drop_column("person_id")
        batch_op.create_unique_constraint(batch_op.f("uq_log_entries_leaf_index"), ["leaf_index"])
