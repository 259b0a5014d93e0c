"""The JSON API: health, summary with filters, errors as JSON."""

from __future__ import annotations

import pytest

from app import create_app
from dashboard.loader.ingest import load_file
from dashboard.region import get_region
from dashboard.service import DashboardService
from dashboard.settings import Settings
from tests.conftest import NOW
from tests.test_queries import ROWS

DEMO_REGION = get_region("chuvashia")


@pytest.fixture
def client(engine, region, tmp_path):
    path = tmp_path / "hand.csv"
    path.write_text(ROWS, encoding="utf-8")
    load_file(path, engine, now=NOW, region=DEMO_REGION)
    settings = Settings(data_dir=tmp_path, cache_type="NullCache")
    app = create_app(settings, DashboardService(engine, region, clock=lambda: NOW))
    return app.server.test_client()


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["database"] == "ok"


def test_summary_with_filters(client):
    data = client.get("/api/v1/summary?from=2026-11-11&to=20.11.2026&sector=zhkh&sector=roads").get_json()
    assert data["messages"] == 4
    assert data["answered_share"] == 0.75
    assert data["overdue_now"] == 1 and data["overdue_of_period"] == 1
    assert data["period"] == {"from": "2026-11-11", "to": "2026-11-20", "days": 10}
    assert data["filters"]["sector"] == ["roads", "zhkh"]
    assert set(data) >= {"median_first_response_hours", "previous", "change_pct", "within_sla_share"}


def test_a_period_preset_reads_as_on_the_pages(client):
    """The API enters through the pages' entrance: ``period=7d`` is the seven days to today (the region's), and
    the same choice as its dates."""
    preset = client.get("/api/v1/summary?period=7d&sector=zhkh").get_json()
    assert preset["period"] == {"from": "2026-11-14", "to": "2026-11-20", "days": 7}
    dated = client.get("/api/v1/summary?from=2026-11-14&to=2026-11-20&sector=zhkh").get_json()
    assert preset == dated


@pytest.mark.parametrize("route", ["summary", "heatmap", "response-times", "tension", "messages"])
def test_an_unknown_language_is_refused_on_every_route(client, route):
    answer = client.get(f"/api/v1/{route}?lang=de")
    assert answer.status_code == 400 and answer.get_json()["error"] == "lang: ru или en"


def test_summary_by_municipality_and_source(client):
    data = client.get("/api/v1/summary?from=2026-11-11&to=2026-11-20&municipality=97707000&source=vk").get_json()
    assert data["messages"] == 1


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("sector=space", "неизвестная отрасль"),
        ("municipality=123", "муниципалитет"),
        ("source=fax", "канал"),
        ("from=2026-13-01", "дата не распознана"),
        ("from=2026-11-20&to=2026-11-01", "позже"),
        ("from=1999-12-31&to=2000-01-10", "даты периода — с 2000-01-01 по 2100-12-31"),
        ("to=2101-01-01", "даты периода"),
        ("from=0001-01-01&to=0001-01-10", "даты периода"),
        ("to=2000-01-05", "даты периода"),  # the default 30 days before it start in 1999
    ],
)
def test_bad_filters_are_json_errors(client, query, fragment):
    response = client.get(f"/api/v1/summary?{query}")
    assert response.status_code == 400
    assert fragment in response.get_json()["error"]


def test_the_dates_window_is_inclusive(client):
    for query in ("from=2000-01-01&to=2000-01-31", "from=2100-12-01&to=2100-12-31", "from=2000-02-29&to=2000-02-29"):
        assert client.get(f"/api/v1/summary?{query}").status_code == 200, query


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404
    assert "error" in response.get_json()


def test_wall_set_up_from_the_url_with_safe_fallbacks():
    from callbacks.urlstate import parse_wall
    from layouts.wall import WallConfig

    sectors = {"zhkh", "health"}
    assert parse_wall("", sectors) == WallConfig()
    config = parse_wall("?panels=points,map,nope,points&interval=30&refresh=5&stale=15&sector=zhkh&period=30d", sectors)
    assert config.panels == ("points", "map")  # unknown dropped, repeats removed, order kept
    assert (config.interval, config.refresh, config.stale_minutes) == (30, 10, 15)  # refresh clamped to ≥ 10 s
    assert (config.sector, config.period) == ("zhkh", "30d")
    odd = parse_wall("?panels=&interval=abc&sector=roads&period=custom&metric=nope", sectors)
    assert odd.panels == WallConfig().panels and odd.interval == 20 and odd.sector is None
    assert odd.period == "7d" and odd.metric == "tension"
    assert parse_wall("?lang=en", sectors).lang == "en" and parse_wall("?lang=de", sectors, "ru").lang == "ru"


@pytest.mark.parametrize(
    ("metric", "lang", "heading"),
    [
        ("tension", "ru", "Где болит: напряжённость по муниципалитетам"),
        ("per_10k", "ru", "Муниципалитеты: на 10 000 жителей"),
        ("overdue_share", "en", "Municipalities: overdue share"),
    ],
)
def test_wall_map_heading_names_the_metric_it_is_coloured_by(region, metric, lang, heading):
    from layouts.wall import WallConfig, wall

    page = str(wall(region, WallConfig(metric=metric, lang=lang)).to_plotly_json())
    assert heading in page
    if metric != "tension":
        assert "напряжённость по муниципалитетам" not in page and "tension by municipality" not in page


def test_wall_trend_draws_a_day_without_answers_as_a_gap():
    from datetime import date

    import pandas as pd

    from layouts.wall import wall_trend_figure

    daily = pd.DataFrame({"day": [date(2026, 12, 1), date(2026, 12, 2)], "messages": [40, 3]})
    response = pd.DataFrame(
        {
            "period_start": pd.to_datetime(["2026-12-01", "2026-12-02"]),
            "median_hours": pd.Series([2.345, None], dtype=object),
            "provisional": [False, True],
        }
    )
    figure = wall_trend_figure(daily, response)
    medians = [trace for trace in figure["data"] if trace.get("yaxis") == "y2"]
    assert medians and medians[0]["y"][0] == 2.35 and all(v is None for t in medians for v in t["y"][1:])
