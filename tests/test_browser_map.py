"""The heat map in headless Chromium: drawn offline, a click on a municipality opens its card and filters all."""

from __future__ import annotations

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from geo.figure import OUTLINE_ID
from tests.conftest import save_screenshot
from tests.test_browser import VIEW, dashboard  # noqa: F401 - the fixture is shared

pytestmark = pytest.mark.browser
KANASH = (47.4914, 55.5069)  # lon, lat of Канаш


def wait_for_map(dash_duo) -> None:
    dash_duo.wait_for_element("#heat-map .maplibregl-canvas", timeout=15)
    dash_duo.wait_for_element(".rank-item", timeout=15)


def click_on_map(dash_duo, lon: float, lat: float) -> None:
    """Clicks the map where MapLibre draws (lon, lat).

    Plotly turns a click into clickData only for the point under the last hover. Selenium's synthetic
    pointer moves do not reach MapLibre's mousemove handler in headless Chromium, so the hover is a DOM
    mousemove event at the same pixel; the click itself is a real Selenium click there.
    """
    canvas = dash_duo.find_element("#heat-map .maplibregl-canvas")
    x, y = dash_duo.driver.execute_script(
        "const gd = document.querySelector('#heat-map .js-plotly-plot');"
        "const p = gd._fullLayout.map._subplot.map.project([arguments[0], arguments[1]]);"
        "const box = gd.querySelector('.maplibregl-canvas').getBoundingClientRect();"
        "gd.querySelector('.maplibregl-canvas').dispatchEvent(new MouseEvent('mousemove',"
        " {clientX: box.x + p.x, clientY: box.y + p.y, bubbles: true}));"
        "return [p.x, p.y];",
        lon,
        lat,
    )
    width, height = canvas.size["width"], canvas.size["height"]
    actions = ActionChains(dash_duo.driver).move_to_element(canvas)  # the centre, whatever the Selenium version
    actions.move_by_offset(round(x - width / 2), round(y - height / 2)).click().perform()


def test_map_draws_every_municipality_without_internet(dash_duo, dashboard, region):  # noqa: F811
    dash_duo.start_server(dashboard)
    dash_duo.driver.get(dash_duo.server_url + VIEW)
    wait_for_map(dash_duo)
    figure = dash_duo.driver.execute_script("return document.querySelector('#heat-map .js-plotly-plot').data;")
    located = {loc for trace in figure if trace["type"] == "choroplethmap" for loc in trace["locations"]}
    assert located - {OUTLINE_ID} == set(region.municipalities.index)
    # the figure names the shapes' address; MapLibre drew the polygons it fetched from there
    until(lambda: drawn_polygons(dash_duo) >= 26, timeout=10)
    ranking = [e.text for e in dash_duo.driver.find_elements(By.CSS_SELECTOR, ".rank-item .rank-name")]
    assert ranking[0] == "Канаш"  # 3 messages for 44 354 residents: the highest rate in the hand data
    options = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#map-metric label")
    next(o for o in options if o.text == "Сообщений").click()  # a new figure: the shapes are not fetched again
    dash_duo.wait_for_contains_text(".ranking h3", "сообщений", timeout=10)
    until(lambda: drawn_polygons(dash_duo) >= 26, timeout=10)
    resources = dash_duo.driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name);")
    outside = [r for r in resources if not r.startswith(dash_duo.server_url)]
    assert outside == [], f"the page fetched from outside: {outside}"
    shapes = sorted(r.rsplit("/", 1)[1] for r in resources if "/geo/" in r)
    assert shapes == ["features.geojson", "outline.geojson"], shapes
    assert dash_duo.get_logs() == []


def drawn_polygons(dash_duo) -> int:
    """Polygons MapLibre has drawn on the heat map (filled areas the map renders in view)."""
    return dash_duo.driver.execute_script(
        "const gd = document.querySelector('#heat-map .js-plotly-plot');"
        "const map = gd._fullLayout.map._subplot.map;"
        "return map.queryRenderedFeatures().filter(f => f.layer.type === 'fill').length;"
    )


def test_click_on_a_municipality_opens_its_card_and_back(dash_duo, dashboard):  # noqa: F811
    dash_duo.start_server(dashboard)
    dash_duo.driver.get(dash_duo.server_url + VIEW)
    wait_for_map(dash_duo)
    dash_duo.wait_for_text_to_equal("#kpi-messages .kpi-value", "6", timeout=10)
    click_on_map(dash_duo, *KANASH)
    dash_duo.wait_for_text_to_equal(".card-title", "Канаш", timeout=10)
    # the whole dashboard is filtered to it: the KPI tiles, the municipality filter and the URL
    dash_duo.wait_for_text_to_equal("#kpi-messages .kpi-value", "3", timeout=10)
    assert "municipality=97707000" in dash_duo.driver.current_url
    assert "Канаш" in dash_duo.find_element("#filter-municipality").text
    card = dash_duo.find_element("#municipality-card").text.lower()
    assert "главные отрасли" in card and "последние сообщения" in card
    assert "12.11 10:00 · жкх" in card  # times in the region's zone, sector names in Russian
    save_screenshot(dash_duo.driver, "map-card-1920x1080.png")
    dash_duo.find_element("#municipality-card .back").click()
    dash_duo.wait_for_element(".rank-item", timeout=10)
    dash_duo.wait_for_text_to_equal("#kpi-messages .kpi-value", "6", timeout=10)
    assert "municipality=" not in dash_duo.driver.current_url
    assert dash_duo.get_logs() == []


def test_ranking_opens_a_card_and_metric_switch_goes_into_the_url(dash_duo, dashboard):  # noqa: F811
    dash_duo.start_server(dashboard)
    dash_duo.driver.get(dash_duo.server_url + VIEW)
    wait_for_map(dash_duo)
    options = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#map-metric label")
    next(o for o in options if o.text == "Сообщений").click()
    dash_duo.wait_for_contains_text(".ranking h3", "сообщений", timeout=10)
    assert "metric=messages" in dash_duo.driver.current_url
    first = dash_duo.driver.find_elements(By.CSS_SELECTOR, ".rank-item")[0]
    assert first.find_element(By.CSS_SELECTOR, ".rank-value").text == "3"
    first.click()
    dash_duo.wait_for_element("#municipality-card", timeout=10)
    assert "municipality=" in dash_duo.driver.current_url and "metric=messages" in dash_duo.driver.current_url


def test_federal_view_opens_the_region_on_click(dash_duo, dashboard):  # noqa: F811
    dash_duo.start_server(dashboard)
    dash_duo.driver.get(dash_duo.server_url + VIEW + "&view=federal")
    dash_duo.wait_for_contains_text(".ranking h3", "Регионы с данными", timeout=15)
    assert [e.text for e in dash_duo.driver.find_elements(By.CSS_SELECTOR, ".rank-name")] == [
        "Чувашская Республика - Чувашия"
    ]
    dash_duo.wait_for_element("#heat-map .maplibregl-canvas", timeout=15)
    click_on_map(dash_duo, 47.1, 55.5)  # the middle of Chuvashia
    dash_duo.wait_for_contains_text(".ranking h3", "Рейтинг муниципалитетов", timeout=10)
    assert "view=federal" not in dash_duo.driver.current_url
    assert dash_duo.get_logs() == []
