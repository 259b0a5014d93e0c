"""Accessibility as an auditor checks it (issue 38, docs/accessibility.md), in headless Chromium on the tension test's
region: axe-core's WCAG 2.1 A/AA rules on every page, the keyboard's paths, what a screen reader is given, 200 % zoom
on a laptop, and a wall that asks for no motion.

axe-core is the npm package pinned in tests/a11y/package-lock.json (``make setup`` installs it), read from disk and
run in the page: nothing is fetched from outside."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from app import create_app
from dashboard import accounts
from dashboard.catalog import load_sectors
from dashboard.loader.ingest import load_frame
from dashboard.reports import alerts
from dashboard.service import DashboardService
from dashboard.settings import Settings
from geo.figure import OUTLINE_ID
from tests.conftest import save_screenshot
from tests.test_tension import NOW, build_region_frame

# axe checks the page, not the store: once, in the SQLite pass
pytestmark = [pytest.mark.browser, pytest.mark.sqlite]

AXE = Path(__file__).parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
VIEW = "?period=7d"
PAGES = {  # what must have settled before a page is judged
    "/" + VIEW: ".tension-point, .sector-tile",
    "/" + VIEW + "&lang=en": ".tension-point, .sector-tile",
    "/sector/zhkh" + VIEW: ".tension-point, .sector-tile",
    "/briefing" + VIEW: ".briefing-body .sheet",
    "/briefing" + VIEW + "&lang=en": ".briefing-body .sheet",
    "/decisions": "#decision-list table, #decision-list p",
    "/no-such-page": "main h1",
}
WALL_PANELS = ("map", "points", "kpis", "trend", "alerts")


@pytest.fixture
def a11y_app(engine, region, tmp_path):
    load_frame(build_region_frame(), engine, "tension-test", region, now=NOW)
    alerts.check(engine, region, Settings(), NOW)  # today's critical point: the wall's strip is on

    def make(**extra):
        settings = Settings(data_dir=tmp_path, cache_type="NullCache", secret_key="a11y-test-secret-0123", **extra)
        return create_app(settings, DashboardService(engine, region, clock=lambda: NOW))

    return make


def axe_violations(driver) -> list[str]:
    """axe-core's violations of the WCAG 2.1 A/AA rules on the page as it stands, one line per rule: its id, impact
    and the elements (CSS selectors) that break it."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make setup` installs axe-core (npm ci --prefix tests/a11y)")
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    found = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
        ".then(r => done(r.violations.map(v => [v.id, v.impact, v.nodes.map(n => n.target.join(' '))])),"
        " e => done([['axe-error', String(e), []]]));",
        RULES,
    )
    return [f"{rule} ({impact}): {', '.join(targets[:8])}" for rule, impact, targets in found]


def settle(dash_duo, selector: str) -> None:
    dash_duo.wait_for_element(selector, timeout=20)
    WebDriverWait(dash_duo.driver, 20).until(
        lambda d: d.execute_script("return !document.querySelector('[data-dash-is-loading=true]')")
    )


def open_main(dash_duo, app, ready: str = ".rank-item"):
    """The main page of the last seven days, settled; its browser."""
    dash_duo.start_server(app)
    dash_duo.driver.get(dash_duo.server_url + "/" + VIEW)
    settle(dash_duo, ready)
    return dash_duo.driver


def press(driver, element, key: str) -> None:
    """``key`` on ``element`` as the keyboard gives it: focus first, then the key."""
    driver.execute_script("arguments[0].focus()", element)
    driver.switch_to.active_element.send_keys(key)


def test_no_axe_violation_on_any_page(dash_duo, a11y_app):
    dash_duo.start_server(a11y_app())
    found = {}
    for path, ready in PAGES.items():
        dash_duo.driver.get(dash_duo.server_url + path)
        settle(dash_duo, ready)
        found[path] = axe_violations(dash_duo.driver)
    # a municipality's card, opened from the ranking
    dash_duo.driver.get(dash_duo.server_url + "/" + VIEW)
    settle(dash_duo, ".rank-item")
    dash_duo.find_element(".rank-item").click()
    settle(dash_duo, "#municipality-card .compare")
    found["card"] = axe_violations(dash_duo.driver)
    # an open dropdown of the filters, and the dates' calendar (Dash's own, put into the page's language)
    dash_duo.find_element("#filter-sector").click()
    dash_duo.wait_for_element(".dash-dropdown-content", timeout=10)
    found["dropdown"] = axe_violations(dash_duo.driver)
    dash_duo.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    dash_duo.find_element("#period-dates").click()
    dash_duo.wait_for_element(".dash-datepicker-content", timeout=10)
    dash_duo.wait_for_contains_text(".dash-datepicker-content", "Пн", timeout=5)
    found["calendar"] = axe_violations(dash_duo.driver)
    for panel in WALL_PANELS:  # every panel of the wall, each on screen in its turn
        dash_duo.driver.get(dash_duo.server_url + f"/wall?panels={panel}&period=7d")
        settle(dash_duo, ".wall-panel.active .wall-panel-title")
        found[f"/wall {panel}"] = axe_violations(dash_duo.driver)
    assert {page: rules for page, rules in found.items() if rules} == {}


