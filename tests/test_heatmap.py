"""The heat map on a small hand-made dataset: per-capita rates, change, median, zero rows, card, API, density."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import pytest
import shapely
from shapely.geometry import shape
from sqlalchemy import select

from app import create_app
from dashboard.filters import Filters
from dashboard.loader.demo import generate
from dashboard.loader.ingest import load_file, load_frame
from dashboard.metrics import queries
from dashboard.region import get_region
from dashboard.service import DashboardService
from dashboard.settings import Settings
from dashboard.store.schema import messages
from geo.federal import FEDERAL_MAP
from geo.figure import OUTLINE_ID, SHAPES, region_geometry
from layouts.map_figure import map_figure, town_labels
from tests.conftest import NOW
from tests.test_queries import PERIOD, ROWS

DEMO_REGION = get_region("chuvashia")

CHEB, KANASH, YANTIKOVO = "97701000", "97707000", "97558000"

POINTS = """external_id,source,created_at,first_response_at,status,sector,municipality,lat,lon,text
p1,vk,2026-11-12 09:00,2026-11-12 10:00,answered,zhkh,,56.1322,47.2519,"Нет отопления, звоните +7 917 123-45-67"
p2,vk,2026-11-12 09:30,,new,zhkh,,56.1330,47.2530,"Пишет Иванов Сергей Петрович, mail ivanov@example.ru"
p3,pos,2026-11-13 09:00,,new,roads,,55.5069,47.4914,Яма на дороге
"""


@pytest.fixture
def loaded(engine, tmp_path):
    path = tmp_path / "hand.csv"
    path.write_text(ROWS, encoding="utf-8")
    load_file(path, engine, now=NOW, region=DEMO_REGION)
    return engine


def test_every_municipality_has_a_row_with_zeros(loaded, region):
    frame = queries.heatmap(loaded, PERIOD, NOW, region)
    assert list(frame.index) == list(region.municipalities.index)
    empty = frame.drop(index=[CHEB, KANASH])
    assert (empty["messages"] == 0).all()
    assert (empty["overdue_of_period"] == 0).all()
    assert empty["median_first_response_hours"].isna().all()
    assert empty["change_pct"].isna().all()  # 0 now and 0 before: no change to speak of
    assert math.isnan(frame.loc[YANTIKOVO, "per_10k"])  # population unknown: no rate, not a zero rate


def test_per_capita_change_median_and_overdue_share(loaded, region):
    frame = queries.heatmap(loaded, PERIOD, NOW, region)
    cheb, kanash = frame.loc[CHEB], frame.loc[KANASH]
    # Чебоксары: q2, q6, q7 in the period, q1 in the previous ten days
    assert cheb["messages"] == 3
    assert cheb["previous_messages"] == 1
    # the data begins on 10 November, inside the previous period: no change (with the whole previous period
    # covered the change is there: test_queries.test_change_needs_data_over_the_whole_previous_period)
    assert math.isnan(cheb["change_pct"])
    assert cheb["per_10k"] == pytest.approx(3 / 506_186 * 10_000, abs=0.005)
    # answers after 3 and 5 h, nothing open (q7 was closed unanswered): the median of an even count, exactly
    assert cheb["median_first_response_hours"] == 4.0
    assert cheb["overdue_share"] == 0  # q7 was closed as rejected, nothing waits
    # Канаш: q3 answered after 24 h, q4 open past its 8 h target, q5 still within target
    assert kanash["messages"] == 3
    assert math.isnan(kanash["change_pct"])  # nothing in the previous period: no percentage
    assert kanash["per_10k"] == pytest.approx(3 / 44_354 * 10_000, abs=0.005)
    # q3 answered after 24 h, q4 waiting for 197 h, q5 for 5 h: half the messages may yet take longer than any answer
    # so far, so the median lies between 24 h and q4's answer — not known yet (Kaplan–Meier: S(24 h) = 1/2 is reached
    # only by the last answer)
    assert pd.isna(kanash["median_first_response_hours"])
    assert kanash["overdue_of_period"] == 1
    assert kanash["overdue_share"] == pytest.approx(1 / 3, abs=1e-4)


def test_sector_filter_narrows_the_map(loaded, region):
    frame = queries.heatmap(loaded, Filters(PERIOD.date_from, PERIOD.date_to, sectors=("roads",)), NOW, region)
    assert frame["messages"].sum() == 1
    assert frame.loc[KANASH, "messages"] == 1


def test_boundary_ids_match_municipality_ids(region):
    data = json.loads(region.boundaries_path.read_text(encoding="utf-8"))
    ids = [str(f["id"]) for f in data["features"]]
    assert sorted(ids) == sorted(region.municipalities.index)
    assert len(set(ids)) == len(ids)
    for feature in data["features"]:
        geom = shape(feature["geometry"])
        assert geom.is_valid and not geom.is_empty, feature["id"]


def test_simplified_borders_stay_shared(region):
    """Neighbours touch without gaps or overlaps: the simplification kept the coverage topology."""
    data = json.loads(region.boundaries_path.read_text(encoding="utf-8"))
    geoms = [shape(f["geometry"]) for f in data["features"]]
    union = shapely.union_all(geoms)
    total = sum(g.area for g in geoms)
    assert total == pytest.approx(union.area, rel=1e-6)  # no overlaps (the source had two; geo/build.py resolves them)
    holes = [shapely.Polygon(ring) for p in getattr(union, "geoms", [union]) for ring in p.interiors]
    # the OpenStreetMap extract has a few slivers between units; they stay below 0.1 % of the area
    assert sum(h.area for h in holes) < 0.001 * union.area


def test_map_figure_traces_cover_all_municipalities(loaded, region):
    frame = queries.heatmap(loaded, PERIOD, NOW, region)
    figure = map_figure(frame, region_geometry(region.boundaries_path), labels=town_labels(region.municipalities))
    go.Figure(figure)  # a valid plotly figure: raises on any unknown property
    coloured = next(t for t in figure["data"] if t["type"] == "choroplethmap" and t.get("showscale") is not False)
    assert coloured["colorscale"][0][1] == "rgb(255,255,204)"  # low values light yellow, high dark red
    geometry = region_geometry(region.boundaries_path)
    choropleths = [trace for trace in figure["data"] if trace["type"] == "choroplethmap"]
    places = [trace for trace in choropleths if trace["locations"] != [OUTLINE_ID]]
    located = [loc for trace in places for loc in trace["locations"]]
    assert sorted(located) == sorted(region.municipalities.index)  # each exactly once
    # no shapes in the figure: every trace names the shapes' address, which holds a feature for each location
    assert {trace["geojson"] for trace in places} == {geometry.url("features")}
    served = {f["id"] for f in json.loads(geometry.served["features"])["features"]}
    assert set(located) == served
    outline = next(trace for trace in choropleths if trace["locations"] == [OUTLINE_ID])
    assert outline["geojson"] == geometry.url("outline") and outline["hoverinfo"] == "skip"
    payload = json.dumps(figure)
    assert len(payload) < 15_000  # values and labels only (the shapes alone are ~95 KB)
    assert "openmaptiles" not in payload and "http" not in payload  # no outside font or tile server
    assert figure["layout"]["map"]["style"]["layers"][0]["type"] == "background"
    texts = [t for trace in figure["data"] if trace["type"] == "scattermap" for t in trace.get("text", [])]
    assert "Чебоксары" in texts and "Новочебоксарск" in texts


def test_change_metric_uses_a_diverging_scale_centred_on_zero(loaded, region):
    frame = queries.heatmap(loaded, PERIOD, NOW, region)
    figure = map_figure(frame, region_geometry(region.boundaries_path), metric="change_pct")
    coloured = next(t for t in figure["data"] if t["type"] == "choroplethmap" and t.get("showscale") is not False)
    assert coloured["zmid"] == 0 and coloured["zmin"] == -coloured["zmax"]


def test_one_value_gets_a_scale_from_zero_not_repeated_ticks(region):
    frame = pd.DataFrame(
        {"name": ["a", "b"], "messages": [5, 0], "per_10k": [179.7, None], "change_pct": [None, None]},
        index=["97701000", "97704000"],
    ).assign(median_first_response_hours=None, overdue_share=None)
    figure = map_figure(frame, region_geometry(region.boundaries_path))
    coloured = next(t for t in figure["data"] if t["type"] == "choroplethmap" and t.get("showscale") is not False)
    assert (coloured["zmin"], coloured["zmax"]) == (0.0, 179.7)
    spread = frame.assign(per_10k=[179.7, 90.0])  # values that differ span their own range
    coloured = next(
        t
        for t in map_figure(spread, region_geometry(region.boundaries_path))["data"]
        if t["type"] == "choroplethmap" and t.get("showscale") is not False
    )
    assert (coloured["zmin"], coloured["zmax"]) == (90.0, 179.7)


def test_tile_server_is_used_only_when_configured(region):
    frame = pd.DataFrame(
        {"name": ["x"], "messages": [0], "per_10k": [None], "change_pct": [None]}, index=["97701000"]
    ).assign(median_first_response_hours=None, overdue_share=None)
    figure = map_figure(frame, region_geometry(region.boundaries_path), tile_url="http://tiles.local/{z}/{x}/{y}.png")
    assert figure["layout"]["map"]["style"]["sources"]["tiles"]["tiles"] == ["http://tiles.local/{z}/{x}/{y}.png"]


def test_density_is_binned_and_bounded(engine, region, tmp_path):
    path = tmp_path / "points.csv"
    path.write_text(POINTS, encoding="utf-8")
    load_file(path, engine, now=NOW, region=DEMO_REGION)
    bounds = region_geometry(region.boundaries_path).bounds
    grid = queries.point_density(engine, PERIOD, bounds, max_cells=20_000)
    assert grid["count"].sum() == 3
    assert len(grid) == 2  # p1 and p2 are 100 m apart: one cell; p3 in Канаш: another
    coarse = queries.point_density(engine, PERIOD, bounds, max_cells=4)
    assert coarse["count"].sum() == 3 and len(coarse) <= 4


@pytest.fixture
def sixty_days(engine, region):
    """20 000 demo messages over 60 days; the region's bounds."""
    load_frame(generate(region, messages=20_000, days=60, seed=4, now=NOW), engine, "demo", region, now=NOW)
    return region_geometry(region.boundaries_path).bounds


