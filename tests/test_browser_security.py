"""Signing in, a minister's narrowed page and hostile message texts — in headless Chromium, CSP on."""

from __future__ import annotations

import csv
import io

import pytest
from selenium.common.exceptions import NoAlertPresentException

from app import create_app
from dashboard import accounts
from dashboard.catalog import load_sectors
from dashboard.loader.ingest import load_file
from dashboard.region import get_region
from dashboard.service import DashboardService
from dashboard.settings import Settings
from tests.conftest import NOW, save_screenshot
from tests.test_browser import VIEW
from tests.test_queries import ROWS

SHIPPED_SECTORS = load_sectors().codes  # the shipped catalogue the tests run with

DEMO_REGION = get_region("chuvashia")

pytestmark = pytest.mark.browser
HOSTILE = '<img src=x onerror="window.pwned=1">'
PASSWORD = "correct horse battery"


@pytest.fixture
def loaded(engine, tmp_path):
    path = tmp_path / "hand.csv"
    lines = [line.split(",") for line in ROWS.splitlines()]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*lines[0], "text"])
    writer.writerows([*row, ""] for row in lines[1:])
    writer.writerow(["h1", "vk", "2026-11-12 09:00", "", "new", "zhkh", "Канаш", HOSTILE])
    path.write_text(out.getvalue(), encoding="utf-8")
    assert load_file(path, engine, now=NOW, region=DEMO_REGION).new == 8
    accounts.add_user(engine, "minister", "minister", PASSWORD, ("zhkh",), SHIPPED_SECTORS)
    return engine


def make(engine, region, tmp_path, **extra):
    settings = Settings(data_dir=tmp_path, cache_type="SimpleCache", secret_key="browser-test-secret-123", **extra)
    return create_app(settings, DashboardService(engine, region, clock=lambda: NOW))


def sign_in(dash_duo) -> None:
    dash_duo.wait_for_element("form[action='/login'] input[name='name']", timeout=10)
    dash_duo.find_element("input[name='name']").send_keys("minister")
    dash_duo.find_element("input[name='password']").send_keys(PASSWORD)
    dash_duo.find_element("button[type='submit']").click()


def test_minister_signs_in_and_sees_only_the_sector(dash_duo, loaded, region, tmp_path):
    dash_duo.start_server(make(loaded, region, tmp_path, auth=True), navigate=False)  # no page before sign-in
    dash_duo.driver.get(dash_duo.server.url + VIEW)
    dash_duo.wait_for_element("form[action='/login'] input[name='name']", timeout=10)
    save_screenshot(dash_duo.driver, "login.png")
    sign_in(dash_duo)
    # back to the view asked for, on the minister's own page: ЖКХ's 4 messages of the period, not all 7
    dash_duo.wait_for_text_to_equal("#kpi-messages .kpi-value", "4", timeout=15)
    assert dash_duo.driver.current_url.endswith("/sector/zhkh?period=custom&from=2026-11-11&to=2026-11-20")
    assert dash_duo.find_element(".account-name").text == "minister"
    dash_duo.driver.get(dash_duo.server.url + "/sector/roads")
    assert "Нет доступа" in dash_duo.find_element("body").text
    dash_duo.driver.get(dash_duo.server.url + "/")  # → /sector/zhkh, the last 30 days: q1 of 10.11 too
    dash_duo.wait_for_text_to_equal("#kpi-messages .kpi-value", "5", timeout=15)
    dash_duo.find_element(".account button").click()  # sign out
    sign_in(dash_duo)
    dash_duo.wait_for_text_to_equal("#kpi-messages .kpi-value", "5", timeout=15)
    dash_duo.driver.delete_all_cookies()  # the session ends while the page is open
    next(p for p in dash_duo.driver.find_elements("css selector", ".presets label") if p.text == "7 дней").click()
    dash_duo.wait_for_element("form[action='/login']", timeout=10)  # the next data request leads to sign-in
    logs = [e["message"] for e in dash_duo.get_logs()]
    expected = ("/sector/roads", "status of 401")  # the 403 and the 401 provoked above
    assert [m for m in logs if not any(e in m for e in expected)] == []  # no CSP violation, no script error


def test_hostile_text_is_shown_as_text(dash_duo, loaded, region, tmp_path):
    dash_duo.start_server(make(loaded, region, tmp_path))
    dash_duo.driver.get(dash_duo.server_url + VIEW)
    dash_duo.wait_for_contains_text("#resp-oldest", "onerror", timeout=15)
    assert HOSTILE in dash_duo.find_element("#resp-oldest").text  # the markup as letters on the page
    assert dash_duo.driver.execute_script("return document.querySelectorAll('#resp-oldest img').length") == 0
    assert dash_duo.driver.execute_script("return window.pwned === undefined")
    with pytest.raises(NoAlertPresentException):
        dash_duo.driver.switch_to.alert.text  # noqa: B018
    assert dash_duo.get_logs() == []
