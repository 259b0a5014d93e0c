"""Faults for real: a runaway query, the database going away under the dashboard and under the loader
(PostgreSQL behind a TCP proxy that the test cuts), the loader killed with SIGKILL in the middle of a file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app import create_app
from dashboard.loader.demo import generate
from dashboard.loader.errors import LoadError
from dashboard.loader.ingest import load_file
from dashboard.loader.limits import LoadLimits
from dashboard.region import get_region
from dashboard.service import DashboardService
from dashboard.settings import Settings
from dashboard.store import cube
from dashboard.store.db import is_timeout, make_engine
from dashboard.store.schema import load_runs, messages, rollup_dirty, rollups
from layouts import ids
from layouts.shell import REFRESH_MS, RETRY_MS
from tests.conftest import NOW, PG_URL
from tests.tcpproxy import TcpProxy
from tests.test_auth import kpi_request
from tests.test_queries import ROWS

DEMO_REGION = get_region("chuvashia")

SLOW = {
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000) "
    "SELECT count(*) FROM c",
    "postgresql": "SELECT count(*) FROM generate_series(1, 2000000000)",
}


@pytest.mark.parametrize(
    "store", [pytest.param("sqlite", marks=pytest.mark.sqlite), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_a_runaway_query_is_stopped_and_does_not_hold_up_others(store, tmp_path, request):
    if store == "postgresql":
        request.getfixturevalue("pg_engine")  # skips (or fails under TSUR_REQUIRE_PG) without a server
    url = PG_URL if store == "postgresql" else f"sqlite:///{tmp_path / 'slow.db'}"
    engine = make_engine(url, statement_timeout_ms=500)
    quick: list[float] = []

    def others() -> None:
        for _ in range(20):
            start = time.perf_counter()
            with engine.connect() as conn:
                conn.execute(text("SELECT 1")).scalar()
            quick.append(time.perf_counter() - start)
            time.sleep(0.02)

    neighbour = threading.Thread(target=others)
    start = time.perf_counter()
    neighbour.start()
    with pytest.raises(OperationalError) as caught, engine.connect() as conn:
        conn.execute(text(SLOW[store])).scalar()
    stopped_after = time.perf_counter() - start
    neighbour.join()
    engine.dispose()
    assert is_timeout(caught.value)
    assert 0.4 < stopped_after < 5  # stopped at its limit, not run to the end (minutes)
    assert len(quick) == 20 and max(quick) < 0.3  # the others were served meanwhile


@pytest.mark.postgres
def test_the_dashboards_postgresql_sessions_plan_without_parallel_workers_or_jit(pg_engine):
    """The dashboard's connections carry ``pg_read_settings`` next to the statement timeout; a TSUR_ setting
    replaces them."""
    defaults = tuple(Settings().pg_read_settings.items())
    engine = make_engine(PG_URL, statement_timeout_ms=1500, pg_settings=defaults)
    with engine.connect() as conn:
        shown = {
            name: conn.exec_driver_sql(f"SHOW {name}").scalar() for name in ("max_parallel_workers_per_gather", "jit")
        }
        timeout = conn.exec_driver_sql("SHOW statement_timeout").scalar()
    engine.dispose()
    assert shown == {"max_parallel_workers_per_gather": "0", "jit": "off"}
    assert timeout == "1500ms"
    with pg_engine.connect() as conn:
        server_jit = conn.exec_driver_sql("SHOW jit").scalar()  # the server's own, as the loader keeps it
    chosen = Settings(pg_read_settings={"max_parallel_workers_per_gather": "1"})
    engine = make_engine(PG_URL, pg_settings=tuple(chosen.pg_read_settings.items()))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW max_parallel_workers_per_gather").scalar() == "1"
        assert conn.exec_driver_sql("SHOW jit").scalar() == server_jit
    engine.dispose()


@pytest.fixture
def proxied(pg_engine):
    """The test's PostgreSQL schema reached through a proxy that can be cut: (proxy, engine through it)."""
    with pg_engine.connect() as conn:
        schema = conn.execute(text("SHOW search_path")).scalar().strip('"')
    target = make_url(PG_URL)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432).start()
    url = target.set(host="127.0.0.1", port=proxy.port)
    engine = create_engine(
        url, pool_pre_ping=True, connect_args={"options": f"-csearch_path={schema}", "connect_timeout": 3}
    )
    yield proxy, engine
    proxy.stop()
    engine.dispose()


