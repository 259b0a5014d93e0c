"""the index of unanswered messages also holds the agency: overdue now by agency reads the index alone

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

COLUMNS = ["day", "created_at", "due_at", "status", "oktmo", "sector", "source"]


def _index(columns: list[str]) -> None:
    op.drop_index("ix_messages_unanswered", table_name="messages")
    op.create_index(
        "ix_messages_unanswered",
        "messages",
        columns,
        sqlite_where=sa.text("first_response_at IS NULL"),
        postgresql_where=sa.text("first_response_at IS NULL"),
    )
    # the planner's statistics of the new index: without them SQLite preferred a skip-scan of another (10× slower)
    op.execute("ANALYZE ix_messages_unanswered" if op.get_bind().dialect.name == "sqlite" else "ANALYZE messages")


def upgrade() -> None:
    _index([*COLUMNS, "agency"])


def downgrade() -> None:
    _index(COLUMNS)
