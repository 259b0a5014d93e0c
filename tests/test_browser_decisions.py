"""A decision recorded on a critical point, seen in headless Chromium: on the point of the main page and on the wall,
whose red strip stops shouting once every critical point is being handled."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app import create_app
from dashboard.decisions.service import DecisionService
from dashboard.loader.ingest import load_frame
from dashboard.reports import alerts
from dashboard.service import DashboardService
from dashboard.settings import Settings
from tests.conftest import save_screenshot
from tests.test_tension import NOVOCHEB, NOW, build_region_frame

pytestmark = pytest.mark.browser
VIEW = "/?period=custom&from=2026-11-13&to=2026-11-19"


@pytest.fixture
def decided(engine, region, tmp_path):
    load_frame(build_region_frame(), engine, "tension-test", region, now=NOW)
    alerts.check(engine, region, Settings(), NOW)  # today's critical point: ЖКХ · Новочебоксарск
    service = DashboardService(engine, region, clock=lambda: NOW)
    decision_id = DecisionService(service).record(
        title="Проверить котельную №3",
        agency="Минстрой",
        due=NOW.date() + timedelta(days=5),
        sector="zhkh",
        oktmo=NOVOCHEB,
        period=(date(2026, 11, 13), date(2026, 11, 19)),
    )
    return create_app(Settings(data_dir=tmp_path, cache_type="NullCache"), service), decision_id


def test_the_point_and_the_wall_say_the_decision(dash_duo, decided):
    app, decision_id = decided
    dash_duo.start_server(app)
    dash_duo.driver.get(dash_duo.server_url + VIEW)
    dash_duo.wait_for_element(".tension-point .point-decision", timeout=20)
    point = dash_duo.find_element(".tension-point")
    assert "ЖКХ · Новочебоксарск" in point.text
    assert f"поручение №{decision_id} · назначено · срок 25.11.2026" in point.text
    assert "✓" in dash_duo.find_element("#top-points .top-point").text
    assert f"поручение №{decision_id}" in dash_duo.find_element("#tension-alerts").text
    dash_duo.driver.execute_script("document.querySelector('.tension-panel').scrollIntoView()")
    save_screenshot(dash_duo.driver, "decision-on-point-1920x1080.png")

    dash_duo.driver.get(dash_duo.server_url + "/wall?panels=points,alerts&interval=5")
    dash_duo.wait_for_contains_text("#wall-ticker", "по всем есть поручения", timeout=30)
    assert dash_duo.find_element("#wall-ticker").value_of_css_property("background-color") == "rgba(30, 70, 32, 1)"
    handled = dash_duo.find_element("#wall-points .wall-point").get_attribute("textContent")
    assert f"поручение №{decision_id}" in handled
    save_screenshot(dash_duo.driver, "wall-decided-1920x1080.png")
