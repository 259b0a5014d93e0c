"""Validation of the tension index on synthetic regions: does an injected local spike rank in the top 3,
and how many false critical points does a calm region produce?

    python benchmarks/validate_tension.py [--seeds 200] [--factors 2 3 5 10]

Each seed draws a region like the demo (Chuvashia's municipalities, population-weighted volume, 13 sectors with
their own topics, a weekly rhythm, region-wide day-to-day swings and extra per-cell noise so counts are
over-dispersed, ~4 % of messages overdue) for 63 days: an eight-week baseline and a seven-day period. A spike
multiplies one random cell (sector × municipality expecting at least ``--min-weekly`` messages a week) by a
factor over the period — on all of its topics or mostly on one. Controls have no spike. The inputs go straight
into ``tension.compute`` (the same function the dashboard runs on rollups).
"""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta

import numpy as np
import pandas as pd

from dashboard.loader.demo import SECTOR_BASE
from dashboard.metrics.tension import TensionInputs, compute
from dashboard.region import Region, get_region

SECTOR_SHARE = SECTOR_BASE  # the demo's sector mix
TOPICS_PER_SECTOR = 4
BASELINE_DAYS, PERIOD_DAYS = 56, 7
END = date(2026, 11, 15)  # a Sunday; the window holds the 4 November holiday, as real data would


def synthetic_inputs(
    region: Region,
    rng: np.random.Generator,
    per_day: float,
    spike: tuple[str, str, float, bool] | None = None,
) -> TensionInputs:
    """Counts for baseline + period; ``spike`` = (sector, oktmo, factor, on_one_topic)."""
    table = region.municipalities
    population = table["population"].astype(float)
    population = population.fillna(population.median())
    unit = (population / population.sum()).to_numpy()
    sectors = np.array(list(SECTOR_SHARE))
    share = np.array(list(SECTOR_SHARE.values()))
    days = [END - timedelta(days=BASELINE_DAYS + PERIOD_DAYS - 1 - i) for i in range(BASELINE_DAYS + PERIOD_DAYS)]
    weekday = np.array([0.7 if d.weekday() >= 5 or d == date(2026, 11, 4) else 1.0 for d in days])
    day_swing = rng.gamma(100, 1 / 100, len(days))  # ±10 % region-wide from day to day
    rate = per_day * weekday[:, None, None] * day_swing[:, None, None] * unit[None, :, None] * share[None, None, :]
    rate = rate * rng.gamma(25, 1 / 25, rate.shape)  # ±20 % per cell and day: over-dispersed counts
    topic_mix = rng.dirichlet(np.full(TOPICS_PER_SECTOR, 3.0), size=len(sectors))
    spike_cell = None
    if spike:
        sector, oktmo, factor, one_topic = spike
        u, j = table.index.get_loc(oktmo), int(np.flatnonzero(sectors == sector)[0])
        rate[BASELINE_DAYS:, u, j] *= factor
        spike_cell = (u, j, factor, one_topic)
    counts = rng.poisson(rate)
    d_idx, u_idx, s_idx = np.nonzero(counts)
    daily = pd.DataFrame(
        {
            "day": [days[i] for i in d_idx],
            "sector": sectors[s_idx],
            "oktmo": table.index.to_numpy()[u_idx],
            "messages": counts[d_idx, u_idx, s_idx],
        }
    )
    # topics: each message draws its sector's topic mix; a one-topic spike puts its extra messages on topic 0
    in_period = d_idx >= BASELINE_DAYS
    topic_rows = []
    for window, mask in (("period", in_period), ("baseline", ~in_period)):
        frame = pd.DataFrame({"u": u_idx[mask], "s": s_idx[mask], "n": counts[d_idx[mask], u_idx[mask], s_idx[mask]]})
        frame = frame.groupby(["u", "s"], as_index=False)["n"].sum()
        for u, s, n in frame.itertuples(index=False):
            mix = topic_mix[s]
            if window == "period" and spike_cell and (u, s) == spike_cell[:2] and spike_cell[3]:
                extra = round(n * (1 - 1 / spike_cell[2]))
                split = rng.multinomial(n - extra, mix)
                split[0] += extra
            else:
                split = rng.multinomial(n, mix)
            for k, c in enumerate(split):
                if c:
                    topic_rows.append((sectors[s], table.index[u], f"{sectors[s]}-{k}", window, c))
    topics = (
        pd.DataFrame(topic_rows, columns=["sector", "oktmo", "topic", "window", "n"])
        .pivot_table(index=["sector", "oktmo", "topic"], columns="window", values="n", fill_value=0)
        .reindex(columns=["period", "baseline"], fill_value=0)
        .reset_index()
    )
    period_cells = daily[daily["day"] > END - timedelta(days=PERIOD_DAYS)].groupby(["sector", "oktmo"])["messages"]
    overdue = period_cells.sum().apply(lambda n: rng.binomial(n, 0.04)).to_dict()
    return TensionInputs.from_daily(
        period=(END - timedelta(days=PERIOD_DAYS - 1), END),
        baseline=(days[0], END - timedelta(days=PERIOD_DAYS)),
        daily=daily,
        topics=topics,
        overdue=overdue,
    )


