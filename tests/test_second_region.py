"""A second region (Kaluga Oblast) works by configuration alone: its folder, no code that names it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest

from app import create_app
from dashboard.loader.demo import generate
from dashboard.loader.ingest import load_frame
from dashboard.region import load_region
from dashboard.service import DashboardService
from dashboard.settings import PROJECT_ROOT, Settings
from dashboard.store.db import init_db
from geo.locate import locator_for
from layouts import ids
from tests.test_roles import route_page

REGIONS = PROJECT_ROOT / "geo" / "regions"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def kaluga():
    return load_region("kaluga", REGIONS)


def test_kaluga_is_configured_by_its_folder(kaluga):
    table = kaluga.municipalities
    assert len(table) == 26 and kaluga.capital == "29701000"
    assert all(code.startswith("29") and len(code) == 8 for code in table.index)
    features = json.loads(kaluga.boundaries_path.read_text(encoding="utf-8"))["features"]
    assert sorted(str(f["id"]) for f in features) == sorted(table.index)
    # every population figure carries its year and source; unknown ones stay empty, never guessed
    known = table["population"].notna()
    assert (table.loc[known, "population_year"].notna()).all()
    assert table["population_source"].str.len().gt(0).all()


def test_points_and_names_resolve_in_kaluga(kaluga):
    locator = locator_for(kaluga.boundaries_path)
    found = locator.locate(np.array([36.267, 36.617]), np.array([54.533, 55.100]))  # Калуга, Обнинск
    assert list(found) == ["29701000", "29715000"]
    matcher = kaluga.matcher()
    assert matcher.resolve("Обнинск") == "29715000"
    assert matcher.resolve("Боровский муниципальный район") == "29606000"
    assert matcher.resolve("г. Калуга") == "29701000"


def test_dashboard_runs_on_kaluga(kaluga, engine, tmp_path):
    init_db(engine, kaluga)  # the store was seeded for Chuvashia: Kaluga's municipalities join it
    frame = generate(kaluga, messages=3_000, days=60, seed=3, now=NOW)
    summary = load_frame(frame, engine, "demo", kaluga, now=NOW)
    assert summary.new + summary.rejected == len(frame) and summary.new > 0.9 * len(frame)
    settings = Settings(data_dir=tmp_path, cache_type="NullCache", region="kaluga")
    app = create_app(settings, DashboardService(engine, kaluga, clock=lambda: NOW))
    client = app.server.test_client()
    data = client.get("/api/v1/heatmap?from=2026-10-01&to=2026-11-20").get_json()
    items = {item["oktmo"]: item for item in data["items"]}
    assert set(items) == set(kaluga.municipalities.index)
    assert sum(item["messages"] for item in items.values()) > 0
    assert items["29715000"]["per_10k"] is not None  # Обнинск has a population figure, of its year
    assert (items["29715000"]["population"], items["29715000"]["population_year"]) == (125376, 2021)
    assert items["29701000"]["per_10k"] is None  # Калуга has none verified: no rate rather than a wrong one
    routed = route_page(client, "/")  # Dash Pages' router, as a browser calls it when the page opens
    assert routed.status_code == 200, routed.get_data(as_text=True)
    layout = json.dumps(routed.get_json()["response"][ids.PAGE], ensure_ascii=False)
    assert "Калужская область" in layout and "Чувашская" not in layout
