"""Pulling from an Open311 GeoReport v2 server: incremental by a cursor kept in the store, updates within the
overlap, a cut answer read in halves, and a server that times out, fails or answers garbage — retried, logged, the
cursor never lost. Against a real HTTP server on loopback (tests/open311_server.py)."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dashboard.loader.mapping import Mapping
from dashboard.loader.open311 import Open311Pull, PullFailed
from dashboard.loader.watch import Watcher
from dashboard.region import get_region
from dashboard.store.schema import messages
from tests.open311_server import Open311Server

REGION = get_region("chuvashia")
DAY0 = datetime(2026, 11, 1, tzinfo=UTC)


def at(hours: float) -> str:
    return (DAY0 + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def puller(engine, server: Open311Server, clock: Clock, **options) -> Open311Pull:
    settings = {"first_start": DAY0, "first_delay": 0.01, "max_delay": 0.05, "timeout": 1.0, **options}
    return Open311Pull(server.url, engine, REGION, Mapping(defaults={"source": "pos"}), clock=clock, **settings)


def stored(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(messages)).scalar()


@pytest.fixture
def server():
    with Open311Server() as running:
        yield running


def test_pulls_incrementally_and_a_restart_goes_on_from_the_stored_cursor(engine, server):
    for n in range(30):
        server.add(n, at(n * 2.4))  # three days
    clock = Clock(DAY0 + timedelta(days=3, hours=1))
    first = puller(engine, server, clock).pull()
    assert (first.new, first.rejected) == (30, 0)
    assert puller(engine, server, clock).cursor() == clock.now
    for n in range(30, 35):
        server.add(n, at(73 + n - 30))
    clock.now += timedelta(hours=8)
    asked = len(server.asked)
    second = puller(engine, server, clock).pull()  # a new process: the cursor comes from the store
    assert second.new == 5
    assert second.unchanged == 9  # the day re-read behind the cursor (from 49 h): requests 21–29, stored once
    assert stored(engine) == 35
    starts = {q["start_date"] for q in server.asked[asked:]}
    assert min(starts) == "2026-11-03T01:00:00Z"  # the cursor less one day of overlap, not the first start


def test_a_request_closed_later_is_updated_while_it_lies_in_the_overlap(engine, server):
    server.add(1, at(10))
    clock = Clock(DAY0 + timedelta(hours=12))
    puller(engine, server, clock).pull()
    server.add(1, at(10), status="closed", updated_datetime=at(14))
    clock.now += timedelta(hours=6)
    again = puller(engine, server, clock).pull()
    assert (again.new, again.updated) == (0, 1)
    with engine.connect() as conn:
        status, resolved = conn.execute(select(messages.c.status, messages.c.resolved_at)).one()
    assert status == "resolved" and resolved is not None


def test_an_answer_at_the_servers_cap_is_read_again_in_halves(engine):
    with Open311Server(cap=4) as server:
        for n in range(10):
            server.add(n, at(1 + n * 0.5))  # ten requests within one window
        summary = puller(engine, server, Clock(DAY0 + timedelta(hours=20)), page_cap=4).pull()
        assert (summary.new, stored(engine)) == (10, 10)
        assert len(server.asked) > 3


def test_timeouts_errors_and_garbage_are_retried_and_logged(engine, server, caplog):
    for n in range(6):
        server.add(n, at(n))
    server.faults = ["timeout", "500", "garbage", "object"]
    server.slow_seconds = 1.5
    caplog.set_level(logging.WARNING, "tsur.open311")
    summary = puller(engine, server, Clock(DAY0 + timedelta(hours=12)), timeout=0.5).pull()
    assert summary.new == 6
    tries = [r.getMessage() for r in caplog.records]
    assert len(tries) == 4 and all("попытка" in line for line in tries)
    assert "500" in tries[1] and "JSON" in tries[3]


def test_a_server_down_for_every_attempt_leaves_the_cursor_where_it_was(engine, server):
    clock = Clock(DAY0 + timedelta(hours=12))
    server.add(1, at(2))
    puller(engine, server, clock).pull()
    server.add(2, at(13))
    clock.now += timedelta(hours=6)
    server.faults = ["500"] * 3
    with pytest.raises(PullFailed, match="курсор остался"):
        puller(engine, server, clock, attempts=3).pull()
    assert puller(engine, server, clock).cursor() == DAY0 + timedelta(hours=12)
    recovered = puller(engine, server, clock).pull()  # the server is back: nothing was skipped
    assert recovered.new == 1 and stored(engine) == 2


def test_a_refusal_is_not_retried(engine, server):
    pull = Open311Pull(server.url.replace("requests.json", "nope.json"), engine, REGION, Mapping(), first_start=DAY0)
    with pytest.raises(PullFailed, match="404"):
        pull.pull()
    assert len(server.asked) == 1


def test_a_stop_ends_the_back_off_wait(engine, server):
    server.faults = ["500"] * 10
    pull = puller(engine, server, Clock(DAY0 + timedelta(hours=2)), first_delay=30, max_delay=30)
    threading.Timer(0.3, pull.stop.set).start()
    started = datetime.now(UTC)
    with pytest.raises(PullFailed):
        pull.pull()
    assert datetime.now(UTC) - started < timedelta(seconds=5)


def test_tsur_watch_pulls_at_every_look(engine, server, tmp_path):
    server.add(1, at(1))
    pull = puller(engine, server, Clock(DAY0 + timedelta(hours=5)))
    watcher = Watcher(engine, REGION, [tmp_path], pulls=[pull])
    outcomes = watcher.look()
    assert [(o.path, o.action, o.summary.new) for o in outcomes] == [(server.url, "loaded", 1)]
    server.faults = ["500"] * 10
    pull.attempts = 2
    failed = watcher.look()
    assert [(o.path, o.action) for o in failed] == [(server.url, "retry")]
    watcher.run(interval=0.01, once=True)  # a failing server does not keep --once from ending


def test_the_command_needs_a_channel_and_pulls_once(server, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from dashboard.cli import app
    from dashboard.settings import get_settings
    from dashboard.store.db import get_engine

    monkeypatch.setenv("TSUR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TSUR_DATABASE_URL", raising=False)
    for cached in (get_settings, get_engine):
        cached.cache_clear()
    runner = CliRunner()
    try:
        refused = runner.invoke(app, ["watch", "--open311", server.url, "--once"])
        assert refused.exit_code == 2 and "--source" in refused.output
        assert runner.invoke(app, ["watch", "--once"]).exit_code == 2  # neither a folder nor a server
        now = datetime.now(UTC)
        server.add(7, (now - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ"))
        done = runner.invoke(app, ["watch", "--open311", server.url, "--source", "pos", "--once"])
        assert done.exit_code == 0, done.output
        stats = runner.invoke(app, ["stats", "--json"])
        assert '"messages": 1' in stats.output
    finally:
        for cached in (get_settings, get_engine):
            cached.cache_clear()


def test_a_hostile_answer_never_stops_the_watch(engine, server, tmp_path):
    """Nesting too deep for the parser, and a lone surrogate in a request: the first is a failed attempt like a 500,
    the second a request refused alone — the watch goes on and the cursor moves past what was stored."""
    server.add(1, at(1))
    server.add(2, at(2), description="x\ud800y")
    server.faults = ["deep"]
    pull = puller(engine, server, Clock(DAY0 + timedelta(hours=5)))
    watcher = Watcher(engine, REGION, [tmp_path], pulls=[pull])
    [outcome] = watcher.look()
    assert outcome.action == "loaded" and (outcome.summary.new, outcome.summary.rejected) == (1, 1)
    assert pull.cursor() == DAY0 + timedelta(hours=5)


def test_a_window_without_a_mapped_field_does_not_stall_the_cursor(engine, server):
    """Servers leave empty fields out: a window whose requests have no ``address`` met «the mapping names a column
    the file lacks» at every look, and the cursor never moved again."""
    mapping = Mapping(columns={"municipality": "address"}, defaults={"source": "pos"})
    server.add(1, at(1), lat=56.13, long=47.25)
    del server.requests["1"]["address"]
    pull = Open311Pull(server.url, engine, REGION, mapping, first_start=DAY0, clock=Clock(DAY0 + timedelta(hours=5)))
    assert pull.pull().new == 1
    assert pull.cursor() == DAY0 + timedelta(hours=5)


def test_each_jurisdiction_of_a_server_has_its_own_cursor(engine, server):
    clock = Clock(DAY0 + timedelta(hours=5))
    one = puller(engine, server, clock, params={"jurisdiction_id": "cheb", "api_key": "k1"})
    one.pull()
    other = puller(engine, server, clock, params={"jurisdiction_id": "novocheb"})
    assert other.cursor() is None and one.feed != other.feed
    assert puller(engine, server, clock, params={"jurisdiction_id": "cheb", "api_key": "k2"}).cursor() == clock.now