def eligible_cells(region: Region, per_day: float, min_weekly: float) -> list[tuple[str, str, float]]:
    population = region.municipalities["population"].astype(float)
    population = population.fillna(population.median())
    unit = population / population.sum()
    cells = []
    for oktmo, u in unit.items():
        for sector, s in SECTOR_SHARE.items():
            weekly = per_day * u * s * 7 * (5 + 2 * 0.7) / 7
            if weekly >= min_weekly:
                cells.append((sector, oktmo, weekly))
    return cells


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--factors", type=float, nargs="+", default=[2.0, 3.0, 5.0, 10.0])
    parser.add_argument("--per-day", type=float, default=700.0, help="messages a day in the whole region")
    parser.add_argument("--min-weekly", type=float, default=5.0, help="smallest cell that may be spiked")
    args = parser.parse_args()
    region = get_region("chuvashia")
    cells = eligible_cells(region, args.per_day, args.min_weekly)
    print(
        f"{args.seeds} seeds per condition; region {region.id}, {args.per_day:.0f} messages/day; "
        f"{len(cells)} cells of {len(region.municipalities) * len(SECTOR_SHARE)} expect ≥ {args.min_weekly:g}/week"
    )
    started = time.perf_counter()

    rows = []
    for factor in [None, *args.factors]:
        for seed in range(args.seeds):
            rng = np.random.default_rng(seed * 7919 + int((factor or 0) * 10))
            spike = None
            if factor:
                sector, oktmo, weekly = cells[rng.integers(len(cells))]
                spike = (sector, oktmo, factor, bool(rng.random() < 0.5))
            result = compute(synthetic_inputs(region, rng, args.per_day, spike), region)
            points = result.points
            row = {
                "factor": factor or 0.0,
                "critical": int((points["level"] == "critical").sum()),
                "tension_or_more": int(points["level"].isin(["tension", "critical"]).sum()),
                "top_index": float(points["index"].max()),
            }
            if spike:
                hit = points.index[(points["sector"] == spike[0]) & (points["oktmo"] == spike[1])]
                rank = int(points.index.get_loc(hit[0])) + 1 if len(hit) else 10**6
                cell = points.loc[hit[0]] if len(hit) else None
                row.update(
                    weekly=weekly,
                    one_topic=spike[3],
                    rank=rank,
                    spike_level=None if cell is None else cell["level"],
                    spike_index=None if cell is None else float(cell["index"]),
                    other_critical=row["critical"] - int(cell is not None and cell["level"] == "critical"),
                )
            rows.append(row)
    frame = pd.DataFrame(rows)
    seconds = time.perf_counter() - started

    calm = frame[frame["factor"] == 0]
    print(
        f"\ncalm regions (no spike): {len(calm)}; regions with any critical point: {(calm['critical'] > 0).sum()} "
        f"({calm['critical'].sum()} critical points in all); with a «напряжённость» or worse: "
        f"{(calm['tension_or_more'] > 0).sum()}; highest index seen: {calm['top_index'].max():.1f} "
        f"(median of the regions' highest: {calm['top_index'].median():.1f})"
    )
    print("\nspike  top-3 recall  critical  tension+  median index  false critical elsewhere (per region)")
    for factor, part in frame[frame["factor"] > 0].groupby("factor"):
        print(
            f"{factor:>4g}×  {(part['rank'] <= 3).mean():>11.1%}  {(part['spike_level'] == 'critical').mean():>8.1%}"
            f"  {part['spike_level'].isin(['tension', 'critical']).mean():>8.1%}  {part['spike_index'].median():>12.1f}"
            f"  {part['other_critical'].mean():.3f}"
        )
    bands = pd.cut(frame["weekly"], [0, 10, 30, 100, np.inf], labels=["5–10", "10–30", "30–100", "≥100"], right=False)
    print("\ntop-3 recall by the spiked cell's usual weekly volume (rows: spike factor)")
    print(
        (
            frame.assign(band=bands)[frame["factor"] > 0].pivot_table(
                index="factor",
                columns="band",
                values="rank",
                aggfunc=lambda r: f"{(r <= 3).mean():.0%} of {len(r)}",
                observed=False,
            )
        ).to_string()
    )
    print("\ntop-3 recall, spike on one topic vs spread over the cell's topics")
    print(
        frame[frame["factor"] > 0]
        .groupby(["factor", "one_topic"])["rank"]
        .apply(lambda r: f"{(r <= 3).mean():.1%}")
        .unstack()
        .to_string()
    )
    print(f"\n{len(frame)} regions computed in {seconds:.0f} s ({seconds / len(frame) * 1000:.0f} ms each)")


if __name__ == "__main__":
    main()
