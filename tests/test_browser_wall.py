"""The wall screen in headless Chromium: dark, rotating panels, the region's clock, alerts that stay on screen,
the last good picture kept while the database is away, the «данные устарели» badge, recovery by itself."""

from __future__ import annotations

import re
import time

import pytest
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import create_engine

from app import create_app
from dashboard.loader.ingest import load_frame
from dashboard.reports import alerts
from dashboard.service import DashboardService
from dashboard.settings import Settings
from geo.figure import region_geometry
from tests.conftest import save_screenshot
from tests.test_tension import NOW, build_region_frame

pytestmark = pytest.mark.browser


@pytest.fixture
def wall_app(engine, region, tmp_path):
    load_frame(build_region_frame(), engine, "tension-test", region, now=NOW)
    alerts.check(engine, region, Settings(), NOW)  # records today's critical point
    service = DashboardService(engine, region, clock=lambda: NOW)
    return create_app(Settings(data_dir=tmp_path, cache_type="NullCache"), service), service


def active_panel(dash_duo) -> str:
    return dash_duo.find_element(".wall-panel.active .wall-panel-title").text


def test_wall_rotates_shows_alerts_and_the_clock(dash_duo, wall_app):
    app, _ = wall_app
    dash_duo.start_server(app)
    dash_duo.driver.get(dash_duo.server_url + "/wall?panels=map,points,kpis&interval=5")
    dash_duo.wait_for_element("#wall-map .maplibregl-canvas", timeout=20)
    map_title = "Где болит: напряжённость по муниципалитетам"
    dash_duo.wait_for_text_to_equal(".wall-panel.active .wall-panel-title", map_title, timeout=45)  # in its turn
    save_screenshot(dash_duo.driver, "wall-map-1920x1080.png")
    assert re.match(r"\d\d:\d\d · \w+, \d+ \w+", dash_duo.find_element("#wall-clock").text)
    ticker = " ".join(dash_duo.find_element("#wall-ticker").text.split())  # heading and points: two boxes of a line
    assert "Критично сегодня · 7 дн. по 20.11.2026: ЖКХ · Новочебоксарск" in ticker
    point = dash_duo.find_element("#wall-points .wall-point").get_attribute("textContent")  # a hidden panel
    assert "критично" in point and "ЖКХ · Новочебоксарск: +" in point
    background = dash_duo.driver.execute_script(
        "return getComputedStyle(document.querySelector('.wall')).backgroundColor"
    )
    assert background == "rgb(11, 15, 20)"
    assert dash_duo.driver.find_elements("css selector", "input, select, button") == []  # nothing to operate
    dash_duo.wait_for_text_to_equal(".wall-panel.active .wall-panel-title", "Точки напряжённости", timeout=45)
    save_screenshot(dash_duo.driver, "wall-points-1920x1080.png")
    dash_duo.wait_for_text_to_equal(".wall-panel.active .wall-panel-title", "Главные показатели", timeout=45)
    assert dash_duo.find_element(".wall-panel.active .kpi-value").text == "177"  # 14–20.11: six days of data
    assert len(dash_duo.find_elements(".wall-panel.off")) == 2  # trend and alerts were not asked for
    assert dash_duo.get_logs() == []


def test_wall_keeps_the_last_picture_when_the_database_goes_and_recovers(dash_duo, wall_app):
    app, service = wall_app
    dash_duo.start_server(app)
    dash_duo.driver.get(dash_duo.server_url + "/wall?panels=points&refresh=10&stale=1")
    dash_duo.wait_for_element("#wall-points .wall-point", timeout=20)
    assert dash_duo.find_element("#wall-stale").text == ""
    good_engine = service.engine
    service.engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")  # nothing listens there
    time.sleep(12)  # a refresh fails in between
    assert "Новочебоксарск" in dash_duo.find_element("#wall-points .wall-point").text  # the last good picture
    dash_duo.driver.execute_script("window.tsurClockOffset = 2 * 60 * 1000")  # two minutes later: stale
    dash_duo.wait_for_contains_text("#wall-stale", "Данные устарели · обновлено", timeout=5)
    save_screenshot(dash_duo.driver, "wall-stale-1920x1080.png")
    service.engine = good_engine
    dash_duo.driver.execute_script("window.tsurClockOffset = 0")
    dash_duo.wait_for_text_to_equal("#wall-stale", "", timeout=15)  # the next good refresh clears it


@pytest.mark.sqlite  # the screen's geometry, not the store: once, in the SQLite pass
def test_the_trend_panel_shows_the_headers_period_in_type_sized_from_the_screen(dash_duo, wall_app):
    """It plotted 30 days under a header reading «7 дн.», in 26 px type on any screen, with ticks like «5,32»."""
    app, _ = wall_app
    dash_duo.start_server(app)
    dash_duo.driver.set_window_size(3840, 2160)  # a 4K wall: type twice the 1080p size
    dash_duo.driver.get(dash_duo.server_url + "/wall?panels=trend&period=7d")
    dash_duo.wait_for_element("#wall-trend .main-svg", timeout=20)
    dash_duo.wait_for_contains_text("#wall-period", "7 дн.", timeout=20)
    bars = dash_duo.driver.execute_script(
        "const g = document.querySelector('#wall-trend .js-plotly-plot'); return g.data[0].x.length;"
    )
    assert bars == 7
    ticks = [t.text for t in dash_duo.find_elements("#wall-trend .y2tick text")]
    assert ticks and all(re.fullmatch(r"\d+(,\d)?", tick) for tick in ticks), ticks
    size = dash_duo.driver.execute_script(
        "return parseFloat(getComputedStyle(document.querySelector('#wall-trend .xtick text')).fontSize)"
    )
    height = dash_duo.driver.execute_script("return window.innerHeight")
    assert height > 1500 and abs(size - round(height * 0.024)) <= 1, (size, height)
    save_screenshot(dash_duo.driver, "wall-trend-3840x2160.png")