def test_no_axe_violation_on_the_sign_in_page(dash_duo, a11y_app, engine):
    accounts.add_user(engine, "head", "head", "long enough password", (), load_sectors().codes)
    dash_duo.start_server(a11y_app(auth=True), navigate=False)
    for lang in ("ru", "en"):
        dash_duo.driver.get(dash_duo.server.url + f"/?lang={lang}")
        dash_duo.wait_for_element("form[action='/login'] input[name='name']", timeout=10)
        assert dash_duo.driver.execute_script("return document.documentElement.lang") == lang
        assert axe_violations(dash_duo.driver) == []


def test_html_lang_and_the_title_follow_the_page(dash_duo, a11y_app):
    dash_duo.start_server(a11y_app())
    for path, lang, title in (
        ("/", "ru", "ЦУР · обращения граждан"),
        ("/?lang=en", "en", "Regional management centre · citizens' messages"),
        ("/sector/zhkh", "ru", "ЖКХ · ЦУР · обращения граждан"),
        ("/wall?lang=en", "en", "Situation-centre wall · Regional centre"),
        ("/briefing", "ru", "Справка к совещанию · ЦУР"),
        ("/decisions?lang=en", "en", "Decisions · Regional centre"),
        ("/nope?lang=xx", "ru", "Такой страницы нет · ЦУР"),
    ):
        dash_duo.driver.get(dash_duo.server_url + path)
        assert dash_duo.driver.execute_script("return document.documentElement.lang") == lang, path
        WebDriverWait(dash_duo.driver, 10).until(lambda d, title=title: d.title == title, f"{path}: {title}")


def focused(driver) -> dict:
    return driver.execute_script(
        "const e = document.activeElement; const s = getComputedStyle(e);"
        "const label = e.closest('label');"
        "const ring = label ? getComputedStyle(label) : s;"
        "return {tag: e.tagName, id: e.id, cls: String(e.className), text: (e.textContent || '').trim().slice(0, 60),"
        " value: e.value || '', name: e.name || '',"
        " outline: ring.outlineStyle + ' ' + ring.outlineWidth, top: e.getBoundingClientRect().top};"
    )


def test_the_keyboard_reaches_every_control_in_order_with_a_visible_ring(dash_duo, a11y_app):
    driver = open_main(dash_duo, a11y_app())
    body = driver.find_element("css selector", "body")
    body.send_keys(Keys.TAB)  # the first stop: the skip link, shown when focused
    first = focused(driver)
    assert first["cls"] == "skip-link" and first["text"] == "Перейти к содержимому" and first["top"] >= 0
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    assert focused(driver)["id"] == "content"
    # from the top, Tab walks the whole page: filters, then the content, and out at the end (no trap)
    driver.get(dash_duo.server_url + "/" + VIEW)
    settle(dash_duo, ".rank-item")
    stops = []
    for _ in range(400):
        driver.switch_to.active_element.send_keys(Keys.TAB)
        stop = focused(driver)
        if stop["tag"] == "BODY" or (stops and stop["cls"] == "skip-link"):
            break  # focus left the page, or came round to its start again
        stops.append(stop)
        assert stop["outline"].startswith(("solid", "auto", "-webkit-focus-ring-color")), stop
        assert not stop["outline"].endswith(" 0px"), stop
    kinds = [s["cls"] for s in stops]
    ids_ = [s["id"] for s in stops]
    order = [
        next(i for i, s in enumerate(stops) if s["cls"] == "skip-link"),
        next(i for i, s in enumerate(stops) if "dash-options-list-option-checkbox" in s["cls"]),  # the period
        ids_.index("filter-sector"),
        ids_.index("filter-municipality"),
        next(i for i, k in enumerate(kinds) if "rank-item" in k),  # the map's ranking
        next(i for i, k in enumerate(kinds) if "sector-tile" in k),  # the tension panel, below the map
        next(i for i, k in enumerate(kinds) if "ag-cell" in k),  # the response table, last
    ]
    assert order == sorted(order), stops
    assert len(stops) < 400, "the focus never left the page: a trap"


