"""per-day data versions for cache keys; partial indexes of density samples

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "day_versions",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    for rate in (64, 1024):  # samples for the density layer of long periods
        op.create_index(
            f"ix_messages_sample_{rate}",
            "messages",
            ["day", "oktmo", "sector", "source", "lat", "lon"],  # covering: no table lookups for a sampled year
            sqlite_where=sa.text(f"id % {rate} = 0 AND lat IS NOT NULL"),
            postgresql_where=sa.text(f"id % {rate} = 0 AND lat IS NOT NULL"),
        )


def downgrade() -> None:
    for rate in (64, 1024):
        op.drop_index(f"ix_messages_sample_{rate}", table_name="messages")
    op.drop_table("day_versions")
