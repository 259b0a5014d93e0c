"""The overdue backlog from late events against a count over raw messages, after loads and after changed exports."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import and_, or_, select

from dashboard.catalog import OPEN_STATUSES
from dashboard.filters import Filters
from dashboard.loader.demo import generate
from dashboard.loader.ingest import load_frame
from dashboard.store import late
from dashboard.store.rollups import rebuild_all
from dashboard.store.schema import messages, rollup_late
from tests.conftest import store_of_run

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def exact(engine, filters: Filters, now: datetime, region) -> pd.DataFrame:
    """Every late message as an interval [target, first answer) and the number covering each day's end (or now)."""
    m = messages.c
    where = [
        or_(
            and_(m.first_response_at.is_(None), m.status.in_(OPEN_STATUSES)),
            and_(m.first_response_at.is_not(None), m.response_hours > m.sla_hours),
        )
    ]
    for column, values in (("oktmo", filters.municipalities), ("sector", filters.sectors), ("source", filters.sources)):
        if values:
            where.append(m[column].in_(values))
    with engine.connect() as conn:
        rows = conn.execute(select(m.created_at, m.first_response_at, m.sla_hours).where(*where)).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=["created_at", "first_response_at", "sla_hours"])
    tz = region.timezone
    days = pd.date_range(filters.date_from, filters.date_to, freq="D")
    stop = pd.Timestamp(now).tz_convert(tz)
    moments = [min(pd.Timestamp(d, tz=tz) + pd.Timedelta(days=1), stop) for d in days]
    late_from = pd.to_datetime(frame["created_at"], utc=True) + pd.to_timedelta(frame["sla_hours"], unit="h")
    late_until = pd.to_datetime(frame["first_response_at"], utc=True)
    counts = [int(((late_from < t) & (late_until.isna() | (late_until > t))).sum()) for t in moments]
    return pd.DataFrame({"day": days.date, "overdue": np.array(counts, dtype=int)})


@pytest.fixture(scope="module")
def demo(tmp_path_factory, region):
    engine, cleanup = store_of_run(region, tmp_path_factory.mktemp("late"))
    frame = generate(region, messages=15_000, days=120, seed=9, now=NOW)
    load_frame(frame, engine, "demo", region, now=NOW)
    yield engine, frame
    cleanup()


def filter_sets(region, count: int = 25) -> list[Filters]:
    rng = random.Random(2)
    codes = list(region.municipalities.index)
    out = []
    for _ in range(count):
        last = date(2026, 11, 20) - timedelta(days=rng.choice([0, 0, 3, 30]))
        first = last - timedelta(days=rng.choice([0, 6, 29, 90]))
        out.append(
            Filters(
                first,
                last,
                tuple(rng.sample(["zhkh", "roads", "health"], rng.choice([0, 1]))),
                tuple(rng.sample(codes, rng.choice([0, 0, 1]))),
                tuple(rng.sample(["vk", "pos", "email"], rng.choice([0, 0, 1]))),
            )
        )
    return out


def test_backlog_from_events_equals_the_count_over_messages(demo, region):
    engine, _ = demo
    for filters in filter_sets(region):
        ours = late.backlog(engine, filters, NOW, region)
        pd.testing.assert_frame_equal(ours, exact(engine, filters, NOW, region), obj=str(filters))
    # a day later with no new load: targets passed overnight count now (the events are dated by target)
    later = NOW + timedelta(hours=20)
    period = Filters(date(2026, 11, 14), date(2026, 11, 21))
    pd.testing.assert_frame_equal(late.backlog(engine, period, later, region), exact(engine, period, later, region))


def test_a_changed_export_swaps_the_events_and_a_rebuild_agrees(demo, region):
    engine, frame = demo
    rng = np.random.default_rng(4)
    waiting = frame[
        (frame["first_response_at"] == "") & (pd.to_datetime(frame["created_at"], utc=True) < NOW - timedelta(days=1))
    ]
    changed = waiting.sample(120, random_state=1).copy()
    answer = pd.to_datetime(changed["created_at"], utc=True) + pd.to_timedelta(rng.uniform(1, 200, len(changed)), "h")
    answer = answer.where(answer < NOW, NOW - timedelta(minutes=5))
    changed["first_response_at"] = answer.dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    changed["status"] = "answered"
    closed = waiting.drop(changed.index).sample(40, random_state=2).copy()
    closed["status"] = "rejected"  # closed without an answer: never late any more
    summary = load_frame(pd.concat([changed, closed]), engine, "update", region, now=NOW)
    assert summary.updated == 160
    period = Filters(date(2026, 8, 1), date(2026, 11, 20))
    expected = exact(engine, period, NOW, region)
    pd.testing.assert_frame_equal(late.backlog(engine, period, NOW, region), expected)
    with engine.connect() as conn:
        before = sorted(map(tuple, conn.execute(select(rollup_late)).all()))
    rebuild_all(engine, region.timezone)
    with engine.connect() as conn:
        after = sorted(map(tuple, conn.execute(select(rollup_late)).all()))
    assert before == after
