"""A rate per resident says which population it rests on: the year on the card and in the API, and a figure older
than 2020 (the 2010 census, in the shipped Tambov data) named as making the rate approximate on the card and map."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dashboard.filters import Filters
from dashboard.loader.demo import generate
from dashboard.loader.ingest import load_frame
from dashboard.metrics.queries import heatmap
from dashboard.region import load_region, stale_population
from dashboard.settings import PROJECT_ROOT
from dashboard.store.db import init_db
from layouts.map_figure import _hover
from layouts.map_panel import _population_line

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
GAVRILOVSKY, TAMBOV = "68603000", "68701000"  # 2010 census; 2021


@pytest.fixture
def tambov_store(engine):
    region = load_region("tambov", PROJECT_ROOT / "geo" / "regions")
    init_db(engine, region)
    load_frame(generate(region, messages=3_000, days=40, seed=2, now=NOW), engine, "demo", region, now=NOW)
    return engine, region


def test_the_rule_names_figures_before_2020():
    assert stale_population(2010) and stale_population(2018.0)
    assert not stale_population(2020) and not stale_population(None) and not stale_population(float("nan"))


def test_the_map_and_the_card_say_which_population_a_rate_rests_on(tambov_store):
    engine, region = tambov_store
    filters = Filters(date_from=NOW.date().replace(day=1), date_to=NOW.date())
    frame = heatmap(engine, filters, NOW, region)
    assert frame.loc[GAVRILOVSKY, "population_year"] == 2010 and frame.loc[TAMBOV, "population_year"] == 2021
    hover = dict(zip(frame.index, _hover(frame, "ru"), strict=True))
    assert "численность 2010 г. — приблизительно" in hover[GAVRILOVSKY][2]
    assert "численность" not in hover[TAMBOV][2]
    card = {
        "population": 11905,
        "population_year": 2010,
        "population_source": region.municipalities.loc[GAVRILOVSKY, "population_source"],
    }
    line = _population_line(card, "ru")
    assert line.children[0] == "Население: 11\xa0905 (2010)"
    assert "численность 2010 г.: показатель на 10 000 жителей приблизителен" in line.children[1].children
    assert "перепись населения 2010" in line.title
    fresh = _population_line({"population": 261803, "population_year": 2021, "population_source": "x"}, "ru")
    assert "(2021)" in str(fresh.children) and "приблизителен" not in str(fresh.children)
