"""The briefing: the period against the previous one, its XLSX tables, and the PDF rendered by Chromium offline."""

from __future__ import annotations

import io
import socket
import threading

import pytest
import requests
from openpyxl import load_workbook
from pypdf import PdfReader
from werkzeug.serving import make_server

from app import create_app
from dashboard import formatting
from dashboard.catalog import load_sectors
from dashboard.reports import briefing
from dashboard.reports.render import find_chromium, offline_flags
from dashboard.service import DashboardService
from dashboard.settings import Settings
from geo.figure import region_geometry
from layouts.map_figure import colour_range, map_figure, map_title
from layouts.print_map import fill_colours, print_map
from tests.test_tension import NOW, PERIOD, loaded  # noqa: F401 - the fixture

SHIPPED_SECTORS = load_sectors().codes  # the shipped catalogue the tests run with

SEARCH = "?period=custom&from=2026-11-13&to=2026-11-19"


@pytest.fixture
def service(loaded, region):  # noqa: F811
    return DashboardService(loaded, region, clock=lambda: NOW)


@pytest.fixture
def app(service, tmp_path):
    return create_app(Settings(data_dir=tmp_path, cache_type="NullCache"), service)


def test_briefing_compares_the_period_with_the_previous_one(app, service, region):
    with app.server.app_context():
        data = briefing.build(service, PERIOD, "ru")
        english = briefing.build(service, PERIOD, "en")
    summary = data.summary.rows.set_index("indicator")
    # 13–19.11: 21 a day steady, 8 a day of the spike, 3 in the small cell; 6–12.11: 21 a day and one on Monday
    assert summary.loc["Сообщений", ["current", "previous", "change"]].tolist() == [206, 148, 39.2]
    assert summary.loc["Медиана первого ответа", "kind"] == "hours"
    top = data.points.rows.iloc[0]
    assert (top["sector"], top["municipality"], top["level"]) == ("ЖКХ", "Новочебоксарск", "критично")
    assert "+400" in top["reason"] and top["observed"] == 70
    assert (data.sectors.rows["messages"].sum(), data.sectors.rows["previous"].sum()) == (206, 148)
    zhkh = data.sectors.rows.set_index("sector").loc["ЖКХ"]
    assert (zhkh["messages"], zhkh["previous"]) == (7 * 15 + 56, 7 * 15)
    assert len(data.municipalities.rows) == len(region.municipalities)
    assert data.municipalities.rows["messages"].sum() == 206
    assert data.municipalities.rows.iloc[0]["per_10k_adjusted"] == data.heatmap["per_10k_adjusted"].max()  # ranked
    assert len(data.daily) == 7 and data.daily["messages"].sum() == 206 and data.daily["previous_messages"].sum() == 148
    assert english.summary.rows["indicator"].iloc[0] == "Messages"
    assert english.points.rows.iloc[0]["sector"] == "Housing and utilities"
    assert english.points.rows.iloc[0]["municipality"] == "Novocheboksarsk"
    cell = data.summary.texts("ru")[1][1]  # the answered share this period
    assert cell.endswith("%") and "," in cell  # a share, formatted the Russian way
    median = data.summary.rows.iloc[3]["current"]
    assert data.summary.texts("ru")[3][1] == formatting.hours(median, "ru") != "—"  # each row in its own kind


def test_a_previous_period_the_data_does_not_cover_is_not_compared(app, service):
    """The demo data begins on FIRST_DAY: a quarter ending with PERIOD has no whole previous quarter to compare."""
    from dataclasses import replace
    from datetime import date, timedelta

    from layouts.briefing import trend_figure

    quarter = replace(PERIOD, date_from=PERIOD.date_to - timedelta(days=89))
    with app.server.app_context():
        data = briefing.build(service, quarter, "ru")
        compared = briefing.build(service, PERIOD, "ru")
    assert data.summary.rows["previous"].isna().all() and data.summary.rows["change"].isna().all()
    assert data.sectors.rows["previous"].isna().all() and data.sectors.rows["change"].isna().all()
    assert data.daily["previous_messages"].isna().all()
    names = lambda b: [trace["name"] for trace in trend_figure(b.daily, "messages", "", "ru", (500, 300))["data"]]  # noqa: E731
    assert names(data) == ["этот период"] and names(compared) == ["прошлый период", "этот период"]
    # a quarter is drawn by week, each week's messages as a day's average: its last week (16–19 November, the period
    # ends on a Thursday) reads on the same scale as the whole ones
    assert data.per_day and not compared.per_day
    with app.server.app_context():
        weekly = service.response_trend(quarter).set_index("period_start")["messages"]
    per_day = data.daily.set_index("day")["messages"]
    last, whole = weekly.index[-1], weekly.index[-3]
    assert (last.date(), whole.date()) == (date(2026, 11, 16), date(2026, 11, 2))
    assert per_day[last] == pytest.approx(weekly[last] / 4) and per_day[whole] == pytest.approx(weekly[whole] / 7)
    assert weekly[last] / 4 > weekly[whole] / 7  # the spike week: a rise, where the plain count (4 days) fell
    assert weekly[last] < weekly[whole]
    # a period ending today: its last week holds the part of today that has passed (NOW: 15:00 in Cheboksary)
    today = replace(quarter, date_from=quarter.date_from + timedelta(days=1), date_to=date(2026, 11, 20))
    with app.server.app_context():
        running = briefing.build(service, today, "ru").daily.set_index("day")["messages"]
        this_week = service.response_trend(today).set_index("period_start")["messages"].iloc[-1]
    assert running.iloc[-1] == pytest.approx(this_week / (4 + 15 / 24))