@pytest.mark.postgres
def test_dashboard_says_the_database_is_away_and_recovers_by_itself(proxied, pg_engine, region, tmp_path):
    proxy, engine = proxied
    path = tmp_path / "hand.csv"
    path.write_text(ROWS, encoding="utf-8")
    load_file(path, pg_engine, now=NOW, region=DEMO_REGION)
    settings = Settings(data_dir=tmp_path, cache_type="NullCache")
    client = create_app(settings, DashboardService(engine, region, clock=lambda: NOW)).server.test_client()
    search = "?period=custom&from=2026-11-11&to=2026-11-20"

    def kpis():
        body = kpi_request(client, search).get_json()["response"]
        return body[ids.STATUS]["children"], body[ids.REFRESH]["interval"], body.get(ids.KPIS)

    assert client.get("/api/v1/summary?from=2026-11-11&to=2026-11-20").get_json()["messages"] == 6
    status, interval, tiles = kpis()
    assert status is None and interval == REFRESH_MS and tiles

    proxy.stop()
    status, interval, tiles = kpis()
    assert "База данных недоступна" in status["props"]["children"]
    assert interval == RETRY_MS and tiles is None  # the last figures stay on the page; retries come faster
    down = client.get("/api/v1/summary")
    assert down.status_code == 503 and "недоступна" in down.get_json()["error"]
    assert client.get("/healthz").status_code == 503

    proxy.start()  # back: the next tick (no restart, no reload) gets figures again
    status, interval, tiles = kpis()
    assert status is None and interval == REFRESH_MS and tiles
    assert client.get("/healthz").status_code == 200


def write_demo_csv(path: Path, count: int) -> int:
    frame = generate(get_region("chuvashia"), messages=count, days=60, seed=3)
    frame.to_csv(path, index=False)
    return len(frame)


def counts(engine) -> tuple[int, int, int]:
    """(messages, distinct (source, external_id), messages according to the rollups)."""
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(messages)).scalar()
        distinct = conn.execute(
            select(func.count()).select_from(select(messages.c.source, messages.c.external_id).distinct().subquery())
        ).scalar()
        rolled = conn.execute(
            select(func.coalesce(func.sum(rollups.c.messages), 0)).where(
                rollups.c.grain == cube.DAY, rollups.c.dims == cube.MESSAGES.base
            )
        ).scalar()
    return int(total), int(distinct), int(rolled)


BATCHES_OF_1000 = LoadLimits(batch_size=1000)


@pytest.mark.postgres
def test_loader_losing_the_database_mid_file_writes_whole_batches_and_a_rerun_completes(proxied, pg_engine, tmp_path):
    proxy, engine = proxied
    path = tmp_path / "export.csv"
    rows = write_demo_csv(path, 30_000)
    failure: list[BaseException] = []

    def load() -> None:
        try:
            load_file(path, engine, region=DEMO_REGION, limits=BATCHES_OF_1000)
        except BaseException as exc:
            failure.append(exc)

    loader = threading.Thread(target=load)
    loader.start()
    while counts(pg_engine)[0] < 3000 and loader.is_alive():
        time.sleep(0.05)
    proxy.stop()
    loader.join(60)
    assert failure and isinstance(failure[0], LoadError), failure
    message = str(failure[0])
    assert "база данных стала недоступна" in message and "ещё раз" in message
    written, distinct, _ = counts(pg_engine)
    assert 0 < written < rows and written % 1000 == 0 and distinct == written  # whole batches only

    proxy.start()
    summary = load_file(path, engine, region=DEMO_REGION, limits=BATCHES_OF_1000)
    assert summary.new == rows - written and summary.unchanged == written and summary.rejected == 0
    assert counts(pg_engine) == (rows, rows, rows)  # nothing lost, nothing twice, rollups agree
    with pg_engine.connect() as conn:
        statuses = [r.status for r in conn.execute(select(load_runs.c.status).order_by(load_runs.c.id))]
    assert statuses[-1] == "done" and statuses[0] in ("failed", "interrupted")


