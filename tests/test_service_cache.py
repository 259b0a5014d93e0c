"""The service's cache: keyed by filters and data version; clock-bound figures also by a five-minute slot."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pandas as pd
import pytest
from flask import Flask

import dashboard.service as module
import web.cache as web_cache
from dashboard.loader.ingest import load_file
from dashboard.region import get_region
from dashboard.runtime import memo
from dashboard.service import DashboardService, Hooks
from dashboard.store.db import DataVersions
from tests.conftest import NOW
from tests.test_queries import PERIOD, ROWS
from web.cache import cache, cached_figure

DEMO_REGION = get_region("chuvashia")


@pytest.fixture
def calls(engine, tmp_path, monkeypatch):
    """The hand-made rows loaded, an empty SimpleCache in an app context, and the list of figures that were
    computed rather than served from the cache."""
    path = tmp_path / "hand.csv"
    path.write_text(ROWS, encoding="utf-8")
    load_file(path, engine, now=NOW, region=DEMO_REGION)
    calls = computed(monkeypatch)
    app = Flask(__name__)
    cache.init_app(app, config={"CACHE_TYPE": "SimpleCache"})
    with app.app_context():
        cache.clear()
        yield calls


def computed(monkeypatch) -> list[str]:
    """The names of the figures computed (not served from the cache) from now on."""
    calls: list[str] = []
    real = DashboardService.compute
    monkeypatch.setattr(DashboardService, "compute", lambda svc, name, *a: calls.append(name) or real(svc, name, *a))
    return calls


def cached_service(engine, region, clock=lambda: NOW) -> DashboardService:
    """The service as the web layer wires it: figures through the shared cache."""
    return DashboardService(engine, region, clock=clock, hooks=Hooks(cached=cached_figure))


def test_cache_hits_misses_and_invalidation(engine, region, tmp_path, calls):
    clock = {"now": NOW}
    service = cached_service(engine, region, clock=lambda: clock["now"])
    for _ in range(2):
        service.summary(PERIOD)
        service.response_trend(PERIOD)
        service.daily(PERIOD)
    assert calls == ["summary", "response_trend", "daily"]  # second round served from the cache
    clock["now"] = NOW + timedelta(minutes=7)  # a new five-minute slot
    service.summary(PERIOD)
    service.response_trend(PERIOD)  # the ages of messages still open move its estimates
    service.daily(PERIOD)
    assert calls[3:] == ["summary", "response_trend"]  # only the clock-bound figures are recomputed
    extra = tmp_path / "more.csv"
    header, first = ROWS.splitlines()[:2]
    extra.write_text(f"{header}\n{first.replace('q1', 'z1')}\n", encoding="utf-8")
    load_file(extra, engine, now=NOW, region=DEMO_REGION)  # a load bumps the data version
    service.daily(PERIOD)
    assert calls[-1] == "daily"


def test_a_days_version_is_the_newest_of_the_days_it_reads():
    versions = DataVersions("7", (date(2026, 11, 1), date(2026, 11, 3), date(2026, 11, 5)), (10, 30, 20))
    assert versions.of(date(2026, 11, 1), date(2026, 11, 2)) == "7:10"
    assert versions.of(date(2026, 11, 3), date(2026, 11, 5)) == "7:30"
    assert versions.of(date(2026, 11, 4), date(2026, 11, 5)) == "7:20"  # both ends included
    assert versions.of(date(2026, 11, 6), date(2026, 11, 9)) == "7:0"  # no data: no day version
    assert versions.of() == "7:30"


def test_the_versions_are_read_once_per_request(engine, region, calls, monkeypatch):
    reads = []
    real = module.data_versions
    monkeypatch.setattr(module, "data_versions", lambda e: reads.append(1) or real(e))
    service = cached_service(engine, region)
    for _ in range(2):  # each request in its own app context, as served
        with memo.scope():
            service.summary(PERIOD)
            service.response_trend(PERIOD)
            service.backlog(PERIOD)
    assert len(reads) == 2
    assert calls == ["summary", "response_trend", "backlog"]  # the second request from the cache: same versions


def test_results_a_different_version_of_the_code_cached_are_not_read(engine, region, calls, monkeypatch):
    """A deploy shares the cache with what the old workers wrote: the code's version in the key keeps them apart."""
    service = cached_service(engine, region)
    service.summary(PERIOD)
    service.summary(PERIOD)
    assert calls == ["summary"]
    monkeypatch.setattr(web_cache, "CODE_VERSION", "another")
    service.summary(PERIOD)
    assert calls == ["summary", "summary"]


def test_a_load_invalidates_the_figures_of_the_days_it_touched_and_no_others(engine, region, tmp_path, calls):
    service = cached_service(engine, region)
    header, first = ROWS.splitlines()[:2]
    service.response_trend(PERIOD)
    service.backlog(PERIOD)
    # a message of June: months before the period and its baseline — the trend stays cached; the backlog
    # counts every earlier open message, so it is recomputed
    old = tmp_path / "june.csv"
    old.write_text(f"{header}\n{first.replace('q1', 'j1').replace('2026-11-10', '2026-06-01')}\n", encoding="utf-8")
    load_file(old, engine, now=NOW, region=DEMO_REGION)
    service.response_trend(PERIOD)
    service.backlog(PERIOD)
    assert calls == ["response_trend", "backlog", "backlog"]
    # a message inside the period: both are recomputed, and the trend counts it
    new = tmp_path / "november.csv"
    new.write_text(f"{header}\n{first.replace('q1', 'n1').replace('2026-11-10', '2026-11-12')}\n", encoding="utf-8")
    load_file(new, engine, now=NOW, region=DEMO_REGION)
    trend = service.response_trend(PERIOD)
    service.backlog(PERIOD)
    assert calls[3:] == ["response_trend", "backlog"]
    assert int(trend["messages"].sum()) == 6 + 1


def test_a_figure_asked_twice_in_one_request_is_computed_once(engine, region, tmp_path, monkeypatch):
    """With no cache at all (NullCache), the map's tension metric and its card share one tension index per
    request; the next request computes it again."""
    path = tmp_path / "hand.csv"
    path.write_text(ROWS, encoding="utf-8")
    load_file(path, engine, now=NOW, region=DEMO_REGION)
    calls = computed(monkeypatch)
    app = Flask(__name__)
    cache.init_app(app, config={"CACHE_TYPE": "NullCache"})
    service = cached_service(engine, region)
    chosen = replace(PERIOD, municipalities=("97701000",))
    for _ in range(2):
        with app.app_context(), memo.scope():
            by_place = service.map_tension(chosen)
            card = service.place_tension(chosen, "97701000")
            service.summary(PERIOD)
    assert calls == ["_tension", "summary"] * 2
    assert by_place.loc["97701000"] == card["index"].max()

    # the briefing under a municipality filter: the region's one index, which carries every place's highest
    calls.clear()
    with app.app_context(), memo.scope():
        own = service.tension(chosen)
    assert calls == ["_tension"]
    assert set(own.points["oktmo"]) == {"97701000"}
    with app.app_context(), memo.scope():
        pd.testing.assert_series_equal(own.place_index, service.map_tension(chosen))
