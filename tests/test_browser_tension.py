"""The tension panel in headless Chromium: tiles sorted by tension, the spike as the top point, clicks filter."""

from __future__ import annotations

import base64
from itertools import pairwise

import pytest

from app import create_app
from dashboard.loader.ingest import load_frame
from dashboard.service import DashboardService
from dashboard.settings import Settings
from layouts.briefing import PAGE_PX
from layouts.label_placement import overlapping
from tests.conftest import save_screenshot
from tests.test_tension import NOVOCHEB, NOW, build_region_frame

pytestmark = pytest.mark.browser
VIEW = "/?period=custom&from=2026-11-13&to=2026-11-19"


@pytest.fixture
def dashboard(engine, region, tmp_path):
    load_frame(build_region_frame(), engine, "tension-test", region, now=NOW)
    settings = Settings(data_dir=tmp_path, cache_type="SimpleCache")
    return create_app(settings, DashboardService(engine, region, clock=lambda: NOW))


def test_tiles_points_and_clicks_filter_the_page(dash_duo, dashboard):
    dash_duo.start_server(dashboard)
    dash_duo.driver.get(dash_duo.server_url + VIEW)
    dash_duo.wait_for_element(".sector-tile", timeout=15)
    tiles = dash_duo.find_elements(".sector-tile")
    names = [tile.find_element("css selector", ".tile-name").text for tile in tiles]
    assert names[0] == "ЖКХ" and sorted(names[1:]) == ["Дороги", "Здравоохранение", "ТКО"]  # tense one first
    assert "напряжённость" in tiles[0].text or "критично" in tiles[0].text
    source = tiles[0].find_element("css selector", "img.sparkbars").get_attribute("src")
    assert source.startswith("data:image/svg+xml;base64,")
    spark = base64.b64decode(source.split(",", 1)[1]).decode()
    assert spark.count("<rect") == 35  # the period and the four weeks before it, a bar a day
    assert spark.count('fill="#b8c2cc"') == 28  # the four weeks before in grey, the period's 7 in its level's colour
    top = dash_duo.find_element(".tension-point")
    assert "критично" in top.text and top.text.split("\n")[0] == top.find_element("css selector", ".point-index").text
    assert "ЖКХ · Новочебоксарск: +400" in top.text and "«Отопление»" in top.text
    assert "базовый период 18.09.2026 — 12.11.2026" in dash_duo.find_element("#tension-baseline").text
    first_screen = dash_duo.find_element("#top-points .top-point")  # above the map, on the first screen
    assert "критично" in first_screen.text and "ЖКХ · Новочебоксарск" in first_screen.text
    assert first_screen.location["y"] < dash_duo.find_element("#heat-map").location["y"]

    dash_duo.driver.execute_script("document.querySelector('.tension-panel').scrollIntoView()")
    save_screenshot(dash_duo.driver, "tension-1920x1080.png")

    tiles[1].click()  # a sector tile filters the whole page to it
    dash_duo.wait_for_element(".sector-tile.selected", timeout=10)
    selected = dash_duo.find_element(".sector-tile.selected .tile-name").text
    code, count = {"Дороги": ("roads", 28), "Здравоохранение": ("health", 14), "ТКО": ("waste", 3)}[selected]
    dash_duo.wait_for_text_to_equal("#kpi-messages .kpi-value", str(count), timeout=10)
    assert f"sector={code}" in dash_duo.driver.current_url
    dash_duo.wait_for_contains_text("#filter-sector", selected, timeout=10)

    dash_duo.find_element(".sector-tile.selected").click()  # a second click clears the filter
    dash_duo.wait_for_element_by_css_selector(".sector-tile:not(.selected)", timeout=10)
    dash_duo.wait_for_text_to_equal("#kpi-messages .kpi-value", "206", timeout=10)
    assert "sector=" not in dash_duo.driver.current_url

    dash_duo.find_element("#top-points .top-point").click()  # a point filters to its sector and municipality
    dash_duo.wait_for_text_to_equal("#kpi-messages .kpi-value", "70", timeout=10)
    url = dash_duo.driver.current_url
    assert "sector=zhkh" in url and f"municipality={NOVOCHEB}" in url
    assert dash_duo.get_logs() == []


