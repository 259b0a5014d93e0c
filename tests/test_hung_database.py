"""A database that accepts connections and never answers: no request waits for it unboundedly.

The hostile tester saw every request — ``/``, sign-in, ``/healthz`` — hang ~130 s behind such a database, and four
of them stall a worker pool. Now: ``/healthz`` answers 503 within 2 s; other requests get the database's error
within the connect timeout; a pooled connection that stops answering is pinged with a bound and replaced; a
statement waiting on a server that froze mid-answer ends at the read timeout."""

from __future__ import annotations

import re
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from werkzeug.serving import make_server

from app import create_app
from dashboard import accounts
from dashboard.region import get_region
from dashboard.service import DashboardService
from dashboard.settings import Settings
from dashboard.store.db import READ_GRACE_SECONDS, Connections, make_engine
from tests.conftest import NOW, PG_URL, _free_port
from tests.tcpproxy import TcpProxy

pytestmark = pytest.mark.postgres  # PostgreSQL's engine (SQLite has no server to hang; its busy timeout is bounded)


class Silent:
    """A listener that accepts every connection and never says a word."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                self.held.append(self.listener.accept()[0])
            except OSError:
                return

    def close(self) -> None:
        self.listener.close()
        for sock in self.held:
            sock.close()


CONNECT_IN_TWO_SECONDS = Connections(connect_timeout=2)


def serve(app) -> tuple[str, callable]:
    server = make_server("127.0.0.1", _free_port(), app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server.shutdown


def timed(call, limit: float = 30.0) -> tuple[float, object]:
    """Seconds ``call`` took and its result; a call still waiting after ``limit`` fails the test (before the
    bounds, these calls waited for ever) and is left behind in a daemon thread."""
    done: list[object] = []
    start = time.perf_counter()
    worker = threading.Thread(target=lambda: done.append(call()), daemon=True)
    worker.start()
    worker.join(limit)
    assert done, f"still waiting for the database after {limit:.0f} s"
    return time.perf_counter() - start, done[0]


def test_a_silent_database_holds_no_request(tmp_path):
    silent = Silent()
    url = make_url(PG_URL).set(host="127.0.0.1", port=silent.port).render_as_string(hide_password=False)
    engine = make_engine(url, statement_timeout_ms=15_000, connections=CONNECT_IN_TWO_SECONDS)
    settings = Settings(data_dir=tmp_path, cache_type="NullCache", auth=True, secret_key="silent-test-123456789")
    base, stop = serve(create_app(settings, DashboardService(engine, get_region("chuvashia"), clock=lambda: NOW)))
    try:
        assert requests.get(f"{base}/login", timeout=60).status_code == 200  # the app's first request, no database
        with ThreadPoolExecutor(4) as pool:  # four at once: the tester's four stalled the worker pool
            checks = list(pool.map(lambda _: timed(lambda: requests.get(f"{base}/healthz", timeout=60)), range(4)))
        for took, response in checks:
            assert response.status_code == 503 and response.json()["database"] == "unavailable"
            assert took < 2.0, took
        browser = requests.Session()
        csrf = re.search(r'name="csrf" value="([^"]+)"', browser.get(f"{base}/login", timeout=60).text).group(1)
        form = {"name": "glava", "password": "x", "csrf": csrf}
        took, login = timed(lambda: browser.post(f"{base}/login", data=form, timeout=60))
        assert login.status_code == 503 and took < 2 * 2 + 1.5, took  # the connect timeout (the pool retries once)
        took, api = timed(lambda: requests.get(f"{base}/api/v1/summary", auth=("glava", "x"), timeout=60))
        assert took < 2 * 2 + 1.5 and api.status_code >= 400, took
    finally:
        stop()
        engine.dispose()
        silent.close()


@pytest.fixture
def frozen_proxy(pg_engine):
    """The test's schema through a proxy that can freeze, and the dashboard's kind of engine through it."""
    with pg_engine.connect() as conn:
        schema = conn.execute(text("SHOW search_path")).scalar().strip('"')
    target = make_url(PG_URL)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432).start()
    url = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    engine = make_engine(
        url, statement_timeout_ms=1000, pg_settings=(("search_path", schema),), connections=CONNECT_IN_TWO_SECONDS
    )
    yield proxy, engine
    proxy.stop()
    engine.dispose()


def test_a_database_that_freezes_is_noticed_in_time_and_recovered_from(frozen_proxy, pg_engine, tmp_path):
    proxy, engine = frozen_proxy
    accounts.add_user(pg_engine, "glava", "head", "correct horse battery")
    settings = Settings(data_dir=tmp_path, cache_type="NullCache")
    client = create_app(settings, DashboardService(engine, get_region("chuvashia"), clock=lambda: NOW)).server
    client = client.test_client()
    assert timed(lambda: client.get("/healthz"))[1].status_code == 200  # a connection in the pool now
    assert timed(lambda: client.get("/api/v1/summary"))[1].status_code == 200

    stuck: list[BaseException] = []

    def slow_statement() -> None:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_sleep(0.8)"))
        except OperationalError as exc:
            stuck.append(exc)

    waiting = threading.Thread(target=slow_statement, daemon=True)
    start = time.perf_counter()
    waiting.start()
    time.sleep(0.3)
    proxy.freeze()  # the answer to the statement under way never comes
    took, health = timed(lambda: client.get("/healthz"))
    assert health.status_code == 503 and took < 2.0, took
    took, summary = timed(lambda: client.get("/api/v1/summary"))  # the pooled connection's ping, then a new one
    assert summary.status_code == 503 and took < 2 + 2 + 1.5, took
    waiting.join(30)
    assert stuck, "the statement was still waiting after 30 s"
    assert time.perf_counter() - start < 1 + READ_GRACE_SECONDS + 1.5  # the statement's read timeout

    proxy.stop()
    proxy.start()  # the database answers again: no restart needed
    assert timed(lambda: client.get("/healthz"))[1].status_code == 200
    assert timed(lambda: client.get("/api/v1/summary"))[1].status_code == 200
