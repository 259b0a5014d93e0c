"""The migrations build exactly the schema the code declares (on the run's store)."""

from __future__ import annotations

import importlib.util

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import delete, inspect, select, update

from dashboard import cube
from dashboard.demo import generate
from dashboard.loader.ingest import load_file, load_frame
from dashboard.store.db import MIGRATIONS
from dashboard.store.schema import messages, metadata, rollups, topic_rollups
from tests.conftest import NOW
from tests.test_cube import grains_disagree
from tests.test_queries import ROWS


def _migration(name: str):
    spec = importlib.util.spec_from_file_location(name[:4], MIGRATIONS / "versions" / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MIGRATION = _migration("0006_topic_cube_due_at.py")
WEEKS = _migration("0009_week_grain.py")


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


def test_the_week_grain_migration_sums_the_days_as_the_loader_does(engine, region):
    """Stores from before the week grain get it from SQL (0009): the same rows the loader writes."""
    load_frame(generate(region, messages=2000, days=40, seed=4, now=NOW), engine, "demo", region, now=NOW)
    weeks = {}
    with engine.begin() as conn:
        for table in (rollups, topic_rollups):
            weeks[table.name] = sorted(tuple(r) for r in conn.execute(select(table).where(table.c.grain == cube.WEEK)))
            conn.execute(delete(table).where(table.c.grain == cube.WEEK))
        for statement in WEEKS.week_rows(conn.dialect.name):
            conn.exec_driver_sql(statement)
        for table in (rollups, topic_rollups):
            again = sorted(tuple(r) for r in conn.execute(select(table).where(table.c.grain == cube.WEEK)))
            assert len(again) == len(weeks[table.name]) > 100
            assert again == weeks[table.name], table.name
    assert grains_disagree(engine) == []


def _alembic(engine, verb: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        getattr(command, verb)(config, revision)


def _cube_state(engine) -> tuple[dict[str, list[str]], dict[str, list[tuple]]]:
    """Each cube's key and index columns, and its rows."""
    found = inspect(engine)
    keys = {t.name: found.get_pk_constraint(t.name)["constrained_columns"] for t in (rollups, topic_rollups)}
    keys |= {i["name"]: i["column_names"] for t in (rollups, topic_rollups) for i in found.get_indexes(t.name)}
    with engine.connect() as conn:
        rows = {t.name: sorted(tuple(r) for r in conn.execute(select(t))) for t in (rollups, topic_rollups)}
    return keys, rows


def test_the_channel_first_cube_keys_go_down_and_up_keeping_every_row(engine, region):
    """0012 rebuilds both cubes' keys and indexes (a table copy on SQLite): back to 0011 and up again, no row lost or
    changed, key and indexes in the declared order, and the cube's reads still agree across grains."""
    load_frame(generate(region, messages=3000, days=50, seed=5, now=NOW), engine, "demo", region, now=NOW)
    keys, rows = _cube_state(engine)
    declared = {t.name: [c.name for c in t.primary_key.columns] for t in (rollups, topic_rollups)}
    declared |= {i.name: [c.name for c in i.columns] for t in (rollups, topic_rollups) for i in t.indexes}
    assert keys == declared
    assert keys["rollups"][:4] == ["grain", "dims", "source", "day"]
    assert keys["ix_rollups_oktmo"] == ["grain", "dims", "source", "oktmo", "day"]
    assert min(len(r) for r in rows.values()) > 500

    _alembic(engine, "downgrade", "0011")
    old_keys, old_rows = _cube_state(engine)
    assert old_keys["rollups"] == ["grain", "dims", "day", "oktmo", "sector", "source", "agency"]
    assert old_keys["topic_rollups"] == ["grain", "dims", "day", "oktmo", "sector", "source", "topic"]
    assert old_keys["ix_rollups_sector"] == ["grain", "dims", "sector", "day"]
    assert old_keys["ix_topic_rollups_oktmo"] == ["grain", "dims", "oktmo", "day"]
    assert old_rows == rows

    _alembic(engine, "upgrade", "head")
    assert _cube_state(engine) == (keys, rows)
    assert grains_disagree(engine) == []
    with engine.connect() as conn:  # the indexes made again after the copy
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