def assert_sample_index_used(engine, first_day: date, rate: int) -> None:
    """On SQLite, the sample of every ``rate``-th message is read through its covering partial index."""
    m = messages.c
    query = select(m.day).where(m.day >= first_day, m.lat.is_not(None), queries.sample_predicate(rate))
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {query.compile(compile_kwargs={'literal_binds': True})}")
            assert f"ix_messages_sample_{rate}" in " ".join(str(r) for r in plan)


def test_density_of_a_long_period_comes_from_the_sample_index(engine, region, sixty_days, monkeypatch):
    period = Filters(date(2026, 9, 22), date(2026, 11, 20))
    bounds = sixty_days
    exact = queries.point_density(engine, period, bounds, max_cells=400)
    monkeypatch.setattr(queries, "EXACT_POINTS", 1_000)  # ~20 000 messages: every 64th
    sampled = queries.point_density(engine, period, bounds, max_cells=400)
    assert (exact.attrs["sample"], sampled.attrs["sample"]) == (1, 64)
    assert sampled["count"].sum() == pytest.approx(exact["count"].sum(), rel=0.1)
    # the busiest cells are the same places: the sample's busiest cell is one of the exact count's three busiest (a
    # 1-in-64 sample of neighbouring cells within a few per cent of each other may rank them either way: which one
    # comes first moved with the order the messages were written in)
    cell = lambda row: (round(row["lat"], 4), round(row["lon"], 4))  # noqa: E731
    busiest = {cell(row) for _, row in exact.nlargest(3, "count", keep="all").iterrows()}
    assert cell(sampled.loc[sampled["count"].idxmax()]) in busiest
    assert_sample_index_used(engine, period.date_from, 64)
    # the map says when its density layer is a sample, and only then
    frame, geometry = queries.heatmap(engine, period, NOW, region), region_geometry(region.boundaries_path)
    notes = lambda grid, lang="ru": [  # noqa: E731
        a["text"] for a in map_figure(frame, geometry, density=grid, lang=lang)["layout"]["annotations"]
    ]
    assert "Плотность — по выборке: каждое 64-е сообщение с координатами" in notes(sampled)
    assert "Density from a sample: every 64th message with coordinates" in notes(sampled, "en")
    assert not [n for n in notes(exact) if "выборк" in n]


