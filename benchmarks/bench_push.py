"""``POST /api/v1/messages`` throughput: batches of ``--batch`` new messages pushed by a feed account over HTTP.

The app is served by werkzeug's threaded server on loopback, signed in by a feed token, on a store of ``--messages``
demo messages (made with bench_callbacks' loader when missing). ``--clients`` clients each send ``--requests``
batches of new messages one after another (messages/s over the whole run, and each request's seconds), then send
them all again (every message unchanged: what an integration's retry costs). Every run pushes new external ids
(``bench<stamp>-…``), so the store grows by clients × requests × batch each time.

    .venv/bin/python benchmarks/bench_push.py --messages 1000000 --store sqlite
    .venv/bin/python benchmarks/bench_push.py --messages 1000000 --store postgres
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import requests
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_callbacks import load, store_exists, store_url

from app import create_app
from dashboard import accounts
from dashboard.loader.demo import generate
from dashboard.region import region_of
from dashboard.settings import Settings, get_settings
from dashboard.store.db import init_db, make_engine


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", help="instead of the store's default benchmark database")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=20, help="batches per client")
    parser.add_argument("--clients", type=int, default=1)
    args = parser.parse_args()

    region = region_of(get_settings())
    url = args.database_url or store_url(args.store, args.messages)
    if not store_exists(url):
        load(url, args.messages, region)
    engine = make_engine(url)
    init_db(engine, region)
    stamp = f"{time.time_ns() % 10**10:x}"
    token = accounts.add_user(engine, f"bench-feed-{stamp}", "feed", sources=("pos",))
    settings = Settings(
        database_url=url,
        data_dir=Path(tempfile.mkdtemp(prefix="tsur-push-")),
        cache_type="NullCache",
        auth=True,
        secret_key="bench-secret-0123456789",
        feed_limit="100000/minute",
    )
    server = make_server("127.0.0.1", 0, create_app(settings).server, threaded=True)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    address = f"http://127.0.0.1:{server.server_port}/api/v1/messages"
    print(
        f"date {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.machine()}, {os.cpu_count()} cores; "
        f"store {args.store} with {args.messages:,} messages; {args.clients} client(s) × {args.requests} requests "
        f"of {args.batch:,} messages; werkzeug threaded server",
        flush=True,
    )
    batches: list[list[list[dict]]] = []
    for client in range(args.clients):
        mine = []
        for n in range(args.requests):
            # the generator gives about as many as asked over whole days: ask for more, keep the batch
            frame = generate(region, messages=args.batch * 3, days=1, seed=5000 + client * 1000 + n).head(args.batch)
            frame["external_id"] = [f"bench{stamp}-{client}-{n}-{i}" for i in range(len(frame))]
            mine.append(frame.drop(columns=["source"], errors="ignore").to_dict("records"))
        batches.append(mine)

    def run(label: str, expect: str) -> None:
        seconds: list[float] = []
        counts: list[int] = []
        lock = threading.Lock()

        def client(mine: list[list[dict]]) -> None:
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {token}"
            for batch in mine:
                started = time.perf_counter()
                answer = session.post(address, json=batch, timeout=600)
                spent = time.perf_counter() - started
                answer.raise_for_status()
                body = answer.json()
                with lock:
                    seconds.append(spent)
                    counts.append(body[expect])

        threads = [threading.Thread(target=client, args=(mine,)) for mine in batches]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        total = sum(len(batch) for mine in batches for batch in mine)
        print(
            f"{label}: {total:,} messages in {wall:.1f} s = {total / wall:,.0f} messages/s; per request p50 "
            f"{statistics.median(seconds):.2f} s, p95 {percentile(seconds, 0.95):.2f} s; {expect} {sum(counts):,}",
            flush=True,
        )

    run("new messages", "new")
    run("the same again (unchanged)", "unchanged")
    server.shutdown()


if __name__ == "__main__":
    main()
