"""A decision's measured effect against a planted truth, on a demo year.

Two cells of the demo year get a planted spike (the week ``--spike-days-ago`` back: three times their own messages),
a decision recorded with its evidence the day after and done the day after that; then, over the four weeks after,
cell A loses ``--drop`` of its messages (the planted effect) and cell B nothing. The estimate of each, with its 95 %
interval, is printed beside the truth — A's truth is ``−drop`` against what the cell would have had, B's is 0 — and
the centre's KPIs beside a hand count (two decisions backed by data, one not).

    .venv/bin/python benchmarks/bench_decision_effect.py --messages 200000 --drop 0.4
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard.decisions import evidence, measured, records
from dashboard.decisions.records import Cell
from dashboard.decisions.service import DecisionService
from dashboard.filters import Filters, today_in
from dashboard.loader.demo import generate
from dashboard.loader.ingest import load_frame
from dashboard.region import get_region
from dashboard.service import DashboardService
from dashboard.store.db import init_db, make_engine

CELLS = {"A": ("zhkh", "97710000"), "B": ("zhkh", "97707000")}  # ЖКХ · Новочебоксарск, ЖКХ · Канаш


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--drop", type=float, default=0.4)
    parser.add_argument("--spike-days-ago", type=int, default=60)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    region = get_region("chuvashia")
    now = datetime.now(UTC).replace(microsecond=0)
    today = today_in(region.timezone, now)
    rng = np.random.default_rng(args.seed)
    frame = generate(region, messages=args.messages, days=365, seed=args.seed, now=now)
    created = pd.to_datetime(frame["created_at"], utc=True).dt.tz_convert(region.timezone)
    day = created.dt.date
    spike = (today - timedelta(days=args.spike_days_ago), today - timedelta(days=args.spike_days_ago - 6))
    recorded_on, done_on = spike[1] + timedelta(days=1), spike[1] + timedelta(days=2)
    after = (done_on + timedelta(days=1), done_on + timedelta(days=28))
    extra, dropped = [], []
    for name, (sector, oktmo) in CELLS.items():
        mine = (frame["sector"] == sector) & (frame["municipality"] == oktmo)
        in_spike = frame[mine & (day >= spike[0]) & (day <= spike[1])]
        for copy in range(2):  # the spike: three times the week's own messages
            extra.append(in_spike.assign(external_id=in_spike["external_id"] + f"-spike{copy}{name}"))
        if name == "A":
            in_after = frame.index[mine & (day >= after[0]) & (day <= after[1])]
            dropped = rng.choice(in_after, size=round(args.drop * len(in_after)), replace=False).tolist()
    planted = pd.concat([frame.drop(index=dropped), *extra], ignore_index=True)

    folder = Path(tempfile.mkdtemp(prefix="tsur-effect-"))
    engine = make_engine(f"sqlite:///{folder / 'effect.db'}")
    init_db(engine, region)
    started = time.perf_counter()
    load_frame(planted, engine, "demo-planted", region, now=now)
    print(
        f"date {now:%Y-%m-%d %H:%M} UTC; {platform.machine()}, {os.cpu_count()} cores; demo year of "
        f"{len(planted):,} messages loaded in {time.perf_counter() - started:.0f} s; spike {spike[0]} — {spike[1]}, "
        f"decisions recorded {recorded_on}, done {done_on}, effect read {after[0]} — {after[1]}; "
        f"cell A loses {args.drop:.0%} of its {len(dropped) / args.drop if args.drop else 0:.0f} messages after",
        flush=True,
    )

    service = DashboardService(engine, region, clock=lambda: now)
    result = service.tension(Filters(*spike))
    version = service.data_version(spike[0], spike[1])
    at = datetime.combine(recorded_on, datetime.min.time(), region.timezone).replace(hour=10)
    done_at = datetime.combine(done_on, datetime.min.time(), region.timezone).replace(hour=18)
    ids = {}
    for name, (sector, oktmo) in CELLS.items():
        cell = Cell(sector, oktmo, None, *spike)
        shown = evidence.snapshot(result, cell, at, version)
        ids[name] = records.record(
            engine, title=f"Проверка {name}", agency="Минстрой", due=done_on, actor="bench", cell=cell,
            evidence=shown, now=at,
        )  # fmt: skip
        records.set_status(engine, ids[name], "done", "bench", now=done_at)
        print(f"cell {name} {sector} · {region.name_of(oktmo)}: evidence {shown['messages']} messages, "
              f"expected {shown['expected']}, index {shown['index']} ({shown['level']})", flush=True)  # fmt: skip
    records.record(engine, title="Совещание", agency="Правительство", due=done_on, actor="bench",
                   cell=Cell(None, None, None, None, None), evidence=None, now=at)  # fmt: skip

    for name, truth in (("A", -args.drop * 100), ("B", 0.0)):
        started = time.perf_counter()
        found = measured.effect(engine, region, records.get(engine, ids[name]), today)
        spent = time.perf_counter() - started
        print(
            f"cell {name}: truth {truth:+.0f} %; estimate {found.change_pct:+.1f} % "
            f"(95 % interval {found.low_pct:+.1f} … {found.high_pct:+.1f} %), verdict {found.verdict}; "
            f"{found.observed} messages against {found.expected:.1f} expected = ordinary {found.ordinary:.1f} × "
            f"natural course {found.natural:.3f} from {found.controls} controls; «{found.text()}»; "
            f"{spent * 1000:.0f} ms",
            flush=True,
        )
    kpi = DecisionService(service).kpi((spike[0], today)).public()
    print(
        f"KPI {spike[0]} — {today}: backed by data {kpi['backed_by_data']} (hand count: 2 of 3); with a measured "
        f"effect {kpi['with_measured_effect']} (hand count: 1 of 2 if A is read as a fall and B not)",
        flush=True,
    )


if __name__ == "__main__":
    main()
