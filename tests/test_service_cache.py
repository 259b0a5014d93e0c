"""The service's cache: keyed by filters and data version; clock-bound figures also by a five-minute slot."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from dashboard.loader.ingest import load_file
from dashboard.service import DashboardService, cache
from tests.conftest import NOW
from tests.test_queries import PERIOD, ROWS


def test_cache_hits_misses_and_invalidation(engine, region, tmp_path, monkeypatch):
    path = tmp_path / "hand.csv"
    path.write_text(ROWS, encoding="utf-8")
    load_file(path, engine, now=NOW)
    clock = {"now": NOW}
    service = DashboardService(engine, region, clock=lambda: clock["now"])
    calls: list[str] = []
    import dashboard.service as module

    real = module._run
    monkeypatch.setattr(module, "_run", lambda svc, name, *a: calls.append(name) or real(svc, name, *a))
    app = Flask(__name__)
    cache.init_app(app, config={"CACHE_TYPE": "SimpleCache"})
    with app.app_context():
        cache.clear()
        service.summary(PERIOD)
        service.response_trend(PERIOD)
        service.summary(PERIOD)
        service.response_trend(PERIOD)
        assert calls == ["summary", "response_trend"]  # second round served from the cache
        clock["now"] = NOW + timedelta(minutes=7)  # a new five-minute slot
        service.summary(PERIOD)
        service.response_trend(PERIOD)
        assert calls == ["summary", "response_trend", "summary"]  # only the clock-bound figure is recomputed
        extra = tmp_path / "more.csv"
        header, first = ROWS.splitlines()[:2]
        extra.write_text(f"{header}\n{first.replace('q1', 'z1')}\n", encoding="utf-8")
        load_file(extra, engine, now=NOW)  # a load bumps the data version
        service.response_trend(PERIOD)
        assert calls[-1] == "response_trend"
