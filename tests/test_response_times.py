"""Response times: percentiles from rollups against exact ones, series, backlog, tables, API, exports."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from app import create_app
from dashboard import late
from dashboard import response_times as rt
from dashboard.demo import generate
from dashboard.filters import Filters
from dashboard.holidays import holidays_between
from dashboard.loader.ingest import load_file, load_frame
from dashboard.service import DashboardService
from dashboard.settings import Settings
from dashboard.store.schema import messages
from tests.conftest import NOW, store_of_run
from tests.test_queries import PERIOD, ROWS

DEMO_NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory, region):
    engine, cleanup = store_of_run(region, tmp_path_factory.mktemp("demo"))
    load_frame(generate(region, messages=60_000, days=365, seed=11, now=DEMO_NOW), engine, "demo", region, now=DEMO_NOW)
    yield engine
    cleanup()


def exact(engine, filters: Filters, column: str = "response_hours") -> np.ndarray:
    m = messages.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(m[column]).where(
                m.day >= filters.date_from,
                m.day <= filters.date_to,
                m[column].is_not(None),
                *([m.sector.in_(filters.sectors)] if filters.sectors else []),
                *([m.source.in_(filters.sources)] if filters.sources else []),
            )
        ).all()
    return np.array([r[0] for r in rows], dtype=float)


@pytest.mark.parametrize(
    ("first", "last", "sectors", "sources"),
    [
        (date(2025, 11, 21), date(2026, 11, 20), (), ()),  # the whole demo year
        (date(2026, 10, 22), date(2026, 11, 20), (), ()),
        (date(2026, 1, 1), date(2026, 3, 31), ("zhkh",), ()),
        (date(2026, 6, 1), date(2026, 8, 31), (), ("vk",)),
        (date(2026, 9, 1), date(2026, 9, 30), ("education", "social"), ()),
    ],
)
@pytest.mark.parametrize("measure", ["first", "resolution"])
def test_rollup_percentiles_agree_with_exact_ones_within_5_percent(demo, first, last, sectors, sources, measure):
    filters = Filters(first, last, sectors=sectors, sources=sources)
    values = exact(demo, filters, "response_hours" if measure == "first" else "resolution_hours")
    assert len(values) > 300
    total = rt.totals(demo, filters, measure)
    for q, key in ((0.5, "median_hours"), (0.9, "p90_hours")):
        truth = float(np.quantile(values, q))
        assert total[key] == pytest.approx(truth, rel=0.05), (key, truth, total[key])


def test_series_is_daily_for_a_month_and_weekly_for_a_year(demo):
    month = rt.trend(demo, Filters(date(2026, 10, 22), date(2026, 11, 20)))
    assert len(month) == 30 and month["period_start"].is_monotonic_increasing
    year = rt.trend(demo, Filters(date(2025, 11, 21), date(2026, 11, 20)))
    assert rt.granularity(Filters(date(2025, 11, 21), date(2026, 11, 20))) == "week"
    assert (year["period_start"].dt.day_of_week == 0).all()  # weeks start on Monday
    assert (
        year["messages"].sum()
        == month["messages"].sum() + rt.trend(demo, Filters(date(2025, 11, 21), date(2026, 10, 21)))["messages"].sum()
    )


def test_split_by_channel_sums_to_the_total(demo):
    filters = Filters(date(2026, 10, 22), date(2026, 11, 20))
    split = rt.trend(demo, filters, "source")
    total = rt.trend(demo, filters)
    assert split.groupby("period_start")["messages"].sum().tolist() == total["messages"].tolist()
    assert {"vk", "pos", "telegram"} <= set(split["key"])


@pytest.fixture
def hand(engine, tmp_path):
    path = tmp_path / "hand.csv"
    path.write_text(ROWS, encoding="utf-8")
    load_file(path, engine, now=NOW)
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
    assert data["total"]["messages"] == 6 and data["total"]["within_sla_share"] == 0.5
    first = data["series"][0]
    assert first["period_start"] == "2026-11-11" and first["messages"] == 1
    assert data["series"][1]["median_hours"] == pytest.approx(24.0, rel=0.1)  # 12.11: only q3 answered, after 24 h
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


def test_a_step_that_holds_today_is_drawn_as_still_running():
    from dashboard.catalog import load_sectors
    from layouts.response_panel import trend_figure
    from layouts.wall import wall_trend_figure

    days = pd.date_range("2026-11-16", "2026-11-20", freq="D")
    current = pd.DataFrame(
        {"period_start": days, "key": "all", "messages": 10, "median_hours": [5.0, 5.2, 4.9, 5.1, 1.5]}
    ).assign(p90_hours=20.0)

    def lines(running: bool) -> list[dict]:
        figure = trend_figure(current, current.iloc[0:0], "none", {}, load_sectors(), "ru", running=running)
        return figure["data"]

    assert [t["name"] for t in lines(False)] == ["Медиана", "90-й перцентиль"]
    median, tail, p90, p90_tail = lines(True)
    assert p90["y"][-1] is None
    assert median["y"][-1] is None and median["y"][:-1] == [5.0, 5.2, 4.9, 5.1]  # the solid line stops a step early
    assert tail["x"] == ["2026-11-19", "2026-11-20"] and tail["y"] == [5.1, 1.5] and tail["line"]["dash"] == "dot"
    assert not tail["showlegend"] and "идёт сейчас" in tail["hovertemplate"]
    assert p90_tail["y"] == [20.0, 20.0]
    wall = wall_trend_figure(pd.DataFrame({"day": days.date, "messages": 10}), current, "ru", running=True)
    assert [t.get("line", {}).get("dash") for t in wall["data"]] == [None, None, "dot"]
