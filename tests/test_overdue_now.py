"""Overdue now — the old days from rollups, the last days counted against each message's own target — under every
filter and grouping equals counting the raw messages."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import event, select

from dashboard.catalog import OPEN_STATUSES
from dashboard.filters import Filters
from dashboard.loader.demo import generate
from dashboard.loader.ingest import load_frame
from dashboard.metrics import queries
from dashboard.runtime import memo
from dashboard.store.schema import messages
from tests.conftest import NOW

TODAY = NOW.date()


@pytest.fixture(scope="module")
def frame(region):
    return generate(region, messages=4_000, days=20, seed=5, now=NOW)


@pytest.fixture
def loaded(engine, region, frame):
    assert load_frame(frame, engine, "demo", region, now=NOW).rejected == 0
    return engine


def raw_overdue(engine, filters: Filters, key: tuple[str, ...]) -> pd.Series:
    m = messages.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(m.oktmo, m.sector, m.source, m.agency, m.due_at).where(
                m.day >= filters.date_from,
                m.day <= filters.date_to,
                m.first_response_at.is_(None),
                m.status.in_(OPEN_STATUSES),
            )
        ).all()
    raw = pd.DataFrame([tuple(r) for r in rows], columns=["oktmo", "sector", "source", "agency", "due_at"])
    raw["agency"] = raw["agency"].fillna("")
    raw = raw[pd.to_datetime(raw["due_at"], utc=True) < pd.Timestamp(NOW)]
    for name, values in filters.by_column().items():
        if values:
            raw = raw[raw[name].isin(values)]
    if not key:
        return pd.Series({"all": len(raw)}, dtype="int64")
    return raw.groupby(list(key) if len(key) > 1 else key[0]).size().astype("int64")


FILTERS = [
    {},
    {"sectors": ("zhkh", "roads")},
    {"municipalities": ("97701000",)},
    {"sources": ("vk",)},
    {"sectors": ("health",), "sources": ("phone", "pos")},
]
KEYS = [(), ("oktmo",), ("sector", "oktmo"), ("agency",)]


@pytest.mark.parametrize("days", [1, 7, 14])
def test_overdue_now_equals_counting_the_raw_messages(loaded, region, days):
    start = TODAY - timedelta(days=days - 1)
    for narrowing in FILTERS:
        filters = Filters(start, TODAY, **narrowing)
        for key in KEYS:
            got = queries.overdue_by(loaded, filters, NOW, region, key=key[0] if len(key) == 1 else key)
            got = got[got != 0] if key else got  # groups of the old days' rollups may hold zeros
            expected = raw_overdue(loaded, filters, key)
            assert got.sum() > 0 or narrowing, (days, key)  # the demo has overdue messages in every span
            pd.testing.assert_series_equal(
                got.sort_index(), expected.sort_index(), check_names=False, check_index_type=False
            )


def test_one_request_reads_the_last_days_once_per_sector_and_channel_choice(loaded, region):
    """The figures of one request (the KPIs of two periods, the map, the tension index…) share one read of the last
    days' overdue messages; days, municipalities and groupings are cut from it, with the same counts as the raw
    messages give."""
    reads: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if "FROM messages" in statement:
            reads.append(statement)

    event.listen(loaded, "before_cursor_execute", note)
    try:
        with memo.scope():  # one request
            for days in (1, 2, 7):
                for narrowing in ({}, {"municipalities": ("97701000",)}, {"municipalities": ("97701000", "97710000")}):
                    filters = Filters(TODAY - timedelta(days=days - 1), TODAY, **narrowing)
                    for key in KEYS:
                        got = queries.overdue_by(loaded, filters, NOW, region, key=key[0] if len(key) == 1 else key)
                        got = got[got != 0] if key else got
                        expected = raw_overdue(loaded, filters, key)
                        pd.testing.assert_series_equal(
                            got.sort_index(), expected.sort_index(), check_names=False, check_index_type=False
                        )
            assert len([r for r in reads if "first_response_at IS NULL" in r and "due_at <" in r]) == 1
            queries.overdue_by(loaded, Filters(TODAY, TODAY, sectors=("zhkh",)), NOW, region)
        assert len([r for r in reads if "first_response_at IS NULL" in r and "due_at <" in r]) == 2
    finally:
        event.remove(loaded, "before_cursor_execute", note)
