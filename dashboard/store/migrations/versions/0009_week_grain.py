"""week grain in both cubes: rows dated the Monday of each calendar week, summed from the day-grain rows

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

WEEK = 2  # dashboard/cube.py WEEK at the time of this migration
MONDAY = {  # the Monday that starts a day's calendar week (dashboard/cube.py week_start)
    "postgresql": "CAST(date_trunc('week', day) AS DATE)",
    "sqlite": "date(day, '-6 days', 'weekday 1')",
}
KEYS = {
    "rollups": ["oktmo", "sector", "source", "agency"],
    "topic_rollups": ["oktmo", "sector", "source", "topic"],
}
BUCKETS = 60  # dashboard/buckets.py N_BUCKETS
COUNTS = {
    "rollups": ["messages", "answered", "resolved", "open_unanswered", "answered_in_sla", "response_hours_sum"]
    + [f"fr_{i:02d}" for i in range(BUCKETS)]
    + [f"rs_{i:02d}" for i in range(BUCKETS)],
    "topic_rollups": ["messages"],
}


def week_rows(dialect: str) -> list[str]:
    """The statements that sum each cube's day-grain rows into week-grain rows."""
    monday = MONDAY[dialect]
    statements = []
    for table, keys in KEYS.items():
        counts = COUNTS[table]
        statements.append(
            f"INSERT INTO {table} (grain, dims, day, {', '.join(keys)}, {', '.join(counts)}) "
            f"SELECT {WEEK}, dims, {monday}, {', '.join(keys)}, {', '.join(f'SUM({c})' for c in counts)} "
            f"FROM {table} WHERE grain = 0 GROUP BY dims, {monday}, {', '.join(keys)}"
        )
    return statements


def upgrade() -> None:
    for statement in week_rows(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for table in KEYS:
        op.execute(f"DELETE FROM {table} WHERE grain = {WEEK}")
