"""Memory of the loader on a big CSV: writes a CSV of about ``--gb`` gigabytes, loads it with ``tsur load`` in a
child process (a fresh SQLite store) and prints rows, time, rows/s and the child's peak RSS.

    python benchmarks/bench_big_csv.py --gb 1 [--out benchmarks/out_big]

The file is the demo generator's messages (texts included) written block after block with fresh ids, so every
row is new; a few malformed rows are mixed in to show they are rejected with reasons, not fatal.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from dashboard.loader.demo import generate
from dashboard.region import region_of
from dashboard.settings import get_settings

BLOCK = 200_000


def write_csv(path: Path, target_bytes: int) -> tuple[int, int]:
    """(good rows, malformed rows) written."""
    frame = generate(region_of(get_settings()), messages=BLOCK, days=365, seed=11)
    good = bad = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        frame.iloc[:0].to_csv(fh, index=False)
        block = 0
        while fh.tell() < target_bytes:
            part = frame.assign(external_id=frame["external_id"] + f"-b{block}")
            part.to_csv(fh, index=False, header=False)
            fh.write("broken,row,with,too,few,fields\n")
            fh.write(f"bad-{block},vk,не дата,,,new,zhkh,,Чебоксары,,,,\n")  # 13 fields, no date
            good += len(part)
            bad += 2
            block += 1
    return good, bad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=1.0)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out_big"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    print(
        f"date {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores; Python {platform.python_version()}"
    )
    path = args.out / "big.csv"
    t0 = time.perf_counter()
    good, bad = write_csv(path, int(args.gb * 1e9))
    size = path.stat().st_size / 1e9
    print(f"wrote {size:.2f} GB: {good:,} rows + {bad} malformed in {time.perf_counter() - t0:.0f} s")
    for old in args.out.glob("tsur.db*"):
        old.unlink()
    env = {**os.environ, "TSUR_DATA_DIR": str(args.out.resolve())}
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "load", str(path), "--json"], env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(done.stdout[-1500:] or done.stderr[-1500:])
    print(f"loaded in {seconds:.0f} s = {good / seconds:,.0f} rows/s; peak RSS of the loader {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
