"""Live feeds: the channels a pushing integration (role feed) may write; where a pull from Open311 has read to

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_sources",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("source", sa.String(32), primary_key=True),
    )
    op.create_table(
        "pull_cursors",
        sa.Column("feed", sa.String(300), primary_key=True),
        sa.Column("read_to", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("pull_cursors")
    op.drop_table("user_sources")
