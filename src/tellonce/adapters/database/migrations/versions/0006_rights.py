"""rights: requests with deadlines, restriction and objection, corrections, retention

Revision ID: 0006
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch_op:
        batch_op.add_column(
            sa.Column("payload_purged_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "rights_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("extension_months", sa.Integer(), server_default="0", nullable=False),
        sa.Column("extension_reason", sa.String(length=500), nullable=True),
        sa.Column("pauses", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("limits", sa.JSON(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_rights_requests_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_rights_requests_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_requests")),
    )
    op.create_index(
        op.f("ix_rights_requests_account_id"), "rights_requests", ["account_id"], unique=False
    )
    op.create_index(
        "ix_rights_requests_state_due_on", "rights_requests", ["state", "due_on"], unique=False
    )
    op.create_table(
        "processing_flags",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_processing_flags_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["rights_requests.id"],
            name=op.f("fk_processing_flags_request_id_rights_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processing_flags")),
    )
    op.create_index(
        op.f("ix_processing_flags_account_id"), "processing_flags", ["account_id"], unique=False
    )
    op.create_table(
        "corrections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("disclosure_id", sa.Uuid(), nullable=False),
        sa.Column("recipient_id", sa.String(length=64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("outcome_reason", sa.String(length=500), nullable=True),
        sa.Column("outcome_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["disclosure_id"],
            ["disclosures.id"],
            name=op.f("fk_corrections_disclosure_id_disclosures"),
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["recipients.id"], name=op.f("fk_corrections_recipient_id_recipients")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_corrections_report_id_reports")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["rights_requests.id"],
            name=op.f("fk_corrections_request_id_rights_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrections")),
        sa.UniqueConstraint("message_id", name=op.f("uq_corrections_message_id")),
    )
    op.create_index(op.f("ix_corrections_report_id"), "corrections", ["report_id"], unique=False)
    op.create_index(op.f("ix_corrections_request_id"), "corrections", ["request_id"], unique=False)
    op.create_index(
        op.f("ix_corrections_recipient_id"), "corrections", ["recipient_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_corrections_recipient_id"), table_name="corrections")
    op.drop_index(op.f("ix_corrections_request_id"), table_name="corrections")
    op.drop_index(op.f("ix_corrections_report_id"), table_name="corrections")
    op.drop_table("corrections")
    op.drop_index(op.f("ix_processing_flags_account_id"), table_name="processing_flags")
    op.drop_table("processing_flags")
    op.drop_index("ix_rights_requests_state_due_on", table_name="rights_requests")
    op.drop_index(op.f("ix_rights_requests_account_id"), table_name="rights_requests")
    op.drop_table("rights_requests")
    with op.batch_alter_table("reports") as batch_op:
        batch_op.drop_column("payload_purged_at")
