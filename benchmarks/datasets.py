"""Demo frames for the benchmarks, generated once per size, seed and day and kept as pickles in benchmarks/out/.

Generating 10 million contract-shaped records takes ~10 minutes; every benchmark that needs the same rows (SQLite
and PostgreSQL loads, the naive pandas baseline) reads the pickle instead.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from dashboard.loader.demo import generate
from dashboard.region import Region

OUT = Path(__file__).resolve().parent / "out"


def demo_frame(
    region: Region, messages: int, days: int = 365, seed: int = 7, now: datetime | None = None
) -> pd.DataFrame:
    """The demo generator's records for ``now``'s date (UTC midnight), from the pickle when it exists."""
    now = (now or datetime.now(UTC)).replace(hour=0, minute=0, second=0, microsecond=0)
    path = OUT / f"demo-{region.id}-{messages}-{days}-{seed}-{now:%Y%m%d}.pkl"
    if path.exists():
        return pd.read_pickle(path)
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    frame = generate(region, messages=messages, days=days, seed=seed, now=now)
    print(f"generated {len(frame):,} messages in {time.perf_counter() - started:.1f} s → {path.name}", flush=True)
    frame.to_pickle(path)
    return frame
