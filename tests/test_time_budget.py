"""A request's Python work has a time budget (TSUR_REQUEST_BUDGET_MS): the statement timeout bounds only SQL.

The hostile tester's day with one 60 000-character message made /api/v1/messages answer in 10.9 s of masking. A
page of many long texts past the budget is answered 503 with a clear message instead of holding a worker."""

from __future__ import annotations

import csv
import io
import time

import pytest

from app import create_app
from dashboard.loader.ingest import load_file
from dashboard.region import get_region
from dashboard.runtime import deadline
from dashboard.service import DashboardService
from dashboard.settings import Settings
from tests.conftest import NOW

DEMO_REGION = get_region("chuvashia")

LONG = ("Иванов Петров И.И. 8 (8352) 62-34-56 ivan@mail.ru " * 200)[:10_000]  # a long text, hard to mask
QUERY = "/api/v1/messages?from=2026-11-10&to=2026-11-10&limit=1000"


@pytest.fixture
def store(engine, tmp_path):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["external_id", "source", "created_at", "status", "sector", "municipality", "text"])
    for i in range(600):
        writer.writerow([f"long{i}", "vk", f"2026-11-10 10:{i % 60:02d}", "new", "zhkh", "Чебоксары", LONG])
    path = tmp_path / "long.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    assert load_file(path, engine, now=NOW, region=DEMO_REGION).new == 600
    return engine


def client_for(store, region, tmp_path, budget_ms: int):
    settings = Settings(data_dir=tmp_path, cache_type="NullCache", request_budget_ms=budget_ms)
    return create_app(settings, DashboardService(store, region, clock=lambda: NOW)).server.test_client()


def test_a_page_of_long_texts_past_the_budget_is_answered_503_at_the_budget(store, region, tmp_path):
    whole = client_for(store, region, tmp_path, 60_000)
    start = time.perf_counter()
    served = whole.get(QUERY)
    unbounded = time.perf_counter() - start
    assert served.status_code == 200 and len(served.get_json()["items"]) == 600

    bounded = client_for(store, region, tmp_path, 150)
    start = time.perf_counter()
    response = bounded.get(QUERY)
    took = time.perf_counter() - start
    assert response.status_code == 503, response.get_data(as_text=True)
    assert "не уложился в отведённое время (0.15 с)" in response.get_json()["error"]
    assert took < unbounded / 2 and took < 1.5, (took, unbounded)  # stopped near its budget, not at the end
    assert bounded.get("/api/v1/messages?from=2026-11-10&to=2026-11-10&limit=5").status_code == 200


def test_a_budget_ends_with_its_request_and_none_holds_outside_one():
    deadline.check()  # no budget: nothing to spend
    token = deadline.start(0.0)
    time.sleep(0.001)
    with pytest.raises(deadline.OutOfTime):
        deadline.check()
    deadline.end(token)
    deadline.check()
