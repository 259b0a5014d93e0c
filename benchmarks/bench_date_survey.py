"""What the whole-file survey of date fields costs against the load it precedes.

    python benchmarks/bench_date_survey.py [--messages 200000]

A demo year is written to a CSV in a temporary folder; the script times ``open_export`` (which reads the whole file
once to decide each date field's order when it has more than one chunk) and then ``load_file`` of the same file
into a fresh SQLite store, and prints both and the survey's share of the load.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from dashboard.loader.demo import generate
from dashboard.loader.export import open_export
from dashboard.loader.ingest import load_file
from dashboard.region import get_region, region_of
from dashboard.settings import get_settings
from dashboard.store.db import init_db, make_engine

DEMO_REGION = get_region("chuvashia")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    args = parser.parse_args()
    region = region_of(get_settings())
    now = datetime(2026, 12, 6, 12, tzinfo=UTC)
    folder = Path(tempfile.mkdtemp(prefix="tsur-survey-"))
    path = folder / "export.csv"
    generate(region, messages=args.messages, days=365, seed=1, now=now).to_csv(path, index=False)
    print(f"file: {path.stat().st_size / 1e6:.1f} MB")
    start = time.perf_counter()
    open_export(path, "auto", None, region)
    survey = time.perf_counter() - start
    engine = make_engine(f"sqlite:///{folder / 'survey.db'}")
    init_db(engine, region)
    start = time.perf_counter()
    summary = load_file(path, engine, now=now, region=DEMO_REGION)
    load = time.perf_counter() - start
    print(f"rows: {summary.rows_total}, loaded {summary.new}, rejected {summary.rejected}")
    print(f"open_export with the survey: {survey:.2f} s")
    print(f"load_file (survey included): {load:.2f} s; the survey is {100 * survey / load:.1f} % of it")


if __name__ == "__main__":
    main()
