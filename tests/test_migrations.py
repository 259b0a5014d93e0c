"""The migrations build exactly the schema the code declares (on the run's store)."""

from __future__ import annotations

import importlib.util

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, update

from dashboard.loader.ingest import load_file
from dashboard.store.db import MIGRATIONS
from dashboard.store.schema import messages, metadata
from tests.conftest import NOW
from tests.test_queries import ROWS

_spec = importlib.util.spec_from_file_location("m0006", MIGRATIONS / "versions" / "0006_topic_cube_due_at.py")
MIGRATION = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(MIGRATION)


def test_migrated_store_matches_the_declared_schema(engine):
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []


def test_the_due_at_backfill_equals_what_the_loader_computes(engine, tmp_path):
    """Databases from before due_at get it from SQL (0006); it must agree with the loader's own value."""
    path = tmp_path / "hand.csv"
    path.write_text(ROWS, encoding="utf-8")
    load_file(path, engine, now=NOW)
    m = messages.c
    with engine.begin() as conn:
        loaded = dict(conn.execute(select(m.external_id, m.due_at)).all())
        conn.execute(update(messages).values(due_at=None))
        conn.exec_driver_sql(MIGRATION.BACKFILL_DUE_AT[conn.dialect.name])
        filled = dict(conn.execute(select(m.external_id, m.due_at)).all())
    assert loaded.keys() == filled.keys() and len(loaded) == 7
    for key, value in loaded.items():
        assert abs((filled[key] - value).total_seconds()) < 0.001, key