def test_the_ranking_is_the_maps_keyboard_path(dash_duo, a11y_app):
    driver = open_main(dash_duo, a11y_app())
    items = dash_duo.find_elements(".rank-item")
    drawn = dash_duo.driver.execute_script(
        "return new Set(document.querySelector('#heat-map .js-plotly-plot').data"
        ".flatMap(trace => [...(trace.locations || [])]).filter(place => place !== arguments[0])).size",
        OUTLINE_ID,
    )
    assert len(items) == drawn  # every municipality of the map is in the list
    third = items[2]
    name = third.find_element("css selector", ".rank-name").text
    press(driver, third, Keys.ENTER)
    dash_duo.wait_for_text_to_equal("#municipality-card .card-title", name, timeout=15)
    WebDriverWait(driver, 5).until(lambda d: focused(d)["cls"] == "card-title")  # the card is read from its name
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    dash_duo.wait_for_element(".rank-item", timeout=15)
    WebDriverWait(driver, 5).until(lambda d: "rank-item" in focused(d)["cls"])
    assert focused(driver)["text"].startswith(name)  # back where it was
    # an Escape in the dates' calendar is the calendar's: the card stays open
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    dash_duo.wait_for_text_to_equal("#municipality-card .card-title", name, timeout=15)
    dash_duo.find_element("#period-dates").click()
    dash_duo.wait_for_element(".dash-datepicker-content", timeout=10)
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    assert dash_duo.find_elements("#municipality-card")


def test_a_tile_pressed_from_the_keyboard_keeps_the_focus_and_says_it_is_pressed(dash_duo, a11y_app):
    driver = open_main(dash_duo, a11y_app(), ".sector-tile")
    tile = dash_duo.find_element(".sector-tile")
    tile_id = tile.get_attribute("id")
    assert tile.get_attribute("aria-pressed") == "false"
    press(driver, tile, Keys.ENTER)  # filters the page to the sector: the tiles are drawn again
    WebDriverWait(driver, 15).until(lambda d: "sector=" in d.current_url)
    WebDriverWait(driver, 10).until(
        lambda d: d.execute_script("return document.activeElement.id") == tile_id
    )  # the same tile, drawn anew, not the page's body
    assert driver.execute_script("return document.activeElement.getAttribute('aria-pressed')") == "true"


def test_a_dropdown_opens_and_chooses_from_the_keyboard(dash_duo, a11y_app):
    driver = open_main(dash_duo, a11y_app())
    button = dash_duo.find_element("#filter-sector")
    assert button.get_attribute("tabindex") == "0"
    names = button.get_attribute("aria-labelledby").split()
    assert driver.find_element("id", names[0]).text == "Отрасль"  # small capitals to the eye, a word to the ear
    press(driver, button, Keys.ARROW_DOWN)
    search = dash_duo.wait_for_element("input.dash-dropdown-search", timeout=10)
    search.send_keys("ЖКХ")
    search.send_keys(Keys.ENTER)
    search.send_keys(Keys.ESCAPE)
    WebDriverWait(driver, 10).until(lambda d: "sector=zhkh" in d.current_url)
    dash_duo.wait_for_contains_text("#view-announce", "Показано за", timeout=10)


