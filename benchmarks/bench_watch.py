"""From a file appearing in the watched folder to the figures changing: ``tsur watch``'s path, timed.

A store of ``--messages`` demo messages (made with bench_callbacks' loader when missing), a watcher looking every
``--interval`` seconds, and ``--drops`` files of ``--batch`` new messages each (today's, all channels) written one
after another into its folder the safe way (``.part``, then renamed). For each drop: seconds from the rename to the
load's end, and to the dashboard's service answering with the new count (a fresh request: the data version of the
days it reads changed, so its cache key did). Then the watcher's resident memory after ``--idle-files`` files that
it has dealt with sit in its folder.

    .venv/bin/python benchmarks/bench_watch.py --messages 1000000 --store sqlite
    .venv/bin/python benchmarks/bench_watch.py --messages 1000000 --store postgres
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_callbacks import load, store_exists, store_url

from dashboard.loader.demo import generate
from dashboard.loader.watch import Watcher
from dashboard.region import region_of
from dashboard.service import DashboardService
from dashboard.settings import get_settings
from dashboard.store.db import init_db, make_engine


def rss_mb() -> float:
    """The process's resident memory now (not its peak: building the store may have run in this process)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", help="instead of the store's default benchmark database")
    parser.add_argument("--drops", type=int, default=20)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--idle-files", type=int, default=1000)
    args = parser.parse_args()

    region = region_of(get_settings())
    url = args.database_url or store_url(args.store, args.messages)
    if not store_exists(url):
        load(url, args.messages, region)
    engine = make_engine(url)
    init_db(engine, region)
    print(
        f"date {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.machine()}, {os.cpu_count()} cores; "
        f"store {args.store} with {args.messages:,} messages; {args.drops} drops of {args.batch:,}; "
        f"watch interval {args.interval:g} s",
        flush=True,
    )
    folder = Path(tempfile.mkdtemp(prefix="tsur-watch-"))
    watcher = Watcher(engine, region, [folder], settle=0.5)
    loaded: dict[str, float] = {}

    def heard(outcomes) -> None:
        for outcome in outcomes:
            loaded[outcome.path.name] = time.perf_counter()

    thread = threading.Thread(target=watcher.run, args=(args.interval, False, heard), daemon=True)
    thread.start()
    to_load, to_screen = [], []
    for drop in range(args.drops):
        now = datetime.now(UTC)
        frame = generate(region, messages=args.batch, days=1, seed=1000 + drop, now=now)
        frame["external_id"] = [f"drop{drop}-{i}" for i in range(len(frame))]
        service = DashboardService(engine, region)  # a new request's view: no memo carried over
        today = service.read_filters({"period": ["7d"]})
        before = service.summary(today)["current"]["messages"]
        name = f"drop-{drop:03d}.csv"
        frame.to_csv(folder / f"{name}.part", index=False)
        started = time.perf_counter()
        (folder / f"{name}.part").rename(folder / name)
        while name not in loaded:
            time.sleep(0.05)
        to_load.append(loaded[name] - started)
        while DashboardService(engine, region).summary(today)["current"]["messages"] == before:
            time.sleep(0.05)
        to_screen.append(time.perf_counter() - started)
        print(f"drop {drop + 1}: loaded after {to_load[-1]:.1f} s, on the page after {to_screen[-1]:.1f} s", flush=True)
    watcher.stop()
    thread.join()
    print(
        f"file → loaded: p50 {statistics.median(to_load):.1f} s, p95 {percentile(to_load, 0.95):.1f} s; "
        f"file → figures changed: p50 {statistics.median(to_screen):.1f} s, p95 {percentile(to_screen, 0.95):.1f} s",
        flush=True,
    )

    idle = Path(tempfile.mkdtemp(prefix="tsur-watch-idle-"))
    small = generate(region, messages=5, days=1, seed=1, now=datetime.now(UTC) - timedelta(days=2))
    for i in range(args.idle_files):
        small.assign(external_id=[f"idle{i}-{k}" for k in range(len(small))]).to_csv(
            idle / f"f{i:04d}.csv", index=False
        )
    many = Watcher(engine, region, [idle], settle=0)
    before_rss = rss_mb()
    started = time.perf_counter()
    many.run(interval=0.1, once=True)
    spent = time.perf_counter() - started
    looks = []
    for _ in range(5):
        begun = time.perf_counter()
        many.look()
        looks.append(time.perf_counter() - begun)
    print(
        f"{args.idle_files} files loaded by one watcher in {spent:.0f} s; a look at them afterwards "
        f"{statistics.median(looks) * 1000:.0f} ms; RSS {before_rss:.0f} MB before them, {rss_mb():.0f} MB after",
        flush=True,
    )


if __name__ == "__main__":
    main()
