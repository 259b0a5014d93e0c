"""«Истекает срок в ближайшие 24 ч» against deadlines worked out by hand — calendar hours, a channel's own target
and working days by the production calendar; the API, the page's KPI note and the panel say the same."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from dashboard.catalog import Catalog
from dashboard.filters import Filters
from dashboard.loader.ingest import load_frame
from dashboard.metrics import deadlines
from dashboard.service import DashboardService

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=MSK).astimezone(UTC)  # Friday 15:00 in Cheboksary
SLA = 'default_hours = 24\n[sector_hours]\nhealth = 8\nimprovement = 48\nsocial = "1wd"\n[channel_hours]\nphone = 4\n'


def at(day: int, hour: int) -> str:
    return datetime(2026, 11, day, hour, 0, tzinfo=MSK).isoformat()


ROWS = [  # id, source, created, first answer, status, sector — and when it is due, by hand
    ("h-in", "vk", at(20, 13), "", "new", "health"),  # 8 h: due Fri 21:00 — in, 6 h left
    ("h-late", "vk", at(20, 6), "", "new", "health"),  # due Fri 14:00: already overdue — out
    ("h-answered", "vk", at(20, 13), at(20, 14), "in_progress", "health"),  # answered — out
    ("h-closed", "vk", at(20, 13), "", "rejected", "health"),  # closed — out
    ("phone-in", "phone", at(20, 14), "", "new", "improvement"),  # the channel's 4 h win: due 18:00 — in, 3 h
    ("imp-in", "vk", at(19, 12), "", "in_progress", "improvement"),  # 48 h: due Sat 12:00 (next day) — in, 21 h
    ("imp-out", "vk", at(20, 10), "", "new", "improvement"),  # due Sun 10:00 — out (43 h)
    ("wd-in", "vk", at(19, 10), "", "new", "social"),  # 1 working day: the end of Friday — in, 9 h
    ("wd-out", "vk", at(20, 9), "", "new", "social"),  # the end of Monday (not Sat 09:00 as 24 h would say)
]
EXPECTED = {"h-in": 6, "phone-in": 3, "imp-in": 21, "wd-in": 9}


@pytest.fixture
def store(engine, region, tmp_path):
    (tmp_path / "sla.toml").write_text(SLA, encoding="utf-8")
    own = replace(region, catalog=Catalog.read(sla_file=tmp_path / "sla.toml"))
    frame = pd.DataFrame(ROWS, columns=["external_id", "source", "created_at", "first_response_at", "status", "sector"])
    frame["municipality"] = "Чебоксары"
    summary = load_frame(frame, engine, "deadlines", own, now=NOW)
    assert summary.rejected == 0
    return engine, own


def test_the_radar_holds_exactly_the_messages_due_within_24_hours(store):
    engine, region = store
    due = deadlines.due_soon(engine, Filters(NOW.date(), NOW.date()), NOW, region)
    assert dict(zip(due["external_id"], due["hours_left"].round(2), strict=True)) == EXPECTED
    assert list(due["external_id"]) == sorted(EXPECTED, key=EXPECTED.get)  # soonest first


def test_the_radar_keeps_the_filters_but_not_the_period(store):
    engine, region = store
    health = deadlines.due_soon(engine, Filters(NOW.date(), NOW.date(), sectors=("health",)), NOW, region)
    assert list(health["external_id"]) == ["h-in"]
    by_phone = deadlines.due_soon(engine, Filters(NOW.date(), NOW.date(), sources=("phone",)), NOW, region)
    assert list(by_phone["external_id"]) == ["phone-in"]
    groups = deadlines.by_agency(deadlines.due_soon(engine, Filters(NOW.date(), NOW.date()), NOW, region))
    assert groups["messages"].sum() == len(EXPECTED)
    assert groups.set_index("sector").loc["improvement", "soonest_hours"] == pytest.approx(3)


def test_the_api_and_the_page_say_the_same(store):
    from app import create_app
    from dashboard.settings import Settings

    engine, region = store
    service = DashboardService(engine, region, clock=lambda: NOW)
    client = create_app(Settings(_env_file=None), service).server.test_client()
    answer = client.get("/api/v1/deadlines?period=7d").get_json()
    assert answer["total"] == len(EXPECTED) and answer["window_hours"] == 24
    assert {i["external_id"]: i["hours_left"] for i in answer["items"]} == EXPECTED
    assert client.get("/api/v1/deadlines?sector=health").get_json()["total"] == 1
    assert client.get("/api/v1/deadlines?limit=0").status_code == 400
    filters = service.read_filters({"period": ["30d"]})
    assert len(service.due_soon(filters)) == answer["total"]  # what the KPI note and the panel show
