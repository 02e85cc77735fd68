"""indexes for growth: the worker's periodic jobs read only what they might act on

With 1,000,000 reports and 9,000,000 disclosures stored (bench.growth), the retention job's
search for settled reports took 5.4 s a round and the search for disclosures without an
acknowledgement deadline 1.6 s, each a scan of every row. Two partial indexes hold only the
rows these jobs can act on (reports whose details are still held; disclosures with no deadline
and no acknowledgement), so each round reads a handful of rows however many are stored.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_UNPURGED = "payload_purged_at IS NULL"
_WITHOUT_DEADLINE = "acknowledge_by IS NULL AND acknowledged_at IS NULL"


def upgrade() -> None:
    op.create_index(
        "ix_reports_unpurged_submitted_at",
        "reports",
        ["submitted_at"],
        postgresql_where=sa.text(_UNPURGED),
        sqlite_where=sa.text(_UNPURGED),
    )
    op.create_index(
        "ix_disclosures_without_deadline",
        "disclosures",
        ["created_at", "id"],
        postgresql_where=sa.text(_WITHOUT_DEADLINE),
        sqlite_where=sa.text(_WITHOUT_DEADLINE),
    )


def downgrade() -> None:
    op.drop_index("ix_disclosures_without_deadline", table_name="disclosures")
    op.drop_index("ix_reports_unpurged_submitted_at", table_name="reports")
