"""The federal overview: Russia by region from the same store, keyed by OKTMO prefix."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from dashboard.loader.ingest import load_file
from dashboard.metrics import queries
from dashboard.region import get_region
from geo.federal import FEDERAL_MAP, federal_regions, region_of
from tests.conftest import NOW
from tests.test_queries import PERIOD, ROWS

DEMO_REGION = get_region("chuvashia")


def test_federal_map_has_every_region_once():
    features = json.loads(FEDERAL_MAP.read_text(encoding="utf-8"))["features"]
    ids = [str(f["id"]) for f in features]
    assert len(ids) == 80 and len(set(ids)) == 80
    assert {"97", "29", "68", "118", "718", "719"} <= set(ids)
    lons = [x for f in features for ring in _rings(f["geometry"]) for x, _ in ring]
    assert min(lons) > 19 and max(lons) < 200  # Chukotka kept east of the antimeridian, in one piece


def _rings(geometry):
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [ring for polygon in polygons for ring in polygon]


def test_longest_prefix_wins():
    codes = pd.Series(["11811000", "11701000", "71871000", "71951000", "71701000", "97701000", "00000000"])
    assert list(region_of(codes, list(federal_regions().index))) == ["118", "11", "718", "719", "71", "97", pd.NA]


def test_federal_figures_add_up_to_the_region(engine, region, tmp_path):
    path = tmp_path / "hand.csv"
    # one message on the previous period's first day, so the data covers it and the change is a change
    path.write_text(ROWS + "q0,vk,2026-11-01 09:00,,new,zhkh,Чебоксары\n", encoding="utf-8")
    load_file(path, engine, now=NOW, region=DEMO_REGION)
    frame = queries.federal(engine, PERIOD, NOW, region)
    assert len(frame) == 80
    chuvashia = frame.loc["97"]
    assert chuvashia["messages"] == 6 and chuvashia["previous_messages"] == 2
    assert np.isnan(chuvashia["change_pct"])  # 6 against 2: both below small_numbers.LOW_COUNT, no «+200 %»
    assert bool(chuvashia["low_count"])
    assert chuvashia["overdue_of_period"] == 1
    # the rate uses the population of the municipalities with a known figure (Янтиковский has none)
    assert chuvashia["per_10k"] == round(6 / chuvashia["population"] * 10_000, 2)
    assert frame.drop(index="97")["messages"].sum() == 0