@pytest.mark.sqlite  # the screen's geometry, not the store: once, in the SQLite pass
def test_the_critical_strip_shows_every_point_scrolling_or_wrapped(dash_duo, wall_app):
    """It was cut at «…4…» and never moved: now a strip longer than the screen scrolls to its end and back, and a
    screen that asks for no motion gets all of it on more lines."""
    app, _ = wall_app
    dash_duo.start_server(app)
    dash_duo.driver.get(dash_duo.server_url + "/wall?panels=points&interval=30")
    dash_duo.wait_for_contains_text("#wall-ticker", "ЖКХ · Новочебоксарск", timeout=30)
    WebDriverWait(dash_duo.driver, 10).until(
        lambda d: "scrolling" in d.find_element("css selector", "#wall-ticker").get_attribute("class")
    )
    shift, animation, whole = dash_duo.driver.execute_script(
        "const t = document.getElementById('wall-ticker'), x = t.querySelector('.wall-ticker-text');"
        "return [t.style.getPropertyValue('--ticker-shift'), getComputedStyle(x).animationName, x.textContent];"
    )
    assert shift.endswith("px") and float(shift[:-2]) < 0 and animation == "wall-ticker-scroll"
    point = dash_duo.find_element("#wall-points .wall-point").get_attribute("textContent")
    assert "обращ" in whole and whole.startswith("ЖКХ · Новочебоксарск")  # the whole reason, not cut
    dash_duo.driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-reduced-motion", "value": "reduce"}]}
    )
    still, fits = dash_duo.driver.execute_script(
        "const t = document.getElementById('wall-ticker'), x = t.querySelector('.wall-ticker-text');"
        "const inside = x.getBoundingClientRect().right <= t.getBoundingClientRect().right;"
        "return [getComputedStyle(x).animationName, inside];"
    )
    assert still == "none" and fits, point


@pytest.mark.sqlite  # the screen's geometry, not the store: once, in the SQLite pass
@pytest.mark.parametrize("screen", [(1920, 1080), (3840, 2160), (3840, 1080)])
def test_the_map_fits_its_panel_and_uses_it_at_every_aspect_ratio(dash_duo, wall_app, region, screen):
    """It was cut flat at the north and the south (fitted to the panel's size before the strips below it appeared):
    the region's bounding box, projected by the map itself, lies inside the drawn map and fills one of its sides."""
    app, _ = wall_app
    dash_duo.start_server(app)
    dash_duo.driver.set_window_size(*screen)
    dash_duo.driver.get(dash_duo.server_url + "/wall?panels=map")
    dash_duo.wait_for_element("#wall-map .maplibregl-canvas", timeout=30)
    dash_duo.wait_for_contains_text("#wall-ticker", "ЖКХ", timeout=30)  # the strips are there: the panel's final size
    west, south, east, north = region_geometry(region.boundaries_path).bounds
    script = (
        "const gd = document.querySelector('#wall-map .js-plotly-plot');"
        "const map = gd._fullLayout.map._subplot.map;"
        "const box = map.getCanvas().getBoundingClientRect();"
        "const corners = arguments[0].map(c => map.project(c));"
        "return [box.width, box.height, corners.map(p => [p.x, p.y])];"
    )
    corners = [[west, north], [east, south]]

    def fitted(_driver) -> tuple | bool:
        width, height, (top_left, bottom_right) = dash_duo.driver.execute_script(script, corners)
        inside = (
            top_left[0] >= -2 and top_left[1] >= -2 and bottom_right[0] <= width + 2 and bottom_right[1] <= height + 2
        )
        used = max((bottom_right[0] - top_left[0]) / width, (bottom_right[1] - top_left[1]) / height)
        return (width, height, top_left, bottom_right, used) if inside and used >= 0.8 else False

    found = WebDriverWait(dash_duo.driver, 30).until(fitted)
    assert found[4] <= 1.0
    halos = dash_duo.driver.execute_script(  # the town names: white, with a dark halo that reads on every colour
        "const map = document.querySelector('#wall-map .js-plotly-plot')._fullLayout.map._subplot.map;"
        "return map.getStyle().layers.filter(l => l.type === 'symbol')"
        "  .map(l => [map.getPaintProperty(l.id, 'text-halo-width'), map.getPaintProperty(l.id, 'text-halo-color')]);"
    )
    assert halos and all(width >= 1.5 and colour.startswith("rgba(11, 15, 20") for width, colour in halos), halos
    save_screenshot(dash_duo.driver, f"wall-map-{screen[0]}x{screen[1]}.png")
