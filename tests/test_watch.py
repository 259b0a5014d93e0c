"""``tsur watch``: complete files only, each content once, failures quarantined with a report, a stop mid-file
that loses nothing and doubles nothing."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select, text

from dashboard.loader.demo import generate
from dashboard.loader.limits import LoadLimits
from dashboard.loader.watch import QUARANTINE, Watcher
from dashboard.store import rollups
from dashboard.store.db import data_versions, make_engine
from dashboard.store.schema import load_runs, messages, topic_rollups
from dashboard.store.schema import rollups as rollup_table
from tests.conftest import NOW
from tests.test_loader import GOOD, HEADER


def count(engine) -> tuple[int, int]:
    """(messages, distinct (source, external_id))."""
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(messages)).scalar()
        distinct = conn.execute(
            select(func.count()).select_from(select(messages.c.source, messages.c.external_id).distinct().subquery())
        ).scalar()
    return int(total), int(distinct)


@pytest.fixture
def inbox(tmp_path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


@pytest.fixture
def watcher(engine, region, inbox) -> Watcher:
    return Watcher(engine, region, [inbox], settle=0)


def test_a_file_still_being_written_is_read_only_once_it_stops_changing(watcher, engine, inbox):
    path = inbox / "export.csv"
    path.write_text(HEADER + GOOD[0] + "\n", encoding="utf-8")
    assert watcher.look() == []  # first sight: it may still grow
    with path.open("a", encoding="utf-8") as fh:
        fh.write("\n".join(GOOD[1:]) + "\n")
    assert watcher.look() == []  # it grew since
    [outcome] = watcher.look()  # unchanged since the last look
    assert outcome.action == "loaded" and outcome.summary.new == len(GOOD)
    assert count(engine) == (len(GOOD), len(GOOD))


def test_names_of_files_being_written_are_never_read(watcher, engine, inbox):
    part = inbox / "export.csv.part"
    part.write_text(HEADER + "\n".join(GOOD) + "\n", encoding="utf-8")
    (inbox / ".hidden.csv").write_text(HEADER + "\n".join(GOOD) + "\n", encoding="utf-8")
    assert watcher.look() == [] and watcher.look() == []
    part.rename(inbox / "export.csv")  # the writer's last step
    watcher.look()
    [outcome] = watcher.look()
    assert outcome.action == "loaded" and count(engine)[0] == len(GOOD)


def test_a_copy_or_a_renamed_file_loads_nothing_twice(watcher, engine, inbox):
    path = inbox / "monday.csv"
    path.write_text(HEADER + "\n".join(GOOD) + "\n", encoding="utf-8")
    watcher.look()
    assert [o.action for o in watcher.look()] == ["loaded"]
    assert watcher.look() == []  # dealt with: not read again
    shutil.copy(path, inbox / "monday (copy).csv")
    path.rename(inbox / "renamed.csv")
    watcher.look()
    assert sorted(o.action for o in watcher.look()) == ["skipped", "skipped"]
    assert count(engine) == (len(GOOD), len(GOOD))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(load_runs)).scalar() == 1


def test_a_restarted_watch_skips_what_the_store_already_holds(engine, region, inbox):
    (inbox / "a.csv").write_text(HEADER + "\n".join(GOOD) + "\n", encoding="utf-8")
    first = Watcher(engine, region, [inbox], settle=0)
    first.run(interval=0.01, once=True)
    again = Watcher(engine, region, [inbox], settle=0)  # a new process: nothing in memory
    seen = []
    again.run(interval=0.01, once=True, on_look=seen.extend)
    assert [o.action for o in seen] == ["skipped"] and count(engine)[0] == len(GOOD)


def test_a_changed_export_under_the_same_name_loads_its_changes(watcher, engine, inbox):
    path = inbox / "daily.csv"
    path.write_text(HEADER + "\n".join(GOOD) + "\n", encoding="utf-8")
    watcher.look()
    watcher.look()
    answered = GOOD[1].replace("09:00,,,new,", "09:00,02.11.2026 12:00,,in_progress,")  # a2 got its first answer
    assert answered != GOOD[1]
    path.write_text(HEADER + "\n".join([GOOD[0], answered, GOOD[2]]) + "\n", encoding="utf-8")
    watcher.look()
    [outcome] = watcher.look()
    assert outcome.action == "loaded" and (outcome.summary.updated, outcome.summary.unchanged) == (1, len(GOOD) - 1)
    assert count(engine) == (len(GOOD), len(GOOD))


def test_a_file_that_cannot_be_loaded_goes_to_quarantine_with_a_report(watcher, engine, inbox):
    bad = inbox / "broken.csv"
    bad.write_text("это не выгрузка\nа просто текст\n", encoding="utf-8")
    good = inbox / "good.csv"
    good.write_text(HEADER + "\n".join(GOOD) + "\n", encoding="utf-8")
    watcher.look()
    outcomes = {o.path.name.split("-", 1)[-1]: o for o in watcher.look()}
    assert outcomes["broken.csv"].action == "quarantined" and outcomes["good.csv"].action == "loaded"
    assert not bad.exists()
    [moved] = [p for p in (inbox / QUARANTINE).iterdir() if p.name.endswith("broken.csv")]
    report = json.loads((inbox / QUARANTINE / f"{moved.name}.report.json").read_text(encoding="utf-8"))
    assert report["file"] == "broken.csv" and "external_id" in report["error"] and len(report["sha256"]) == 64
    assert count(engine)[0] == len(GOOD)  # the good file beside it loaded whole
    assert watcher.look() == []  # the quarantine is not watched


def test_a_database_that_does_not_answer_leaves_the_file_for_later(region, inbox, tmp_path):
    (inbox / "a.csv").write_text(HEADER + "\n".join(GOOD) + "\n", encoding="utf-8")
    (tmp_path / "not-a-db").mkdir()
    away = make_engine(f"sqlite:///{tmp_path / 'not-a-db'}")  # a directory: every statement fails
    watcher = Watcher(away, region, [inbox], settle=0)
    watcher.look()
    [outcome] = watcher.look()
    assert outcome.action == "retry" and (inbox / "a.csv").exists() and not (inbox / QUARANTINE).exists()
    assert watcher.pending() == 1


def _wait(condition, seconds: float, what: str) -> None:
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_sigterm_mid_file_loses_nothing_and_doubles_nothing(engine, region, inbox, tmp_path):
    """The watch stops at a batch boundary; the next start loads the rest, the batches written counted unchanged."""
    frame = generate(region, messages=30_000, days=60, seed=3, now=NOW)
    frame.to_csv(inbox / "big.csv", index=False)
    total = len(frame)
    url = engine.url
    if engine.dialect.name == "postgresql":  # the test's own schema, named in the address the command reads
        with engine.connect() as conn:
            schema = conn.execute(text("SELECT current_schema()")).scalar()
        url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    env = {
        **os.environ,
        "TSUR_DATABASE_URL": url.render_as_string(hide_password=False),
        "TSUR_BATCH_SIZE": "1000",
        "TSUR_ROLLUP_CHECKPOINT_SECONDS": "3600",
    }
    command = [sys.executable, "-m", "dashboard.cli", "watch", str(inbox), "--interval", "0.2", "--settle", "0"]
    watch = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait(lambda: count(engine)[0] >= 2000, 120, "the first batches")
        watch.send_signal(signal.SIGTERM)
        output, _ = watch.communicate(timeout=60)
    finally:
        watch.kill()
    assert watch.returncode == 0, output
    written, distinct = count(engine)
    assert 0 < written < total and written % 1000 == 0 and distinct == written, output  # whole batches only
    with engine.connect() as conn:
        assert conn.execute(select(load_runs.c.status)).scalars().all() == ["interrupted"]
    again = Watcher(engine, region, [inbox], limits=LoadLimits(batch_size=1000), settle=0)
    again.run(interval=0.05, once=True)
    assert count(engine) == (total, total)


def _table(engine, table) -> list[tuple]:
    """A table's rows, sorted, as text — floats to 9 significant digits (sums added in another order differ in their
    last bits: a month's rollup is adjusted by a load, summed afresh by a rebuild)."""
    with engine.connect() as conn:
        rows = conn.execute(select(table)).all()
    return sorted(tuple(f"{v:.9g}" if isinstance(v, float) else str(v) for v in row) for row in rows)


