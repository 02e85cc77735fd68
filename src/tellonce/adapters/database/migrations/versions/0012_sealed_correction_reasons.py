"""sealed correction reasons: a recipient's reason for a correction's outcome, sealed

Revision ID: 0012
Revises: 0008

A recipient's reason is free text about a person: sealed under the subject's key from now on, as
disclosures' reasons are (ADR 0086), so erasing the person erases it. Sealing needs the master
key, which a migration does not have (ADR 0077): reasons stored in clear before are removed, not
moved; the outcome itself (actioned, rejected...) and its time stay. The number removed is
written to the migration's output.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    with op.batch_alter_table("corrections") as batch:
        batch.add_column(sa.Column("sealed_outcome_reason", sa.LargeBinary(), nullable=True))
    corrections = sa.table("corrections", sa.column("outcome_reason", sa.String(500)))
    removed = (
        op.get_bind()
        .execute(
            sa.select(sa.func.count())
            .select_from(corrections)
            .where(corrections.c.outcome_reason.is_not(None))
        )
        .scalar_one()
    )
    if removed:
        log.warning(
            "0012: %d correction outcome reason(s) held in clear were removed (ADR 0077); "
            "the outcomes stay",
            removed,
        )
    with op.batch_alter_table("corrections") as batch:
        batch.drop_column("outcome_reason")


def downgrade() -> None:
    # The sealed reasons cannot be opened here: they go, as the clear ones went on upgrade.
    with op.batch_alter_table("corrections") as batch:
        batch.add_column(sa.Column("outcome_reason", sa.String(length=500), nullable=True))
        batch.drop_column("sealed_outcome_reason")
