"""Every dashboard callback's server time on one store, with and without the cache, against a naive pandas baseline.

    python benchmarks/bench_callbacks.py --messages 1000000 --store sqlite   [--load] [--combos 40] [--rounds 3]
                                         [--no-naive] [--only briefing map]
    python benchmarks/bench_callbacks.py --messages 10000000 --store postgres --load

``--load`` (or a store that is not there yet) loads the demo generator's records (benchmarks/datasets.py) through the
real loader into a fresh store and prints the load rate. Then, for ``--combos`` filter sets drawn with a fixed seed
(periods from one day to a year, ending today or up to 60 days ago; 0–2 sectors, 0–1 municipality, 0–1 channel;
map metrics, the density layer, the municipality card, the response split and table key varied), each callback is
fired exactly as the browser fires it — a POST to ``/_dash-update-component`` through Flask's test client, so the
time is the server's (routing, the queries, the figure, JSON) without the network:

``--only`` times just the callbacks named (an A/B of one panel's change in a minute instead of all seven).

* uncached (``NullCache``) p50 / p95 / max per callback over ``--rounds`` passes of every filter set, and the
  response bytes raw and gzipped;
* cached (``SimpleCache``): the same request a second time;
* the process's peak RSS after the callbacks (before the naive baseline, which holds every message in memory);
* the first page's transfer: the HTML, every script and stylesheet it loads, the layout and dependencies, the
  initial callbacks' answers and the map's shapes they name — raw and as the server sends them compressed;
* naive baseline: every message in one pandas DataFrame, each callback's figures computed by filtering it
  (data only, no figure, no JSON — the comparison flatters the baseline), p50 / p95 and the ratio to the callbacks.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import re
import resource
import statistics
import sys
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import naive  # noqa: E402
from dash_requests import BRIEFING, PAGE_CALLBACKS, WALL, body, templates  # noqa: E402
from datasets import OUT, demo_frame  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

SECTORS = ["zhkh", "roads", "health", "education", "transport", "improvement", "waste", "social"]
MUNICIPALITIES = ["97701000", "97710000", "97544000", "97707000", "97704000", "97713000", "97558000"]
SOURCES = ["vk", "pos", "telegram", "phone", "email"]
PRESETS = ["today", "7d", "7d", "30d", "30d", "quarter", "year", "custom"]
METRICS = ["per_10k", "per_10k", "messages", "change_pct", "tension", "median_first_response_hours", "overdue_share"]


def store_url(store: str, messages: int) -> str:
    if store == "sqlite":
        return f"sqlite:///{(OUT / f'callbacks-{messages}.db').resolve()}"
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/tsur_bench_{messages}"


def store_exists(url: str) -> bool:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return Path(parsed.database).exists()
    admin = create_engine(parsed.set(database="postgres"))
    with admin.connect() as conn:
        found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}).scalar()
    admin.dispose()
    return bool(found)


def fresh_store(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for path in Path(parsed.database).parent.glob(Path(parsed.database).name + "*"):
            path.unlink()
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def load(url: str, messages: int, region) -> None:
    from dashboard.loader.ingest import load_frame
    from dashboard.store.db import init_db, make_engine

    frame = demo_frame(region, messages)
    fresh_store(url)
    engine = make_engine(url)
    init_db(engine, region)
    started = time.perf_counter()
    summary = load_frame(frame, engine, "bench", region)
    seconds = time.perf_counter() - started
    engine.dispose()
    print(
        f"load: {summary.new:,} new, {summary.rejected} rejected in {seconds:.1f} s = "
        f"{len(frame) / seconds:,.0f} rows/s "
        "(validation, municipality matching and point-in-polygon, upsert, rollups)",
        flush=True,
    )


def combos(count: int, today: date, seed: int = 7) -> list[dict]:
    """Filter sets and per-callback choices, the same for every store and size."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        params: list[tuple[str, str]] = []
        preset = PRESETS[i % len(PRESETS)]
        params.append(("period", preset))
        if preset == "custom":
            end = today - timedelta(days=rng.randint(1, 60))
            start = end - timedelta(days=rng.choice([6, 13, 29, 44, 90]))
            params += [("from", start.isoformat()), ("to", end.isoformat())]
        for sector in rng.sample(SECTORS, rng.choice([0, 0, 0, 1, 1, 2])):
            params.append(("sector", sector))
        if rng.random() < 0.3:
            params.append(("municipality", rng.choice(MUNICIPALITIES)))
        if rng.random() < 0.2:
            params.append(("source", rng.choice(SOURCES)))
        params.append(("metric", rng.choice(METRICS)))
        if rng.random() < 0.25:
            params.append(("density", "1"))
        if rng.random() < 0.1:
            params.append(("view", "federal"))
        out.append(
            {
                "search": "?" + "&".join(f"{k}={v}" for k, v in params),
                "split": rng.choice(["none", "none", "sector", "source"]),
                "table_by": rng.choice(["sector", "sector", "agency"]),
                "wall_period": rng.choice(["today", "7d", "30d"]),
            }
        )
    return out


