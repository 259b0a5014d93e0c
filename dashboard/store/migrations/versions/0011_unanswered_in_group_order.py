"""the index of unanswered messages in the order overdue counts group by: day, sector, municipality, agency

A request's overdue counts come from one read of the last days' overdue messages by day, sector, municipality and agency
(queries.recent_overdue); with the index in that order the database counts them as it walks the index instead of
sorting ~12 000 entries (7 ms instead of 17 ms on the 10M store). The oldest-overdue list, ordered by day and
time, sorts within each day instead (its ten rows: about a millisecond).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _index(columns: list[str]) -> None:
    op.drop_index("ix_messages_unanswered", table_name="messages")
    op.create_index(
        "ix_messages_unanswered",
        "messages",
        columns,
        sqlite_where=sa.text("first_response_at IS NULL"),
        postgresql_where=sa.text("first_response_at IS NULL"),
    )
    op.execute("ANALYZE ix_messages_unanswered" if op.get_bind().dialect.name == "sqlite" else "ANALYZE messages")


def upgrade() -> None:
    _index(["day", "sector", "oktmo", "agency", "source", "status", "due_at", "created_at"])


def downgrade() -> None:
    _index(["day", "created_at", "due_at", "status", "oktmo", "sector", "source", "agency"])
