"""A topic or an agency that names a person leaves the server masked wherever messages do: the API's messages and
tension, the municipality card, the overdue list, the agency table and its CSV, the alert webhook's payload.

The hostile tester found ``topic`` and ``agency`` verbatim in ``/api/v1/messages`` and the CSV export."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from sqlalchemy import select

from app import create_app
from dashboard.loader.ingest import load_frame
from dashboard.reports import alerts
from dashboard.service import DashboardService
from dashboard.settings import Settings
from dashboard.store.schema import alerts as alerts_table
from tests.test_response_times import dash_call
from tests.test_tension import NOVOCHEB, NOW, PERIOD, build_region_frame

TOPIC = "Отопление — звонить Иванову И.И. 89031234567"
AGENCY = "ИП Петров Пётр Петрович"
SECRETS = ("Иванов", "89031234567", "Петров", "Пётр")


def leaks(value: object) -> list[str]:
    return [secret for secret in SECRETS if secret in str(value)]


@pytest.fixture
def service(engine, region):
    frame = build_region_frame()
    frame.loc[frame["topic"] == "Отопление", "topic"] = TOPIC  # the planted spike's topic: a critical point
    frame["agency"] = AGENCY
    assert load_frame(frame, engine, "personal-fields", region, now=NOW).rejected == 0
    return DashboardService(engine, region, clock=lambda: NOW)


@pytest.fixture
def app(service, tmp_path):
    return create_app(Settings(data_dir=tmp_path, cache_type="NullCache"), service)


def test_the_api_masks_topic_and_agency(app):
    client = app.server.test_client()
    query = f"from={PERIOD.date_from}&to={PERIOD.date_to}&municipality={NOVOCHEB}&limit=1000"
    items = client.get(f"/api/v1/messages?{query}").get_json()["items"]
    spiked = [item for item in items if item["topic"] and item["topic"].startswith("Отопление")]
    assert spiked and all(item["agency"] for item in items)
    assert not leaks([(item["topic"], item["agency"]) for item in items])
    assert "[ФИО скрыто]" in spiked[0]["topic"] and "[ФИО скрыто]" in items[0]["agency"]
    points = client.get(f"/api/v1/tension?from={PERIOD.date_from}&to={PERIOD.date_to}").get_json()["points"]
    assert points[0]["topic"].startswith("Отопление") and "тема «Отопление" in points[0]["reason"]
    assert not leaks(points)


def test_the_card_the_overdue_list_and_the_tension_points_are_masked(app, service):
    with app.server.app_context():
        card = service.municipality_card(PERIOD, NOVOCHEB)
        overdue = service.oldest_overdue(PERIOD)
        place = service.place_tension(PERIOD, NOVOCHEB)
        by_agency = service.response_table(PERIOD, "agency")
    assert TOPIC.split(" — ")[0] in " ".join(card["latest"]["topic"]) and not leaks(card["latest"].to_dict())
    assert not leaks(card["topics"].to_dict())
    assert len(overdue) and overdue["agency"].notna().all() and not leaks(overdue.to_dict())
    assert not leaks(place[["topic", "reason"]].to_dict())
    assert not leaks(by_agency.to_dict()) and "ИП [ФИО скрыто]" in set(by_agency["key"])


@pytest.mark.parametrize("button", ["resp-export-csv", "resp-export-xlsx"])
def test_the_agency_tables_exports_are_masked(app, button):
    state = [
        {"id": "url", "property": "search", "value": f"?period=custom&from={PERIOD.date_from}&to={PERIOD.date_to}"},
        {"id": "resp-table-by", "property": "value", "value": "agency"},
        {"id": "url", "property": "pathname", "value": "/"},
    ]
    inputs = [
        {"id": "resp-export-csv", "property": "n_clicks", "value": 1 if button.endswith("csv") else None},
        {"id": "resp-export-xlsx", "property": "n_clicks", "value": 1 if button.endswith("xlsx") else None},
    ]
    client = app.server.test_client()
    download = dash_call(client, "resp-download.data", inputs, state, f"{button}.n_clicks")["response"]
    content = download["resp-download"]["data"]["content"]
    if button.endswith("csv"):
        frame = pd.read_csv(io.StringIO(content), sep=";", decimal=",")
    else:
        import base64

        frame = pd.read_excel(io.BytesIO(base64.b64decode(content)))
    assert "ИП [ФИО скрыто]" in set(frame.iloc[:, 0]) and not leaks(frame.to_dict())


def test_the_alert_webhooks_payload_is_masked(service, region):
    alerts.record(service.engine, region, NOW)
    with service.engine.connect() as conn:
        stored = conn.execute(select(alerts_table.c.reason, alerts_table.c.payload)).all()
    [(reason, payload)] = stored
    assert "тема «Отопление" in reason and json.loads(payload)["topic"].startswith("Отопление")
    assert not leaks(reason) and not leaks(payload)
