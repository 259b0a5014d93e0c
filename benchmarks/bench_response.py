"""Response-times benchmark: trend callback server time (cold/cached) and rollup-vs-exact percentile error.

python benchmarks/bench_response.py --db benchmarks/out/bench_tsur.db [--repeat 30]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
from flask import Flask
from sqlalchemy import select

from dashboard.catalog import SOURCES, load_sectors
from dashboard.filters import Filters
from dashboard.region import get_region
from dashboard.response_times import totals
from dashboard.service import DashboardService, cache
from dashboard.store.db import make_engine
from dashboard.store.schema import messages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("benchmarks/out/bench_tsur.db"))
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    region = get_region()
    engine = make_engine(f"sqlite:///{args.db.resolve()}")
    with engine.connect() as conn:
        total = conn.exec_driver_sql("SELECT count(*) FROM messages").scalar()
    print(f"database {args.db}: {total:,} messages")
    server = Flask(__name__)
    cache.init_app(server, config={"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 600})
    service = DashboardService(engine, region)
    today = service.today()
    rng = random.Random(2)
    sectors = load_sectors().codes
    combos = []
    for _ in range(args.repeat):
        days = rng.choice([7, 30, 91, 365])
        end = today - timedelta(days=rng.choice([0, 0, 15]))
        combos.append(
            (
                service.filters(
                    (end - timedelta(days=days - 1)).isoformat(),
                    end.isoformat(),
                    rng.sample(sectors, rng.choice([0, 0, 1])),
                    [],
                    rng.sample(list(SOURCES), rng.choice([0, 0, 1])),
                ),
                rng.choice(["none", "none", "source", "sector"]),
            )
        )

    def work(filters, split):
        t0 = time.perf_counter()
        service.response_trend(filters, split, "first")
        if split == "none":
            service.response_trend(filters.previous(), "none", "first")
        service.backlog(filters)
        service.oldest_overdue(filters)
        service.response_table(filters, "sector")
        return (time.perf_counter() - t0) * 1000

    with server.app_context():
        cache.clear()
        cold = [work(f, s) for f, s in combos]
        cached = [work(f, s) for f, s in combos]
    print(
        "response panel callbacks (trend + previous + backlog + oldest + table): "
        f"cold p50 {np.percentile(cold, 50):.0f} ms, "
        f"p95 {np.percentile(cold, 95):.0f} ms; cached p50 {np.percentile(cached, 50):.1f} ms, "
        f"p95 {np.percentile(cached, 95):.1f} ms"
    )

    m = messages.c
    last = today
    year = Filters(last - timedelta(days=364), last)
    for column, measure in (("response_hours", "first"), ("resolution_hours", "resolution")):
        with engine.connect() as conn:
            values = np.array(
                [
                    r[0]
                    for r in conn.execute(
                        select(m[column]).where(m.day >= year.date_from, m.day <= year.date_to, m[column].is_not(None))
                    )
                ],
                dtype=float,
            )
        rolled = totals(engine, year, measure)
        for q, key in ((0.5, "median_hours"), (0.9, "p90_hours")):
            truth = float(np.quantile(values, q))
            print(
                f"{measure} {key}: rollup {rolled[key]:.2f} h, exact {truth:.2f} h, "
                f"error {abs(rolled[key] - truth) / truth * 100:.2f} % ({len(values):,} answered messages)"
            )


if __name__ == "__main__":
    main()
