"""Demo data is realistic and loads cleanly; settings refuse an unsafe production start."""

from __future__ import annotations

import pandas as pd
import pytest
from pydantic import ValidationError

from dashboard.loader.demo import generate
from dashboard.loader.ingest import load_frame
from dashboard.settings import Settings
from tests.conftest import NOW


@pytest.fixture(scope="module")
def demo(region):
    return generate(region, messages=30_000, days=365, seed=3, now=NOW)


def test_demo_goes_through_the_loader_without_rejections(engine, region, demo):
    summary = load_frame(demo.head(5_000), engine, "demo", region, now=NOW)
    assert summary.rejected == 0
    assert summary.new == 5_000


def test_demo_is_seasonal_and_weighted_by_population(region, demo):
    created = pd.to_datetime(demo["created_at"], utc=True).dt.tz_convert("Europe/Moscow")
    zhkh = demo["sector"].eq("zhkh")
    assert zhkh[created.dt.month == 1].mean() > zhkh[created.dt.month == 7].mean() * 1.5  # heating season
    roads = demo["sector"].eq("roads")
    assert roads[created.dt.month == 4].mean() > roads[created.dt.month == 8].mean() * 1.5  # spring thaw
    capital = demo["municipality"].isin(["97701000", "Чебоксары"]).mean()
    assert 0.4 < capital < 0.6  # ~42 % of residents live in Cheboksary, slightly over-weighted


def test_demo_has_open_overdue_and_personal_data_to_mask(demo):
    assert (demo["first_response_at"] == "").mean() > 0.02
    assert demo["text"].str.contains(r"\+7 \(9\d\d\)").any()
    assert demo["text"].str.contains("@mail.ru").any()


def test_demo_is_reproducible(region):
    a = generate(region, messages=2_000, days=60, seed=11, now=NOW)
    b = generate(region, messages=2_000, days=60, seed=11, now=NOW)
    pd.testing.assert_frame_equal(a, b)


def test_production_needs_a_real_secret():
    with pytest.raises(ValidationError, match="TSUR_SECRET_KEY"):
        Settings(env="production")
    assert Settings(env="production", secret_key="x" * 32).env == "production"


def test_default_database_is_sqlite_in_data_dir(tmp_path):
    assert Settings(data_dir=tmp_path).resolved_database_url.endswith(f"{tmp_path}/tsur.db")
