"""The briefing's PPTX deck as a download: the route's whole time (figures, uncached, and the deck) per query.

TSUR_DATABASE_URL=sqlite:////tmp/b39/tsur.db .venv/bin/python benchmarks/bench_deck.py [--runs 5]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime

from app import create_app
from dashboard.cli import _decisions
from dashboard.settings import Settings

QUERIES = ("period=7d", "period=30d", "period=quarter", "period=30d&sector=zhkh", "period=30d&lang=en")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    decisions = _decisions()
    app = create_app(Settings(data_dir=tempfile.mkdtemp(), cache_type="NullCache"), decisions.dashboard)
    client = app.server.test_client()
    print(f"date {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.machine()}; {decisions.dashboard!r}")
    print(f"{'query':28s} {'median ms':>10s} {'max ms':>8s} {'KiB':>6s}")
    for query in QUERIES:
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            answer = client.get(f"/briefing/export.pptx?{query}")
            times.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                raise SystemExit(f"{query}: {answer.status_code}")
        print(f"{query:28s} {statistics.median(times):10.0f} {max(times):8.0f} {len(answer.data) / 1024:6.0f}")


if __name__ == "__main__":
    main()
