"""Heat-map benchmark: map callback server time (cold and cached), figure bytes, loader point-in-polygon rate.

    python benchmarks/bench_map.py --db benchmarks/out/bench_tsur.db [--repeat 30]

Uses a database filled by benchmarks/bench_load.py. "Cold" runs the callback's work with the cache
off (queries + figure); "cached" runs it through the service with a warm in-process cache. Filters vary
over periods, sectors and channels so no two cold runs are alike.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import plotly.io as pio
from flask import Flask

from dashboard.catalog import SOURCES, load_sectors
from dashboard.region import region_of
from dashboard.service import DashboardService, Hooks
from dashboard.settings import get_settings
from dashboard.store.db import make_engine
from geo.figure import region_geometry
from geo.locate import locator_for
from layouts.map_figure import map_figure, town_labels
from web.cache import cache, cached_figure


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("benchmarks/out/bench_tsur.db"))
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    region = region_of(get_settings())
    engine = make_engine(f"sqlite:///{args.db.resolve()}")
    with engine.connect() as conn:
        total = conn.exec_driver_sql("SELECT count(*) FROM messages").scalar()
        last = conn.exec_driver_sql("SELECT max(day) FROM messages").scalar()
    print(f"database {args.db} ({args.db.stat().st_size / 1e6:.0f} MB): {total:,} messages, last day {last}")
    server = Flask(__name__)
    cache.init_app(server, config={"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 600})
    service = DashboardService(engine, region, hooks=Hooks(cached=cached_figure))
    geometry = region_geometry(region.boundaries_path)
    labels = town_labels(region.municipalities)
    sectors = load_sectors().codes
    rng = random.Random(1)
    today = service.today()
    combos = []
    for _ in range(args.repeat):
        days = rng.choice([1, 7, 30, 91, 365])
        picked_sectors = rng.sample(sectors, rng.choice([0, 0, 1, 2]))
        picked_sources = rng.sample(list(SOURCES), rng.choice([0, 0, 1]))
        end = today - timedelta(days=rng.choice([0, 0, 10, 40]))
        combos.append(
            service.read_filters(
                {
                    "from": (end - timedelta(days=days - 1)).isoformat(),
                    "to": end.isoformat(),
                    "sector": picked_sectors,
                    "source": picked_sources,
                }
            )
        )

    def draw(filters, density: bool) -> tuple[float, int, int]:
        t0 = time.perf_counter()
        frame = service.heatmap(filters)
        grid = service.density(filters) if density else None
        figure = map_figure(frame, geometry, density=grid, labels=labels)
        payload = pio.to_json(figure, validate=False).encode()
        return time.perf_counter() - t0, len(payload), len(gzip.compress(payload))

    with server.app_context():
        for density in (False, True):
            cache.clear()
            cold = [draw(f, density) for f in combos]
            cached = [draw(f, density) for f in combos]
            name = "choropleth + density grid" if density else "choropleth"
            cold_ms = [c[0] * 1000 for c in cold]
            cached_ms = [c[0] * 1000 for c in cached]
            print(
                f"{name}: cold p50 {percentile(cold_ms, 50):.0f} ms, p95 {percentile(cold_ms, 95):.0f} ms; "
                f"cached p50 {percentile(cached_ms, 50):.0f} ms, p95 {percentile(cached_ms, 95):.0f} ms; "
                f"figure {statistics.median(c[1] for c in cold) / 1024:.0f} KiB JSON, "
                f"{statistics.median(c[2] for c in cold) / 1024:.0f} KiB gzip (median), "
                f"max {max(c[1] for c in cold) / 1024:.0f} KiB"
            )

    locator = locator_for(region.boundaries_path)
    minx, miny, maxx, maxy = geometry.bounds
    points = 1_000_000
    gen = np.random.default_rng(3)
    lon, lat = gen.uniform(minx, maxx, points), gen.uniform(miny, maxy, points)
    t0 = time.perf_counter()
    found = locator.locate(lon, lat)
    elapsed = time.perf_counter() - t0
    inside = sum(v is not None for v in found)
    print(
        f"point-in-polygon: {points:,} points in {elapsed:.2f} s = {points / elapsed:,.0f} points/s ({inside:,} inside)"
    )
    print(json.dumps({"messages": total}))


if __name__ == "__main__":
    main()