def requests_for(combo: dict, tpl: dict, only: list[str] | None = None) -> dict[str, dict]:
    """Each callback's request body for one filter set (``only``: just those callbacks)."""
    from layouts import ids

    search = combo["search"]
    out = {c.name: body(tpl[c.name], search) for c in PAGE_CALLBACKS}
    out["response_trend"] = body(tpl["response_trend"], search, {f"{ids.RESP_SPLIT}.value": combo["split"]})
    out["response_table"] = body(tpl["response_table"], search, {f"{ids.RESP_TABLE_BY}.value": combo["table_by"]})
    out["wall"] = body(tpl["wall"], "", {f"{ids.WALL_CONFIG}.data": wall_config(combo["wall_period"])})
    out["briefing"] = body(tpl["briefing"], search)
    return {name: request for name, request in out.items() if only is None or name in only}


def wall_config(period: str) -> dict:
    from dataclasses import asdict

    from layouts.wall import WallConfig

    return {**asdict(WallConfig(period=period)), "layout_order": list(WallConfig().panels)}


def make_app(url: str, cache_type: str):
    from app import create_app
    from dashboard.runtime.collector import settle_for_serving
    from dashboard.settings import Settings

    settings = Settings(database_url=url, cache_type=cache_type, data_dir=OUT / "cache-data")
    app = create_app(settings)
    settle_for_serving()  # as a serving process does (app.default_app)
    return app


