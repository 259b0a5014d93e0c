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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from scipy import special
from sqlalchemy import Engine, case, func, select

from dashboard import formatting as fmt
from dashboard.catalog import OPEN_STATUSES
from dashboard.filters import Filters
from dashboard.frames import rows_frame
from dashboard.i18n import t
from dashboard.metrics.holidays import days_off
from dashboard.metrics.queries import _where, first_day, overdue_counts
from dashboard.metrics.small_numbers import SHARE_PRIOR
from dashboard.region import Region
from dashboard.runtime.fanout import fan_out
from dashboard.store import cube
from dashboard.store.schema import messages

LEVELS = ("normal", "attention", "tension", "critical")
LEVEL_FLOORS = (0.0, 30.0, 50.0, 70.0)  # index at which each level starts
WEIGHTS = {"volume": 60.0, "repeats": 15.0, "overdue": 12.5, "spread": 12.5}  # "spread": per capita / hottest place

BASELINE_DAYS = 56  # eight weeks before the period
DISPERSION_WEEKS = 8  # the day-to-day spread is estimated from the baseline's last eight whole calendar weeks
MIN_BASELINE_DAYS = 14  # with less history the volume and topic tests stay silent
SURPRISE_FROM, SURPRISE_FULL = 2.0, 6.0  # −log10(p): the rise starts to count at p = 0.01, fully at 10⁻⁶
RATIO_FULL = 4.0  # a rise to 4× the expected count scores fully
EXPECTED_FLOOR_PER_WEEK = 0.5  # a cell never "expects" less than half a message a week
OVERDUE_FROM, OVERDUE_FULL = 0.10, 0.40
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
    weekly: pd.DataFrame  # sector, oktmo, week (its Monday), messages — the weeks of ``spread_weeks``
    totals: pd.Series  # day → the region's messages on each baseline day (the weekday profile)
    spark: pd.DataFrame  # sector, day, messages over the sparklines' days
    topics: pd.DataFrame  # sector, oktmo, topic, period, baseline
    overdue: Mapping[tuple[str, str], int]  # (sector, oktmo) → messages of the period overdue now
    last_day_share: float = 1.0  # how much of the period's last day has passed (it may be today)

    @classmethod
    def from_daily(
        cls,
        period: tuple[date, date],
        baseline: tuple[date, date] | None,
        daily: pd.DataFrame,
        topics: pd.DataFrame,
        overdue: Mapping[tuple[str, str], int],
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
        weeks = spread_weeks(baseline)
        weekly = daily.iloc[0:0].assign(week=[])
        if weeks is not None:
            weekly = daily[(daily["day"] >= weeks[0]) & (daily["day"] <= weeks[1])]
            weekly = weekly.assign(week=weekly["day"].map(cube.monday_of))
        weekly = weekly.groupby(["sector", "oktmo", "week"], as_index=False)["messages"].sum()
        totals = pd.Series(dtype="int64")
        if baseline is not None:
            in_base = (daily["day"] >= baseline[0]) & (daily["day"] <= baseline[1])
            totals = daily[in_base].groupby("day")["messages"].sum()
        first, last = spark_window(period)
        shown = daily[(daily["day"] >= first) & (daily["day"] <= last)]
        spark = shown.groupby(["sector", "day"], as_index=False)["messages"].sum()
        return cls(period, baseline, cells, weekly, totals, spark, topics, overdue, last_day_share)


@dataclass(frozen=True)
class TensionResult:
    """The index of every sector and cell of the region for one period; ``chosen`` narrows what is shown."""

    sectors: pd.DataFrame  # one row per sector, highest index first
    points: pd.DataFrame  # one row per sector × municipality, highest index first
    topics: pd.DataFrame  # sector × municipality × topic cells that rose, highest score first
    days: list[date]  # the sparkline's days (period and the four weeks before it)
    baseline: tuple[date, date] | None
    place_index: pd.Series  # each municipality's highest point index over the shown sectors, every municipality

    def chosen(self, filters: Filters) -> TensionResult:
        """The facts the filters' sectors and municipalities choose — never recomputed: a cell reads the same on
        every page, under every filter and role. The map's ``place_index`` keeps every municipality (the map
        shows them all) and takes the highest index over the chosen sectors only. The channel filter does not
        apply: the index is a fact of all of a cell's messages (docs/tension.md)."""
        if not filters.sectors and not filters.municipalities:
            return self
        points, sectors, topics = self.points, self.sectors, self.topics
        if filters.sectors:
            points = points[points["sector"].isin(filters.sectors)]
            sectors = sectors[sectors["sector"].isin(filters.sectors)]
            topics = topics[topics["sector"].isin(filters.sectors)]
        by_place = self.place_index
        if filters.sectors:
            highest = points.groupby("oktmo")["index"].max()
            by_place = highest.reindex(self.place_index.index).rename("index")
        if filters.municipalities:
            points = points[points["oktmo"].isin(filters.municipalities)]
            topics = topics[topics["oktmo"].isin(filters.municipalities)]
        return replace(self, sectors=sectors, points=points, topics=topics, place_index=by_place)


def region_period(filters: Filters) -> Filters:
    """The filters the index is computed under: the period alone — every sector, municipality and channel."""
    return Filters(filters.date_from, filters.date_to)


def windows(filters: Filters, first_day: date | None) -> tuple[date, date | None]:
    """Start of the baseline window and of the data in it (None when no data precedes the period)."""
    start = filters.date_from - timedelta(days=max(BASELINE_DAYS, 7 * -(-filters.days // 7)))
    if first_day is None or first_day >= filters.date_from:
        return start, None
    return start, max(start, first_day)


IN_PERIOD, NOT_COUNTED = -1, -2  # week numbers: the period itself, days outside period and baseline


def spread_weeks(baseline: tuple[date, date] | None) -> tuple[date, date] | None:
    """The calendar weeks the day-to-day spread is estimated from — the baseline's last DISPERSION_WEEKS whole weeks,
    Monday to Sunday — as (first Monday, last Sunday); None when the baseline holds no whole week. Calendar weeks,
    so the cube answers them from its week grain: a few hundred rows whatever the number of messages."""
    if baseline is None:
        return None
    last = baseline[1] - timedelta(days=(baseline[1].weekday() + 1) % 7)  # the Sunday on or before its end
    monday = baseline[0] + timedelta(days=-baseline[0].weekday() % 7)  # the Monday on or after its start
    first = max(last - timedelta(days=7 * DISPERSION_WEEKS - 1), monday)
    return (first, last) if first < last else None


def week_of(days: pd.Series, period: tuple[date, date], baseline: tuple[date, date] | None) -> pd.Series:
    """Week number of each day: −1 in the period, k ≥ 0 for the k-th week back from the baseline's end."""
    stamps = pd.to_datetime(days)
    out = pd.Series(NOT_COUNTED, index=days.index, dtype="int64")
    out[(stamps >= pd.Timestamp(period[0])) & (stamps <= pd.Timestamp(period[1]))] = IN_PERIOD
    if baseline is not None:
        inside = (stamps >= pd.Timestamp(baseline[0])) & (stamps <= pd.Timestamp(baseline[1]))
        out[inside] = ((pd.Timestamp(baseline[1]) - stamps[inside]).dt.days // 7).astype("int64")
    return out


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


COUNT_COLUMNS = frozenset({"messages", "period", "baseline", "observed"})


def _frame(rows, columns: list[str]) -> pd.DataFrame:
    """Rows as a frame with integer counts, dates as dates and codes as Python strings (the statistics key and
    index by them: on a few thousand rows, Arrow-backed strings cost more than they save)."""
    data = list(zip(*rows, strict=True)) or [()] * len(columns)
    frame = {}
    for name, values in zip(columns, data, strict=True):
        if name in COUNT_COLUMNS:
            frame[name] = np.array(values, dtype="int64")
        elif name == "day" and values and not isinstance(values[0], date):
            frame[name] = pd.to_datetime(pd.Series(values)).dt.date.to_numpy(dtype=object)
        else:
            frame[name] = pd.Series(values, dtype=object)
    return pd.DataFrame(frame)


def _outer(keys: list[str], named: dict[str, Sequence]) -> pd.DataFrame:
    """Rows of (keys…, count) per source merged on their keys, a count column per source (0 where absent), in key
    order — an outer join of a few thousand rows without building indexes."""
    merged: dict[tuple, list[int]] = {}
    for i, rows in enumerate(named.values()):
        for *key, count in rows:
            merged.setdefault(tuple(key), [0] * len(named))[i] = count
    ordered = sorted(merged)
    return _frame([(*key, *merged[key]) for key in ordered], [*keys, *named])


def inputs_from_rollups(engine: Engine, filters: Filters, now: datetime, region: Region) -> TensionInputs:
    """Weekly cell counts, daily totals and sparklines from the cube, topic counts from the topic rollup, for the
    whole region over the filters' period (``region_period``). The reads are independent: they run side by side."""
    wide = region_period(filters)
    period = (filters.date_from, filters.date_to)
    start, data_start = windows(filters, first_day(engine))
    baseline = None if data_start is None else (data_start, filters.date_from - timedelta(days=1))
    recent = spread_weeks(baseline)

    def read(of: Filters, by: list[str], date_from=None, date_to=None, rollup: cube.Cube = cube.MESSAGES):
        def call():
            with engine.connect() as conn:
                return cube.read(conn, of, ["messages"], by=by, date_from=date_from, date_to=date_to, cube=rollup)

        return call

    cell_keys, topic_keys = ["sector", "oktmo"], ["sector", "oktmo", "topic"]
    topics_now, topics_before, observed, before, by_week, totals, spark, overdue = fan_out(
        engine,
        # the topics first: the largest reads (a row per place, sector and topic) start first
        read(wide, topic_keys, rollup=cube.TOPICS),  # at month grain where whole months allow
        read(wide, topic_keys, start, filters.date_from - timedelta(days=1), rollup=cube.TOPICS),
        read(wide, cell_keys),
        read(wide, cell_keys, *baseline) if baseline else None,  # None: no history, no rows
        read(wide, [*cell_keys, "week"], *recent) if recent else None,
        read(wide, ["day"], *baseline) if baseline else None,
        read(wide, ["sector", "day"], *spark_window(period)),
        lambda: overdue_counts(engine, wide, now, region, ("sector", "oktmo")),
    )
    return TensionInputs(
        period=period,
        baseline=baseline,
        cells=_outer(cell_keys, {"observed": observed, "baseline": before or []}),
        weekly=_frame(by_week or [], [*cell_keys, "week", "messages"]),
        totals=_frame(totals or [], ["day", "messages"]).set_index("day")["messages"],
        spark=_frame(spark, ["sector", "day", "messages"]),
        topics=_outer(topic_keys, {"period": topics_now, "baseline": topics_before}),
        overdue=overdue,
        last_day_share=elapsed_share(filters, now, region),
    )


def inputs_from_messages(engine: Engine, filters: Filters, now: datetime, region: Region) -> TensionInputs:
    """The same inputs counted from raw messages (no rollups): the reference for tests and the benchmark."""
    wide = region_period(filters)
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
        overdue=late.groupby(["sector", "oktmo"])["overdue"].sum().to_dict(),
        last_day_share=elapsed_share(filters, now, region),
    )


# ---------------------------------------------------------------- the statistics


def day_types(days: list[date]) -> np.ndarray:
    """Weekday 0–6 per day, public holidays counted as Sundays."""
    if not days:
        return np.array([], dtype=int)
    off = days_off(min(days), max(days))
    return np.array([6 if d in off else d.weekday() for d in days])


def weekday_profile(totals: pd.Series) -> np.ndarray:
    """Relative volume of each day type (mean 1) from the region's daily totals over the baseline."""
    if len(totals) < MIN_BASELINE_DAYS or totals.sum() == 0:
        return np.ones(7)
    types = day_types(list(totals.index))
    days = np.bincount(types, minlength=7)
    with np.errstate(divide="ignore", invalid="ignore"):
        means = np.bincount(types, totals.to_numpy(dtype=float), minlength=7) / days
    means = np.where(days > 0, means, np.nanmean(np.where(days > 0, means, np.nan)))  # a type never seen: the mean
    return np.clip(means / means.mean(), 0.05, None)


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


def _codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values in order and each value's position among them — ``np.unique(…, return_inverse=True)``
    by hashing: numpy sorts an object array by Python comparisons, ~10× slower on a few thousand codes."""
    positions, distinct = pd.factorize(values, sort=True)
    return np.asarray(distinct, dtype=object), positions


def _firsts(positions: np.ndarray) -> np.ndarray:
    """Where each position of ``_codes`` first occurs."""
    return np.unique(positions, return_index=True)[1]


def _keyed(*columns: np.ndarray) -> np.ndarray:
    """One string key per row from code columns (codes never hold the separator)."""
    key = np.asarray(columns[0], dtype=object)
    for column in columns[1:]:
        key = key + "\x1f" + np.asarray(column, dtype=object)
    return key


def _weekly(weekly: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Counts per key (rows) in each week of ``spread_weeks`` that holds any message (columns), for the
    dispersion."""
    if weekly.empty:
        return np.empty((0, 0))
    _, rows = _codes(_keyed(*[weekly[k].to_numpy(dtype=object) for k in keys]))
    weeks, columns = _codes(weekly["week"].to_numpy(dtype=object))
    table = np.zeros((rows.max() + 1, len(weeks)))
    np.add.at(table, (rows, columns), weekly["messages"].to_numpy(dtype=float))
    return table


@dataclass
class _Topics:
    """Topic cells with messages in the period (codes as object arrays, counts and scores as float arrays)."""

    sector: np.ndarray
    oktmo: np.ndarray
    topic: np.ndarray
    period: np.ndarray
    baseline: np.ndarray
    expected: np.ndarray
    score: np.ndarray  # 0…100
    p_value: np.ndarray
    change_pct: np.ndarray

    def frame(self, names: pd.Series) -> pd.DataFrame:
        """The cells that rose, highest score first, with their municipality's name."""
        order = np.flatnonzero(self.score > 0)
        order = order[np.lexsort((self.topic[order], self.oktmo[order], self.sector[order], -self.score[order]))]
        name_of = names.to_dict()
        return pd.DataFrame(
            {
                "sector": self.sector[order],
                "oktmo": self.oktmo[order],
                "topic": self.topic[order],
                "period": self.period[order].astype("int64"),
                "baseline": self.baseline[order].astype("int64"),
                "expected": self.expected[order],
                "score": self.score[order],
                "p_value": self.p_value[order],
                "change_pct": self.change_pct[order],
                "municipality": [name_of.get(code) for code in self.oktmo[order]],
            }
        )


def _topic_scores(
    sector: np.ndarray,
    oktmo: np.ndarray,
    topic: np.ndarray,
    period: np.ndarray,
    baseline: np.ndarray,
    exposure: float,
    alpha: float,
    days: int,
    has_baseline: bool,
) -> _Topics:
    """Rise score of every topic cell with messages in the period."""
    hit = period > 0
    period, baseline = period[hit].astype(float), baseline[hit].astype(float)
    n = len(period)
    if n and has_baseline:
        expected = baseline * exposure
        score, p_value, change = rise_score(period, expected, baseline, alpha, days)
        score = score * 100
    else:
        expected, score, p_value, change = np.full(n, np.nan), np.zeros(n), np.full(n, np.nan), np.full(n, np.nan)
    return _Topics(sector[hit], oktmo[hit], topic[hit], period, baseline, expected, score, p_value, change)


def _score_cells(
    keys: np.ndarray,
    observed: np.ndarray,
    baseline: np.ndarray,
    overdue: np.ndarray,
    topics: _Topics,
    topic_keys: np.ndarray,
    exposure: float,
    alpha: float,
    days: int,
    has_baseline: bool,
) -> dict[str, np.ndarray]:
    """The volume, repeats and overdue components of cells (one per key) and what they are computed from."""
    n = len(keys)
    observed, baseline, overdue = observed.astype(float), baseline.astype(float), overdue.astype(float)
    out: dict[str, np.ndarray] = {}
    if has_baseline:
        out["expected"] = baseline * exposure
    else:
        out["expected"] = np.full(n, np.nan)
    if has_baseline and n:
        out["s_volume"], out["p_value"], out["change_pct"] = rise_score(
            observed, out["expected"], baseline, alpha, days
        )
    else:
        out["s_volume"], out["p_value"], out["change_pct"] = np.zeros(n), np.full(n, np.nan), np.full(n, np.nan)
    # repeats: the topic that drives the cell's rise — its rise score times its share of the cell's excess
    # (a cell that rose evenly on all topics gets little here; a new topic in a flat cell gets it all)
    if len(topic_keys):
        position = pd.Index(keys).get_indexer(topic_keys)
        excess = observed - out["expected"]
        cell_excess = np.where(position >= 0, excess[position], np.nan)
        topic_excess = topics.period - np.nan_to_num(topics.expected, nan=0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            driver = np.where(cell_excess > 0, np.clip(topic_excess / cell_excess, 0, 1), 1.0)
        driven = topics.score * np.nan_to_num(driver, nan=1.0) / 100
        # each cell's leading topic: the most driven, then the most messages — its first in the ranked order
        order = np.lexsort((-topics.period, -driven))
        cells_hit, firsts = np.unique(position[order], return_index=True)
        lead = np.full(n, -1)
        lead[cells_hit[cells_hit >= 0]] = order[firsts[cells_hit >= 0]]
        first = lead >= 0
        out["topic"] = np.where(first, topics.topic[lead], np.nan).astype(object)
        out["topic_messages"] = np.where(first, topics.period[lead], np.nan)
        out["s_repeats"] = np.where(first, driven[lead], 0.0)
    else:
        out["topic"], out["topic_messages"], out["s_repeats"] = np.full(n, None), np.full(n, np.nan), np.zeros(n)
    # overdue, shrunk towards the overall share so that two of three overdue is not a crisis
    total = observed.sum()
    overall = overdue.sum() / total if total else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        out["overdue_share"] = np.where(observed > 0, overdue / np.where(observed > 0, observed, np.nan), np.nan)
    shrunk = (overdue + SHARE_PRIOR * overall) / (observed + SHARE_PRIOR)  # as the map's share (small_numbers)
    out["s_overdue"] = _ramp(shrunk, OVERDUE_FROM, OVERDUE_FULL)
    return out


def _index(scored: dict[str, np.ndarray], scale: np.ndarray | float = 1.0, floor: np.ndarray | None = None):
    """The weighted index, rounded to a tenth, and its level."""
    index = (
        WEIGHTS["volume"] * scored["s_volume"]
        + WEIGHTS["repeats"] * scored["s_repeats"]
        + WEIGHTS["overdue"] * scored["s_overdue"]
        + WEIGHTS["spread"] * scored["s_spread"]
    ) * scale
    if floor is not None:
        index = np.maximum(index, floor)
    index = np.round(index, 1)
    return index, levels_of(index)


def _ranked(index: np.ndarray, observed: np.ndarray, *codes: np.ndarray) -> np.ndarray:
    """Positions by index, then messages, highest first; ties in code order."""
    return np.lexsort((*reversed(codes), -observed, -index))


CELL_COLUMNS = ("observed", "baseline", "overdue", "population", "expected", "s_volume", "p_value", "change_pct")
CELL_COLUMNS += ("topic", "topic_messages", "s_repeats", "overdue_share", "s_overdue")


def compute(inputs: TensionInputs, region: Region) -> TensionResult:
    """Every index of the region for the period: each sector, each sector × municipality and topic cell."""
    p_from, p_to = inputs.period
    period_days = [p_from + timedelta(days=i) for i in range((p_to - p_from).days + 1)]
    days = len(period_days)
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

    # the cells: sector × municipality with messages in the period or the baseline, in code order
    cells = inputs.cells
    sector = cells["sector"].to_numpy(dtype=object)
    oktmo = cells["oktmo"].to_numpy(dtype=object)
    observed = cells["observed"].to_numpy(dtype="int64")
    baseline = cells["baseline"].to_numpy(dtype="int64") if has_baseline else np.zeros(len(cells), dtype="int64")
    keep = (observed > 0) | (baseline > 0)
    sector, oktmo, observed, baseline = sector[keep], oktmo[keep], observed[keep], baseline[keep]
    order = np.lexsort((oktmo, sector))
    sector, oktmo, observed, baseline = sector[order], oktmo[order], observed[order], baseline[order]
    cell_keys = _keyed(sector, oktmo)
    late = inputs.overdue
    overdue = np.array([late.get(cell, 0) for cell in zip(sector, oktmo, strict=True)], dtype="int64")
    people = region.municipalities["population"].to_dict()
    population = np.array([people.get(code, np.nan) for code in oktmo], dtype=float)
    names = region.municipalities["name"]
    name_of = names.to_dict()

    alpha_cells = overdispersion(_weekly(weekly, ["sector", "oktmo"])) if has_baseline else 0.1
    t = inputs.topics
    t_sector, t_oktmo, t_topic = (t[c].to_numpy(dtype=object) for c in ("sector", "oktmo", "topic"))
    t_period, t_baseline = t["period"].to_numpy(dtype="int64"), t["baseline"].to_numpy(dtype="int64")
    topics = _topic_scores(t_sector, t_oktmo, t_topic, t_period, t_baseline, exposure, alpha_cells, days, has_baseline)

    scored = _score_cells(
        cell_keys,
        observed,
        baseline,
        overdue,
        topics,
        _keyed(topics.sector, topics.oktmo),
        exposure,
        alpha_cells,
        days,
        has_baseline,
    )
    # per capita against the region's rate for the same sector (municipalities with a population figure)
    known_people = population > 0
    sectors_of, sector_pos = _codes(sector)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.bincount(sector_pos, np.where(known_people, observed, 0), len(sectors_of)) / np.bincount(
            sector_pos, np.where(known_people, population, 0), len(sectors_of)
        )
        expected_here = rate[sector_pos] * population
        ratio = (observed + PER_CAPITA_PRIOR) / (expected_here + PER_CAPITA_PRIOR)
        scored["per_capita_ratio"] = np.where(known_people, observed / expected_here, np.nan)
        scored["s_spread"] = np.where(known_people, _ramp(np.log(ratio), 0, np.log(PER_CAPITA_FULL)), 0)
    # without a population figure the per-capita component is unknown, not zero: the others are scaled up to 100
    scale = 100.0 / np.where(known_people, 100.0, 100.0 - WEIGHTS["spread"])
    scored["index"], scored["level"] = _index(scored, scale=scale)
    scored.update(observed=observed, baseline=baseline, overdue=overdue, population=population)
    ranked = _ranked(scored["index"], observed, sector, oktmo)
    points = pd.DataFrame(
        {
            "sector": sector[ranked],
            "oktmo": oktmo[ranked],
            **{name: scored[name][ranked] for name in CELL_COLUMNS},
            "per_capita_ratio": scored["per_capita_ratio"][ranked],
            "s_spread": scored["s_spread"][ranked],
            "index": scored["index"][ranked],
            "level": scored["level"][ranked],
            "municipality": [name_of.get(code) for code in oktmo[ranked]],
        }
    )

    # sectors: the same tests on sector totals, the hottest place as the fourth component
    s_codes, s_pos = _codes(sector)
    s_sum = lambda values: np.bincount(s_pos, values, len(s_codes)).astype("int64")  # noqa: E731
    s_observed, s_baseline, s_overdue = s_sum(observed), s_sum(baseline), s_sum(overdue)
    alpha_sectors = overdispersion(_weekly(weekly, ["sector"])) if has_baseline else 0.1
    st_codes, st_pos = _codes(_keyed(t_sector, t_topic))
    first_of = _firsts(st_pos)
    st_sector, st_topic = t_sector[first_of], t_topic[first_of]
    st_period = np.bincount(st_pos, t_period, len(st_codes)).astype("int64")
    st_baseline = np.bincount(st_pos, t_baseline, len(st_codes)).astype("int64")
    sector_topics = _topic_scores(
        st_sector,
        np.full(len(st_codes), "", dtype=object),
        st_topic,
        st_period,
        st_baseline,
        exposure,
        alpha_sectors,
        days,
        has_baseline,
    )
    s_scored = _score_cells(
        s_codes,
        s_observed,
        s_baseline,
        s_overdue,
        sector_topics,
        sector_topics.sector,
        exposure,
        alpha_sectors,
        days,
        has_baseline,
    )
    # the hottest place of each sector: its first point in the ranked order
    p_sector = points["sector"].to_numpy(dtype=object)
    hot_codes, hot_pos = _codes(p_sector)
    hot_first = _firsts(hot_pos)
    hot_at = pd.Index(hot_codes).get_indexer(s_codes)
    p_index = points["index"].to_numpy(dtype=float)
    hottest = np.where(hot_at >= 0, p_index[hot_first[hot_at]] if len(hot_first) else 0.0, 0.0)
    s_scored["s_spread"] = hottest / 100
    s_scored["per_capita_ratio"] = np.full(len(s_codes), np.nan)
    s_scored["index"], s_scored["level"] = _index(s_scored, floor=HOTTEST_SHARE * hottest)
    s_scored.update(
        observed=s_observed, baseline=s_baseline, overdue=s_overdue, population=np.full(len(s_codes), np.nan)
    )
    s_ranked = _ranked(s_scored["index"], s_observed, s_codes)
    p_oktmo = points["oktmo"].to_numpy(dtype=object)
    hot_oktmo = np.where(hot_at >= 0, p_oktmo[hot_first[hot_at]] if len(hot_first) else None, None)
    sectors = pd.DataFrame(
        {
            "sector": s_codes[s_ranked],
            **{name: s_scored[name][s_ranked] for name in CELL_COLUMNS},
            "s_spread": s_scored["s_spread"][s_ranked],
            "per_capita_ratio": s_scored["per_capita_ratio"][s_ranked],
            "index": s_scored["index"][s_ranked],
            "level": s_scored["level"][s_ranked],
            "hottest_oktmo": hot_oktmo[s_ranked],
            "hottest_municipality": [name_of.get(code) for code in hot_oktmo[s_ranked]],
        }
    )

    places, place_pos = _codes(oktmo)
    highest = np.full(len(places), np.nan)
    np.fmax.at(highest, place_pos, scored["index"])
    by_place = pd.Series(highest, index=pd.Index(places, name="oktmo"), name="index")
    spark_from, _ = spark_window(inputs.period)
    spark_days = [spark_from + timedelta(days=i) for i in range((p_to - spark_from).days + 1)]
    sectors["spark"] = _sparks(inputs.spark, list(sectors["sector"]), spark_days)
    return TensionResult(
        sectors=sectors,
        points=points,
        topics=topics.frame(names),
        days=spark_days,
        baseline=inputs.baseline if has_baseline else None,
        place_index=by_place,
    )


def _sparks(spark: pd.DataFrame, sectors: list[str], days: list[date]) -> list[list[int]]:
    """Each sector's messages on each of ``days`` (zeros where none)."""
    table = np.zeros((len(sectors), len(days)), dtype="int64")
    row_of = {code: i for i, code in enumerate(sectors)}
    column_of = {day: i for i, day in enumerate(days)}
    for code, day, count in zip(spark["sector"], spark["day"], spark["messages"], strict=True):
        if code in row_of and day in column_of:
            table[row_of[code], column_of[day]] += count
    return table.tolist()


def tension(engine: Engine, filters: Filters, now: datetime, region: Region) -> TensionResult:
    """The region's index for the filters' period, narrowed to what the filters choose (``TensionResult.chosen``)."""
    return compute(inputs_from_rollups(engine, filters, now, region), region).chosen(filters)


def describe(row: Mapping[str, Any], region: Region, lang: str = "ru", has_baseline: bool = True) -> str:
    """One line saying why a cell or a sector stands where it does, e.g.
    «ЖКХ · Новочебоксарск: +340 % к базовому уровню, 28 % просрочено» — sectors and places named in ``lang`` by
    the region's catalogue (the result holds the Russian names)."""

    def place(name_key: str, code_key: str) -> str | None:
        return region.name_of(row[code_key], lang) if row.get(name_key) else None

    head = region.catalog.sectors.name_of(row["sector"], lang)
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
        topic = region.catalog.glossary.topic(row["topic"], lang)
        parts.append(t("reason_topic", lang, topic=topic, count=fmt.number(row["topic_messages"], lang)))
    share = row.get("overdue_share")
    if pd.notna(share) and share >= OVERDUE_FROM and row["overdue"] >= 3:
        parts.append(t("reason_overdue", lang, share=fmt.share(share, lang, 0)))
    ratio = row.get("per_capita_ratio")
    if pd.notna(ratio) and ratio >= 1.5 and row["s_spread"] >= 0.25:
        parts.append(t("reason_per_capita", lang, ratio=fmt.number(ratio, lang, 1)))
    if row.get("hottest_municipality") and row["s_spread"] >= 0.5:
        parts.append(t("reason_hottest", lang, place=place("hottest_municipality", "hottest_oktmo")))
    return f"{head}: {', '.join(parts) or t('reason_usual', lang)}"


def reasons(result: TensionResult, frame: pd.DataFrame, region: Region, lang: str = "ru") -> list[str]:
    has_baseline = result.baseline is not None
    rows = frame.to_dict("records")  # not iterrows: a Series a row
    return [describe(row, region, lang, has_baseline) for row in rows]