def test_a_dropped_file_rebuilds_only_its_days_and_moves_only_their_versions(engine, region, inbox, watcher):
    """Incremental and exact: the days the file touched (a new message's day, an updated message's old and new day)
    get new rollups and new data versions — the figures over them are recomputed — and nothing else moves: a figure
    over other days keeps its cache key, and the whole store's version (a full flush) stays. The rollups then equal
    a rebuild from the messages alone."""
    base = generate(region, messages=3000, days=40, seed=11, now=NOW)
    base.to_csv(inbox / "base.csv", index=False)
    watcher.look()
    assert [o.action for o in watcher.look()] == ["loaded"]
    before = data_versions(engine)
    day_rows_before = [r for r in _table(engine, rollup_table) if r[0] == "0"]

    moved = base.iloc[[0]].copy()  # an existing message whose creation moves to another day
    old_day = date.fromisoformat(str(moved["created_at"].iloc[0])[:10])
    new_day = NOW.date() - timedelta(days=2) if old_day != NOW.date() - timedelta(days=2) else NOW.date() - timedelta(3)
    moved["created_at"] = f"{new_day.isoformat()} 08:30"
    moved["first_response_at"] = ""
    moved["resolved_at"] = ""
    fresh = base.iloc[[1]].copy()
    fresh["external_id"] = "dropped-new"
    fresh_day = NOW.date() - timedelta(days=5)
    fresh["created_at"] = f"{fresh_day.isoformat()} 11:00"
    fresh["first_response_at"] = ""
    fresh["resolved_at"] = ""
    pd.concat([moved, fresh]).to_csv(inbox / "drop.csv", index=False)
    watcher.look()
    [outcome] = watcher.look()
    assert (outcome.summary.new, outcome.summary.updated) == (1, 1)

    after = data_versions(engine)
    assert after.overall == before.overall  # no full flush
    changed = {
        d
        for d, v in zip(after.days, after.versions, strict=True)
        if dict(zip(before.days, before.versions, strict=True)).get(d) != v
    }
    assert changed == {old_day, new_day, fresh_day}
    untouched = [d for d in before.days if d not in changed]
    assert all(before.of(d, d) == after.of(d, d) for d in untouched)
    day_rows_after = [r for r in _table(engine, rollup_table) if r[0] == "0"]
    touched = {str(d) for d in changed}
    assert [r for r in day_rows_before if r[2] not in touched] == [r for r in day_rows_after if r[2] not in touched]

    incremental = (_table(engine, rollup_table), _table(engine, topic_rollups))
    rollups.rebuild_all(engine, region.timezone)
    rebuilt = (_table(engine, rollup_table), _table(engine, topic_rollups))
    assert rebuilt == incremental
