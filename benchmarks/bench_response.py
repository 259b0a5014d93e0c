"""Response-times benchmark: trend callback server time (cold/cached) and rollup-vs-exact percentile error.

python benchmarks/bench_response.py --db benchmarks/out/bench_tsur.db [--repeat 30]

The error: for every municipality × sector of the year to today, the median and p90 (first response, resolution)
that every figure shows, unrounded (``cube.read_stored`` + ``percentiles.grouped``), against exact values from the
raw messages — Kaplan–Meier with every open message censored at its age now, written out plainly as an independent
reference (benchmarks/exact_percentiles.py); where nothing is open that is numpy's quantile of the durations.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from exact_percentiles import QUANTILES, km_quantiles, raw_year
from flask import Flask

from dashboard.catalog import SOURCES, load_sectors
from dashboard.filters import Filters
from dashboard.metrics import percentiles
from dashboard.region import region_of
from dashboard.service import DashboardService, Hooks
from dashboard.settings import get_settings
from dashboard.store import cube, histograms
from dashboard.store.db import make_engine
from web.cache import cache, cached_figure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("benchmarks/out/bench_tsur.db"))
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    region = region_of(get_settings())
    engine = make_engine(f"sqlite:///{args.db.resolve()}")
    with engine.connect() as conn:
        total = conn.exec_driver_sql("SELECT count(*) FROM messages").scalar()
    print(f"database {args.db}: {total:,} messages")
    server = Flask(__name__)
    cache.init_app(server, config={"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 600})
    service = DashboardService(engine, region, hooks=Hooks(cached=cached_figure))
    today = service.today()
    rng = random.Random(2)
    sectors = load_sectors().codes
    combos = []
    for _ in range(args.repeat):
        days = rng.choice([7, 30, 91, 365])
        end = today - timedelta(days=rng.choice([0, 0, 15]))
        combos.append(
            (
                service.read_filters(
                    {
                        "from": (end - timedelta(days=days - 1)).isoformat(),
                        "to": end.isoformat(),
                        "sector": rng.sample(sectors, rng.choice([0, 0, 1])),
                        "source": rng.sample(list(SOURCES), rng.choice([0, 0, 1])),
                    }
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

    year = Filters(today - timedelta(days=364), today)
    now = service.now()
    raw = raw_year(engine, year, now)
    for measure in ("first", "resolution"):
        errors(engine, year, now, raw, measure)


def errors(engine, year: Filters, now, raw: pd.DataFrame, measure: str) -> None:
    """Print the largest relative error of the median and p90 over every municipality × sector of the year."""
    with engine.connect() as conn:
        rows = cube.read_stored(conn, year, ["messages", *percentiles.columns(measure)], by=["oktmo", "sector"])
    grouped = percentiles.grouped(rows, 2, 1, now)
    shown = {key: i for i, key in enumerate(grouped.keys)}
    worst = {q: (0.0, None) for q in QUANTILES}
    beyond = {q: [0, 0] for q in QUANTILES}  # groups off by more than 0.5 % and 1 %
    compared = exact = unknown = 0
    for key, group in raw.groupby(["oktmo", "sector"]):
        answered = group[measure].dropna().to_numpy(dtype=float)
        ages = group.loc[group[measure].isna() & group["open"].eq(1), "age"].to_numpy(dtype=float)
        truth = km_quantiles(answered, ages)
        i = shown[key]
        compared += 1
        exact += len(answered) <= histograms.EXACT_LIMIT
        for q, expected in zip(QUANTILES, truth, strict=True):
            value = grouped.estimates.quantiles[q][i]
            if np.isnan(expected) or np.isnan(value):
                unknown += np.isnan(expected) != np.isnan(value)
                continue
            error = abs(value - expected) / expected
            worst[q] = max(worst[q], (error, key), key=lambda pair: pair[0])
            beyond[q][0] += error > 0.005
            beyond[q][1] += error > 0.01
    for q in QUANTILES:
        error, key = worst[q]
        print(
            f"{measure} p{round(q * 100)}: largest error {error * 100:.3f} % ({key}); off by > 0.5 %: {beyond[q][0]}, "
            f"> 1 %: {beyond[q][1]} of {compared} municipality × sector groups ({exact} with ≤ "
            f"{histograms.EXACT_LIMIT} durations, read exactly); known in one and not the other: {unknown}"
        )


if __name__ == "__main__":
    main()
