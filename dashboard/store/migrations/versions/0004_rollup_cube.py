"""rollup cube (day and month grains over slices of the dimensions, agency included) instead of rollup_daily;
late events for the overdue backlog; indexes for unanswered messages and a municipality's newest messages

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BUCKETS = 60  # dashboard/buckets.py N_BUCKETS at the time of this migration


def upgrade() -> None:
    histogram = [sa.Column(f"{p}{i:02d}", sa.Integer(), nullable=False) for p in ("fr_", "rs_") for i in range(BUCKETS)]
    op.create_table(
        "rollups",
        sa.Column("grain", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("dims", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("oktmo", sa.String(length=11), nullable=False),
        sa.Column("sector", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("agency", sa.String(length=300), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("resolved", sa.Integer(), nullable=False),
        sa.Column("open_unanswered", sa.Integer(), nullable=False),
        sa.Column("answered_in_sla", sa.Integer(), nullable=False),
        sa.Column("response_hours_sum", sa.Float(), nullable=False),
        *histogram,
        sa.PrimaryKeyConstraint("grain", "dims", "day", "oktmo", "sector", "source", "agency"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_rollups_oktmo", "rollups", ["grain", "dims", "oktmo", "day"])
    op.create_index("ix_rollups_sector", "rollups", ["grain", "dims", "sector", "day"])
    op.drop_index("ix_rollup_daily_oktmo_day", table_name="rollup_daily")
    op.drop_index("ix_rollup_daily_sector_day", table_name="rollup_daily")
    op.drop_table("rollup_daily")
    # every day with messages is rebuilt into the cube by the next refresh (init-db runs it)
    op.execute(
        "INSERT INTO rollup_dirty (day) SELECT DISTINCT day FROM messages "
        "WHERE day NOT IN (SELECT day FROM rollup_dirty)"
    )
    op.create_table(
        "rollup_late",
        sa.Column("dims", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("oktmo", sa.String(length=11), nullable=False),
        sa.Column("sector", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("starts", sa.Integer(), nullable=False),
        sa.Column("ends", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("dims", "day", "oktmo", "sector", "source"),
        sqlite_with_rowid=False,
    )
    # filled from messages by the next refresh (init-db runs it): event days need the region's time zone
    op.execute("INSERT INTO meta (key, value) SELECT 'late_events_rebuild', '1' WHERE EXISTS (SELECT 1 FROM messages)")
    op.create_index("ix_messages_oktmo_day_created_at", "messages", ["oktmo", "day", "created_at"])
    op.create_index(
        "ix_messages_unanswered",
        "messages",
        ["day", "created_at"],
        sqlite_where=sa.text("first_response_at IS NULL"),
        postgresql_where=sa.text("first_response_at IS NULL"),
    )




def downgrade() -> None:
    raise NotImplementedError("0004 replaced rollup_daily by the cube; restore a backup to go back")
