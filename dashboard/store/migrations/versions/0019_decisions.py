"""Decisions (поручения) on the centre's data, and their history — append-only, held so by triggers

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

REFUSE = "decision_events is append-only: the history of a decision is never changed"


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("agency", sa.String(300), nullable=False),
        sa.Column("person", sa.String(200)),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sector", sa.String(32)),
        sa.Column("oktmo", sa.String(11)),
        sa.Column("topic", sa.String(200)),
        sa.Column("period_from", sa.Date()),
        sa.Column("period_to", sa.Date()),
        sa.Column("evidence", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_decisions_cell", "decisions", ["sector", "oktmo"])
    op.create_table(
        "decision_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("decision_id", sa.Integer(), sa.ForeignKey("decisions.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
    )
    op.create_index("ix_decision_events_decision_id", "decision_events", ["decision_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION decision_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{REFUSE}'; END $$"
        )
        for when in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER decision_events_no_{when.lower()} BEFORE {when} ON decision_events "
                "FOR EACH ROW EXECUTE FUNCTION decision_events_append_only()"
            )
    else:
        for when in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER decision_events_no_{when.lower()} BEFORE {when} ON decision_events "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSE}'); END"
            )


def downgrade() -> None:
    op.drop_table("decision_events")  # its triggers go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION decision_events_append_only()")
    op.drop_index("ix_decisions_cell", table_name="decisions")
    op.drop_table("decisions")
