"""`tsur region init`: a region folder from a boundaries file and a facts table, checked before a byte is written
(geo/build.py). A small hand-made territory: two districts and a town between them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest
from typer.testing import CliRunner

from dashboard.cli import app
from dashboard.loader.demo import generate
from dashboard.loader.ingest import load_frame
from dashboard.region import get_region, load_region
from dashboard.settings import get_settings
from dashboard.store.db import get_engine, init_db
from geo.locate import locator_for

runner = CliRunner()
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def square(x0: float, y0: float, x1: float, y1: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def boundaries(tmp_path, names=("Западный район", "Восточный район", "Городец")):
    features = [
        {"type": "Feature", "properties": {"name_ru": names[0]}, "geometry": square(40.0, 50.0, 40.5, 50.5)},
        {"type": "Feature", "properties": {"name_ru": names[1]}, "geometry": square(40.6, 50.0, 41.0, 50.5)},
        {"type": "Feature", "properties": {"name_ru": names[2]}, "geometry": square(40.5, 50.0, 40.6, 50.5)},
    ]
    path = tmp_path / "b.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    return path


TABLE = (
    "name,oktmo,population,population_year,population_source,name_en\n"
    "Западный муниципальный округ,99610000,21000,2021,Тест: перепись,Zapadny\n"
    "Восточный муниципальный округ,99620000,,,нет проверенной цифры,\n"
    "Городец,99701000,60000,2021,Тест: перепись,Gorodets\n"
)


def table(tmp_path, text=TABLE):
    path = tmp_path / "p.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("TSUR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TSUR_REGIONS_DIR", str(tmp_path / "regions"))
    monkeypatch.delenv("TSUR_DATABASE_URL", raising=False)
    for cached in (get_settings, get_engine, get_region):
        cached.cache_clear()
    yield tmp_path
    for cached in (get_settings, get_engine, get_region):
        cached.cache_clear()


def init(*extra: str):
    return runner.invoke(app, ["region", "init", "testland", "--name-ru", "Тестовая область", *extra])


def test_a_territory_becomes_a_region_folder_that_works(engine, env):
    result = init("-b", str(boundaries(env)), "-p", str(table(env)))
    assert result.exit_code == 0, result.output
    assert "Восточный муниципальный округ — численность, английское название" in result.output
    region = load_region("testland", env / "regions")
    assert region.capital == "99701000"  # the largest town
    table_ = region.municipalities
    assert list(table_.index) == ["99610000", "99620000", "99701000"]
    assert list(table_["kind"]) == ["okrug", "okrug", "city"]
    assert np.isnan(table_.loc["99620000", "population"])  # missing stays missing, never guessed
    assert table_.loc["99610000", "osm_name"] == "Западный район"  # matched by stem across status words
    assert 50.0 < table_.loc["99701000", "lat"] < 50.5 and 40.5 < table_.loc["99701000", "lon"] < 40.6
    located = locator_for(region.boundaries_path).locate(np.array([40.2, 40.55, 40.8]), np.array([50.2] * 3))
    assert list(located) == ["99610000", "99701000", "99620000"]
    init_db(engine, region)
    frame = generate(region, messages=500, days=30, seed=1, now=NOW)
    summary = load_frame(frame, engine, "demo", region, now=NOW)
    assert summary.new > 450 and summary.new + summary.rejected == len(frame)


@pytest.mark.parametrize(
    ("text", "names", "said"),
    [
        (TABLE.replace("99620000", "9962000"), None, "ОКТМО «9962000» — нужны 8 цифр"),
        (TABLE.replace("99620000", "99610000"), None, "ОКТМО 99610000 повторяется"),
        (TABLE.replace("60000,2021,Тест: перепись", "60000,2021,"), None, "численность 60000 без источника"),
        (TABLE.replace("60000,2021", "60000,"), None, "численность 60000 без года"),
        (
            TABLE,
            ("Западный район", "Восточнй район", "Городец"),
            "граница «Восточнй район»: нет строки в таблице; похожие",
        ),
        (
            TABLE,
            ("Западный район", "Восточнй район", "Городец"),
            "строка «Восточный муниципальный округ» (99620000): нет границы",
        ),
        ("name;oktmo\nГородец;99701000\n", None, "граница «Западный район»: нет строки в таблице"),
        ("title,code\nГородец,99701000\n", None, "нужны столбцы name и oktmo"),
    ],
)
def test_what_cannot_be_a_region_is_refused_and_nothing_written(env, text, names, said):
    result = init("-b", str(boundaries(env, *([names] if names else []))), "-p", str(table(env, text)))
    assert result.exit_code == 1
    assert said in " ".join(result.output.split()), result.output
    assert not (env / "regions" / "testland").exists()


def test_boundaries_without_a_name_ask_for_the_field(env):
    path = boundaries(env)
    data = json.loads(path.read_text())
    for feature in data["features"]:
        feature["properties"] = {"NAME_1": feature["properties"]["name_ru"]}
    path.write_text(json.dumps(data, ensure_ascii=False))
    refused = init("-b", str(path), "-p", str(table(env)))
    assert refused.exit_code == 1 and "--name-field" in refused.output and "NAME_1" in refused.output
    assert init("-b", str(path), "-p", str(table(env)), "--name-field", "NAME_1").exit_code == 0


def test_an_app_given_a_regions_folder_serves_its_region(env, tmp_path):
    """Settings passed to the app are the ones it uses: the region of ``regions_dir``, not of the environment."""
    from app import create_app
    from dashboard.settings import Settings

    built = tmp_path / "elsewhere"
    result = init("-b", str(boundaries(env)), "-p", str(table(env)), "-o", str(built / "testland"))
    assert result.exit_code == 0, result.output
    settings = Settings(data_dir=tmp_path / "app-data", regions_dir=built, region="testland", cache_type="NullCache")
    client = create_app(settings).server.test_client()
    items = client.get("/api/v1/heatmap").get_json()["items"]
    assert {item["oktmo"] for item in items} == {"99610000", "99620000", "99701000"}
