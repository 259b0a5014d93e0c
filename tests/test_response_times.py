"""Response times: percentiles from rollups against exact ones, series, backlog, tables, API, exports."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import case, func, select

from app import create_app
from dashboard.catalog import OPEN_STATUSES
from dashboard.filters import Filters
from dashboard.loader.demo import generate
from dashboard.loader.ingest import load_file, load_frame
from dashboard.metrics import percentiles, queries
from dashboard.metrics import response_times as rt
from dashboard.metrics.holidays import holidays_between
from dashboard.metrics.survival import estimate
from dashboard.region import get_region
from dashboard.service import DashboardService
from dashboard.settings import Settings
from dashboard.store import cube, histograms, late
from dashboard.store.schema import messages
from tests.conftest import NOW, store_of_run
from tests.test_queries import PERIOD, ROWS
from tests.test_survival import observations

DEMO_REGION = get_region("chuvashia")

DEMO_NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory, region):
    engine, cleanup = store_of_run(region, tmp_path_factory.mktemp("demo"))
    load_frame(generate(region, messages=60_000, days=365, seed=11, now=DEMO_NOW), engine, "demo", region, now=DEMO_NOW)
    yield engine
    cleanup()


def exact_estimates(engine, filters: Filters, measure: str, by: list[str]) -> dict[tuple, dict]:
    """Per group of ``by`` (message columns; "week" folds each day into its Monday), from the raw messages: the
    Kaplan–Meier median and p90 of its durations with every open message censored at its age (to the second, as
    the cube keeps creation times), its durations and how many of its messages are open."""
    m = messages.c
    hours, done = (m.response_hours, m.first_response_at) if measure == "first" else (m.resolution_hours, m.resolved_at)
    where = [m.day >= filters.date_from, m.day <= filters.date_to]
    for column, values in (("oktmo", filters.municipalities), ("sector", filters.sectors), ("source", filters.sources)):
        if values:
            where.append(m[column].in_(values))
    keys = [func.coalesce(m.agency, "") if k == "agency" else m["day" if k == "week" else k] for k in by]
    still_open = case((done.is_(None) & m.status.in_(OPEN_STATUSES), 1), else_=0)
    with engine.connect() as conn:
        rows = conn.execute(select(*keys, hours, still_open, m.created_at).where(*where)).all()
    groups: dict[tuple, tuple[list, list]] = {}
    now = int(DEMO_NOW.timestamp())
    for *key, duration, waiting, created in rows:
        if "week" in by:
            key[by.index("week")] -= timedelta(days=key[by.index("week")].weekday())
        answered, ages = groups.setdefault(tuple(key), ([], []))
        if duration is not None:
            answered.append(duration)
        elif waiting:
            ages.append((now - int(created.replace(tzinfo=created.tzinfo or UTC).timestamp())) / 3600)
    result = estimate(observations(*groups.values()))
    return {
        key: {"answered": answered, "open": len(ages), **{q: result.quantiles[q][i] for q in (0.5, 0.9)}}
        for i, (key, (answered, ages)) in enumerate(groups.items())
    }


def rolled(engine, filters: Filters, measure: str, by: list[str]) -> dict[tuple, dict]:
    """The same groups' estimates from the cube, as every figure computes them (unrounded)."""
    with engine.connect() as conn:
        rows = cube.read_stored(conn, filters, ["messages", *percentiles.columns(measure)], by=by)
    grouped = percentiles.grouped(rows, len(by), 1, DEMO_NOW)
    return {key: {q: grouped.estimates.quantiles[q][i] for q in (0.5, 0.9)} for i, key in enumerate(grouped.keys)}


def assert_exact_or_within_the_bound(engine, filters: Filters, measure: str, by: list[str]) -> dict[str, int]:
    """Every group's median and p90 from the cube against the raw messages': equal where the group has at most
    EXACT_LIMIT durations (its rows all keep them), within the bins' bound beyond; not known alike. Once nothing is
    open the raw estimate is numpy's quantile. Returns how many groups were exact and how many binned."""
    truth, found = exact_estimates(engine, filters, measure, by), rolled(engine, filters, measure, by)
    assert set(found) == set(truth)
    seen = {"exact": 0, "binned": 0}
    for key, reference in truth.items():
        small = len(reference["answered"]) <= histograms.EXACT_LIMIT
        seen["exact" if small else "binned"] += 1
        for q in (0.5, 0.9):
            value, expected = found[key][q], reference[q]
            if not reference["open"] and reference["answered"]:
                assert expected == pytest.approx(np.quantile(reference["answered"], q), rel=1e-9), (key, q)
            if np.isnan(expected):
                assert np.isnan(value), (key, q, value)
            elif small:
                assert value == pytest.approx(expected, rel=1e-9), (key, q)
            else:
                assert abs(value - expected) <= histograms.RELATIVE_ERROR * expected * (1 + 1e-9), (key, q)
    return seen


