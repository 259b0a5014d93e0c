"""The migrations build exactly the schema the code declares (on the run's store)."""

from __future__ import annotations

import importlib.util

import numpy as np
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, literal_column, select, update

from dashboard.loader.demo import generate
from dashboard.loader.ingest import load_file, load_frame
from dashboard.region import get_region
from dashboard.store import rollups as cube_rollups
from dashboard.store.db import MIGRATIONS
from dashboard.store.schema import messages, metadata, rollup_dirty, rollups, topic_rollups
from tests.conftest import NOW
from tests.test_cube import grains_disagree
from tests.test_queries import ROWS

DEMO_REGION = get_region("chuvashia")


def _migration(name: str):
    spec = importlib.util.spec_from_file_location(name[:4], MIGRATIONS / "versions" / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MIGRATION = _migration("0006_topic_cube_due_at.py")
OLD_EDGES = np.concatenate([[0.0], 0.05 * 1.2 ** np.arange(60)])  # dashboard/buckets.py until 0015


def test_migrated_store_matches_the_declared_schema(engine):
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []


def test_the_due_at_backfill_equals_what_the_loader_computes(engine, tmp_path):
    """Databases from before due_at get it from SQL (0006); it must agree with the loader's own value."""
    path = tmp_path / "hand.csv"
    path.write_text(ROWS, encoding="utf-8")
    load_file(path, engine, now=NOW, region=DEMO_REGION)
    m = messages.c
    with engine.begin() as conn:
        loaded = dict(conn.execute(select(m.external_id, m.due_at)).all())
        conn.execute(update(messages).values(due_at=None))
        conn.exec_driver_sql(MIGRATION.BACKFILL_DUE_AT[conn.dialect.name])
        filled = dict(conn.execute(select(m.external_id, m.due_at)).all())
    assert loaded.keys() == filled.keys() and len(loaded) == 7
    for key, value in loaded.items():
        assert abs((filled[key] - value).total_seconds()) < 0.001, key


def _alembic(engine, verb: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        getattr(command, verb)(config, revision)


def _cube_state(engine) -> tuple[dict[str, list[str]], dict[str, list[tuple]]]:
    """Each cube's key and index columns, and its rows (every column the table has at its revision; sums of hours
    to the microsecond, as a rebuild may add them in another order)."""
    found = inspect(engine)
    keys = {t.name: found.get_pk_constraint(t.name)["constrained_columns"] for t in (rollups, topic_rollups)}
    keys |= {i["name"]: i["column_names"] for t in (rollups, topic_rollups) for i in found.get_indexes(t.name)}
    rows = {}
    with engine.connect() as conn:
        for table in ("rollups", "topic_rollups"):
            stored = conn.exec_driver_sql(f"SELECT * FROM {table}")
            rows[table] = sorted(tuple(round(v, 6) if isinstance(v, float) else v for v in r) for r in stored)
    return keys, rows


def test_the_channel_first_cube_keys_go_down_and_up_keeping_every_row(engine, region):
    """0012 rebuilds both cubes' keys and indexes (a table copy on SQLite): from 0012 (the cube as 0015's way down
    leaves it) to 0011 and up again, no row lost or changed, key and indexes in the declared order; and up to the
    head the refresh brings back the cube the loader built, its reads still agreeing across grains."""
    load_frame(generate(region, messages=3000, days=50, seed=5, now=NOW), engine, "demo", region, now=NOW)
    keys, rows = _cube_state(engine)
    declared = {t.name: [c.name for c in t.primary_key.columns] for t in (rollups, topic_rollups)}
    declared |= {i.name: [c.name for c in i.columns] for t in (rollups, topic_rollups) for i in t.indexes}
    assert keys == declared
    assert keys["rollups"][:4] == ["grain", "dims", "source", "day"]
    assert keys["ix_rollups_oktmo"] == ["grain", "dims", "source", "oktmo", "day"]
    assert min(len(r) for r in rows.values()) > 500

    _alembic(engine, "downgrade", "0012")
    at_0012 = _cube_state(engine)
    assert at_0012[0] == keys and len(at_0012[1]["rollups"]) == len(rows["rollups"])
    _alembic(engine, "downgrade", "0011")
    old_keys, old_rows = _cube_state(engine)
    assert old_keys["rollups"] == ["grain", "dims", "day", "oktmo", "sector", "source", "agency"]
    assert old_keys["topic_rollups"] == ["grain", "dims", "day", "oktmo", "sector", "source", "topic"]
    assert old_keys["ix_rollups_sector"] == ["grain", "dims", "sector", "day"]
    assert old_keys["ix_topic_rollups_oktmo"] == ["grain", "dims", "oktmo", "day"]
    assert old_rows == at_0012[1]

    _alembic(engine, "upgrade", "0012")
    assert _cube_state(engine) == at_0012
    _alembic(engine, "upgrade", "head")
    cube_rollups.refresh(engine, region.timezone)
    assert _cube_state(engine) == (keys, rows)
    assert grains_disagree(engine) == []
    with engine.connect() as conn:  # the indexes made again after the copy
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_the_durations_migration_goes_down_to_buckets_and_up_to_the_cube_the_loader_builds(engine, region):
    """0015 replaces the cube's 120 bucket columns by blobs and the messages' bucket columns by nothing, and marks
    every day dirty. Down to 0014 the messages get their buckets back, computed in SQL as the loader of 0014 did, the
    cube its bucket columns (its counts kept) and every day is dirty for the old code to rebuild; up again, the
    refresh rebuilds the cube byte for byte as the loader built it."""
    load_frame(generate(region, messages=3000, days=50, seed=6, now=NOW), engine, "demo", region, now=NOW)
    _, built = _cube_state(engine)
    with engine.connect() as conn:
        days = conn.execute(select(func.count(messages.c.day.distinct()))).scalar()

    _alembic(engine, "downgrade", "0014")
    m = messages.c
    with engine.connect() as conn:
        buckets = [literal_column("response_bucket"), literal_column("resolution_bucket")]
        rows = conn.execute(select(m.response_hours, buckets[0], m.resolution_hours, buckets[1])).all()
        dirty = conn.execute(select(func.count()).select_from(rollup_dirty)).scalar()
        histogram = conn.exec_driver_sql("SELECT SUM(fr_05 + rs_40), COUNT(*) FROM rollups").one()
    for hours_at, bucket_at in ((0, 1), (2, 3)):
        hours = np.array([r[hours_at] for r in rows if r[hours_at] is not None])
        expected = np.clip(np.searchsorted(OLD_EDGES, hours, side="right") - 1, 0, 59)
        assert [r[bucket_at] for r in rows if r[hours_at] is not None] == expected.tolist()
        assert all(r[bucket_at] is None for r in rows if r[hours_at] is None)
    assert len(set(expected.tolist())) > 20
    assert dirty == days and histogram[0] == 0 and histogram[1] == len(built["rollups"])  # the old refresh fills them

    _alembic(engine, "upgrade", "head")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(rollups)).scalar() == 0
    cube_rollups.refresh(engine, region.timezone)
    assert _cube_state(engine)[1] == built
