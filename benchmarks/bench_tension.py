"""Tension benchmark: every index (sectors, sector × municipality points, topics) for 7-day periods, computed
from rollups and from raw messages, on a loaded database.

    python benchmarks/bench_tension.py --db benchmarks/out10m/bench_tsur.db [--repeat 30] [--raw-repeat 5]

Periods end on varied days of the database's last year; a third of them carry a sector or channel filter.
Times are the whole computation without the service cache (queries + statistics). The raw-message path
(``inputs_from_messages``) is the reference the rollups replace; it runs on the first ``--raw-repeat`` periods
and its indices are checked against the rollup path's.
"""

from __future__ import annotations

import argparse
import platform
import random
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from dashboard.catalog import SOURCES, load_sectors
from dashboard.filters import Filters
from dashboard.metrics import tension
from dashboard.region import region_of
from dashboard.settings import get_settings
from dashboard.store.db import init_db, make_engine
from dashboard.store.schema import messages, rollups, topic_rollups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("benchmarks/out/bench_tsur.db"))
    parser.add_argument("--url", help="SQLAlchemy URL instead of --db (e.g. PostgreSQL)")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--raw-repeat", type=int, default=5)
    args = parser.parse_args()
    region = region_of(get_settings())
    engine = make_engine(args.url or f"sqlite:///{args.db.resolve()}")
    started = time.perf_counter()
    init_db(engine, region)  # brings an older database to the newest schema (rebuilds the cubes if needed)
    migrated = time.perf_counter() - started
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(messages)).scalar()
        last = conn.execute(select(func.max(rollups.c.day)).where(rollups.c.grain == 0)).scalar()
        rollup_rows = conn.execute(select(func.count()).select_from(rollups)).scalar()
        topic_rows = conn.execute(select(func.count()).select_from(topic_rollups)).scalar()
    print(
        f"date {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.machine()}, {__import__('os').cpu_count()} cores; "
        f"Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}"
    )
    print(
        f"database {args.url or args.db}: {total:,} messages, last day {last}; rollup rows {rollup_rows:,}, "
        f"topic rollup rows {topic_rows:,} (schema brought up to date in {migrated:.1f} s)"
    )
    now = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=region.timezone).astimezone(UTC)
    rng = random.Random(4)
    sectors, sources = load_sectors().codes, list(SOURCES)
    periods = [Filters(last - timedelta(days=6), last)]  # the default: every index for the last week
    while len(periods) < args.repeat:
        end = last - timedelta(days=rng.randrange(0, 300))
        kind = rng.random()
        periods.append(
            Filters(
                end - timedelta(days=6),
                end,
                sectors=tuple(rng.sample(sectors, 1)) if kind < 0.2 else (),
                sources=tuple(rng.sample(sources, 1)) if 0.2 <= kind < 0.33 else (),
            )
        )

    def timed(fn, filters):
        t0 = time.perf_counter()
        result = fn(filters)
        return (time.perf_counter() - t0) * 1000, result

    from_rollups = []
    results = []
    for filters in periods:
        ms, result = timed(lambda f: tension.tension(engine, f, now, region), filters)
        from_rollups.append(ms)
        results.append(result)
    first = results[0]
    print(
        f"\nevery index for {periods[0].date_from} — {periods[0].date_to} from rollups: {from_rollups[0]:.0f} ms "
        f"({len(first.sectors)} sectors, {len(first.points)} sector × municipality points, "
        f"{len(first.topics)} topic cells that rose)"
    )
    p50, p95 = np.percentile(from_rollups, [50, 95])
    print(f"rollups, {len(periods)} periods: p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {max(from_rollups):.0f} ms")

    def from_messages(f):
        return tension.compute(tension.inputs_from_messages(engine, f, now, region), region)

    raw_times = []
    worst = 0.0
    for filters, result in zip(periods[: args.raw_repeat], results, strict=False):
        ms, raw = timed(from_messages, filters)
        raw_times.append(ms)
        a = result.points.set_index(["sector", "oktmo"])["index"]
        b = raw.points.set_index(["sector", "oktmo"])["index"].reindex(a.index)
        worst = max(worst, float(np.nanmax(np.abs(a - b))) if len(a) else 0.0)
    r50 = float(np.percentile(raw_times, 50))
    same = from_rollups[: len(raw_times)]
    print(
        f"raw messages, {len(raw_times)} periods: p50 {r50:.0f} ms, max {max(raw_times):.0f} ms; "
        f"ratio raw / rollups on the same periods: {np.median(np.array(raw_times) / np.array(same)):.1f}× (median); "
        f"largest index difference between the two paths: {worst:.3f}"
    )


if __name__ == "__main__":
    main()