@pytest.mark.parametrize("measure", ["first", "resolution"])
def test_every_place_and_sector_of_the_year_is_exact_when_small_and_within_half_a_percent(demo, region, measure):
    """Each of the 26 × 15 municipality × sector groups of the demo year (first response: censored by the messages
    never answered; resolution: by the ones still open), as one read and under each place's filter."""
    year = Filters(date(2025, 11, 21), date(2026, 11, 20))
    seen = assert_exact_or_within_the_bound(demo, year, measure, ["oktmo", "sector"])
    assert seen["exact"] > 20 and seen["binned"] > 100
    for place in list(region.municipalities.index)[::5]:
        assert_exact_or_within_the_bound(demo, replace(year, municipalities=(place,)), measure, ["sector"])


@pytest.mark.parametrize(
    ("first", "last", "sectors", "sources", "places", "by"),
    [
        (date(2026, 10, 22), date(2026, 11, 20), (), (), (), ["day"]),  # a month's trend, today censored heavily
        (date(2026, 10, 22), date(2026, 11, 20), (), (), (), ["day", "sector"]),
        (date(2025, 11, 21), date(2026, 11, 20), (), (), (), ["week"]),
        (date(2026, 1, 1), date(2026, 3, 31), ("zhkh",), (), (), ["week", "source"]),
        (date(2026, 6, 1), date(2026, 8, 31), (), ("vk",), ("97701000", "97707000"), ["agency"]),
        (date(2026, 9, 1), date(2026, 9, 30), ("education", "social"), (), (), []),
        (date(2026, 11, 14), date(2026, 11, 20), (), ("pos",), ("97704000",), ["day"]),  # small days: exact
    ],
)
@pytest.mark.parametrize("measure", ["first", "resolution"])
def test_trend_steps_and_filtered_groups_are_exact_when_small_and_within_half_a_percent(
    demo, first, last, sectors, sources, places, by, measure
):
    filters = Filters(first, last, sectors=sectors, sources=sources, municipalities=places)
    assert_exact_or_within_the_bound(demo, filters, measure, by)


def test_the_figures_show_the_estimates_to_the_hundredth_with_their_flags(demo, region):
    month = Filters(date(2026, 10, 22), date(2026, 11, 20))
    engine = rolled(demo, month, "first", ["day"])
    trend = rt.trend(demo, month, DEMO_NOW, region).set_index("period_start")
    for (day,), estimate_of_day in engine.items():
        row = trend.loc[pd.Timestamp(day)]
        assert row["median_hours"] == round(estimate_of_day[0.5], 2)
    # today and yesterday hold messages still open and younger than their p90 (~1.5 days); a week ago, and before,
    # whatever is still open has waited longer than any estimate rests on
    assert trend["provisional"].iloc[-2:].all() and not trend["provisional"].iloc[:-7].any()
    assert trend["answered_24h_share"].iloc[-1] is None  # nothing of today is 24 h old, and some of it is open
    totals = rt.totals(demo, month, DEMO_NOW, region)
    (whole,) = rolled(demo, month, "first", []).values()
    figures = queries.period_figures(demo, month, DEMO_NOW, region)
    assert figures["median_first_response_hours"] == totals["median_hours"] == round(whole[0.5], 2)
    assert figures["median_provisional"] is totals["provisional"] is True
    assert 0 < figures["answered_24h_share"] == totals["answered_24h_share"] < figures["answered_share"]
    places = queries.heatmap(demo, month, DEMO_NOW, region)["median_first_response_hours"]
    by_place = rolled(demo, month, "first", ["oktmo"])
    assert places.to_dict() == {code: round(v[0.5], 2) for (code,), v in by_place.items()}
    table = rt.table_by_sector(demo, month, DEMO_NOW, region).set_index("key")
    assert table["provisional"].dtype == bool and table["provisional"].any()


