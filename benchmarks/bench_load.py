"""Load benchmark: `tsur demo`-style generation + loading into SQLite, against pandas.DataFrame.to_sql and SQLite's
own floor.

    python benchmarks/bench_load.py --messages 1000000 [--out benchmarks/out]

Prints wall times, rows/s, database size and the ratio to a plain ``to_sql`` of the same rows (which does no
validation, no geocoding, no upsert and no rollups — it is the floor of "just write the rows" from Python).
Then the floor of any loader of this schema: SQLite copying the loaded messages, in the loader's batches, into an
empty copy of the ``messages`` table (``INSERT … SELECT`` from the attached store: no Python per row, no parsing,
no validation, no rollups) — once with the table's indexes, once without its secondary ones.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine

from dashboard.loader.demo import generate
from dashboard.loader.ingest import load_frame
from dashboard.region import region_of
from dashboard.settings import get_settings
from dashboard.store.db import init_db, make_engine


def size_mb(path: Path) -> float:
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    region = region_of(get_settings())
    print(
        f"date {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores; Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}"
    )

    t0 = time.perf_counter()
    frame = generate(region, messages=args.messages, days=args.days, seed=7)
    t_gen = time.perf_counter() - t0
    n = len(frame)
    print(f"generated {n:,} messages in {t_gen:.1f} s")

    db = args.out / "bench_tsur.db"
    for p in args.out.glob("bench_tsur.db*"):
        p.unlink()
    engine = make_engine(f"sqlite:///{db.resolve()}")
    init_db(engine, region)
    t0 = time.perf_counter()
    summary = load_frame(frame, engine, "bench", region)
    t_load = time.perf_counter() - t0
    engine.dispose()
    mb = size_mb(db)
    print(
        f"loader: {summary.new:,} new, {summary.rejected} rejected in {t_load:.1f} s = {n / t_load:,.0f} rows/s "
        f"(validation, geocoding, upsert, rollups); database {mb:.0f} MB"
    )
    print(f"tsur demo wall time (generate + load): {t_gen + t_load:.1f} s")

    plain = args.out / "bench_to_sql.db"
    for p in args.out.glob("bench_to_sql.db*"):
        p.unlink()
    plain_engine = create_engine(f"sqlite:///{plain.resolve()}")
    t0 = time.perf_counter()
    frame.to_sql("messages", plain_engine, index=False, chunksize=20_000)
    t_plain = time.perf_counter() - t0
    plain_engine.dispose()
    print(f"pandas.DataFrame.to_sql: {t_plain:.1f} s = {n / t_plain:,.0f} rows/s; database {size_mb(plain):.0f} MB")
    print(f"ratio loader / to_sql time: {t_load / t_plain:.2f}")

    for indexes in ("all indexes", "no secondary indexes"):
        seconds = sqlite_floor(db, args.out / "bench_floor.db", secondary=indexes == "all indexes")
        print(f"SQLite's own copy of the messages ({indexes}): {seconds:.1f} s = {n / seconds:,.0f} rows/s")


def sqlite_floor(loaded: Path, target: Path, secondary: bool, batch: int = 20_000) -> float:
    """Seconds SQLite takes to copy the loaded messages into an empty table of the same schema, batch by batch
    (a commit each, the store's pragmas): the least any loader writing these rows into this schema can spend."""
    for p in target.parent.glob(target.name + "*"):
        p.unlink()
    con = sqlite3.connect(target)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-16384"):
        con.execute(f"PRAGMA {pragma}")
    con.execute("ATTACH DATABASE ? AS loaded", (str(loaded),))
    ddl = con.execute(
        "SELECT type, sql FROM loaded.sqlite_master WHERE tbl_name = 'messages' AND sql IS NOT NULL "
        "ORDER BY type = 'index'"
    ).fetchall()
    con.execute("CREATE TABLE load_runs (id INTEGER PRIMARY KEY)")  # the messages' foreign key's target
    for kind, sql in ddl:
        if kind == "table" or secondary:  # the table keeps its unique key (source, external_id) either way
            con.execute(sql)
    columns = ", ".join(row[1] for row in con.execute("PRAGMA table_info(messages)"))
    last = con.execute("SELECT max(id) FROM loaded.messages").fetchone()[0] or 0
    started = time.perf_counter()
    for low in range(0, last, batch):
        con.execute(
            f"INSERT INTO main.messages ({columns}) SELECT {columns} FROM loaded.messages WHERE id > ? AND id <= ?",
            (low, low + batch),
        )
        con.commit()
    seconds = time.perf_counter() - started
    con.close()
    for p in target.parent.glob(target.name + "*"):
        p.unlink()
    return seconds


if __name__ == "__main__":
    main()
