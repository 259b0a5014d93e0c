"""Tension index (напряжённость), 0–100, per sector, sector × municipality and topic. Method: docs/tension.md.

Inputs come from rollups (``inputs_from_rollups``) or, for validation and the benchmark, straight from raw
messages (``inputs_from_messages``); ``compute`` turns either into the same indices.

Four components, each scored 0…1 and weighted:
* volume — the period's count against the cell's own baseline (the weeks before it), scaled by a weekday
  and holiday profile, judged by a negative-binomial upper-tail test (significance × size of the rise);
* repeats — the same test on the cell's topics: many messages on one topic in one place;
* overdue — the share of the period's messages unanswered past their target now, shrunk towards the
  region's share for small cells;
* per capita — the cell's rate per resident against the region's rate for the sector (for a sector as a
  whole: its hottest place instead).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from scipy import special
from sqlalchemy import Connection, Engine, and_, case, func, select

from dashboard import cube
from dashboard import formatting as fmt
from dashboard.catalog import OPEN_STATUSES, load_sectors
from dashboard.filters import Filters
from dashboard.frames import rows_frame
from dashboard.holidays import holidays_between
from dashboard.i18n import t
from dashboard.queries import _where, first_day, overdue_by
from dashboard.region import Region
from dashboard.store.schema import messages

LEVELS = ("normal", "attention", "tension", "critical")
LEVEL_FLOORS = (0.0, 30.0, 50.0, 70.0)  # index at which each level starts
WEIGHTS = {"volume": 60.0, "repeats": 15.0, "overdue": 12.5, "spread": 12.5}  # "spread": per capita / hottest place

BASELINE_DAYS = 56  # eight weeks before the period
DISPERSION_WEEKS = 8  # the day-to-day spread is estimated from the last eight whole weeks of the baseline
MIN_BASELINE_DAYS = 14  # with less history the volume and topic tests stay silent
SURPRISE_FROM, SURPRISE_FULL = 2.0, 6.0  # −log10(p): the rise starts to count at p = 0.01, fully at 10⁻⁶
RATIO_FULL = 4.0  # a rise to 4× the expected count scores fully
EXPECTED_FLOOR_PER_WEEK = 0.5  # a cell never "expects" less than half a message a week
OVERDUE_FROM, OVERDUE_FULL = 0.10, 0.40
OVERDUE_PRIOR = 10.0  # pseudo-messages at the region's overdue share
PER_CAPITA_PRIOR = 5.0  # pseudo-messages at the region's rate
PER_CAPITA_FULL = 4.0  # four times the region's rate per resident scores fully
MAX_DISPERSION = 1.0
HOTTEST_SHARE = 0.7  # a sector stands at least at 70 % of its hottest place: one critical town makes it tense


def level_of(index: float) -> str:
    return LEVELS[int(np.searchsorted(LEVEL_FLOORS, index, side="right")) - 1]


def levels_of(index: np.ndarray) -> np.ndarray:
    """``level_of`` of every value at once."""
    return np.asarray(LEVELS, dtype=object)[np.searchsorted(LEVEL_FLOORS, index, side="right") - 1]


@dataclass(frozen=True)
class TensionInputs:
    period: tuple[date, date]
    baseline: tuple[date, date] | None  # the baseline days that hold data; None when there is no history
    cells: pd.DataFrame  # sector, oktmo, observed, baseline — messages in the period and in the baseline
    weekly: pd.DataFrame  # sector, oktmo, week, messages — the DISPERSION_WEEKS weeks before the period (week_of)
    totals: pd.Series  # day → the region's messages on each baseline day (the weekday profile)
    spark: pd.DataFrame  # sector, day, messages over SPARK days (the municipality filter applied)
    topics: pd.DataFrame  # sector, oktmo, topic, period, baseline
    overdue: pd.Series  # (sector, oktmo) → messages of the period overdue now
    last_day_share: float = 1.0  # how much of the period's last day has passed (it may be today)

    @classmethod
    def from_daily(
        cls,
        period: tuple[date, date],
        baseline: tuple[date, date] | None,
        daily: pd.DataFrame,
        topics: pd.DataFrame,
        overdue: pd.Series,
        municipalities: tuple[str, ...] = (),
        last_day_share: float = 1.0,
    ) -> TensionInputs:
        """Inputs from daily counts (day, sector, oktmo, messages): the reference path and synthetic regions."""
        week = week_of(daily["day"], period, baseline)
        cells = (
            daily.assign(observed=np.where(week == IN_PERIOD, daily["messages"], 0))
            .assign(baseline=np.where(week >= 0, daily["messages"], 0))
            .groupby(["sector", "oktmo"], as_index=False)[["observed", "baseline"]]
            .sum()
        )
        recent = (week >= 0) & (week < DISPERSION_WEEKS)
        weekly = daily.assign(week=week)[recent]
        weekly = weekly.groupby(["sector", "oktmo", "week"], as_index=False)["messages"].sum()
        totals = pd.Series(dtype="int64")
        if baseline is not None:
            in_base = (daily["day"] >= baseline[0]) & (daily["day"] <= baseline[1])
            totals = daily[in_base].groupby("day")["messages"].sum()
        first, last = spark_window(period)
        shown = daily[(daily["day"] >= first) & (daily["day"] <= last)]
        if municipalities:
            shown = shown[shown["oktmo"].isin(municipalities)]
        spark = shown.groupby(["sector", "day"], as_index=False)["messages"].sum()
        return cls(period, baseline, cells, weekly, totals, spark, topics, overdue, last_day_share)


@dataclass(frozen=True)
class TensionResult:
    sectors: pd.DataFrame  # one row per sector, highest index first
    points: pd.DataFrame  # one row per sector × municipality, highest index first
    topics: pd.DataFrame  # sector × municipality × topic cells that rose, highest score first
    days: list[date]  # the sparkline's days (period and the four weeks before it)
    baseline: tuple[date, date] | None


def windows(filters: Filters, first_day: date | None) -> tuple[date, date | None]:
    """Start of the baseline window and of the data in it (None when no data precedes the period)."""
    start = filters.date_from - timedelta(days=max(BASELINE_DAYS, 7 * -(-filters.days // 7)))
    if first_day is None or first_day >= filters.date_from:
        return start, None
    return start, max(start, first_day)


IN_PERIOD, NOT_COUNTED = -1, -2  # week numbers: the period itself, days outside period and baseline


def week_of(days: pd.Series, period: tuple[date, date], baseline: tuple[date, date] | None) -> pd.Series:
    """Week number of each day: −1 in the period, k ≥ 0 for the k-th week back from the baseline's end."""
    stamps = pd.to_datetime(days)
    out = pd.Series(NOT_COUNTED, index=days.index, dtype="int64")
    out[(stamps >= pd.Timestamp(period[0])) & (stamps <= pd.Timestamp(period[1]))] = IN_PERIOD
    if baseline is not None:
        inside = (stamps >= pd.Timestamp(baseline[0])) & (stamps <= pd.Timestamp(baseline[1]))
        out[inside] = ((pd.Timestamp(baseline[1]) - stamps[inside]).dt.days // 7).astype("int64")
    return out


def week_key(period: tuple[date, date], baseline: tuple[date, date] | None):
    """``week_of`` as SQL on a day column, so the database returns weeks, not days: one CASE branch a week."""

    def build(day):
        whens = [(and_(day >= period[0], day <= period[1]), IN_PERIOD)]
        if baseline is not None:
            end, k = baseline[1], 0
            while end >= baseline[0]:
                whens.append((and_(day >= max(end - timedelta(days=6), baseline[0]), day <= end), k))
                end, k = end - timedelta(days=7), k + 1
        return case(*whens, else_=NOT_COUNTED)

    return build


def spark_window(period: tuple[date, date]) -> tuple[date, date]:
    """The sector tiles' sparkline: the period and the four weeks before it, at most 120 days."""
    p_from, p_to = period
    return max(p_from - timedelta(days=28), p_to - timedelta(days=119)), p_to


def elapsed_share(filters: Filters, now: datetime, region: Region) -> float:
    """The part of the period's last day already passed in the region (1 for a day in the past).

    Linear in the clock, which expects a little more of a half-day than the daily rhythm brings: a partial
    today then reads as a slight fall, never as a false rise.
    """
    local = now.astimezone(region.timezone)
    if filters.date_to != local.date():
        return 1.0
    seconds = local.hour * 3600 + local.minute * 60 + local.second
    return max(seconds / 86400, 1 / 24)


def _frame(rows, columns: list[str]) -> pd.DataFrame:
    """Rows as a frame with integer counts, dates as dates and codes as Python strings (the statistics group and
    index by them: on a few thousand rows, Arrow-backed strings cost more than they save)."""
    frame = _codes(rows_frame(rows, columns=columns))
    for name in ("messages", "period", "baseline"):
        if name in frame:
            frame[name] = frame[name].astype("int64")
    if "day" in frame:
        frame["day"] = pd.to_datetime(frame["day"]).dt.date
    return frame


def _codes(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({name: object for name in ("sector", "oktmo", "topic") if name in frame})


def inputs_from_rollups(engine: Engine, filters: Filters, now: datetime, region: Region) -> TensionInputs:
    """Weekly cell counts, daily totals and sparklines from the cube, topic counts from the topic rollup; every
    municipality (the municipality filter narrows the output)."""
    wide = replace(filters, municipalities=())
    period = (filters.date_from, filters.date_to)
    start, data_start = windows(filters, first_day(engine))
    baseline = None if data_start is None else (data_start, filters.date_from - timedelta(days=1))
    spark_from, spark_to = spark_window(period)
    with engine.connect() as conn:
        cells, weeks = _volume(conn, wide, period, baseline)
        totals = (
            cube.read(conn, wide, ["messages"], by=["day"], date_from=baseline[0], date_to=baseline[1])
            if baseline
            else []
        )
        spark = cube.read(conn, filters, ["messages"], by=["sector", "day"], date_from=spark_from, date_to=spark_to)
        # topic counts in the period and in the baseline, each read at month grain where whole months allow
        keys = ["sector", "oktmo", "topic"]
        in_period = cube.read(conn, wide, ["messages"], by=keys, cube=cube.TOPICS)
        before = cube.read(
            conn,
            wide,
            ["messages"],
            by=keys,
            date_from=start,
            date_to=filters.date_from - timedelta(days=1),
            cube=cube.TOPICS,
        )
    totals_frame = _frame(totals, ["day", "messages"])
    return TensionInputs(
        period=period,
        baseline=baseline,
        cells=cells,
        weekly=weeks,
        totals=totals_frame.set_index("day")["messages"],
        spark=_frame(spark, ["sector", "day", "messages"]),
        topics=_topic_windows(in_period, before),
        overdue=overdue_by(engine, wide, now, region, key=("sector", "oktmo")),
        last_day_share=elapsed_share(filters, now, region),
    )


def _volume(
    conn: Connection, wide: Filters, period: tuple[date, date], baseline: tuple[date, date] | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cell counts of the period and the baseline (sums through the cube's months), and the weekly counts of the
    baseline's last DISPERSION_WEEKS weeks (by day, grouped by week number in the database)."""
    columns = ["sector", "oktmo", "week", "messages"]
    before: list = []
    weeks = _frame([], columns)
    if baseline is not None:
        before = cube.read(conn, wide, ["messages"], by=["sector", "oktmo"], date_from=baseline[0], date_to=baseline[1])
        recent = (max(baseline[0], baseline[1] - timedelta(days=7 * DISPERSION_WEEKS - 1)), baseline[1])
        by_week = cube.read(
            conn,
            wide,
            ["messages"],
            by=["sector", "oktmo", "day"],
            date_from=recent[0],
            date_to=recent[1],
            day_key=week_key(period, recent),
        )
        weeks = _frame(by_week, columns).astype({"week": "int64"})
    return _cells_of(cube.read(conn, wide, ["messages"], by=["sector", "oktmo"]), before), weeks


def _cells_of(in_period, before) -> pd.DataFrame:
    keys = ["sector", "oktmo"]
    period = _codes(rows_frame(in_period, columns=[*keys, "observed"])).set_index(keys)
    baseline = _codes(rows_frame(before, columns=[*keys, "baseline"])).set_index(keys)
    return period.join(baseline, how="outer").fillna(0).astype("int64").reset_index()


def _topic_windows(in_period, before) -> pd.DataFrame:
    """One row per (sector, oktmo, topic) with its messages in the period and in the baseline."""
    keys = ["sector", "oktmo", "topic"]
    period = _codes(rows_frame(in_period, columns=[*keys, "period"])).set_index(keys)
    baseline = _codes(rows_frame(before, columns=[*keys, "baseline"])).set_index(keys)
    both = period.join(baseline, how="outer").fillna(0).astype("int64").reset_index()
    return both[[*keys, "period", "baseline"]]


def inputs_from_messages(engine: Engine, filters: Filters, now: datetime, region: Region) -> TensionInputs:
    """The same inputs counted from raw messages (no rollups): the reference for tests and the benchmark."""
    wide = replace(filters, municipalities=())
    m = messages.c
    with engine.connect() as conn:
        first = conn.execute(select(func.min(m.day))).scalar()
    start, data_start = windows(filters, first)
    in_period = m.day >= filters.date_from
    where = _where(messages, wide, date_from=start)
    with engine.connect() as conn:
        daily = conn.execute(
            select(m.day, m.sector, m.oktmo, func.count()).where(where).group_by(m.day, m.sector, m.oktmo)
        ).all()
        topic_where = [m.day >= start, m.day <= filters.date_to, m.topic.is_not(None)]
        if filters.sectors:
            topic_where.append(m.sector.in_(filters.sectors))
        topics = conn.execute(
            select(
                m.sector,
                m.oktmo,
                m.topic,
                func.sum(case((in_period, 1), else_=0)),
                func.sum(case((in_period, 0), else_=1)),
            )
            .where(*topic_where)
            .group_by(m.sector, m.oktmo, m.topic)
        ).all()
        open_rows = conn.execute(
            select(m.sector, m.oktmo, m.created_at, m.sla_hours).where(
                _where(messages, wide), m.first_response_at.is_(None), m.status.in_(OPEN_STATUSES)
            )
        ).all()
    late = rows_frame(open_rows, columns=["sector", "oktmo", "created_at", "sla_hours"])
    deadline = pd.to_datetime(late["created_at"], utc=True) + pd.to_timedelta(late["sla_hours"], unit="h")
    late["overdue"] = (deadline < pd.Timestamp(now).tz_convert("UTC")).astype("int64")
    return TensionInputs.from_daily(
        period=(filters.date_from, filters.date_to),
        baseline=None if data_start is None else (data_start, filters.date_from - timedelta(days=1)),
        daily=_frame(daily, ["day", "sector", "oktmo", "messages"]),
        topics=_frame(topics, ["sector", "oktmo", "topic", "period", "baseline"]),
        overdue=late.groupby(["sector", "oktmo"])["overdue"].sum().astype("int64"),
        municipalities=filters.municipalities,
        last_day_share=elapsed_share(filters, now, region),
    )


# ---------------------------------------------------------------- the statistics


def day_types(days: list[date]) -> np.ndarray:
    """Weekday 0–6 per day, public holidays counted as Sundays."""
    if not days:
        return np.array([], dtype=int)
    holidays = holidays_between(min(days), max(days))
    return np.array([6 if d in holidays else d.weekday() for d in days])


def weekday_profile(totals: pd.Series) -> np.ndarray:
    """Relative volume of each day type (mean 1) from the region's daily totals over the baseline."""
    if len(totals) < MIN_BASELINE_DAYS or totals.sum() == 0:
        return np.ones(7)
    types = day_types(list(totals.index))
    means = pd.Series(totals.to_numpy(dtype=float)).groupby(types).mean().reindex(range(7))
    means = means.fillna(means.mean())
    return (means / means.mean()).clip(lower=0.05).to_numpy()


def overdispersion(weekly: np.ndarray) -> float:
    """Extra-Poisson variance α of weekly counts (rows: cells, columns: weeks; var = μ + αμ²), the median over
    cells with enough volume."""
    if weekly.ndim != 2 or weekly.shape[1] < 4:
        return 0.1
    mean = weekly.mean(axis=1)
    var = weekly.var(axis=1, ddof=1)
    usable = mean >= 5
    if usable.sum() < 3:
        return 0.1
    alpha = (var[usable] - mean[usable]) / mean[usable] ** 2
    return float(np.clip(np.median(alpha), 0.0, MAX_DISPERSION))


def nbinom_sf(k: np.ndarray, size: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """P(X > k) for X negative binomial with ``size`` and mean ``mu``: the regularised incomplete beta function
    I_{μ/(size+μ)}(k+1, size) — ``scipy.stats.nbinom.sf`` without importing scipy.stats (~50 MB per worker)."""
    k = np.floor(np.asarray(k, dtype=float))
    size, mu = np.broadcast_arrays(np.asarray(size, dtype=float), np.asarray(mu, dtype=float))
    tail = special.betainc(np.maximum(k + 1, 1.0), size, mu / (size + mu))
    return np.where(k < 0, 1.0, tail)


def rise_score(observed: np.ndarray, expected: np.ndarray, baseline: np.ndarray, alpha: float, days: int):
    """Score 0…1 of a rise above expectation, its p-value and the change in percent.

    The count over the period is negative binomial around the expected count: variance
    μ + (α + 1/(b+1))·μ² — day-to-day heterogeneity α plus the uncertainty of a baseline of b messages.
    """
    observed = np.asarray(observed, dtype=float)
    expected = np.asarray(expected, dtype=float)
    floor = EXPECTED_FLOOR_PER_WEEK * days / 7
    mu = np.maximum(expected, floor)
    size = 1.0 / (alpha + 1.0 / (np.asarray(baseline, dtype=float) + 1.0))
    p_value = nbinom_sf(observed - 1, size, mu)
    surprise = -np.log10(np.clip(p_value, 1e-300, 1.0))
    significance = np.clip((surprise - SURPRISE_FROM) / (SURPRISE_FULL - SURPRISE_FROM), 0, 1)
    size_of_rise = np.clip(np.log(np.maximum(observed, 1e-9) / mu) / np.log(RATIO_FULL), 0, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(expected > 0, (observed / expected - 1) * 100, np.nan)
    return significance * size_of_rise, p_value, change


def _ramp(value: np.ndarray, start: float, full: float) -> np.ndarray:
    return np.clip((np.asarray(value, dtype=float) - start) / (full - start), 0, 1)


def _weekly(weekly: pd.DataFrame, keys: list[str], baseline: tuple[date, date]) -> np.ndarray:
    """Counts per key (rows) in each whole week counted back from the baseline's end that holds any message
    (columns), for the dispersion."""
    complete = min(((baseline[1] - baseline[0]).days + 1) // 7, DISPERSION_WEEKS)
    part = weekly[(weekly["week"] >= 0) & (weekly["week"] < complete)]
    if part.empty:
        return np.empty((0, 0))
    rows = part.groupby(keys, sort=False).ngroup().to_numpy()
    weeks, columns = np.unique(part["week"].to_numpy(), return_inverse=True)
    table = np.zeros((rows.max() + 1, len(weeks)))
    np.add.at(table, (rows, columns), part["messages"].to_numpy(dtype=float))
    return table


def compute(inputs: TensionInputs, region: Region, municipalities: tuple[str, ...] = ()) -> TensionResult:
    """Every index for the period; ``municipalities`` narrows points and sector totals (not the region rate)."""
    p_from, p_to = inputs.period
    period_days = [p_from + timedelta(days=i) for i in range((p_to - p_from).days + 1)]
    weekly = inputs.weekly
    has_baseline = inputs.baseline is not None and (inputs.baseline[1] - inputs.baseline[0]).days + 1 >= (
        MIN_BASELINE_DAYS
    )
    if has_baseline:
        b_from, b_to = inputs.baseline
        base_days = [b_from + timedelta(days=i) for i in range((b_to - b_from).days + 1)]
        totals = inputs.totals.reindex(base_days, fill_value=0)
        profile = weekday_profile(totals)
        weights = profile[day_types(period_days)]
        weights[-1] *= inputs.last_day_share
        exposure = weights.sum() / profile[day_types(base_days)].sum()
    else:
        exposure = 0.0
    cells = inputs.cells.set_index(["sector", "oktmo"])[["observed", "baseline"]]
    if not has_baseline:
        cells = cells.assign(baseline=0)
    cells = cells[(cells["observed"] > 0) | (cells["baseline"] > 0)].copy()
    cells["overdue"] = inputs.overdue.reindex(cells.index, fill_value=0).to_numpy()
    population = region.municipalities["population"]
    cells["population"] = population.reindex(cells.index.get_level_values("oktmo")).to_numpy(dtype=float)
    names = region.municipalities["name"]

    alpha_cells = overdispersion(_weekly(weekly, ["sector", "oktmo"], inputs.baseline)) if has_baseline else 0.1
    topics = _topic_scores(inputs.topics, exposure, alpha_cells, len(period_days), has_baseline)

    points = _score_cells(cells, exposure, alpha_cells, len(period_days), has_baseline, topics, ("sector", "oktmo"))
    # per capita against the region's rate for the same sector (municipalities with a population figure)
    with_people = cells[cells["population"] > 0]
    rate = (
        with_people.groupby(level="sector")["observed"].sum() / with_people.groupby(level="sector")["population"].sum()
    )
    expected_here = rate.reindex(points.index.get_level_values("sector")).to_numpy() * points["population"]
    ratio = (points["observed"] + PER_CAPITA_PRIOR) / (expected_here + PER_CAPITA_PRIOR)
    points["per_capita_ratio"] = np.where(points["population"] > 0, points["observed"] / expected_here, np.nan)
    points["s_spread"] = np.where(points["population"] > 0, _ramp(np.log(ratio), 0, np.log(PER_CAPITA_FULL)), 0)
    # without a population figure the per-capita component is unknown, not zero: the others are scaled up to 100
    known = np.where(points["population"] > 0, 100.0, 100.0 - WEIGHTS["spread"])
    points = _finish(points, scale=pd.Series(100.0 / known, index=points.index))
    if municipalities:
        points = points[points.index.get_level_values("oktmo").isin(municipalities)]
    points = points.reset_index()
    points["municipality"] = names.reindex(points["oktmo"]).to_numpy()

    # sectors: the same tests on sector totals, the hottest place as the fourth component
    chosen = cells if not municipalities else cells[cells.index.get_level_values("oktmo").isin(municipalities)]
    sector_cells = chosen.groupby(level="sector")[["observed", "baseline", "overdue"]].sum()
    sector_weekly = weekly if not municipalities else weekly[weekly["oktmo"].isin(municipalities)]
    alpha_sectors = overdispersion(_weekly(sector_weekly, ["sector"], inputs.baseline)) if has_baseline else 0.1
    sector_topic_input = inputs.topics
    if municipalities:
        sector_topic_input = sector_topic_input[sector_topic_input["oktmo"].isin(municipalities)]
    sector_topic_input = sector_topic_input.groupby(["sector", "topic"], as_index=False)[["period", "baseline"]].sum()
    sector_topic_input["oktmo"] = ""
    sector_topics = _topic_scores(sector_topic_input, exposure, alpha_sectors, len(period_days), has_baseline)
    sectors = _score_cells(
        sector_cells.assign(population=np.nan),
        exposure,
        alpha_sectors,
        len(period_days),
        has_baseline,
        sector_topics,
        ("sector",),
    )
    hottest = points.groupby("sector")["index"].max() if not points.empty else pd.Series(dtype=float)
    hottest = hottest.reindex(sectors.index).fillna(0)
    sectors["s_spread"] = (hottest / 100).to_numpy()
    sectors["per_capita_ratio"] = np.nan
    sectors = _finish(sectors, floor=HOTTEST_SHARE * hottest).reset_index()
    hot = points.drop_duplicates("sector").set_index("sector")
    sectors["hottest_oktmo"] = hot["oktmo"].reindex(sectors["sector"]).to_numpy() if not points.empty else None
    sectors["hottest_municipality"] = (
        hot["municipality"].reindex(sectors["sector"]).to_numpy() if not points.empty else None
    )

    spark_from, _ = spark_window(inputs.period)
    spark_days = [spark_from + timedelta(days=i) for i in range((p_to - spark_from).days + 1)]
    spark = (
        inputs.spark.groupby(["sector", "day"])["messages"]
        .sum()
        .unstack(fill_value=0)
        .reindex(columns=spark_days, fill_value=0)
    )
    sectors["spark"] = [spark.loc[s].tolist() if s in spark.index else [0] * len(spark_days) for s in sectors["sector"]]

    topic_out = topics[topics["score"] > 0].copy()
    if municipalities:
        topic_out = topic_out[topic_out["oktmo"].isin(municipalities)]
    topic_out["municipality"] = names.reindex(topic_out["oktmo"]).to_numpy()
    return TensionResult(
        sectors=sectors,
        points=points,
        topics=topic_out.sort_values("score", ascending=False).reset_index(drop=True),
        days=spark_days,
        baseline=inputs.baseline if has_baseline else None,
    )


def _topic_scores(topics: pd.DataFrame, exposure: float, alpha: float, days: int, has_baseline: bool) -> pd.DataFrame:
    """Rise score of every (sector, oktmo, topic) cell with messages in the period."""
    frame = topics[topics["period"] > 0].copy()
    if frame.empty or not has_baseline:
        frame["expected"] = np.nan
        frame["score"] = 0.0
        frame["p_value"] = np.nan
        frame["change_pct"] = np.nan
        return frame
    frame["expected"] = frame["baseline"] * exposure
    score, p_value, change = rise_score(frame["period"], frame["expected"], frame["baseline"], alpha, days)
    frame["score"] = score * 100
    frame["p_value"] = p_value
    frame["change_pct"] = change
    return frame


def _score_cells(
    cells: pd.DataFrame,
    exposure: float,
    alpha: float,
    days: int,
    has_baseline: bool,
    topics: pd.DataFrame,
    keys: tuple[str, ...],
) -> pd.DataFrame:
    out = cells.copy()
    out["expected"] = out["baseline"] * exposure if has_baseline else np.nan
    if has_baseline and not out.empty:
        score, p_value, change = rise_score(out["observed"], out["expected"], out["baseline"], alpha, days)
    else:
        score, p_value, change = np.zeros(len(out)), np.full(len(out), np.nan), np.full(len(out), np.nan)
    out["s_volume"] = score
    out["p_value"] = p_value
    out["change_pct"] = change
    # repeats: the topic that drives the cell's rise — its rise score times its share of the cell's excess
    # (a cell that rose evenly on all topics gets little here; a new topic in a flat cell gets it all)
    if not topics.empty:
        cell = topics.set_index(list(keys)).index
        cell_excess = (out["observed"] - out["expected"]).reindex(cell).to_numpy()
        topic_excess = (topics["period"] - topics["expected"].fillna(0)).to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            driver = np.where(cell_excess > 0, np.clip(topic_excess / cell_excess, 0, 1), 1.0)
        driven = topics["score"].to_numpy() * np.nan_to_num(driver, nan=1.0) / 100
        # each cell's leading topic: the most driven, then the most messages — its first in the ranked order
        order = np.lexsort((-topics["period"].to_numpy(), -driven))
        cells_hit, firsts = np.unique(out.index.get_indexer(cell[order]), return_index=True)
        lead = np.full(len(out), -1)
        lead[cells_hit[cells_hit >= 0]] = order[firsts[cells_hit >= 0]]
        first = lead >= 0
        topic = pd.Series(topics["topic"].to_numpy(dtype=object)[lead], index=out.index, dtype=object)
        out["topic"] = topic.where(first)
        out["topic_messages"] = np.where(first, topics["period"].to_numpy(dtype=float)[lead], np.nan)
        out["s_repeats"] = np.where(first, driven[lead], 0.0)
    else:
        out["topic"], out["topic_messages"], out["s_repeats"] = None, np.nan, 0.0
    # overdue, shrunk towards the overall share so that two of three overdue is not a crisis
    total = out["observed"].sum()
    overall = out["overdue"].sum() / total if total else 0.0
    out["overdue_share"] = np.where(
        out["observed"] > 0, out["overdue"] / out["observed"].where(out["observed"] > 0), np.nan
    )
    shrunk = (out["overdue"] + OVERDUE_PRIOR * overall) / (out["observed"] + OVERDUE_PRIOR)
    out["s_overdue"] = _ramp(shrunk, OVERDUE_FROM, OVERDUE_FULL)
    return out


def _finish(frame: pd.DataFrame, floor: pd.Series | None = None, scale: pd.Series | None = None) -> pd.DataFrame:
    index = (
        WEIGHTS["volume"] * frame["s_volume"]
        + WEIGHTS["repeats"] * frame["s_repeats"]
        + WEIGHTS["overdue"] * frame["s_overdue"]
        + WEIGHTS["spread"] * frame["s_spread"]
    )
    if scale is not None:
        index = index * scale
    if floor is not None:
        index = np.maximum(index, floor.reindex(frame.index).fillna(0))
    frame["index"] = index.round(1)
    frame["level"] = levels_of(frame["index"].to_numpy())
    return frame.sort_values(["index", "observed"], ascending=False)


def tension(engine: Engine, filters: Filters, now: datetime, region: Region) -> TensionResult:
    return compute(inputs_from_rollups(engine, filters, now, region), region, filters.municipalities)


def sector_name(code: str, lang: str = "ru") -> str:
    return load_sectors().name_of(code, lang)


def describe(row: pd.Series, lang: str = "ru", has_baseline: bool = True, region: Region | None = None) -> str:
    """One line saying why a cell or a sector stands where it does, e.g.
    «ЖКХ · Новочебоксарск: +340 % к базовому уровню, 28 % просрочено». With ``region``, places are named in
    ``lang`` (the result holds the Russian names)."""

    def place(name_key: str, code_key: str) -> str | None:
        if not row.get(name_key):
            return None
        return region.name_of(row[code_key], lang) if region is not None else row[name_key]

    head = sector_name(row["sector"], lang)
    if row.get("municipality"):
        head += f" · {place('municipality', 'oktmo')}"
    parts: list[str] = []
    change = row.get("change_pct")
    if not has_baseline:
        parts.append(t("reason_no_baseline", lang))
    elif pd.notna(change) and (row["s_volume"] > 0 or abs(change) >= 20):
        sign = "+" if change > 0 else "−" if change < 0 else "±"
        parts.append(t("reason_change", lang, change=f"{sign}{fmt.number(abs(change), lang)}{fmt.NBSP}%"))
    elif row["observed"] > 0 and row["baseline"] == 0 and row["s_volume"] > 0:
        parts.append(t("reason_new", lang, count=fmt.number(row["observed"], lang)))
    if row["s_repeats"] >= 0.25 and row.get("topic"):
        parts.append(t("reason_topic", lang, topic=row["topic"], count=fmt.number(row["topic_messages"], lang)))
    share = row.get("overdue_share")
    if pd.notna(share) and share >= OVERDUE_FROM and row["overdue"] >= 3:
        parts.append(t("reason_overdue", lang, share=fmt.share(share, lang, 0)))
    ratio = row.get("per_capita_ratio")
    if pd.notna(ratio) and ratio >= 1.5 and row["s_spread"] >= 0.25:
        parts.append(t("reason_per_capita", lang, ratio=fmt.number(ratio, lang, 1)))
    if row.get("hottest_municipality") and row["s_spread"] >= 0.5:
        parts.append(t("reason_hottest", lang, place=place("hottest_municipality", "hottest_oktmo")))
    return f"{head}: {', '.join(parts) or t('reason_usual', lang)}"


def reasons(result: TensionResult, frame: pd.DataFrame, lang: str = "ru", region: Region | None = None) -> list[str]:
    has_baseline = result.baseline is not None
    return [describe(row, lang, has_baseline, region) for _, row in frame.iterrows()]
