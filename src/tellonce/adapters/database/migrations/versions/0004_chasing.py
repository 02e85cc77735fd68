"""chasing: escalated disclosures, and an outbox for messages to recipients' contacts

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("disclosures") as batch_op:
        batch_op.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "recipient_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("recipient_id", sa.String(length=64), nullable=False),
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
            ["recipient_id"],
            ["recipients.id"],
            name=op.f("fk_recipient_messages_recipient_id_recipients"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipient_messages")),
    )
    op.create_index(
        op.f("ix_recipient_messages_recipient_id"),
        "recipient_messages",
        ["recipient_id"],
        unique=False,
    )
    op.create_index(
        "ix_recipient_messages_state_due_at",
        "recipient_messages",
        ["state", "due_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_recipient_messages_state_due_at", table_name="recipient_messages")
    op.drop_index(op.f("ix_recipient_messages_recipient_id"), table_name="recipient_messages")
    op.drop_table("recipient_messages")
    with op.batch_alter_table("disclosures") as batch_op:
        batch_op.drop_column("escalated_at")
