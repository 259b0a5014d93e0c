"""The rollup cube: period splitting, slice choice, and every read against counts from raw messages, on both stores."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Integer, case, func, select

from dashboard import cube
from dashboard.catalog import OPEN_STATUSES
from dashboard.demo import generate
from dashboard.filters import Filters
from dashboard.loader.ingest import load_frame
from dashboard.store.schema import messages, rollups
from tests.conftest import store_of_run

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        # 18 days of November: the month less the 12 days outside
        (
            date(2026, 11, 3),
            date(2026, 11, 20),
            [
                (cube.DAY, date(2026, 11, 1), date(2026, 11, 2), -1),
                (cube.DAY, date(2026, 11, 21), date(2026, 11, 30), -1),
                (cube.MONTH, date(2026, 11, 1), date(2026, 11, 1), 1),
            ],
        ),
        (date(2026, 11, 1), date(2026, 11, 30), [(cube.MONTH, date(2026, 11, 1), date(2026, 11, 1), 1)]),
        # a year: ten days of November 2025 by day, the months after it as one run, less the end of November 2026
        (
            date(2025, 11, 21),
            date(2026, 11, 20),
            [
                (cube.DAY, date(2026, 11, 21), date(2026, 11, 30), -1),
                (cube.DAY, date(2025, 11, 21), date(2025, 11, 30), 1),
                (cube.MONTH, date(2025, 12, 1), date(2026, 11, 1), 1),
            ],
        ),
        (
            date(2026, 1, 31),
            date(2026, 3, 1),
            [
                (cube.DAY, date(2026, 1, 31), date(2026, 1, 31), 1),
                (cube.DAY, date(2026, 3, 1), date(2026, 3, 1), 1),
                (cube.MONTH, date(2026, 2, 1), date(2026, 2, 1), 1),
            ],
        ),
        # the last 30 days: a month less its first day, and a day
        (
            date(2026, 2, 2),
            date(2026, 3, 1),
            [
                (cube.DAY, date(2026, 2, 1), date(2026, 2, 1), -1),
                (cube.DAY, date(2026, 3, 1), date(2026, 3, 1), 1),
                (cube.MONTH, date(2026, 2, 1), date(2026, 2, 1), 1),
            ],
        ),
        # a week across two months: one run of days
        (date(2026, 11, 25), date(2026, 12, 1), [(cube.DAY, date(2026, 11, 25), date(2026, 12, 1), 1)]),
    ],
)
def test_spans_cover_the_period_reading_at_most_half_of_any_month_by_day(first, last, expected):
    assert cube.spans(first, last) == expected
    # what the pieces add up to, day by day: exactly the period, each day once
    covered: dict[date, int] = {}
    for grain, a, b, sign in expected:
        day = a
        end = cube.next_month(b) - timedelta(days=1) if grain == cube.MONTH else b
        while day <= end:
            covered[day] = covered.get(day, 0) + sign
            day += timedelta(days=1)
    assert {d for d, n in covered.items() if n} == {first + timedelta(days=i) for i in range((last - first).days + 1)}
    assert set(covered.values()) <= {0, 1}


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
    if "week" in by:  # the raw counts by day, each day folded into the Monday its calendar week starts on
        at, out = by.index("week"), {}
        for key, values in raw(engine, filters, ["day" if k == "week" else k for k in by]).items():
            monday = key[at] - timedelta(days=key[at].weekday())
            week = (*key[:at], monday, *key[at + 1 :])
            out[week] = tuple(a + b for a, b in zip(out.get(week, (0,) * len(values)), values, strict=True))
        return out
    m = messages.c
    where = [m.day >= filters.date_from, m.day <= filters.date_to]
    for column, values in (("oktmo", filters.municipalities), ("sector", filters.sectors), ("source", filters.sources)):
        if values:
            where.append(m[column].in_(values))
    keys = [func.coalesce(m.agency, "") if k == "agency" else m[k] for k in by]
    open_unanswered = func.sum(case((m.first_response_at.is_(None) & m.status.in_(OPEN_STATUSES), 1), else_=0))
    query = (
        select(*keys, func.count(), func.count(m.first_response_at), open_unanswered, func.sum(m.response_bucket))
        .where(*where)
        .group_by(*keys)
    )
    with engine.connect() as conn:
        out = {tuple(r[: len(by)]): tuple(int(v or 0) for v in r[len(by) :]) for r in conn.execute(query)}
    return {k: v for k, v in out.items() if v[0]}  # no group by: one row of zeros when nothing matches


def from_cube(engine, filters: Filters, by: list[str]) -> dict:
    """The same four figures from the cube; the bucket sum Σ k·fr_k checks the histogram columns as well."""
    weighted = [f"fr_{k:02d}" for k in range(60)]
    with engine.connect() as conn:
        out = {}
        for r in cube.read(conn, filters, ["messages", "answered", "open_unanswered", *weighted], by=by):
            key, values = tuple(r[: len(by)]), [int(v) for v in r[len(by) :]]
            out[key] = (values[0], values[1], values[2], sum(k * n for k, n in enumerate(values[3:])))
    return {k: v for k, v in out.items() if v[0]}


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


def test_day_and_month_grains_hold_the_same_totals_in_every_slice(demo):
    r = rollups.c
    with demo.connect() as conn:
        rows = conn.execute(
            select(r.grain, r.dims, func.sum(r.messages), func.sum(func.cast(r.fr_10, Integer))).group_by(
                r.grain, r.dims
            )
        ).all()
        total = conn.execute(select(func.count()).select_from(messages)).scalar()
    totals = {(g, d): (int(n), int(h)) for g, d, n, h in rows}
    assert {d for _, d in totals} == set(cube.MESSAGES.slices)
    assert {n for n, _ in totals.values()} == {total}
    assert len({h for _, h in totals.values()}) == 1


def test_reads_across_months_return_plain_numbers_on_every_store(demo):
    """A period of whole months and days sums sums; PostgreSQL would hand back Decimals (numeric) without a cast."""
    filters = Filters(date(2026, 8, 15), date(2026, 11, 20))
    assert len(cube.spans(filters.date_from, filters.date_to)) == 3
    with demo.connect() as conn:
        [(messages_total, hours)] = cube.read(conn, filters, ["messages", "response_hours_sum"])
        by_place = cube.read(conn, filters, ["messages"], by=["oktmo"])
    assert type(messages_total) is int and type(hours) is float
    assert all(type(n) is int for _, n in by_place)