@pytest.mark.sqlite  # the CLI's default store; PostgreSQL's loss mid-load is the proxy test above
def test_loader_killed_mid_file_then_rerun_loses_and_doubles_nothing(tmp_path):
    path = tmp_path / "export.csv"
    rows = write_demo_csv(path, 60_000)
    env = {**os.environ, "TSUR_DATA_DIR": str(tmp_path), "TSUR_BATCH_SIZE": "2000"}
    command = [sys.executable, "-m", "dashboard.cli", "load", str(path), "--json"]
    engine = make_engine(f"sqlite:///{tmp_path / 'tsur.db'}")
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if counts(engine)[0] >= 10_000:
                break
        except OperationalError:  # the schema is not there yet
            pass
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)  # no chance to clean up
    child.wait()
    written = counts(engine)[0]
    assert 10_000 <= written < rows and written % 2000 == 0

    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert counts(engine) == (rows, rows, rows)
    with engine.connect() as conn:
        statuses = [r.status for r in conn.execute(select(load_runs.c.status).order_by(load_runs.c.id))]
    assert statuses == ["interrupted", "done"]
    engine.dispose()


def cli_url(engine) -> str:
    """The address of the test's store for a `tsur` child process (PostgreSQL: its schema in the search path)."""
    if engine.dialect.name != "postgresql":
        return engine.url.render_as_string(hide_password=False)
    with engine.connect() as conn:
        schema = conn.execute(text("SHOW search_path")).scalar().strip('"')
    return engine.url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def by_day(engine) -> tuple[dict, dict, set]:
    """Messages stored per day, messages per day according to the rollups, and the days marked dirty."""
    with engine.connect() as conn:
        stored = dict(conn.execute(select(messages.c.day, func.count()).group_by(messages.c.day)).all())
        rolled = dict(
            conn.execute(
                select(rollups.c.day, func.sum(rollups.c.messages))
                .where(rollups.c.grain == cube.DAY, rollups.c.dims == cube.MESSAGES.base)
                .group_by(rollups.c.day)
            ).all()
        )
        dirty = {row.day for row in conn.execute(select(rollup_dirty.c.day))}
    return stored, {day: int(n) for day, n in rolled.items()}, dirty


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from Linux's /proc")
def test_a_loader_killed_mid_file_leaves_no_worker_and_the_days_it_wrote_served(engine, tmp_path):
    """The hostile tester's `kill -9` of `tsur load`: its validation worker lived on at PPID 1 holding the
    database connection, and the rollups were empty with 102 days dirty until a re-run. Now the worker dies with
    the loader; the days an earlier load wrote keep their figures, and the killed load's written days are served
    from its last rollup checkpoint (here one after every batch's worth of time)."""
    earlier, path = tmp_path / "earlier.csv", tmp_path / "export.csv"
    generate(get_region("chuvashia"), messages=6_000, days=60, seed=5).assign(
        external_id=lambda f: "e" + f["external_id"]
    ).to_csv(earlier, index=False)
    load_file(earlier, engine, now=None, region=DEMO_REGION)
    before, _, _ = by_day(engine)
    write_demo_csv(path, 60_000)
    env = {
        **os.environ,
        "TSUR_DATABASE_URL": cli_url(engine),
        "TSUR_BATCH_SIZE": "2000",
        "TSUR_ROLLUP_CHECKPOINT_SECONDS": "0",
    }
    loader = subprocess.Popen(
        [sys.executable, "-m", "dashboard.cli", "load", str(path), "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while time.monotonic() < deadline and (not workers or counts(engine)[0] < 6_000 + 20_000):
        workers = workers or children(loader.pid)
        time.sleep(0.05)
    assert workers, "the loader started no validation worker"
    loader.send_signal(signal.SIGKILL)
    loader.wait()
    gone_by = time.monotonic() + 5
    while time.monotonic() < gone_by and any(Path(f"/proc/{pid}").exists() for pid in workers):
        time.sleep(0.05)
    alive = [pid for pid in workers if Path(f"/proc/{pid}").exists()]
    for pid in alive:  # do not leave it behind for the rest of the suite
        os.kill(pid, signal.SIGKILL)
    assert not alive, "the validation worker outlived the killed loader"

    stored, rolled, dirty = by_day(engine)
    assert sum(stored.values()) > sum(before.values())  # the killed load wrote whole batches
    assert sum(rolled.values()) > sum(before.values())  # and its checkpoints rolled some of them up
    for day, count in stored.items():  # a day's figure: its messages; a day written since its last rebuild keeps
        if day in dirty:  # the figure of that rebuild, never less than before the load
            assert before.get(day, 0) <= rolled.get(day, 0) <= count, day
        else:
            assert rolled.get(day, 0) == count, day
