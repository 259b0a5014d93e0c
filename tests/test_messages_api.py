"""GET /api/v1/messages (masked, paginated, filtered), the OpenAPI description, security headers."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openapi_spec_validator import validate

from app import create_app
from dashboard.loader.ingest import load_file
from dashboard.region import get_region
from dashboard.service import DashboardService
from dashboard.settings import Settings
from tests.conftest import NOW

DEMO_REGION = get_region("chuvashia")

PERIOD = "from=2026-11-01&to=2026-11-20"
HOSTILE = '<img src=x onerror="alert(1)">'


def rows() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["external_id", "source", "created_at", "status", "sector", "municipality", "topic", "text"])
    for i in range(1, 26):  # 25 messages on 2026-11-10, a minute apart
        sector = "zhkh" if i % 2 else "roads"
        text = f"Звоните +7 (912) 345-67-{i:02d}, пишите ivanov{i}@mail.ru. С уважением, Иванов Пётр Сергеевич"
        writer.writerow([f"m{i:02d}", "vk", f"2026-11-10 10:{i:02d}", "new", sector, "Чебоксары", "Вода", text])
    writer.writerow(["h1", "vk", "2026-11-12 10:00", "new", "zhkh", "Канаш", HOSTILE, HOSTILE])
    return out.getvalue()


@pytest.fixture
def client(engine, region, tmp_path):
    path = tmp_path / "texts.csv"
    path.write_text(rows(), encoding="utf-8")
    assert load_file(path, engine, now=NOW, region=DEMO_REGION).new == 26
    settings = Settings(data_dir=tmp_path, cache_type="NullCache")
    return create_app(settings, DashboardService(engine, region, clock=lambda: NOW)).server.test_client()


def test_pages_walk_every_message_once_newest_first(client):
    seen, url = [], f"/api/v1/messages?{PERIOD}&limit=10"
    while url:
        data = client.get(url).get_json()
        assert len(data["items"]) <= 10
        seen += data["items"]
        url = data["next"]
    assert len(seen) == 26 and len({m["id"] for m in seen}) == 26
    stamps = [m["created_at"] for m in seen]
    assert stamps == sorted(stamps, reverse=True)
    assert seen[0]["external_id"] == "h1" and seen[0]["created_at"] == "2026-11-12T07:00:00+00:00"  # UTC
    assert "lat" not in seen[0] and "lon" not in seen[0]  # a point would pin an address


def test_texts_are_masked(client):
    items = client.get(f"/api/v1/messages?{PERIOD}&sector=zhkh&limit=1000").get_json()["items"]
    text = next(m["text"] for m in items if m["external_id"] == "m01")
    assert "345-67-01" not in text and "ivanov1@mail.ru" not in text and "Иванов" not in text
    assert "+7 *** ***-**-**" in text and "***@***" in text and "[ФИО скрыто]" in text
    assert {m["sector"] for m in items} == {"zhkh"} and len(items) == 14


def test_filters_and_bad_input(client):
    assert len(client.get(f"/api/v1/messages?{PERIOD}&status=new&municipality=97707000").get_json()["items"]) == 1
    for query, word in (
        ("status=lost", "статус"),
        ("limit=0", "limit"),
        ("limit=5000", "limit"),
        ("cursor=%%%", "cursor"),
        ("cursor=" + cursor_of("0001-01-01T00:00:00+14:00|5"), "cursor"),  # before year 1 in UTC
        ("cursor=" + cursor_of("9999-12-31T23:59:59-12:00|5"), "cursor"),  # after year 9999 in UTC
        ("cursor=" + cursor_of(f"2026-11-10T10:00:00+00:00|{2**31}"), "cursor"),  # past messages.id
        ("cursor=" + cursor_of(f"2026-11-10T10:00:00+00:00|{10**40}"), "cursor"),
        ("cursor=" + cursor_of("2026-11-10T10:00:00+00:00|-1"), "cursor"),
        ("cursor=" + cursor_of("2026-11-10T10:00:00+00:00|x"), "cursor"),
        ("sector=nope", "отрасль"),
    ):
        response = client.get(f"/api/v1/messages?{PERIOD}&{query}")
        assert response.status_code == 400 and word in response.get_json()["error"], query


def cursor_of(raw: str) -> str:
    import base64

    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def test_hidden_texts_setting(engine, region, tmp_path, client):
    settings = Settings(data_dir=tmp_path, cache_type="NullCache", hide_texts=True)
    hidden = create_app(settings, DashboardService(engine, region, clock=lambda: NOW)).server.test_client()
    items = hidden.get(f"/api/v1/messages?{PERIOD}").get_json()["items"]
    assert len(items) == 26 and all(m["text"] is None for m in items)


def test_hostile_text_comes_back_as_data_not_markup(client):
    response = client.get(f"/api/v1/messages?{PERIOD}&municipality=97707000")
    assert response.mimetype == "application/json"
    item = response.get_json()["items"][0]
    assert item["text"] == HOSTILE and item["topic"] == HOSTILE  # JSON carries it verbatim; pages escape it


def test_openapi_is_valid_and_documents_every_api_route(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    routes = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
        for rule in client.application.url_map.iter_rules()
        if rule.rule.startswith(("/api/v1/", "/briefing/export", "/healthz"))
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, operations in spec["paths"].items() for method in operations}
    assert routes == documented
    assert set(spec["paths"]["/api/v1/messages"]["get"]["responses"]) >= {"200", "400", "401", "403"}


def test_security_headers_on_pages_and_api(client):
    for path in ("/", "/api/v1/summary"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'self'" in csp and "object-src 'none'" in csp
        script = next(part for part in csp.split("; ") if part.startswith("script-src"))
        assert "unsafe-inline" not in script and "unsafe-eval" not in script and "'sha256-" in script
        assert headers["X-Frame-Options"] == "SAMEORIGIN"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_a_wall_screens_origin_may_frame_the_pages(engine, region, tmp_path, client):
    settings = Settings(data_dir=tmp_path, cache_type="NullCache", frame_ancestors=["https://wall.tsur.example"])
    app = create_app(settings, DashboardService(engine, region, clock=lambda: NOW))
    headers = app.server.test_client().get("/wall").headers
    assert "frame-ancestors 'self' https://wall.tsur.example" in headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in headers  # it cannot name another origin; CSP does


def test_spreadsheet_exports_neutralise_formulas():
    import pandas as pd

    from dashboard.formatting import spreadsheet_safe

    frame = pd.DataFrame({"agency": ['=HYPERLINK("http://x","y")', "+7", "@SUM(A1)", "Минздрав"], "n": [1, -2, 3, 4]})
    safe = spreadsheet_safe(frame)
    assert list(safe["agency"]) == ['\'=HYPERLINK("http://x","y")', "'+7", "'@SUM(A1)", "Минздрав"]
    assert list(safe["n"]) == [1, -2, 3, 4]  # numbers stay numbers
