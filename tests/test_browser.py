"""The dashboard in headless Chromium: KPI tiles from real data, filters, URL state."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from app import create_app
from dashboard.loader.ingest import load_file
from dashboard.region import get_region
from dashboard.service import DashboardService
from dashboard.settings import Settings
from layouts import ids
from tests.conftest import NOW, save_screenshot
from tests.test_queries import ROWS

DEMO_REGION = get_region("chuvashia")

pytestmark = pytest.mark.browser
VIEW = "/?period=custom&from=2026-11-11&to=2026-11-20"


@pytest.fixture
def dashboard(engine, region, tmp_path):
    path = tmp_path / "hand.csv"
    path.write_text(ROWS, encoding="utf-8")
    load_file(path, engine, now=NOW, region=DEMO_REGION)
    settings = Settings(data_dir=tmp_path, cache_type="SimpleCache")
    return create_app(settings, DashboardService(engine, region, clock=lambda: NOW))


def kpi(dash_duo, key: str) -> str:
    return dash_duo.find_element(f"#kpi-{key} .kpi-value").text


def test_kpi_tiles_show_the_period(dash_duo, dashboard):
    dash_duo.start_server(dashboard)
    dash_duo.driver.get(dash_duo.server_url + VIEW)
    dash_duo.wait_for_text_to_equal("#kpi-messages .kpi-value", "6", timeout=10)
    # «Ответ в течение суток»: 1 − S(24 h) by Kaplan–Meier, 0.7 (worked out by hand in test_queries)
    assert kpi(dash_duo, "answered").replace("\u00a0", " ") == "70,0 %"
    assert kpi(dash_duo, "overdue") == "1"
    assert kpi(dash_duo, "median").endswith("ч")
    assert "11.11.2026 — 20.11.2026" in dash_duo.find_element("#period-label").text
    assert dash_duo.get_logs() == [], "browser console has errors"


@pytest.mark.sqlite  # the address's switches, not the store: once, in the SQLite pass
def test_the_response_panels_switches_are_in_the_address_and_a_shared_link_keeps_them(dash_duo, dashboard):
    dash_duo.start_server(dashboard)
    dash_duo.driver.get(dash_duo.server_url + VIEW)
    dash_duo.wait_for_text_to_equal("#kpi-messages .kpi-value", "6", timeout=10)
    for control, label in (
        (ids.RESP_MEASURE, "Решение"),
        (ids.RESP_SPLIT, "По каналам"),
        (ids.RESP_TABLE_BY, "По ведомствам"),
    ):
        option = next(e for e in dash_duo.find_elements(f"#{control} label") if e.text == label)
        option.click()
    WebDriverWait(dash_duo.driver, 10).until(lambda d: "by=agency" in d.current_url)
    url = dash_duo.driver.current_url
    assert "measure=resolution" in url and "split=source" in url and "from=2026-11-11" in url
    dash_duo.driver.get(url)  # the link, opened by someone else
    dash_duo.wait_for_text_to_equal("#kpi-messages .kpi-value", "6", timeout=10)
    for control, label in (
        (ids.RESP_MEASURE, "Решение"),
        (ids.RESP_SPLIT, "По каналам"),
        (ids.RESP_TABLE_BY, "По ведомствам"),
    ):
        chosen = dash_duo.find_element(f"#{control} label:has(input:checked)")
        assert chosen.text == label
    dash_duo.driver.get(dash_duo.server_url + VIEW + "&split=nonsense")  # a hand-edited address: the default
    dash_duo.wait_for_text_to_equal("#kpi-messages .kpi-value", "6", timeout=10)
    assert dash_duo.find_element(f"#{ids.RESP_SPLIT} label:has(input:checked)").text == "Всего"


def test_sector_filter_updates_tiles_and_url_and_the_link_reopens_it(dash_duo, dashboard):
    dash_duo.start_server(dashboard)
    dash_duo.driver.get(dash_duo.server_url + VIEW)
    dash_duo.wait_for_text_to_equal("#kpi-messages .kpi-value", "6", timeout=10)
    dash_duo.find_element("#filter-sector").click()
    search = dash_duo.wait_for_element("input.dash-dropdown-search", timeout=10)
    search.send_keys("ЖКХ")
    search.send_keys(Keys.ENTER)
    search.send_keys(Keys.ESCAPE)
    dash_duo.wait_for_text_to_equal("#kpi-messages .kpi-value", "3", timeout=10)
    url = dash_duo.driver.current_url
    assert "sector=zhkh" in url and "from=2026-11-11" in url
    save_screenshot(dash_duo.driver, "shell-sector-filter-1920x1080.png")
    # a copied link reopens the same view
    dash_duo.driver.get(url)
    dash_duo.wait_for_text_to_equal("#kpi-messages .kpi-value", "3", timeout=10)
    assert "ЖКХ" in dash_duo.find_element("#filter-sector").text


def test_period_preset_changes_dates_and_url(dash_duo, dashboard):
    dash_duo.start_server(dashboard)
    dash_duo.driver.get(dash_duo.server_url + VIEW)
    dash_duo.wait_for_text_to_equal("#kpi-messages .kpi-value", "6", timeout=10)
    presets = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#period-preset label")
    presets[1].click()  # «7 дней» ending today (20.11.2026 by the fixed clock)
    dash_duo.wait_for_contains_text("#period-label", "14.11.2026 — 20.11.2026", timeout=10)
    dash_duo.wait_for_text_to_equal("#kpi-messages .kpi-value", "3", timeout=10)
    assert "period=7d" in dash_duo.driver.current_url
    # the chosen pill under the mouse stays readable: white on blue (Dash turns a hovered option's text blue)
    chosen = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#period-preset label")[1]
    ActionChains(dash_duo.driver).move_to_element(chosen).perform()
    colours = dash_duo.driver.execute_script(
        "const s = getComputedStyle(arguments[0]); return [s.color, s.backgroundColor];", chosen
    )
    assert colours == ["rgb(255, 255, 255)", "rgb(23, 74, 133)"], colours


def test_english_switch_keeps_the_view_and_formats_for_the_language(dash_duo, dashboard):
    dash_duo.start_server(dashboard)
    dash_duo.driver.get(dash_duo.server_url + VIEW)
    dash_duo.wait_for_text_to_equal("#kpi-messages .kpi-value", "6", timeout=10)
    link = dash_duo.wait_for_element("#lang-link")
    assert link.text == "English" and "lang=en" in link.get_attribute("href")
    link.click()  # reloads the page in English, same period
    dash_duo.wait_for_text_to_equal("#kpi-answered .kpi-label", "Answered within 24 h", timeout=15)
    assert dash_duo.find_element("#kpi-answered .kpi-value").text.replace("\u00a0", " ") == "70.0 %"
    dash_duo.wait_for_contains_text("#period-label", "2026-11-11 — 2026-11-20, 10 days", timeout=10)
    assert "from=2026-11-11" in dash_duo.driver.current_url and "lang=en" in dash_duo.driver.current_url
    dash_duo.wait_for_contains_text("#map-side", "Cheboksary", timeout=10)
    presets = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#period-preset label")
    presets[1].click()  # a filter change keeps the language
    dash_duo.wait_for_contains_text("#period-label", "2026-11-14 — 2026-11-20", timeout=10)
    assert "lang=en" in dash_duo.driver.current_url
    assert dash_duo.find_element("#lang-link").text == "Русский"
    assert dash_duo.get_logs() == []