@pytest.mark.parametrize(
    ("matched", "scanned", "rate"),
    [
        (40_000, 40_000, 1),  # a small period: every message
        (1_000_000, 1_000_000, 64),  # a year of 1M: 15 600 samples
        (60_000, 1_000_000, 8),  # a rare channel over that year: every 8th — 7 500 points from 125 000 entries
        (10_000_000, 10_000_000, 1024),
        (400_000, 10_000_000, 1024),  # the index read stays bounded, whatever the picture loses
    ],
)
def test_the_density_sample_bounds_both_the_points_and_the_index_read(matched, scanned, rate):
    assert queries.sample_rate(matched, scanned) == rate


def test_a_rare_channel_in_a_long_period_is_drawn_from_the_every_8th_sample(engine, sixty_days, monkeypatch):
    period = Filters(date(2026, 9, 22), date(2026, 11, 20), sources=("email",))
    bounds = sixty_days
    exact = queries.point_density(engine, period, bounds, max_cells=400)
    monkeypatch.setattr(queries, "EXACT_POINTS", 1_000)
    monkeypatch.setattr(queries, "SCAN_LIMIT", 3_000)
    sampled = queries.point_density(engine, period, bounds, max_cells=400)
    assert (exact.attrs["sample"], sampled.attrs["sample"]) == (1, 8)
    assert sampled["count"].sum() == pytest.approx(exact["count"].sum(), rel=0.15)
    assert_sample_index_used(engine, period.date_from, 8)


