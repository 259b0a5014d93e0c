"""A decision recorded on a critical point, seen in headless Chromium: on the point of the main page and on the wall,
whose red strip stops shouting once every critical point is being handled."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

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

    # the municipality's card says it too; the centre's line under a municipality filter says whose figures it shows
    dash_duo.driver.get(dash_duo.server_url + VIEW + f"&municipality={NOVOCHEB}")
    dash_duo.wait_for_contains_text("#municipality-card .point-decision", f"поручение №{decision_id}", timeout=20)
    dash_duo.wait_for_contains_text("#decision-strip", "по всем муниципалитетам", timeout=20)

    # the briefing: the point's decision in its row, and a writer's link to record another (not printed)
    dash_duo.driver.get(dash_duo.server_url + "/briefing" + VIEW[1:])
    dash_duo.wait_for_contains_text("#part-points", f"поручение №{decision_id}", timeout=20)
    record = dash_duo.find_element("#part-points .point-record").get_attribute("href")
    assert "sector=zhkh" in record and f"municipality={NOVOCHEB}" in record and "from=2026-11-13" in record

    dash_duo.driver.get(dash_duo.server_url + "/wall?panels=points,alerts&interval=5")
    dash_duo.wait_for_contains_text("#wall-ticker", "по всем есть поручения", timeout=30)
    assert dash_duo.find_element("#wall-ticker").value_of_css_property("background-color") == "rgba(30, 70, 32, 1)"
    handled = dash_duo.find_element("#wall-points .wall-point").get_attribute("textContent")
    assert f"поручение №{decision_id}" in handled
    save_screenshot(dash_duo.driver, "wall-decided-1920x1080.png")


def test_a_decision_recorded_from_a_point_shows_everywhere(dash_duo, engine, region, tmp_path):
    """The point's link opens /decisions on its cell and period; the form records it with the figures shown; the
    list, the point and its status moves follow."""
    load_frame(build_region_frame(), engine, "tension-test", region, now=NOW)
    alerts.check(engine, region, Settings(), NOW)
    app = create_app(
        Settings(data_dir=tmp_path, cache_type="NullCache"), DashboardService(engine, region, clock=lambda: NOW)
    )
    dash_duo.start_server(app)
    dash_duo.driver.get(dash_duo.server_url + VIEW)
    dash_duo.wait_for_element(".tension-point", timeout=20)
    link = dash_duo.find_element(".point-record")
    assert "sector=zhkh" in link.get_attribute("href") and f"municipality={NOVOCHEB}" in link.get_attribute("href")
    link.click()
    dash_duo.wait_for_contains_text("#decision-cell", "ЖКХ · Новочебоксарск · 13.11.2026", timeout=20)
    dash_duo.find_element("#decision-title").send_keys("Проверить котельную №3")
    dash_duo.find_element("#decision-agency").send_keys("Минстрой")
    dash_duo.driver.execute_script(
        "const i = document.getElementById('decision-due');"
        "const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;"
        "set.call(i, '2026-11-25'); i.dispatchEvent(new Event('input', {bubbles: true}));"
    )
    dash_duo.find_element("#decision-save").click()
    dash_duo.wait_for_contains_text("#decision-saved", "Записано поручение №1", timeout=20)
    dash_duo.wait_for_contains_text("#decision-list", "Проверить котельную №3", timeout=20)
    row = dash_duo.find_element(".decisions-table tbody tr").text
    assert "Минстрой" in row and "назначено" in row and "на момент решения: 70 сообщ., индекс 82, критично" in row
    dash_duo.wait_for_contains_text("#decision-kpis", "1 из 1", timeout=10)
    save_screenshot(dash_duo.driver, "decisions-1920x1080.png")
    dash_duo.find_element(".decision-move").click()  # «в работу»
    dash_duo.wait_for_contains_text(".decisions-table tbody tr", "в работе", timeout=20)
    dash_duo.find_element(".decision-history summary").click()  # the append-only history, unfolded
    history = dash_duo.find_element(".decision-history").text
    assert "история (2)" in history and "записано" in history and "назначено → в работе" in history

    # the list's own filters: an agency whatever its letters' case, another agency, a sector, days recorded on
    agency = dash_duo.find_element("#decision-agency-filter")
    agency.send_keys("Минздрав", Keys.ENTER)
    dash_duo.wait_for_contains_text("#decision-list", "Поручений нет", timeout=10)
    dash_duo.clear_input(agency)
    agency.send_keys("СТРОЙ", Keys.ENTER)  # a part of the name, whatever its letters' case
    dash_duo.wait_for_contains_text("#decision-list", "Проверить котельную №3", timeout=10)
    dash_duo.clear_input(agency)
    agency.send_keys(Keys.ENTER)
    for control, day in (("decision-from-filter", "2026-11-20"), ("decision-to-filter", "2026-11-01")):
        dash_duo.driver.execute_script(
            "const i = document.getElementById(arguments[0]);"
            "const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;"
            "set.call(i, arguments[1]); i.dispatchEvent(new Event('input', {bubbles: true}));",
            control,
            day,
        )
    dash_duo.wait_for_contains_text("#decision-list", "Начало периода позже конца", timeout=10)
    for control in ("decision-from-filter", "decision-to-filter"):
        dash_duo.driver.execute_script(
            "const i = document.getElementById(arguments[0]);"
            "const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;"
            "set.call(i, ''); i.dispatchEvent(new Event('input', {bubbles: true}));",
            control,
        )
    dash_duo.wait_for_contains_text("#decision-list", "Проверить котельную №3", timeout=10)
    dash_duo.find_element("#decision-sector-filter").click()
    search = dash_duo.wait_for_element("input.dash-dropdown-search", timeout=10)
    search.send_keys("Дороги", Keys.ENTER)
    search.send_keys(Keys.ESCAPE)
    dash_duo.wait_for_contains_text("#decision-list", "Поручений нет", timeout=10)
    assert "ЖКХ" not in dash_duo.find_element("#decision-sector-filter").text  # another sector: nothing there
    save_screenshot(dash_duo.driver, "decisions-filtered-1920x1080.png")

    dash_duo.driver.get(dash_duo.server_url + VIEW)
    dash_duo.wait_for_contains_text(".tension-point .point-decision", "поручение №1 · в работе", timeout=20)
    dash_duo.driver.get(dash_duo.server_url + "/briefing" + VIEW[1:])  # the briefing's points say it too
    dash_duo.wait_for_contains_text("#part-points", "поручение №1 · в работе", timeout=20)
    dash_duo.driver.get(dash_duo.server_url + "/wall?panels=points,alerts&interval=5")  # and the wall
    dash_duo.wait_for_contains_text("#wall-ticker", "по всем есть поручения", timeout=30)
    dash_duo.driver.get(dash_duo.server_url + "/")  # 30 days to today: the decision and the alert are of them
    dash_duo.wait_for_contains_text("#decision-strip", "из 1", timeout=20)
    strip = dash_duo.find_element("#decision-strip").text  # the head's first screen: the centre's figures
    assert "Решения ЦУР: на данных ЦУР 100" in strip and "критических точек с решением за 3 дн.: 1 из 1" in strip

    # cancelling asks first: dismissed, nothing changes; accepted, the decision is cancelled
    dash_duo.driver.get(dash_duo.server_url + "/decisions")
    dash_duo.wait_for_contains_text(".decisions-table tbody tr", "в работе", timeout=20)
    cancel = next(b for b in dash_duo.find_elements(".decision-move") if b.text == "отменить")
    cancel.click()
    WebDriverWait(dash_duo.driver, 10).until(expected_conditions.alert_is_present())
    dialog = dash_duo.driver.switch_to.alert
    assert "Отменить поручение №1?" in dialog.text
    dialog.dismiss()
    assert "в работе" in dash_duo.find_element(".decisions-table tbody tr").text
    next(b for b in dash_duo.find_elements(".decision-move") if b.text == "отменить").click()
    WebDriverWait(dash_duo.driver, 10).until(expected_conditions.alert_is_present())
    dash_duo.driver.switch_to.alert.accept()
    dash_duo.wait_for_contains_text(".decisions-table tbody tr", "отменено", timeout=20)