def test_ministers_sector_page_is_scoped_to_its_sector(dash_duo, dashboard):
    dash_duo.start_server(dashboard)
    dash_duo.driver.get(dash_duo.server_url + "/sector/health" + VIEW[1:])
    dash_duo.wait_for_text_to_equal("#kpi-messages .kpi-value", "14", timeout=15)  # health only
    assert "Отрасль: Здравоохранение" in dash_duo.find_element(".region-name").text
    sector_filter = dash_duo.find_element("#filter-sector")
    assert sector_filter.get_attribute("disabled") is not None and "Здравоохранение" in sector_filter.text
    dash_duo.wait_for_element(".sector-tile", timeout=10)
    assert [tile.text.split("\n")[0] for tile in dash_duo.find_elements(".sector-tile")] == ["Здравоохранение"]
    dash_duo.wait_for_element("#resp-table .ag-row", timeout=15)
    rows = dash_duo.find_elements("#resp-table .ag-center-cols-container .ag-row")
    assert len(rows) == 1 and "Здравоохранение" in rows[0].text
    dash_duo.find_element(".sector-tile").click()  # a tile click cannot lift the page's sector
    dash_duo.find_elements("#map-metric label")[-1].click()  # the tension metric, per municipality
    dash_duo.wait_for_contains_text("#map-side", "напряжённость", timeout=10)
    assert "/sector/health" in dash_duo.driver.current_url and "sector=" not in dash_duo.driver.current_url
    assert dash_duo.find_element("#kpi-messages .kpi-value").text == "14"
    assert "Здравоохранение" in dash_duo.find_element("#filter-sector").text  # the control still says whose page
    save_screenshot(dash_duo.driver, "sector-health-1920x1080.png")
    dash_duo.driver.get(dash_duo.server_url + "/sector/nope")
    dash_duo.wait_for_text_to_equal("h1", "Такой страницы нет", timeout=10)
    assert dash_duo.get_logs() == []


def test_regional_heads_first_screen_on_a_laptop_and_one_click_to_a_reason(dash_duo, dashboard):
    """1366×768: KPIs, the top points and the whole map show without scrolling; a municipality's card gives
    the reason for its colour."""
    dash_duo.start_server(dashboard)
    dash_duo.driver.set_window_size(1366, 768)
    dash_duo.driver.get(dash_duo.server_url + VIEW)
    dash_duo.wait_for_element("#top-points .top-point", timeout=15)
    dash_duo.wait_for_element("#heat-map .maplibregl-canvas", timeout=15)
    viewport = dash_duo.driver.execute_script("return window.innerHeight")
    assert viewport < 768  # the browser's own bars take their share, as on a real laptop

    def bottom(selector: str) -> float:
        return dash_duo.driver.execute_script(
            "return document.querySelector(arguments[0]).getBoundingClientRect().bottom", selector
        )

    for selector in ("#kpi-tiles", "#top-points", "#heat-map", "#map-side"):
        assert bottom(selector) <= viewport, f"{selector} ends at {bottom(selector)} px of {viewport}"
    assert dash_duo.driver.execute_script("return document.querySelector('#heat-map').offsetHeight") >= 280
    save_screenshot(dash_duo.driver, "first-screen-1366x768.png")

    ranked = {item.text.split("\n")[0]: item for item in dash_duo.find_elements("#map-side .rank-item")}
    ranked["Новочебоксарск"].click()  # one click on the spot opens its card with the reason
    dash_duo.wait_for_element("#municipality-card .place-point", timeout=10)
    hottest = dash_duo.find_element("#municipality-card .place-point")
    assert "критично" in hottest.text and "ЖКХ" in hottest.text and "+400" in hottest.text
    assert dash_duo.get_logs() == []


def test_briefing_page_from_the_dashboards_link(dash_duo, dashboard):
    """«Справка» opens the briefing of the same filters: five sheets, the spike first, figures with a PNG button."""
    dash_duo.start_server(dashboard)
    dash_duo.driver.get(dash_duo.server_url + "/sector/zhkh" + VIEW[1:])
    dash_duo.wait_for_text_to_equal("#kpi-messages .kpi-value", "161", timeout=15)
    link = dash_duo.find_element("#briefing-link")
    assert "sector=zhkh" in link.get_attribute("href")  # the minister's sector goes with it as a filter
    link.click()
    dash_duo.wait_for_element("#part-summary", timeout=15)
    assert len(dash_duo.find_elements(".sheet")) == 4  # a quiet week: its points share the first sheet
    assert len(dash_duo.find_elements("#part-summary .headlines li")) >= 3  # «Главное», each with its table's link
    assert (
        dash_duo.find_element("#part-summary .headlines li a").get_attribute("href").endswith("#table-briefing-summary")
    )
    assert "Отбор: ЖКХ" in dash_duo.find_element(".sheet-head").text
    assert "13.11.2026 — 19.11.2026 в сравнении с 06.11.2026 — 12.11.2026" in dash_duo.find_element(".sheet-head").text
    first_row = dash_duo.find_element("#part-summary tbody tr").text
    assert first_row.startswith("Сообщений 161 105")
    assert "Новочебоксарск" in dash_duo.find_element("#part-points tbody tr").text
    assert "/briefing/export.pptx?" in dash_duo.find_element("#briefing-pptx").get_attribute("href")
    back = dash_duo.find_element("#briefing-back").get_attribute("href")  # to the minister's page it came from
    assert "/sector/zhkh?" in back and "period=custom" in back
    dash_duo.wait_for_element("#sheet-figures .briefing-graph .main-svg", timeout=15)
    # plotly's own button, in Russian (its locale registered from assets/, nothing fetched)
    assert len(dash_duo.find_elements("#sheet-figures .modebar-btn[data-title='Скачать график в PNG']")) == 3
    # the print map's town names as drawn in the SVG: every town named, no two names over each other
    drawn = dash_duo.driver.execute_script(
        "const plot = document.querySelector('#sheet-figures .js-plotly-plot');"
        "return [...plot.querySelectorAll('.textpoint text')].map(e => {"
        "  const r = e.getBoundingClientRect(); return [e.textContent, r.left, r.top, r.right, r.bottom]; });"
    )
    assert {name for name, *_ in drawn} == {"Чебоксары", "Новочебоксарск", "Канаш", "Алатырь", "Шумерля"}
    assert not overlapping([tuple(box) for _, *box in drawn]), drawn
    png = dash_duo.driver.execute_async_script(  # what the PNG button does, in the page, with no server involved
        "const done = arguments[arguments.length - 1];"
        "Plotly.toImage(document.querySelector('#sheet-figures .js-plotly-plot'), {format: 'png', scale: 2})"
        ".then(done, (e) => done(String(e)));"
    )
    assert png.startswith("data:image/png;base64,") and len(png) > 20_000
    pdf = dash_duo.find_element("#briefing-pdf").get_attribute("href")
    assert "/briefing/export.pdf?" in pdf and "sector=zhkh" in pdf
    assert "/briefing/export.xlsx?" in dash_duo.find_element("#briefing-xlsx").get_attribute("href")
    save_screenshot(dash_duo.driver, "briefing-1920x1080.png")
    dash_duo.driver.set_window_size(1366, 900)
    save_screenshot(dash_duo.driver, "briefing-1366.png")
    # every chart inside its sheet's text area (A4 landscape), on screen as on paper
    overflow = dash_duo.driver.execute_script(
        "const sheet = document.querySelector('#sheet-figures');"
        "const right = sheet.getBoundingClientRect().right - parseFloat(getComputedStyle(sheet).paddingRight);"
        "return [...sheet.querySelectorAll('.briefing-graph')].map(g => g.getBoundingClientRect().right - right);"
    )
    assert len(overflow) == 3 and max(overflow) <= 0, overflow
    assert dash_duo.get_logs() == []


