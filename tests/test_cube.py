"""The rollup cube: period splitting, slice choice, and every read against counts from raw messages, on both stores."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import case, func, select

from dashboard.catalog import OPEN_STATUSES
from dashboard.filters import Filters
from dashboard.loader.demo import generate
from dashboard.loader.ingest import load_frame
from dashboard.store import cube, histograms
from dashboard.store.schema import messages, rollups
from tests.conftest import store_of_run

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


D, W, M = cube.DAY, cube.WEEK, cube.MONTH


def covered(pieces: list[cube.Piece]) -> dict[date, int]:
    """What the pieces add up to, day by day."""
    out: dict[date, int] = {}
    for grain, a, b, sign in pieces:
        end = {D: b, W: b + timedelta(days=6), M: cube.next_month(b) - timedelta(days=1)}[grain]
        day = a
        while day <= end:
            out[day] = out.get(day, 0) + sign
            day += timedelta(days=1)
    return out


def cost(pieces: list[cube.Piece]) -> int:
    """Rows read per value of the dimensions: one a day, a week, a month."""
    months = lambda a, b: (b.year - a.year) * 12 + b.month - a.month + 1  # noqa: E731
    return sum({D: (b - a).days + 1, W: (b - a).days // 7 + 1, M: months(a, b)}[g] for g, a, b, _ in pieces)


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        # 18 days of November 2026 (the 1st a Sunday): the weeks of the 2nd and 16th less three days outside
        (date(2026, 11, 3), date(2026, 11, 20), [(D, date(2026, 11, 2), date(2026, 11, 2), -1),
                                                 (D, date(2026, 11, 21), date(2026, 11, 22), -1),
                                                 (W, date(2026, 11, 2), date(2026, 11, 16), 1)]),
        (date(2026, 11, 1), date(2026, 11, 30), [(M, date(2026, 11, 1), date(2026, 11, 1), 1)]),
        # a year: three days and a week of November 2025, the months after it, less the end of November 2026
        (date(2025, 11, 21), date(2026, 11, 20), [(D, date(2026, 11, 21), date(2026, 11, 22), -1),
                                                  (D, date(2026, 11, 30), date(2026, 11, 30), -1),
                                                  (D, date(2025, 11, 21), date(2025, 11, 23), 1),
                                                  (M, date(2025, 12, 1), date(2026, 11, 1), 1),
                                                  (W, date(2026, 11, 23), date(2026, 11, 23), -1),
                                                  (W, date(2025, 11, 24), date(2025, 11, 24), 1)]),
        (date(2026, 1, 31), date(2026, 3, 1), [(D, date(2026, 1, 31), date(2026, 1, 31), 1),
                                               (D, date(2026, 3, 1), date(2026, 3, 1), 1),
                                               (M, date(2026, 2, 1), date(2026, 2, 1), 1)]),
        # the last 30 days: a month less its first day, and a day
        (date(2026, 2, 2), date(2026, 3, 1), [(D, date(2026, 2, 1), date(2026, 2, 1), -1),
                                              (D, date(2026, 3, 1), date(2026, 3, 1), 1),
                                              (M, date(2026, 2, 1), date(2026, 2, 1), 1)]),
        # Wednesday to Tuesday across two months: a week less its Monday and Tuesday, and two days
        (date(2026, 11, 25), date(2026, 12, 1), [(D, date(2026, 11, 23), date(2026, 11, 24), -1),
                                                 (D, date(2026, 11, 30), date(2026, 12, 1), 1),
                                                 (W, date(2026, 11, 23), date(2026, 11, 23), 1)]),
    ],
)  # fmt: skip
def test_spans_cover_the_period_through_months_weeks_and_days(first, last, expected):
    assert cube.spans(first, last) == expected
    total = covered(expected)
    assert {d for d, n in total.items() if n} == {first + timedelta(days=i) for i in range((last - first).days + 1)}
    assert set(total.values()) <= {0, 1}


def test_any_period_is_covered_exactly_and_cheaply():
    """Random periods: every day of the period once, nothing else; by week (no months) as well; and the rows read
    stay bounded — a day is never read at more than one row, a year at 27 rows, 30 days at 13."""
    rng = random.Random(11)
    bound = {1: 1, 7: 7, 30: 13, 91: 18, 365: 27}
    for _ in range(3000):
        days = rng.choice(list(bound))
        last = date(2026, 12, 2) - timedelta(days=rng.randint(0, 800))
        first = last - timedelta(days=days - 1)
        period = {first + timedelta(days=i) for i in range(days)}
        for months in (True, False):
            pieces = cube.spans(first, last, months=months)
            total = covered(pieces)
            assert {d for d, n in total.items() if n} == period and set(total.values()) <= {0, 1}, (first, last)
            assert months or all(grain != M for grain, *_ in pieces)
        assert cost(cube.spans(first, last)) <= bound[days], (first, last)


def test_additive_covers_hold_every_day_once_and_read_few_rows():
    """Covers for stored reads (blobs, which cannot be taken away): only whole months, weeks and days inside the
    period, each added once — a year at most 30 rows, a quarter 22, 30 days 12."""
    rng = random.Random(12)
    bound = {1: 1, 7: 7, 30: 12, 91: 22, 365: 30}
    for _ in range(3000):
        days = rng.choice(list(bound))
        last = date(2026, 12, 2) - timedelta(days=rng.randint(0, 800))
        first = last - timedelta(days=days - 1)
        period = {first + timedelta(days=i) for i in range(days)}
        for months in (True, False):
            pieces = cube.additive_spans(first, last, months=months)
            assert all(sign == 1 for *_, sign in pieces)
            total = covered(pieces)
            assert set(total) == period and set(total.values()) == {1}, (first, last, months)
            assert months or all(grain != M for grain, *_ in pieces)
        assert cost(cube.additive_spans(first, last)) <= bound[days], (first, last)
    # 19 October 2026 is a Monday, 1 November a Sunday: the week of the 26th reaches into November, read as days
    assert cube.additive_spans(date(2026, 10, 19), date(2026, 12, 1)) == [
        (D, date(2026, 10, 26), date(2026, 10, 31), 1),
        (D, date(2026, 12, 1), date(2026, 12, 1), 1),
        (M, date(2026, 11, 1), date(2026, 11, 1), 1),
        (W, date(2026, 10, 19), date(2026, 10, 19), 1),
    ]


def test_slice_for_picks_the_smallest_slice_that_keeps_the_dimensions():
    c = cube.MESSAGES
    assert c.slice_for(set()) == 0
    assert c.slice_for({"oktmo"}) == c.bit("oktmo")
    assert c.slice_for({"oktmo", "source"}) == c.bit("oktmo") | c.bit("source")
    assert c.slice_for({"agency", "oktmo"}) == c.base
    assert cube.TOPICS.slice_for(set()) == cube.TOPICS.bit("oktmo") | cube.TOPICS.bit("sector")
    with pytest.raises(ValueError, match="not a cube dimension"):
        c.slice_for({"topic"})


@pytest.fixture(scope="module")
def demo(tmp_path_factory, region):
    """A demo quarter loaded once (module scope: the load is the slow part)."""
    engine, cleanup = store_of_run(region, tmp_path_factory.mktemp("cube"))
    load_frame(generate(region, messages=20_000, days=100, seed=5, now=NOW), engine, "demo", region, now=NOW)
    yield engine
    cleanup()


def raw(engine, filters: Filters, by: list[str]) -> dict:
    """Per group of ``by``: messages, answered, open unanswered, Σ bin of each response time and Σ creation second
    of each open unanswered message — from the messages."""
    m = messages.c
    where = [m.day >= filters.date_from, m.day <= filters.date_to]
    for column, values in (("oktmo", filters.municipalities), ("sector", filters.sectors), ("source", filters.sources)):
        if values:
            where.append(m[column].in_(values))
    keys = [func.coalesce(m.agency, "") if k == "agency" else m["day" if k == "week" else k] for k in by]
    still_open = case((m.first_response_at.is_(None) & m.status.in_(OPEN_STATUSES), 1), else_=0)
    with engine.connect() as conn:
        rows = conn.execute(select(*keys, m.response_hours, still_open, m.created_at).where(*where)).all()
    out: dict[tuple, tuple] = {}
    for *key, hours, unanswered, created in rows:
        if "week" in by:  # each day folded into the Monday its calendar week starts on
            at = by.index("week")
            key[at] -= timedelta(days=key[at].weekday())
        seconds = int(created.replace(tzinfo=created.tzinfo or UTC).timestamp()) if unanswered else 0
        bins = 0 if hours is None else int(histograms.bin_of(hours))
        figures = (1, int(hours is not None), unanswered, bins, seconds)
        before = out.get(tuple(key), (0,) * len(figures))
        out[tuple(key)] = tuple(a + b for a, b in zip(before, figures, strict=True))
    return out


def blob_sums(rows: list, width: int) -> np.ndarray:
    """Per row of (…, fr_hours blob, fr_open blob): Σ bin × count of its durations and Σ of its open seconds."""
    hours, elements = histograms.decode([r[width] for r in rows], histograms.DURATION)
    opened, seconds = histograms.decode([r[width + 1] for r in rows], histograms.SECONDS)
    weighted = histograms.bins_of(elements) * histograms.counts_of(elements)
    by_bins = np.bincount(hours, weights=weighted, minlength=len(rows))
    return np.c_[by_bins, np.bincount(opened, weights=seconds, minlength=len(rows))].astype(np.int64)


def from_cube(engine, filters: Filters, by: list[str]) -> dict:
    """The same five figures from the cube: the counts summed by SQL (``read``), the blobs' sums from the rows as
    stored (``read_stored``), added up per group."""
    counted = ["messages", "answered", "open_unanswered"]
    out: dict[tuple, tuple] = {}
    with engine.connect() as conn:
        for r in cube.read(conn, filters, counted, by=by):
            out[tuple(r[: len(by)])] = (*(int(v) for v in r[len(by) :]), 0, 0)
        stored = cube.read_stored(conn, filters, [*counted, "fr_hours", "fr_open"], by=by)
    for r, sums in zip(stored, blob_sums(stored, len(by) + len(counted)), strict=True):
        key = tuple(r[: len(by)])
        out[key] = (*out[key][:3], out[key][3] + int(sums[0]), out[key][4] + int(sums[1]))
    return {k: v for k, v in out.items() if v[0]}  # no group by: one row of zeros when nothing matches


def test_every_read_equals_the_raw_counts(demo, region):
    rng = random.Random(3)
    codes = list(region.municipalities.index)
    sectors = ["zhkh", "roads", "health", "waste", "education"]
    sources = ["vk", "pos", "telegram", "phone"]
    groupings = [[], ["oktmo"], ["sector"], ["source"], ["agency"], ["day"], ["day", "sector"], ["sector", "oktmo"]]
    groupings += [["week"], ["week", "source"]]
    for _ in range(40):
        last = date(2026, 11, 20) - timedelta(days=rng.randint(0, 40))
        first = last - timedelta(days=rng.choice([0, 6, 29, 45, 90]))
        filters = Filters(
            first,
            last,
            tuple(sorted(rng.sample(sectors, rng.choice([0, 0, 1, 2])))),
            tuple(sorted(rng.sample(codes, rng.choice([0, 0, 1, 3])))),
            tuple(sorted(rng.sample(sources, rng.choice([0, 0, 1])))),
        )
        by = rng.choice(groupings)
        assert from_cube(demo, filters, by) == raw(demo, filters, by), (filters, by)


def test_day_week_and_month_grains_hold_the_same_totals_in_every_slice(demo):
    r = rollups.c
    with demo.connect() as conn:
        rows = conn.execute(select(r.grain, r.dims, r.messages, r.fr_hours, r.fr_open)).all()
        total = conn.execute(select(func.count()).select_from(messages)).scalar()
    frame = pd.DataFrame([(g, d, n) for g, d, n, *_ in rows], columns=["grain", "dims", "messages"])
    frame[["bins", "open"]] = blob_sums(rows, 3)
    totals = frame.groupby(["grain", "dims"]).sum()
    assert set(totals.index.get_level_values("dims")) == set(cube.MESSAGES.slices)
    assert set(totals.index.get_level_values("grain")) == {cube.DAY, cube.WEEK, cube.MONTH}
    assert set(totals["messages"]) == {total}
    assert totals["bins"].nunique() == 1 and totals["open"].nunique() == 1 and totals["open"].iloc[0] > 0


def test_reads_across_months_return_plain_numbers_on_every_store(demo):
    """A period of whole months and days sums sums; PostgreSQL would hand back Decimals (numeric) without a cast."""
    filters = Filters(date(2026, 8, 15), date(2026, 11, 20))
    assert {grain for grain, *_ in cube.spans(filters.date_from, filters.date_to)} == {D, W, M}
    with demo.connect() as conn:
        [(messages_total, hours)] = cube.read(conn, filters, ["messages", "response_hours_sum"])
        by_place = cube.read(conn, filters, ["messages"], by=["oktmo"])
    assert type(messages_total) is int and type(hours) is float
    assert all(type(n) is int for _, n in by_place)


def grains_disagree(engine) -> list[str]:
    """Where a week or month row is not the sum of its days (both cubes; messages and, in the message cube, the
    answered count and the sums of its first-response blobs)."""
    problems = []
    for target, measures in ((cube.MESSAGES, ["messages", "answered"]), (cube.TOPICS, ["messages"])):
        r = target.table.c
        keys = ["dims", *target.dimensions, *target.keys]
        blobs = ["fr_hours", "fr_open"] if target is cube.MESSAGES else []
        with engine.connect() as conn:
            rows = conn.execute(select(r.grain, r.day, *[r[k] for k in keys], *[r[m] for m in measures + blobs])).all()
        width = 2 + len(keys) + len(measures)
        frame = pd.DataFrame([tuple(row)[:width] for row in rows], columns=["grain", "day", *keys, *measures])
        if blobs:
            frame[["bins", "open"]] = blob_sums(rows, width)
            measures = [*measures, "bins", "open"]
        days = frame[frame["grain"] == cube.DAY]
        for grain, fold in ((cube.WEEK, cube.monday_of), (cube.MONTH, cube.month_start)):
            expected = days.assign(day=days["day"].map(fold)).groupby(["day", *keys])[measures].sum()
            stored = frame[frame["grain"] == grain].set_index(["day", *keys])[measures]
            both = expected.join(stored.add_suffix("_stored"), how="outer").fillna(0)
            wrong = both[(both[measures].to_numpy() != both[[f"{m}_stored" for m in measures]].to_numpy()).any(axis=1)]
            problems += [f"{target.table.name} grain {grain}: {key}" for key in wrong.index[:3]]
    return problems


def test_loads_that_touch_a_week_across_a_month_end_keep_every_week_equal_to_its_days(engine, region):
    """Week rows are rebuilt from both months' days when a load touches one side of a week that crosses a month's
    end (1 November 2026 is a Sunday: the week of 26 October holds days of both months)."""
    load_frame(generate(region, messages=3000, days=45, seed=5, now=NOW), engine, "base", region, now=NOW)
    assert grains_disagree(engine) == []
    sunday = generate(region, messages=40, days=1, seed=8, now=datetime(2026, 11, 1, 20, 0, tzinfo=UTC))
    load_frame(sunday, engine, "1 November", region, now=NOW)  # November rebuilt, October's days of it as stored
    assert grains_disagree(engine) == []
    wednesday = generate(region, messages=40, days=1, seed=9, now=datetime(2026, 10, 28, 20, 0, tzinfo=UTC))
    load_frame(wednesday, engine, "28 October", region, now=NOW)  # October rebuilt, 1 November as stored
    assert grains_disagree(engine) == []
    moved = sunday.copy()
    five = moved.index[moved["created_at"].str.startswith("2026-11-01T1")][:5]
    moved.loc[five, "created_at"] = moved.loc[five, "created_at"].str.replace("2026-11-01", "2026-10-31")
    assert (moved["created_at"] != sunday["created_at"]).sum() == 5
    load_frame(moved, engine, "1 November, corrected", region, now=NOW)  # five messages move to 31 October
    assert grains_disagree(engine) == []
    october = Filters(date(2026, 10, 1), date(2026, 11, 20))
    assert from_cube(engine, october, ["week", "sector"]) == raw(engine, october, ["week", "sector"])
