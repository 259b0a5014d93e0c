"""Channel freshness: an index of each channel's messages by time, and the alerts of silent channels

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_messages_source_created_at", "messages", ["source", "created_at"])
    op.create_table(
        "source_alerts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("silent_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.UniqueConstraint("source", "silent_since", name="uq_source_alerts_source_since"),
    )


def downgrade() -> None:
    op.drop_table("source_alerts")
    op.drop_index("ix_messages_source_created_at", table_name="messages")
