"""topic cube (day and month grains, with the channel) instead of rollup_topic_daily; messages.due_at and an
index of unanswered messages that covers the overdue counts; no index of a sector's messages by day

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BACKFILL_DUE_AT = {
    "postgresql": "UPDATE messages SET due_at = created_at + sla_hours * interval '1 hour'",
    # SQLAlchemy's SQLite format: naive UTC «YYYY-MM-DD HH:MM:SS.ffffff» (to the millisecond here)
    "sqlite": "UPDATE messages SET due_at = strftime('%Y-%m-%d %H:%M:%f', created_at, "
    "'+' || (CAST(ROUND(sla_hours * 3600000) AS INTEGER) / 1000.0) || ' seconds') || '000'",
}


def upgrade() -> None:
    op.create_table(
        "topic_rollups",
        sa.Column("grain", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("dims", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("oktmo", sa.String(length=11), nullable=False),
        sa.Column("sector", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("grain", "dims", "day", "oktmo", "sector", "source", "topic"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_topic_rollups_oktmo", "topic_rollups", ["grain", "dims", "oktmo", "day"])
    op.drop_index("ix_rollup_topic_daily_sector_day", table_name="rollup_topic_daily")
    op.drop_table("rollup_topic_daily")
    # every day with messages is rebuilt into both cubes by the next refresh (init-db runs it)
    op.execute(
        "INSERT INTO rollup_dirty (day) SELECT DISTINCT day FROM messages "
        "WHERE day NOT IN (SELECT day FROM rollup_dirty)"
    )
    op.add_column("messages", sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(BACKFILL_DUE_AT[op.get_bind().dialect.name])
    # a sector's messages by day: SQLite preferred it to the far smaller index of unanswered ones, and no query
    # of raw messages by sector remains that the cubes do not answer
    op.drop_index("ix_messages_sector_day", table_name="messages")
    op.drop_index("ix_messages_unanswered", table_name="messages")
    op.create_index(
        "ix_messages_unanswered",
        "messages",
        ["day", "created_at", "due_at", "status", "oktmo", "sector", "source"],
        sqlite_where=sa.text("first_response_at IS NULL"),
        postgresql_where=sa.text("first_response_at IS NULL"),
    )


def downgrade() -> None:
    raise NotImplementedError("0006 replaced rollup_topic_daily by the topic cube; restore a backup to go back")