def test_a_sector_reads_the_same_on_the_main_page_and_the_ministers_page(dash_duo, dashboard):
    """One truth: Здравоохранение's tile read 10 on / and 14 on /sector/health (its index was recomputed on the
    sector's own cells); ЖКХ · Новочебоксарск's point must read the same in both lists too."""

    def read(path: str) -> dict[str, tuple[str, str]]:
        dash_duo.driver.get(dash_duo.server_url + path)
        dash_duo.wait_for_element(".sector-tile", timeout=15)
        dash_duo.wait_for_element(".tension-point", timeout=15)
        tiles = {
            tile.find_element("css selector", ".tile-name").text: (
                tile.find_element("css selector", ".tile-index").text,
                tile.find_element("css selector", ".level").text,
            )
            for tile in dash_duo.find_elements(".sector-tile")
        }
        points = {
            point.find_element("css selector", ".point-reason").text.split(":")[0]: (
                point.find_element("css selector", ".point-index").text,
                point.find_element("css selector", ".level").text,
            )
            for point in dash_duo.find_elements(".tension-point:not(.empty)")
        }
        return {**tiles, **points}

    dash_duo.start_server(dashboard)
    everything = read(VIEW)
    health = read("/sector/health" + VIEW[1:])
    zhkh = read("/sector/zhkh" + VIEW[1:])
    assert health["Здравоохранение"] == everything["Здравоохранение"]
    assert zhkh["ЖКХ"] == everything["ЖКХ"]
    assert zhkh["ЖКХ · Новочебоксарск"] == everything["ЖКХ · Новочебоксарск"]
    assert everything["ЖКХ · Новочебоксарск"][1] == "критично"


@pytest.mark.sqlite  # the print layout, not the store: once, in the SQLite pass
def test_the_briefings_sheets_each_fill_a_printed_page_and_none_spills(dash_duo, dashboard):
    """Measured in Chromium's print layout: no sheet is taller than an A4 landscape page's text, and no two sheets
    in a row would have fitted on one page (the figures' sheet stands apart)."""
    dash_duo.start_server(dashboard)
    dash_duo.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        for search in (VIEW[2:], VIEW[2:] + "&sector=zhkh", "period=custom&from=2026-11-19&to=2026-11-19",
                       "period=quarter&lang=en"):  # fmt: skip
            dash_duo.driver.get(dash_duo.server_url + "/briefing?" + search)
            dash_duo.wait_for_element("#sheet-figures .briefing-graph .main-svg", timeout=15)
            heights = dash_duo.driver.execute_script(
                "return [...document.querySelectorAll('.sheet:not(#sheet-figures)')]"
                ".map(s => s.getBoundingClientRect().height)"
            )
            assert heights and max(heights) <= PAGE_PX, (search, heights)
            pairs = [a + b for a, b in pairwise(heights)]
            assert all(both > 0.8 * PAGE_PX for both in pairs), (search, heights)
    finally:
        dash_duo.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
