"""the recipient on each delivery queue row: claiming reads no disclosures

The worker's claim joined every due queue row to its disclosure to learn the recipient (and
so the endpoint's state) before sorting and taking a batch: with 5,000 messages waiting and
9,000,000 disclosures stored, 30-57 ms a claim, growing with the backlog (bench.growth). The
recipient is now written on the row when it is queued; existing rows take it from their
disclosure.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_queue") as batch:
        batch.add_column(sa.Column("recipient_id", sa.String(64), nullable=True))
    op.execute(
        "UPDATE delivery_queue SET recipient_id = "
        "(SELECT recipient_id FROM disclosures WHERE disclosures.id = delivery_queue.disclosure_id)"
    )
    with op.batch_alter_table("delivery_queue") as batch:
        batch.alter_column("recipient_id", existing_type=sa.String(64), nullable=False)
        batch.create_foreign_key(
            "fk_delivery_queue_recipient_id_recipients", "recipients", ["recipient_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("delivery_queue") as batch:
        batch.drop_constraint("fk_delivery_queue_recipient_id_recipients", type_="foreignkey")
        batch.drop_column("recipient_id")