def test_municipality_card(engine, region, tmp_path):
    for name, rows in (("hand.csv", ROWS), ("points.csv", POINTS)):
        (tmp_path / name).write_text(rows, encoding="utf-8")
        load_file(tmp_path / name, engine, now=NOW, region=DEMO_REGION)
    card = queries.municipality_card(
        engine, Filters(PERIOD.date_from, PERIOD.date_to, municipalities=(CHEB,)), NOW, region
    )
    assert card["name"] == "Чебоксары" and card["name_en"] == "Cheboksary"
    assert card["own"]["messages"] == 5
    assert card["region"]["messages"] == 9
    assert card["own"]["share_of_region"] == pytest.approx(5 / 9, abs=1e-4)
    # the region's rate counts only municipalities with a known population: here Канаш's figure is taken away
    people = region.municipalities["population"].copy()
    people[KANASH] = float("nan")
    unknown_kanash = replace(region, municipalities=region.municipalities.assign(population=people))
    without = queries.municipality_card(
        engine, Filters(PERIOD.date_from, PERIOD.date_to, municipalities=(CHEB,)), NOW, unknown_kanash
    )
    with engine.connect() as conn:
        placed = [
            row.oktmo
            for row in conn.execute(
                select(messages.c.oktmo).where(messages.c.day.between(PERIOD.date_from, PERIOD.date_to))
            )
        ]
    for shown, population in ((card, region.municipalities["population"]), (without, people)):
        known = sum(1 for code in placed if pd.notna(population.get(code)))
        assert shown["region"]["per_10k"] == pytest.approx(known / population.sum() * 10_000, abs=0.005)
    assert placed.count(KANASH) > 0 and without["region"]["per_10k"] != card["region"]["per_10k"]
    assert card["sectors"].iloc[0].to_dict() == {"sector": "zhkh", "messages": 4}
    assert card["daily"]["messages"].sum() == 5 and len(card["daily"]) == 10
    texts = " ".join(card["latest"]["text"])
    assert "917" not in texts and "ivanov@example.ru" not in texts and "Иванов Сергей" not in texts
    assert "[ФИО скрыто]" in texts and "***@***" in texts


