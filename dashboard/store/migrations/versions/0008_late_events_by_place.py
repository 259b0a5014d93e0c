"""late events by place: an index of rollup_late by (dims, oktmo, sector, day)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_rollup_late_place", "rollup_late", ["dims", "oktmo", "sector", "day"])


def downgrade() -> None:
    op.drop_index("ix_rollup_late_place", table_name="rollup_late")