def test_xlsx_holds_every_table_with_numbers_as_numbers(app, service, region):
    with app.server.app_context():
        workbook = load_workbook(io.BytesIO(briefing.xlsx(briefing.build(service, PERIOD, "ru"), "ru")))
    assert workbook.sheetnames == ["Главное", "Сводка", "Точки напряжённости", "Отрасли", "Ведомства", "Муниципалитеты"]
    said = [row[0] for row in list(workbook["Главное"].values)[1:]]
    assert said[0].startswith("За период поступило 206\u00a0сообщений — на 39,2")
    summary = list(workbook["Сводка"].values)
    assert summary[0] == ("Показатель", "Период", "Предыдущий", "К прошлому периоду")
    assert summary[1][:3] == ("Сообщений", 206, 148)
    answered = workbook["Сводка"]["B3"]
    assert isinstance(answered.value, float) and answered.number_format == "0.0%"
    assert summary[4][0] == "Медиана первого ответа, ч"  # hours: the unit goes with the label
    places = list(workbook["Муниципалитеты"].values)
    assert len(places) == len(region.municipalities) + 1
    assert sum(row[1] for row in places[1:]) == 206
    points = list(workbook["Точки напряжённости"].values)
    assert points[1][2:4] == ("ЖКХ", "Новочебоксарск") and points[1][0] >= 70


def test_print_map_draws_every_municipality_as_vector_shapes(app, service, region):
    with app.server.app_context():
        frame = service.heatmap(PERIOD)
    geometry = region_geometry(region.boundaries_path)
    figure = print_map(frame.assign(tension=None), geometry, "per_10k", [("Канаш", 47.49, 55.51)])
    shapes = [trace for trace in figure["data"] if trace.get("fill") == "toself"]
    assert len(shapes) == len(region.municipalities)
    assert all(trace["type"] == "scatter" for trace in figure["data"])  # SVG: prints, no WebGL, no tiles
    names = {trace["text"].split(":")[0] for trace in shapes}
    assert "Новочебоксарск" in names
    no_data = [trace for trace in shapes if trace["text"].endswith("—")]
    assert no_data and all(trace["fillcolor"] == "#d5d9de" for trace in no_data)
    assert colour_range(frame["per_10k"], "per_10k") == (frame["per_10k"].min(), frame["per_10k"].max())
    assert colour_range(frame["per_10k"], "tension") == (0.0, 100.0)
    assert "http" not in str(figure)


