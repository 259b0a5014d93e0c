"""Rollups: the message and topic cubes of dashboard/store/cube.py, rebuilt for the days a load touched.

A load marks days dirty in the same transaction that changes messages, so a crash never leaves a
rollup silently stale: the next load (or ``tsur rollups``) rebuilds every dirty day.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Engine, delete, insert, select, text

from dashboard.frames import rows_frame
from dashboard.store import cube, late, rollup_inputs
from dashboard.store.bulk import insert_frame
from dashboard.store.schema import day_versions, messages, meta, rollup_dirty, rollups, topic_rollups


def mark_dirty(conn: Connection, days: Iterable[date]) -> None:
    days = set(days)
    if not days:
        return
    known = {r.day for r in conn.execute(select(rollup_dirty.c.day).where(rollup_dirty.c.day.in_(days)))}
    fresh = [{"day": d} for d in sorted(days - known)]
    if fresh:
        conn.execute(insert(rollup_dirty), fresh)


def _stored_days(conn: Connection, target: cube.Cube, *where: ColumnElement[bool]) -> pd.DataFrame:
    """Stored day-grain rows matching ``where`` (the days of a month or a week that were not rebuilt)."""
    r = target.table.c
    columns = ["grain", "dims", "day", *target.dimensions, *target.keys, *target.measures]
    columns += [name for name, _ in target.blobs]
    frame = rows_frame(conn.execute(select(*[r[c] for c in columns]).where(r.grain == cube.DAY, *where)), columns)
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    return frame


def _add_weeks(
    conn: Connection, target: cube.Cube, day_rows: pd.DataFrame, weeks: set[date], month: date, crossing: list
) -> None:
    """Week-grain rows of ``weeks`` from ``day_rows`` (every stored day of one month): a week inside the month is
    written now; the days of a week across the month's end go to ``crossing``, to be summed with the other month's
    days of it (``_add_crossing_weeks``) — blobs cannot be added to a stored row in SQL."""
    if day_rows.empty:
        return
    monday = day_rows["day"].map({d: cube.monday_of(d) for d in day_rows["day"].unique()})
    held = monday.isin(weeks)
    inside = (monday >= month) & (monday + timedelta(days=6) < cube.next_month(month))
    insert_frame(conn, target.table, cube.weeks(day_rows[held & inside], target))
    crossing.append(day_rows[held & ~inside])


def _add_crossing_weeks(conn: Connection, target: cube.Cube, crossing: list[pd.DataFrame]) -> None:
    parts = [part for part in crossing if not part.empty]
    if parts:
        insert_frame(conn, target.table, cube.weeks(pd.concat(parts, ignore_index=True), target))


CUBES = (cube.MESSAGES, cube.TOPICS)


def rebuild_days(conn: Connection, days: list[date], inserted: rollup_inputs.Inserted | None = None) -> None:
    """Replace both cubes' rows of ``days``: day grain, the month grain of their months and the week grain of their
    weeks, one month at a time so memory stays bounded; from the rows a load kept (``inserted``) where they are the
    whole of a day, otherwise from the stored messages."""
    by_month = _by_month(sorted(set(days)))
    weeks = {cube.monday_of(d) for d in days}
    crossing: dict[str, list[pd.DataFrame]] = {target.table.name: [] for target in CUBES}
    for target in CUBES:
        r = target.table.c
        for part in _chunks(sorted(weeks)):
            conn.execute(delete(target.table).where(r.grain == cube.WEEK, r.day.in_(part)))
    for month, part in by_month.items():
        last = cube.next_month(month) - timedelta(days=1)
        frame = inserted.frame(conn, month, part) if inserted else rollup_inputs.read(conn, part)
        for target, base in ((cube.MESSAGES, cube.aggregate(frame)), (cube.TOPICS, cube.topic_counts(frame))):
            r = target.table.c
            day_rows = cube.slices(base, target)
            conn.execute(delete(target.table).where(r.grain == cube.DAY, r.day.in_(part)))
            conn.execute(delete(target.table).where(r.grain == cube.MONTH, r.day == month))
            whole_month = len(part) == last.day
            others = day_rows.iloc[0:0] if whole_month else _stored_days(conn, target, r.day.between(month, last))
            insert_frame(conn, target.table, day_rows)
            month_days = pd.concat([day_rows, others], ignore_index=True)
            insert_frame(conn, target.table, cube.months(month_days, target))
            _add_weeks(conn, target, month_days, weeks, month, crossing[target.table.name])
        conn.execute(delete(rollup_dirty).where(rollup_dirty.c.day.in_(part)))
    # a week across a month's end into a month not rebuilt: that month's days of it as stored
    rest = sorted({w + timedelta(days=i) for w in weeks for i in range(7)} - set().union(*map(_month_days, by_month)))
    for month, part in _by_month(rest).items():
        for target in CUBES:
            stored = _stored_days(conn, target, target.table.c.day.in_(part))
            _add_weeks(conn, target, stored, weeks, month, crossing[target.table.name])
    for target in CUBES:
        _add_crossing_weeks(conn, target, crossing[target.table.name])
    bump_days(conn, days)


def _month_days(month: date) -> set[date]:
    return {month + timedelta(days=i) for i in range((cube.next_month(month) - month).days)}


def _by_month(days: list[date]) -> dict[date, list[date]]:
    out: dict[date, list[date]] = {}
    for day in days:
        out.setdefault(cube.month_start(day), []).append(day)
    return out


def _chunks(values: list, size: int = 500) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


REBUILD_LOCK = 0x7473_7572_726F_6C6C  # PostgreSQL advisory lock of rebuilds ("tsurroll")


def _one_rebuild_at_a_time(conn: Connection) -> None:
    """Rebuilds of two writers (two pushes, a push and tsur watch) take turns: in PostgreSQL both would delete a
    day's rows and insert them anew, the second meeting the first's rows (``rollups_pkey``). SQLite's write lock
    does this by itself; here the transaction's advisory lock, released at its end."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": REBUILD_LOCK})


