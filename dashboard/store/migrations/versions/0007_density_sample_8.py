"""a covering partial index of every 8th message with a point, for the density layer of filtered periods

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_messages_sample_8",
        "messages",
        ["day", "oktmo", "sector", "source", "lat", "lon"],
        sqlite_where=sa.text("id % 8 = 0 AND lat IS NOT NULL"),
        postgresql_where=sa.text("id % 8 = 0 AND lat IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_messages_sample_8", table_name="messages")
