"""durations instead of histogram buckets: the message cube keeps each measure's durations (exact while a row holds
few, fine log-spaced bins beyond) and the creation times of its messages still open, as blobs (dashboard/histograms.py);
the messages lose their bucket columns

The cube is made anew with the blob columns in place of the 120 bucket columns, and every day with messages is marked
dirty: the next refresh (``tsur init-db`` runs it) rebuilds both cubes from the messages. Going back restores the
bucket columns — the messages' computed in SQL, the cube's zero until the old code's refresh rebuilds the days marked
dirty again.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

KEY = ["grain", "dims", "source", "day", "oktmo", "sector", "agency"]
INDEXES = {
    "ix_rollups_oktmo": ["grain", "dims", "source", "oktmo", "day"],
    "ix_rollups_sector": ["grain", "dims", "source", "sector", "day"],
}
COUNTS = ["messages", "answered", "resolved", "open_unanswered", "answered_in_sla", "response_hours_sum"]
BLOBS = ["fr_hours", "fr_open", "rs_hours", "rs_open"]
# dashboard/buckets.py at 0012: bucket 0 is [0, 0.05 h), bucket k ≥ 1 [0.05·1.2^(k−1), 0.05·1.2^k), the last open-ended
OLD_BUCKETS = 60
OLD_EDGES = [0.05 * 1.2**k for k in range(OLD_BUCKETS - 1)]
OLD_HISTOGRAM = [f"{prefix}{i:02d}" for prefix in ("fr_", "rs_") for i in range(OLD_BUCKETS)]


def _rollups(measures: list[sa.Column]) -> None:
    """The cube table with ``measures`` after its counts, keyed and indexed as at 0012."""
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
        *measures,
        sa.PrimaryKeyConstraint(*KEY),
        sqlite_with_rowid=False,
    )
    for name, columns in INDEXES.items():
        op.create_index(name, "rollups", columns)


def _set_aside() -> None:
    """The cube renamed out of the way, with its indexes (names are the schema's, not the table's)."""
    for name in INDEXES:
        op.drop_index(name, table_name="rollups")
    op.rename_table("rollups", "rollups_before")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX rollups_pkey RENAME TO rollups_before_pkey")


def _mark_every_day_dirty() -> None:
    op.execute(
        "INSERT INTO rollup_dirty (day) SELECT DISTINCT day FROM messages "
        "WHERE day NOT IN (SELECT day FROM rollup_dirty)"
    )


def _old_bucket(hours: str) -> str:
    """SQL for the 0012 bucket of a duration (NULL stays NULL): no logarithm needed, so any store computes it."""
    steps = " ".join(f"WHEN {hours} < {edge!r} THEN {k}" for k, edge in enumerate(OLD_EDGES))
    return f"CASE WHEN {hours} IS NULL THEN NULL {steps} ELSE {OLD_BUCKETS - 1} END"


def upgrade() -> None:
    _set_aside()
    op.drop_table("rollups_before")
    _rollups([sa.Column(name, sa.LargeBinary(), nullable=False) for name in BLOBS])
    _mark_every_day_dirty()
    for name in ("response_bucket", "resolution_bucket"):  # SQLite ≥ 3.35 drops a column in place, as PostgreSQL does
        op.execute(f"ALTER TABLE messages DROP COLUMN {name}")


def downgrade() -> None:
    op.add_column("messages", sa.Column("response_bucket", sa.SmallInteger(), nullable=True))
    op.add_column("messages", sa.Column("resolution_bucket", sa.SmallInteger(), nullable=True))
    op.execute(
        f"UPDATE messages SET response_bucket = {_old_bucket('response_hours')}, "
        f"resolution_bucket = {_old_bucket('resolution_hours')}"
    )
    _set_aside()
    _rollups([sa.Column(name, sa.Integer(), nullable=False) for name in OLD_HISTOGRAM])
    kept = ", ".join(["grain", "dims", "day", "oktmo", "sector", "source", "agency", *COUNTS])
    zeros = ", ".join("0" for _ in OLD_HISTOGRAM)
    op.execute(
        f"INSERT INTO rollups ({kept}, {', '.join(OLD_HISTOGRAM)}) SELECT {kept}, {zeros} FROM rollups_before"
    )
    op.drop_table("rollups_before")
    _mark_every_day_dirty()
