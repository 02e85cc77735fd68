"""citizen messages: an outbox for messages to citizens, sent by the worker

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "citizen_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("template", sa.String(length=40), nullable=False),
        sa.Column("personalisation", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_citizen_messages_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_messages")),
    )
    op.create_index(
        op.f("ix_citizen_messages_account_id"), "citizen_messages", ["account_id"], unique=False
    )
    op.create_index(
        "ix_citizen_messages_state_due_at", "citizen_messages", ["state", "due_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_citizen_messages_state_due_at", table_name="citizen_messages")
    op.drop_index(op.f("ix_citizen_messages_account_id"), table_name="citizen_messages")
    op.drop_table("citizen_messages")