def test_series_is_daily_for_a_month_and_weekly_for_a_year(demo, region):
    month = rt.trend(demo, Filters(date(2026, 10, 22), date(2026, 11, 20)), DEMO_NOW, region)
    assert len(month) == 30 and month["period_start"].is_monotonic_increasing
    year = rt.trend(demo, Filters(date(2025, 11, 21), date(2026, 11, 20)), DEMO_NOW, region)
    assert rt.granularity(Filters(date(2025, 11, 21), date(2026, 11, 20))) == "week"
    assert (year["period_start"].dt.day_of_week == 0).all()  # weeks start on Monday
    assert (
        year["messages"].sum()
        == month["messages"].sum()
        + rt.trend(demo, Filters(date(2025, 11, 21), date(2026, 10, 21)), DEMO_NOW, region)["messages"].sum()
    )


def test_split_by_channel_sums_to_the_total(demo, region):
    filters = Filters(date(2026, 10, 22), date(2026, 11, 20))
    split = rt.trend(demo, filters, DEMO_NOW, region, "source")
    total = rt.trend(demo, filters, DEMO_NOW, region)
    assert split.groupby("period_start")["messages"].sum().tolist() == total["messages"].tolist()
    assert {"vk", "pos", "telegram"} <= set(split["key"])


@pytest.fixture
def hand(engine, tmp_path):
    path = tmp_path / "hand.csv"
    path.write_text(ROWS, encoding="utf-8")
    load_file(path, engine, now=NOW, region=DEMO_REGION)
    return engine


def test_backlog_counts_unanswered_past_target_at_each_days_end(hand, region):
    frame = late.backlog(hand, PERIOD, NOW, region)
    by_day = dict(zip(frame["day"], frame["overdue"], strict=True))
    # q4 (ЖКХ, 8 h target) created 12.11 10:00 is overdue from 12.11 18:00 on; q5 (20.11 10:00) is not yet
    assert by_day[date(2026, 11, 11)] == 0
    assert by_day[date(2026, 11, 12)] == 1
    assert by_day[date(2026, 11, 20)] == 1
    # q3 answered after 24 h: overdue at the end of 12.11? created 12.11 10:00, target 24 h -> not overdue
    assert frame["overdue"].max() == 1


def test_oldest_overdue_and_tables(hand, region):
    oldest = rt.oldest_overdue(hand, PERIOD, NOW, region)
    assert len(oldest) == 1 and oldest.iloc[0]["municipality"] == "Канаш"
    assert oldest.iloc[0]["age_hours"] == pytest.approx(
        (NOW - datetime(2026, 11, 12, 7, tzinfo=UTC)).total_seconds() / 3600
    )
    sectors = rt.table_by_sector(hand, PERIOD, NOW, region).set_index("key")
    assert sectors.loc["zhkh", "messages"] == 3 and sectors.loc["zhkh", "overdue_of_period"] == 1
    agencies = rt.table_by_agency(hand, PERIOD, NOW, region)
    assert agencies["messages"].sum() == 6


def test_holidays_follow_the_labour_code():
    days = holidays_between(date(2026, 1, 1), date(2026, 12, 31))
    assert len(days) == 14
    assert date(2026, 11, 4) in days and date(2026, 6, 12) in days and date(2026, 1, 7) in days


@pytest.fixture
def client(hand, region, tmp_path):
    settings = Settings(data_dir=tmp_path, cache_type="NullCache")
    return create_app(settings, DashboardService(hand, region, clock=lambda: NOW)).server.test_client()


def test_api_response_times(client):
    data = client.get("/api/v1/response-times?from=2026-11-11&to=2026-11-20").get_json()
    assert data["granularity"] == "day" and len(data["series"]) == 10
    assert {"median_hours", "p90_hours", "within_sla_share"} <= set(data["total"])
    # 3 of the 5 whose outcome is known (q5 is still inside its target): the KPI's figure
    assert data["total"]["messages"] == 6 and data["total"]["within_sla_share"] == 0.6
    first = data["series"][0]
    assert first["period_start"] == "2026-11-11" and first["messages"] == 1
    assert data["series"][0]["median_hours"] == 3.0  # 11.11: q2 answered after 3 h, exactly
    # 12.11: q3 answered after 24 h, q4 still waiting after 197 h — the median lies beyond 24 h: not known yet
    assert data["series"][1]["median_hours"] is None
    assert data["total"]["provisional"] is True and data["total"]["median_hours"] == pytest.approx(20.2)
    assert data["series"][2]["messages"] == 0 and data["series"][2]["median_hours"] is None  # 13.11: nothing
    bad = client.get("/api/v1/response-times?measure=speed")
    assert bad.status_code == 400