def refresh(engine: Engine, tz: ZoneInfo, inserted: rollup_inputs.Inserted | None = None) -> int:
    """Rebuild every dirty day (and the late events, in the region's time zone ``tz``, when a migration asked for
    it); returns how many days. ``inserted``: the rows the load that ends now kept of its inserts."""
    with engine.begin() as conn:
        _one_rebuild_at_a_time(conn)
        days = [r.day for r in conn.execute(select(rollup_dirty.c.day).order_by(rollup_dirty.c.day))]
        if days:
            rebuild_days(conn, days, inserted)
        if late.needs_rebuild(conn):
            late.rebuild(conn, tz)
            bump_data_version(conn)
    return len(days)


def rebuild_all(engine: Engine, tz: ZoneInfo) -> int:
    """Every rollup from the messages alone (after a crash with unknown damage, or a change of SLA targets)."""
    with engine.begin() as conn:
        _one_rebuild_at_a_time(conn)
        days = [r.day for r in conn.execute(select(messages.c.day).distinct())]
        conn.execute(delete(rollups))
        conn.execute(delete(topic_rollups))
        conn.execute(delete(rollup_dirty))
        rebuild_days(conn, sorted(days))
        late.rebuild(conn, tz)
        bump_data_version(conn)
    return len(days)


def bump_days(conn: Connection, days: Iterable[date]) -> int:
    """A new data version for ``days`` (their figures' cache entries stop matching); returns the version."""
    version = time.time_ns()
    days = sorted(set(days))
    for start in range(0, len(days), 500):
        part = days[start : start + 500]
        conn.execute(delete(day_versions).where(day_versions.c.day.in_(part)))
        conn.execute(insert(day_versions), [{"day": d, "version": version} for d in part])
    return version


def bump_data_version(conn: Connection) -> str:
    """A new version for all data (a full rebuild, a migration): every cache entry stops matching."""
    version = str(time.time_ns())
    updated = conn.execute(meta.update().where(meta.c.key == "data_version").values(value=version)).rowcount
    if not updated:
        conn.execute(insert(meta).values(key="data_version", value=version))
    return version