@pytest.fixture
def client(loaded, region, tmp_path):
    settings = Settings(data_dir=tmp_path, cache_type="NullCache")
    app = create_app(settings, DashboardService(loaded, region, clock=lambda: NOW))
    return app.server.test_client()


def test_the_maps_shapes_are_served_at_addresses_cached_for_good(client, region):
    geometry = region_geometry(region.boundaries_path)
    for name in SHAPES:
        response = client.get(geometry.url(name), headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == "gzip"  # ~80 KB of coordinates travel as ~25 KB
        assert "immutable" in response.headers["Cache-Control"] and "no-store" not in response.headers["Cache-Control"]
    features = client.get(geometry.url("features")).get_json()
    assert sorted(f["id"] for f in features["features"]) == sorted(region.municipalities.index)
    outline = client.get(geometry.url("outline")).get_json()["features"]
    assert [f["id"] for f in outline] == [OUTLINE_ID]
    union = shapely.union_all([shape(f["geometry"]) for f in features["features"]])
    # the region's outer rings: the union with the slivers between units (< 0.1 % of it) filled
    assert shape(outline[0]["geometry"]).area == pytest.approx(union.area, rel=1e-3)
    assert not any(polygon.interiors for polygon in shape(outline[0]["geometry"]).geoms)
    assert client.get(region_geometry(FEDERAL_MAP).url("features")).status_code == 200  # the «Россия» view's
    # an address of other content (an older boundary file, a guess) and an unknown shape are not found
    assert client.get(geometry.url("features").replace(geometry.digest, "0" * 16)).status_code == 404
    assert client.get(geometry.url("features").replace("features", "labels")).status_code == 404


def test_api_heatmap_lists_every_municipality(client, region):
    response = client.get("/api/v1/heatmap?from=2026-11-11&to=2026-11-20")
    assert response.status_code == 200
    data = response.get_json()
    items = {item["oktmo"]: item for item in data["items"]}
    assert set(items) == set(region.municipalities.index)
    kanash = items[KANASH]
    assert kanash["name"] == "Канаш"
    assert kanash["messages"] == 3 and kanash["overdue_of_period"] == 1
    assert kanash["change_pct"] is None
    assert kanash["per_10k"] == pytest.approx(0.68, abs=0.01)
    assert items[CHEB]["change_pct"] is None  # the data begins inside the previous period
    assert items[YANTIKOVO]["per_10k"] is None and items[YANTIKOVO]["messages"] == 0
    for item in data["items"]:
        assert {
            "oktmo",
            "name",
            "messages",
            "per_10k",
            "change_pct",
            "median_first_response_hours",
            "overdue_share",
        } <= set(item)


def test_api_heatmap_filters_and_errors(client):
    one = client.get(f"/api/v1/heatmap?from=2026-11-11&to=2026-11-20&municipality={KANASH}&sector=zhkh").get_json()
    assert [(i["oktmo"], i["messages"]) for i in one["items"]] == [(KANASH, 1)]
    bad = client.get("/api/v1/heatmap?sector=nonsense")
    assert bad.status_code == 400 and "nonsense" in bad.get_json()["error"]


def test_period_before_any_data_is_all_zero(loaded, region):
    frame = queries.heatmap(loaded, Filters(date(2025, 1, 1), date(2025, 1, 31)), NOW, region)
    assert frame["messages"].sum() == 0
