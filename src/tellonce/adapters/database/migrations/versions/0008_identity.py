"""identity: sessions with an idle timeout, how they were signed in and the level of confidence
(ADR 0085)

Revision ID: 0008
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Sessions are short-lived: ending the ones open at upgrade time is simpler (and safer) than
    # guessing how they were signed in.
    op.execute(sa.text("DELETE FROM sessions"))
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False))
        batch.add_column(sa.Column("via", sa.String(length=16), nullable=False))
        batch.add_column(sa.Column("vot", sa.String(length=32), nullable=True))
    # A recipient's outcome reason is free text about a person: sealed under their key from now
    # on (ADR 0086). Reasons stored in clear before stay readable in the old column.
    with op.batch_alter_table("disclosures") as batch:
        batch.add_column(sa.Column("sealed_outcome_reason", sa.LargeBinary(), nullable=True))
    op.create_table(
        "registration_references",
        sa.Column("reference_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("registrar_account_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=16), nullable=False),
        sa.Column("sealed_details", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("report_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["registrar_account_id"],
            ["accounts.id"],
            name=op.f("fk_registration_references_registrar_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("reference_hash", name=op.f("pk_registration_references")),
    )
    op.create_table(
        "rate_limit_windows",
        sa.Column("bucket", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "window_start", name=op.f("pk_rate_limit_windows")),
    )


def downgrade() -> None:
    op.drop_table("rate_limit_windows")
    op.drop_table("registration_references")
    with op.batch_alter_table("disclosures") as batch:
        batch.drop_column("sealed_outcome_reason")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("vot")
        batch.drop_column("via")
        batch.drop_column("last_seen_at")
