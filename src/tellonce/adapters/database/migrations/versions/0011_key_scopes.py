"""key scopes: each recipient and registrar API key carries the scopes it was issued with

Existing keys keep what they could do: recipient keys ``feed acknowledge``, registrar keys
``registrar`` (ADR 0089).

Revision ID: 0011
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recipient_keys") as batch:
        batch.add_column(
            sa.Column(
                "scopes", sa.String(length=64), nullable=False, server_default="feed acknowledge"
            )
        )
    with op.batch_alter_table("registrar_keys") as batch:
        batch.add_column(
            sa.Column("scopes", sa.String(length=64), nullable=False, server_default="registrar")
        )


def downgrade() -> None:
    with op.batch_alter_table("registrar_keys") as batch:
        batch.drop_column("scopes")
    with op.batch_alter_table("recipient_keys") as batch:
        batch.drop_column("scopes")