def test_charts_have_text_alternatives_and_results_are_announced(dash_duo, a11y_app):
    driver = open_main(dash_duo, a11y_app(), "#resp-trend .js-plotly-plot .main-svg")
    rows = "#resp-trend details.chart-data tbody tr"
    WebDriverWait(driver, 10).until(lambda d: d.find_elements("css selector", rows))
    graphs = driver.execute_script(
        "return [...document.querySelectorAll('.dash-graph')].filter(g => g.querySelector('.main-svg')).map(g => ({"
        " id: g.id, role: g.getAttribute('role'), name: g.getAttribute('aria-label'),"
        " rows: g.querySelectorAll('details.chart-data tbody tr').length,"
        " hidden: [...g.querySelectorAll('svg.main-svg')].every(s => s.getAttribute('aria-hidden') === 'true')}))"
    )
    assert {g["id"] for g in graphs} >= {"heat-map", "resp-trend", "resp-sla"}
    for graph in graphs:
        assert graph["role"] == "figure" and graph["name"] and graph["hidden"], graph
    trend = next(g for g in graphs if g["id"] == "resp-trend")
    assert trend["rows"] == 7 and "7 значений" in trend["name"], trend  # the week, a row a day
    heat = next(g for g in graphs if g["id"] == "heat-map")
    assert heat["rows"] == len(dash_duo.find_elements(".rank-item"))  # the map's data: a row per municipality
    first = dash_duo.find_element(".rank-item .rank-name").text  # the ranking's first is the map's highest
    assert f"больше всего — {first}" in heat["name"], heat
    names = driver.execute_script(
        "return [...document.querySelectorAll('#heat-map details.chart-data tbody th')].map(th => th.textContent)"
    )
    assert first in names and not any(name.isdigit() for name in names)  # names, not OKTMO codes
    columns = driver.execute_script(
        "return [...document.querySelectorAll('#resp-trend details.chart-data thead th')].map(th => th.textContent)"
    )
    assert len(columns) == len(set(columns)) and "Медиана, прошлый период" in columns, columns
    # good or bad news is said in words as well as in colour
    for change in dash_duo.find_elements(".kpi-change.good, .kpi-change.bad"):
        verdict = change.find_element("css selector", ".kpi-verdict")
        tone = "good" if "good" in change.get_attribute("class") else "bad"
        assert verdict.text == {"good": "лучше", "bad": "хуже"}[tone]
    # the table opens from the keyboard, over the chart
    summary = dash_duo.find_element("#resp-trend details.chart-data summary")
    driver.execute_script("arguments[0].focus()", summary)
    assert summary.is_displayed() and summary.text.startswith("Данные графика")
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    table = dash_duo.find_element("#resp-trend details.chart-data table")
    assert table.is_displayed() and table.find_element("css selector", "th").text == "Название"
    save_screenshot(driver, "a11y-chart-table-1920x1080.png")
    # a filter's result is said in one sentence, not the page read out again
    said = dash_duo.find_element("#view-announce")
    assert said.get_attribute("role") == "status"
    dash_duo.wait_for_contains_text("#view-announce", "Показано за", timeout=10)
    dash_duo.find_elements("#period-preset label")[0].click()  # «Сегодня»
    dash_duo.wait_for_contains_text("#view-announce", "20.11.2026 — 20.11.2026", timeout=10)
    assert "(все обращения)" in said.get_attribute("textContent")
    assert dash_duo.driver.find_elements("css selector", "[aria-live=polite] .rank-list") == []


def overflow_at_200_percent(driver, url: str, ready: str, dash_duo) -> tuple[int, list[str]]:
    """How far the page scrolls sideways on a 1366×768 laptop zoomed to 200 % (a 683×384 CSS-pixel viewport), and
    axe's violations there (a part that scrolls by itself must take the keyboard)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 683, "height": 384, "deviceScaleFactor": 2, "mobile": False}
    )
    driver.get(url)
    settle(dash_duo, ready)
    time.sleep(0.5)  # the resize's re-check (assets/a11y.js) runs on the next frame
    sideways = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    return sideways, axe_violations(driver)


def test_usable_at_200_percent_zoom_on_a_laptop(dash_duo, a11y_app):
    dash_duo.start_server(a11y_app())
    driver = dash_duo.driver
    try:
        widths = {
            path: overflow_at_200_percent(driver, dash_duo.server_url + path, ready, dash_duo)
            for path, ready in (
                ("/" + VIEW, ".rank-item"),
                ("/decisions", "#decision-list table, #decision-list p"),
                ("/briefing" + VIEW, ".briefing-body .sheet"),
            )
        }
        driver.get(dash_duo.server_url + "/" + VIEW)
        settle(dash_duo, ".rank-item")
        save_screenshot(driver, "main-zoom-200-1366x768.png")
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert widths == {path: (0, []) for path in widths}


def test_the_wall_holds_still_for_a_screen_that_asks_for_no_motion(dash_duo, a11y_app):
    dash_duo.start_server(a11y_app())
    driver = dash_duo.driver
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-reduced-motion", "value": "reduce"}]}
    )
    try:
        driver.get(dash_duo.server_url + "/wall?panels=points,kpis&interval=2")
        settle(dash_duo, ".wall-panel.active .wall-panel-title")
        dash_duo.wait_for_contains_text("#wall-dots", "уменьшить движение", timeout=10)
        title = dash_duo.find_element(".wall-panel.active .wall-panel-title").text
        transition = driver.execute_script(
            "return getComputedStyle(document.querySelector('.wall-panel')).transitionDuration"
        )
        WebDriverWait(driver, 8).until(lambda d: d.execute_script("return window.dash_clientside !== undefined"))
        time.sleep(5)  # two intervals and more
        assert dash_duo.find_element(".wall-panel.active .wall-panel-title").text == title == "Точки напряжённости"
        assert transition == "0s"
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})


def test_the_walls_critical_strip_is_a_live_region(dash_duo, a11y_app):
    dash_duo.start_server(a11y_app())
    dash_duo.driver.get(dash_duo.server_url + "/wall?panels=points")
    dash_duo.wait_for_contains_text("#wall-ticker", "Критично", timeout=20)
    assert dash_duo.find_element("#wall-ticker").get_attribute("role") == "alert"
    assert dash_duo.get_logs() == []
