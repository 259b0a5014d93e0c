"""messages.date_only: which of a message's dates were given as days without a time

Bits: 1 created_at, 2 first_response_at, 4 resolved_at. Messages loaded before this revision keep 0 (their dates
were read as moments); reloading their export records the precision.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("date_only", sa.SmallInteger(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("date_only")