def fire(client, request: dict) -> tuple[float, int, int]:
    started = time.perf_counter()
    response = client.post("/_dash-update-component", json=request)
    seconds = time.perf_counter() - started
    if response.status_code not in (200, 204):
        raise RuntimeError(f"{response.status_code}: {response.get_data(as_text=True)[:300]}")
    data = response.get_data()
    return seconds, len(data), len(gzip.compress(data, 6))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def first_page(client, initial: dict[str, dict]) -> tuple[int, int]:
    """Bytes of the first page view: raw, and as sent with Accept-Encoding: gzip."""
    headers = {"Accept-Encoding": "gzip"}
    raw_total = sent_total = 0

    def get(path: str) -> bytes:
        nonlocal raw_total, sent_total
        plain = client.get(path)
        sent = client.get(path, headers=headers)
        raw_total += len(plain.get_data())
        sent_total += len(sent.get_data())
        return plain.get_data()

    html = get("/").decode()
    for link in re.findall(r'(?:src|href)="(/[^"]+)"', html):
        if link.startswith(("/_dash-component-suites/", "/assets/", "/_favicon")):
            get(link.replace("&amp;", "&"))
    for path in ("/_dash-layout", "/_dash-dependencies"):
        get(path)
    for name in ("kpis", "map", "tension", "response_trend", "response_table"):
        request = initial[name]
        plain = client.post("/_dash-update-component", json=request)
        sent = client.post("/_dash-update-component", json=request, headers=headers)
        raw_total += len(plain.get_data())
        sent_total += len(sent.get_data())
        # the shapes the map's traces name, which the browser fetches once (geo/serve.py)
        named = re.findall(r'"geojson":\s*("[^"]+")', plain.get_data(as_text=True))  # '/' comes as \u002f
        for shapes in sorted({json.loads(literal) for literal in named}):
            get(shapes)
    return raw_total, sent_total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", help="instead of the store's default benchmark database")
    parser.add_argument("--load", action="store_true", help="load the demo records into a fresh store first")
    parser.add_argument("--combos", type=int, default=40)
    parser.add_argument(
        "--rounds", type=int, default=1, help="fire every uncached request this many times (percentiles over all)"
    )
    parser.add_argument("--no-naive", action="store_true")
    names = [c.name for c in (*PAGE_CALLBACKS, WALL, BRIEFING)]
    parser.add_argument("--only", nargs="+", choices=names, default=names, help="time just these callbacks")
    args = parser.parse_args()

    from dashboard.region import region_of
    from dashboard.settings import get_settings

    region = region_of(get_settings())
    url = args.database_url or store_url(args.store, args.messages)
    print(
        f"date {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.machine()}, {os.cpu_count()} cores; "
        f"Python {platform.python_version()}; store {url.split('://')[0]}; {args.messages:,} demo messages",
        flush=True,
    )
    if args.load or not store_exists(url):
        load(url, args.messages, region)

    uncached = make_app(url, "NullCache")
    client = uncached.server.test_client()
    tpl = templates(client.get("/_dash-dependencies").get_json(), [*PAGE_CALLBACKS, WALL, BRIEFING])
    service = uncached.server.extensions["tsur"]
    sets = combos(args.combos, service.today())
    for request in requests_for(sets[0], tpl).values():  # warm-up: imports, geometry, first connections
        fire(client, request)

    times: dict[str, list[float]] = defaultdict(list)
    sizes: dict[str, list[tuple[int, int]]] = defaultdict(list)
    slowest: dict[str, tuple[float, str]] = {}
    for _ in range(args.rounds):  # a round is every combination once: a stall of the machine hits one sample
        for combo in sets:
            for name, request in requests_for(combo, tpl, args.only).items():
                seconds, raw, packed = fire(client, request)
                times[name].append(seconds)
                sizes[name].append((raw, packed))
                if seconds > slowest.get(name, (0.0, ""))[0]:
                    slowest[name] = (seconds, combo["search"])
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    cached_app = make_app(url, "SimpleCache")
    cached_client = cached_app.server.test_client()
    cached: dict[str, list[float]] = defaultdict(list)
    for combo in sets:
        for name, request in requests_for(combo, tpl, args.only).items():
            fire(cached_client, request)
            cached[name].append(fire(cached_client, request)[0])
    page_raw, page_sent = first_page(uncached.server.test_client(), requests_for(combos(1, service.today())[0], tpl))

    print(
        f"\n{len(sets)} filter sets × {len(times)} callbacks × {args.rounds} round(s), server time in ms "
        "(Flask test client)"
    )
    print(
        f"{'callback':16} {'p50':>7} {'p95':>7} {'max':>7} {'cached p50':>11} {'cached p95':>11} "
        f"{'KiB':>7} {'gz KiB':>7}"
    )
    for name in times:
        values, hit = times[name], cached[name]
        raw = statistics.median(s[0] for s in sizes[name]) / 1024
        packed = statistics.median(s[1] for s in sizes[name]) / 1024
        print(
            f"{name:16} {pct(values, 0.5) * 1000:7.0f} {pct(values, 0.95) * 1000:7.0f} {max(values) * 1000:7.0f} "
            f"{pct(hit, 0.5) * 1000:11.1f} {pct(hit, 0.95) * 1000:11.1f} {raw:7.0f} {packed:7.0f}"
        )
    for name, (seconds, search) in slowest.items():
        print(f"slowest {name}: {seconds * 1000:.0f} ms at {search}")
    print(f"peak RSS of the process after the callbacks: {rss_mb:.0f} MB")
    print(f"first page view: {page_raw / 1024:.0f} KiB raw, {page_sent / 1024:.0f} KiB transferred (compressed)")

    if args.no_naive:
        return
    started = time.perf_counter()
    from dashboard.store.db import make_engine

    reader = make_engine(url)  # no statement timeout: reading every message is the baseline's own cost
    frame = naive.all_messages(reader)
    reader.dispose()
    print(f"\nnaive baseline: {len(frame):,} messages in one DataFrame, read in {time.perf_counter() - started:.1f} s")
    naive_times: dict[str, list[float]] = defaultdict(list)
    for combo in sets:
        for name, seconds in naive.time_callbacks(frame, combo, service).items():
            if name in times:
                naive_times[name].append(seconds)
    naive_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS with every message in memory: {naive_rss:.0f} MB (the callbacks above: {rss_mb:.0f} MB)")
    print(f"{'callback':16} {'naive p50':>10} {'naive p95':>10} {'ratio p50':>10} {'ratio p95':>10}")
    for name, values in naive_times.items():
        ours = times[name]
        print(
            f"{name:16} {pct(values, 0.5) * 1000:10.0f} {pct(values, 0.95) * 1000:10.0f} "
            f"{pct(values, 0.5) / pct(ours, 0.5):9.1f}× {pct(values, 0.95) / pct(ours, 0.95):9.1f}×"
        )


if __name__ == "__main__":
    main()
