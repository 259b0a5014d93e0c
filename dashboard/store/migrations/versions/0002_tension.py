"""topic rollup for the tension index, alerts sent to the webhook

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rollup_topic_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("oktmo", sa.String(length=11), nullable=False),
        sa.Column("sector", sa.String(length=32), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "oktmo", "sector", "topic"),
    )
    op.create_index("ix_rollup_topic_daily_sector_day", "rollup_topic_daily", ["sector", "day"])
    # existing databases: fill the new rollup from the messages already loaded
    op.execute(
        "INSERT INTO rollup_topic_daily (day, oktmo, sector, topic, messages) "
        "SELECT day, oktmo, sector, topic, COUNT(*) FROM messages WHERE topic IS NOT NULL "
        "GROUP BY day, oktmo, sector, topic"
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sector", sa.String(length=32), nullable=False),
        sa.Column("oktmo", sa.String(length=11), nullable=False),
        sa.Column("tension_index", sa.Float(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day", "sector", "oktmo", name="uq_alerts_day_sector_oktmo"),
    )


def downgrade() -> None:
    op.drop_table("alerts")
    op.drop_index("ix_rollup_topic_daily_sector_day", table_name="rollup_topic_daily")
    op.drop_table("rollup_topic_daily")
