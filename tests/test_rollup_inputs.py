"""The rollups a load builds from the rows it kept equal the rollups rebuilt from the stored messages, and the days
whose stored messages are not exactly those rows are read back (on both stores)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy import select, update

from dashboard.loader import ingest
from dashboard.loader.demo import generate
from dashboard.loader.ingest import load_frame
from dashboard.loader.limits import LoadLimits
from dashboard.store import rollup_inputs
from dashboard.store.rollups import rebuild_all
from dashboard.store.schema import messages, rollups, topic_rollups

MOSCOW = ZoneInfo("Europe/Moscow")  # the demo region's time zone

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def cubes(engine) -> dict[str, pd.DataFrame]:
    """Both cubes' rows, sorted by their keys."""
    out = {}
    with engine.connect() as conn:
        for table in (rollups, topic_rollups):
            keys = [c.name for c in table.primary_key.columns]
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            out[table.name] = pd.DataFrame([tuple(r) for r in rows], columns=list(table.c.keys())).set_index(keys)
    return out


def assert_as_rebuilt(engine) -> None:
    """The cubes as they are equal the cubes rebuilt from the stored messages alone (float sums to rounding)."""
    built = cubes(engine)
    rebuild_all(engine, MOSCOW)
    rebuilt = cubes(engine)
    for name, frame in built.items():
        assert len(frame) and frame.index.equals(rebuilt[name].index), name
        pd.testing.assert_frame_equal(frame, rebuilt[name], check_exact=False, rtol=1e-9)


@pytest.fixture
def reads(monkeypatch) -> list[list]:
    """The days each read of stored messages for the rollups asked for."""
    asked: list[list] = []
    original = rollup_inputs.read

    def spy(conn, days):
        asked.append(sorted(days))
        return original(conn, days)

    monkeypatch.setattr(rollup_inputs, "read", spy)
    return asked


def test_a_first_load_builds_its_rollups_without_reading_a_message_back(engine, region, reads):
    frame = generate(region, messages=4000, days=70, seed=3, now=NOW)
    summary = load_frame(frame, engine, "first", region, now=NOW, limits=LoadLimits(batch_size=700))
    assert summary.new == len(frame)
    assert reads == []
    assert_as_rebuilt(engine)


def test_rollup_checkpoints_during_a_load_leave_the_same_cubes_and_read_nothing_back(
    engine, region, reads, monkeypatch
):
    """A checkpoint after every batch: days that later batches write again are rebuilt again from the rows kept —
    a checkpoint uses a snapshot of them, so the final rebuild still has every row of every day."""
    monkeypatch.setattr(ingest, "CHECKPOINT_SHARE", 0)  # not spaced by their own length either
    built: list[int] = []
    original = rollup_inputs.Inserted.snapshot
    monkeypatch.setattr(rollup_inputs.Inserted, "snapshot", lambda self: built.append(1) or original(self))
    frame = generate(region, messages=4000, days=70, seed=3, now=NOW).sample(frac=1, random_state=1)  # days mixed
    every_batch = LoadLimits(batch_size=500, rollup_checkpoint_seconds=0)
    summary = load_frame(frame, engine, "checkpointed", region, now=NOW, limits=every_batch)
    assert summary.new == len(frame) and len(built) == -(-len(frame) // 500)
    assert reads == []
    assert_as_rebuilt(engine)


def test_days_that_held_messages_before_the_load_are_read_back(engine, region, reads):
    load_frame(generate(region, messages=1500, days=20, seed=4, now=NOW), engine, "base", region, now=NOW)
    reads.clear()
    later = generate(region, messages=1500, days=40, seed=5, now=NOW)  # the last 20 of its days hold the base's
    load_frame(later, engine, "more", region, now=NOW, limits=LoadLimits(batch_size=400))
    with engine.connect() as conn:
        before = {d for (d,) in conn.execute(select(messages.c.day).where(messages.c.load_id == 1).distinct())}
    read_days = {d for days in reads for d in days}
    assert read_days == before
    assert_as_rebuilt(engine)


def test_past_the_memory_limit_the_rest_of_the_days_are_read_back(engine, region, reads, monkeypatch):
    frame = generate(region, messages=3000, days=30, seed=6, now=NOW)
    load_frame(
        frame,
        engine,
        "capped",
        region,
        now=NOW,
        limits=LoadLimits(batch_size=600, load_memory_rows=1000),
    )
    read_days = {d for days in reads for d in days}
    assert read_days and len(read_days) < frame["created_at"].str[:10].nunique()  # some days kept, some read
    assert_as_rebuilt(engine)


def test_a_message_changed_later_in_the_same_load_has_its_days_read_back(engine, region, reads):
    frame = generate(region, messages=2000, days=30, seed=7, now=NOW)
    changed = frame.iloc[[10]].assign(sector="roads" if frame.iloc[10]["sector"] != "roads" else "health")
    load_frame(
        pd.concat([frame, changed], ignore_index=True),
        engine,
        "twice",
        region,
        now=NOW,
        limits=LoadLimits(batch_size=500),
    )
    assert reads, "the changed message's day was taken from the kept rows"
    assert_as_rebuilt(engine)


def test_a_message_another_writer_changed_during_the_load_has_its_day_read_back(engine, region, reads):
    """Another load (or a person's fix in SQL) changes a message this load inserted, before this one's rollups are
    built: the kept rows of that day no longer hold what the store holds, and the day is read."""
    frame = generate(region, messages=2000, days=30, seed=8, now=NOW)
    done: list[int] = []

    def meanwhile(rows: int, _bytes: int) -> None:
        if not done:  # after the first batch: its first message moves to another sector
            with engine.begin() as conn:
                conn.execute(update(messages).where(messages.c.id == 1).values(sector="roads", load_id=None))
            done.append(rows)

    load_frame(frame, engine, "watched", region, now=NOW, limits=LoadLimits(batch_size=500), progress=meanwhile)
    with engine.connect() as conn:
        day = conn.execute(select(messages.c.day).where(messages.c.id == 1)).scalar()
    assert [day] in reads
    assert_as_rebuilt(engine)