def dash_call(client, output: str, inputs: list[dict], state: list[dict], changed: str) -> dict:
    """A Dash callback request made by hand, as a browser would send it."""
    payload = {
        "output": output,
        "outputs": {"id": output.split(".")[0], "property": output.split(".")[1]},
        "inputs": inputs,
        "state": state,
        "changedPropIds": [changed],
    }
    response = client.post("/_dash-update-component", json=payload)
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))


@pytest.mark.parametrize("button", ["resp-export-csv", "resp-export-xlsx"])
def test_table_exports(client, button):
    state = [
        {"id": "url", "property": "search", "value": "?period=custom&from=2026-11-11&to=2026-11-20"},
        {"id": "resp-table-by", "property": "value", "value": "sector"},
        {"id": "url", "property": "pathname", "value": "/"},
    ]
    inputs = [
        {"id": "resp-export-csv", "property": "n_clicks", "value": 1 if button.endswith("csv") else None},
        {"id": "resp-export-xlsx", "property": "n_clicks", "value": 1 if button.endswith("xlsx") else None},
    ]
    data = dash_call(client, "resp-download.data", inputs, state, f"{button}.n_clicks")["response"]["resp-download"]
    download = data["data"]
    if button.endswith("csv"):
        assert download["filename"].endswith(".csv")
        frame = pd.read_csv(io.StringIO(download["content"]), sep=";", decimal=",")
    else:
        import base64

        assert download["filename"].endswith(".xlsx") and download["base64"]
        frame = pd.read_excel(io.BytesIO(base64.b64decode(download["content"])))
    assert list(frame.columns)[:2] == ["Отрасль", "Сообщений"]
    assert frame.set_index("Отрасль").loc["ЖКХ", "Сообщений"] == 3


def test_steps_whose_figures_can_still_move_are_drawn_provisional():
    """The issue: «the median and p90 of the last days fall as solid lines because only the quickly answered messages
    of those days count yet». Every step flagged ``provisional`` — not only today — is dotted and hollow."""
    from dashboard.catalog import load_sectors
    from layouts.response_panel import trend_figure
    from layouts.wall import wall_trend_figure

    days = pd.date_range("2026-11-16", "2026-11-20", freq="D")
    current = pd.DataFrame(
        {"period_start": days, "key": "all", "messages": 10, "median_hours": [5.0, 5.2, 4.9, 3.1, 1.5]}
    ).assign(p90_hours=20.0)

    def lines(provisional: list[bool]) -> list[dict]:
        chosen = current.assign(provisional=provisional)
        return trend_figure(chosen, chosen.iloc[0:0], "none", {}, load_sectors(), "ru")["data"]

    assert [t["name"] for t in lines([False] * 5)] == ["Медиана", "90-й перцентиль"]
    median, tail, p90, p90_tail = lines([False, False, False, True, True])
    assert median["y"] == [5.0, 5.2, 4.9, None, None]  # the solid line stops at the last settled step
    assert tail["x"] == ["2026-11-18", "2026-11-19", "2026-11-20"] and tail["y"] == [4.9, 3.1, 1.5]
    assert tail["line"]["dash"] == "dot" and tail["marker"]["symbol"] == "circle-open"
    assert tail["showlegend"] and tail["name"] == "предварительно" and "ещё ждёт ответа" in tail["hovertemplate"]
    assert not p90_tail["showlegend"] and p90_tail["y"] == [20.0, 20.0, 20.0] and p90["y"][-2:] == [None, None]
    wall = wall_trend_figure(
        pd.DataFrame({"day": days.date, "messages": 10}), current.assign(provisional=[False] * 4 + [True]), "ru"
    )
    assert [t.get("line", {}).get("dash") for t in wall["data"]] == [None, None, "dot"]
