"""Load test: many users on gunicorn workers sharing a Redis cache, over loopback.

    python benchmarks/bench_users.py --users 50 --seconds 60 --workers 3 --threads 4 \
        [--database-url sqlite:////abs/path/tsur.db] [--cache RedisCache|NullCache]

Starts ``gunicorn app:server`` against the given database (default: the demo's data/tsur.db), then each simulated
user opens the dashboard over and over with a random filter set, exactly as the browser does: the page, then the
data callbacks (KPIs, map, tension, response trend, response table) as POSTs to ``/_dash-update-component``. Prints
page views and callback requests per second, latency percentiles per callback, errors, and each worker's peak RSS.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import redis
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dash_requests import PAGE_CALLBACKS, body  # noqa: E402
from dash_requests import templates as page_templates  # noqa: E402

PRESETS = ["today", "7d", "7d", "30d", "30d", "30d", "quarter"]
SECTORS = ["zhkh", "roads", "health", "education", "transport", "improvement", "waste", "social"]
MUNICIPALITIES = ["97701000", "97710000", "97704000", "97707000", "97713000"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def random_search(rng: random.Random) -> str:
    params = [f"period={rng.choice(PRESETS)}"]
    if rng.random() < 0.4:
        params.append(f"sector={rng.choice(SECTORS)}")
    if rng.random() < 0.25:
        params.append(f"municipality={rng.choice(MUNICIPALITIES)}")
    if rng.random() < 0.2:
        params.append("metric=tension")
    return "?" + "&".join(params)


def user(base: str, templates: dict, seed: int, until: float, results: dict, errors: list, lock: threading.Lock):
    rng = random.Random(seed)
    session = requests.Session()
    while time.perf_counter() < until:
        search = random_search(rng)
        start = time.perf_counter()
        timings = {}
        try:
            page = session.get(f"{base}/{search}", timeout=60)
            if page.status_code != 200:
                raise RuntimeError(f"page {page.status_code}")
            for name, template in templates.items():
                t0 = time.perf_counter()
                response = session.post(f"{base}/_dash-update-component", json=body(template, search), timeout=60)
                timings[name] = time.perf_counter() - t0
                if response.status_code not in (200, 204):
                    raise RuntimeError(f"{name} {response.status_code}: {response.text[:200]}")
        except Exception as exc:
            with lock:
                errors.append(f"{search}: {exc}")
            continue
        with lock:
            for name, seconds in timings.items():
                results[name].append(seconds)
            results["page_view"].append(time.perf_counter() - start)


def peak_rss_mb(master: int) -> list[float]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    peaks = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return peaks


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url", default=f"sqlite:///{(ROOT / 'data' / 'tsur.db').resolve()}")
    parser.add_argument("--cache", default="RedisCache", choices=["RedisCache", "NullCache"])
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    args = parser.parse_args()

    redis.Redis.from_url(args.redis_url).flushdb()  # start cold: the first views fill the shared cache
    port = free_port()
    ready = Path(tempfile.mkdtemp(prefix="tsur-workers-"))
    env = dict(
        os.environ,
        TSUR_DATABASE_URL=args.database_url,
        TSUR_CACHE_TYPE=args.cache,
        TSUR_CACHE_REDIS_URL=args.redis_url,
        TSUR_BENCH_READY_DIR=str(ready),
    )
    gunicorn = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(args.workers),
            "-k",
            "gthread",
            "--threads",
            str(args.threads),
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "--log-level",
            "warning",
            "-c",
            str(Path(__file__).resolve().parent / "gunicorn_ready.py"),
            "app:server",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):  # every worker has built its app (gunicorn_ready.py), and the server answers
            try:
                booted = len(list(ready.iterdir())) >= args.workers
                if booted and requests.get(f"{base}/healthz", timeout=10).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(0.5)
        templates = page_templates(requests.get(f"{base}/_dash-dependencies", timeout=30).json(), PAGE_CALLBACKS)
        print(
            f"date {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.machine()}, {os.cpu_count()} cores; "
            f"gunicorn {args.workers} workers × {args.threads} threads; cache {args.cache}; "
            f"database {args.database_url.split('://')[0]}; {args.users} users for {args.seconds} s"
        )
        results: dict[str, list[float]] = defaultdict(list)
        errors: list[str] = []
        lock = threading.Lock()
        until = time.perf_counter() + args.seconds
        threads = [
            threading.Thread(target=user, args=(base, templates, seed, until, results, errors, lock))
            for seed in range(args.users)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        views = len(results["page_view"])
        calls = sum(len(v) for k, v in results.items() if k != "page_view")
        print(
            f"page views {views} ({views / elapsed:.1f}/s), callback requests {calls} ({calls / elapsed:.1f}/s), "
            f"errors {len(errors)}"
        )
        print(f"{'':16} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for name in [*(c.name for c in PAGE_CALLBACKS), "page_view"]:
            values = results[name]
            if values:
                print(
                    f"{name:16} {len(values):6d} {pct(values, 0.5):8.0f} {pct(values, 0.95):8.0f} "
                    f"{max(values) * 1000:8.0f}"
                )
        peaks = peak_rss_mb(gunicorn.pid)
        print("peak RSS per worker, MB: " + ", ".join(f"{p:.0f}" for p in peaks))
        keys = redis.Redis.from_url(args.redis_url).dbsize() if args.cache == "RedisCache" else 0
        median = statistics.median(results["page_view"])
        print(f"cache entries shared in Redis: {keys}; median page view {median:.2f} s")
        for line in errors[:5]:
            print("error:", line)
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
