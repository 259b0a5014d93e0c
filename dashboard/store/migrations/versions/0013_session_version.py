"""users.session_version: a session is valid only while the account's version is the one it began with

Sign-out, a new password or token, disabling and enabling raise it, so every open session of the account ends at
its next request — in every worker at once (the version is read from the store on each request).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_version")