def test_renderer_is_offline_by_construction():
    flags = offline_flags("http://127.0.0.1:8050/briefing")
    assert "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" in flags
    assert "--proxy-server=http://127.0.0.1:9" in flags


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live(app):
    """The app on a real loopback port (Chromium opens the page itself)."""
    server = make_server("127.0.0.1", _free_port(), app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.mark.browser
@pytest.mark.skipif(find_chromium() is None, reason="no Chromium on this machine")
def test_pdf_export_fills_its_sheets_and_none_spills(live):
    response = requests.get(f"{live}/briefing/export.pdf{SEARCH}", timeout=120)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    pdf = PdfReader(io.BytesIO(response.content))
    for page in pdf.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (842, 595)  # A4 landscape in points
    # a page per sheet of the page and nothing spilled: a quiet week's one tension point and the centre's figures
    # join «Главное» and the summary; sectors share a sheet with the agencies
    pages = [page.extract_text() for page in pdf.pages]
    assert len(pages) == 4
    first, figures, sectors, places = pages
    assert "Справка по обращениям граждан" in first and "13.11.2026 — 19.11.2026" in first
    assert "Главное" in first and "Сильнее всего выросли обращения: ЖКХ — Новочебоксарск" in first
    assert "Решения ЦУР" in first and "82 критично ЖКХ Новочебоксарск" in first
    assert "Канаш" in figures and "Шумерля" in figures  # the map's town labels: the figures were drawn
    assert "Отрасли" in sectors and "Ведомства с наибольшим числом сообщений: 1 из 1" in sectors
    assert "Муниципалитеты" in places and places.rstrip().endswith("Янтиковский муниципальный округ 0 0 — — — — — —")


def test_sheets_are_packed_in_order_as_many_as_fit():
    from layouts.briefing import ROOM_PX, _pack

    parts = [(name, height) for name, height in (("a", 500), ("b", 150), ("c", 100), ("d", 900), ("e", 10))]
    assert _pack(parts) == [["a", "b"], ["c"], ["d"], ["e"]]  # in order; a part taller than a sheet stands alone
    assert _pack([("a", ROOM_PX), ("b", 1)]) == [["a"], ["b"]]
    assert _pack([("a", ROOM_PX - 1), ("b", 1)]) == [["a", "b"]]


def test_export_routes_answer_bad_input_clearly(live, tmp_path, service):
    xlsx = requests.get(f"{live}/briefing/export.xlsx{SEARCH}&lang=en", timeout=30)
    assert xlsx.status_code == 200
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames[:2] == ["Key points", "Summary"]
    bad = requests.get(f"{live}/briefing/export.xlsx?period=7d&sector=nope", timeout=30)
    assert bad.status_code == 400 and "nope" in bad.text


def test_pdf_without_chromium_says_so(service, tmp_path):
    settings = Settings(data_dir=tmp_path, cache_type="NullCache", chromium=str(tmp_path / "no-such-browser"))
    client = create_app(settings, service).server.test_client()
    response = client.get(f"/briefing/export.pdf{SEARCH}")
    assert response.status_code == 503 and "Chromium" in response.get_data(as_text=True)


@pytest.mark.browser
@pytest.mark.skipif(find_chromium() is None, reason="no Chromium on this machine")
def test_pdf_under_accounts_is_printed_as_the_asking_minister(service, tmp_path):
    """The server's Chromium opens the page with a short-lived token of the user who asked: the PDF holds what
    that user may see (a minister's sector), and a production-like Secure cookie does not get in the way."""
    from dashboard import accounts

    accounts.add_user(service.engine, "zhkh-minister", "minister", "correct horse battery", ("zhkh",), SHIPPED_SECTORS)
    settings = Settings(
        data_dir=tmp_path, cache_type="NullCache", auth=True, cookie_secure=True, secret_key="briefing-test-1234567"
    )
    server = make_server("127.0.0.1", _free_port(), create_app(settings, service).server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        unsigned = requests.get(f"{base}/briefing/export.pdf{SEARCH}", timeout=30, allow_redirects=False)
        assert unsigned.status_code == 302 and unsigned.headers["Location"].startswith("/login")
        response = requests.get(
            f"{base}/briefing/export.pdf{SEARCH}", auth=("zhkh-minister", "correct horse battery"), timeout=120
        )
    finally:
        server.shutdown()
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    first = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Отбор: ЖКХ" in first and "13.11.2026" in first


def test_the_print_map_colours_and_names_what_the_pages_map_does(app, service, region):
    """One truth: the page's map colours a rate by its value shrunk toward the region (few messages are not news);
    the briefing's map and deck had coloured by the raw rate, so a place with two messages could be darkest on
    paper and ordinary on screen."""
    with app.server.app_context():
        frame = service.heatmap(PERIOD)
    geometry = region_geometry(region.boundaries_path)
    page = map_figure(frame, geometry, "per_10k")
    paper = print_map(frame, geometry, "per_10k")
    on_page = {
        code: z for trace in page["data"] if trace.get("meta") == "a11y" for code, z in zip(trace["locations"],
        trace["z"], strict=True)
    }  # fmt: skip
    fills = fill_colours(frame, "per_10k")
    assert on_page and {code: round(value, 3) for code, value in fills.values.items()} == on_page
    assert fills.values != frame["per_10k"].dropna().to_dict()  # the shrink moves something in this data
    table = paper["layout"]["meta"]["a11y"]
    assert table["rows"][0][1] == round(max(on_page.values()), 1)  # the same place leads, with the same value
    assert map_title(frame, "per_10k", "ru") == "На 10 000 жителей (с поправкой на малые числа)"
