"""Shared fixtures: a migrated store — SQLite, or the local PostgreSQL server when TSUR_TEST_STORE=postgres — and a
fixed clock. `make test` runs the whole suite once per store."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from selenium.webdriver.chrome.options import Options
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from dashboard.region import Region, get_region
from dashboard.runtime import fanout
from dashboard.store.db import init_db, make_engine
from dashboard.store.watchdog import WATCHDOG

PG_URL = os.environ.get("TSUR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("TSUR_REQUIRE_PG") == "1"
STORE = os.environ.get("TSUR_TEST_STORE", "sqlite")  # the store of this run: sqlite or postgres
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DATA = Path(__file__).parent / "data"


# Browser tests save what they saw here (git-ignored); `make screenshots` points it at docs/screenshots.
SCREENSHOTS = Path(os.environ.get("TSUR_SCREENSHOTS") or Path(__file__).resolve().parent / "__screenshots__")


def save_screenshot(driver, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / name))


def pytest_setup_options() -> Options:
    """Browser options dash.testing asks for: headless Chromium from Debian's package."""
    options = Options()
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--window-size=1920,1080",
    ):
        options.add_argument(arg)
    options.binary_location = os.environ.get("TSUR_CHROMIUM", "/usr/bin/chromium")
    return options


def _pg_available() -> str | None:
    try:
        engine = create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect means "not here"
        return f"PostgreSQL not reachable at {PG_URL}: {exc.__class__.__name__}"


_PG_PROBLEM = _pg_available()


@pytest.fixture(scope="session")
def region() -> Region:
    return get_region("chuvashia")


@pytest.fixture
def sqlite_engine(tmp_path: Path, region: Region) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    init_db(engine, region)
    yield engine
    engine.dispose()


def pg_schema_engine(region: Region) -> tuple[Engine, Callable[[], None]]:
    """A migrated store in a fresh PostgreSQL schema of its own, and the function that drops it."""
    if _PG_PROBLEM:
        if REQUIRE_PG:
            pytest.fail(_PG_PROBLEM)
        pytest.skip(_PG_PROBLEM)
    schema = f"tsur_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(PG_URL, pg_settings=(("search_path", schema),))  # the store's engine, its bounds included
    init_db(engine, region)

    def drop() -> None:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return engine, drop


def store_of_run(region: Region, folder: Path) -> tuple[Engine, Callable[[], None]]:
    """A migrated store of the run's kind for a module-scoped fixture (SQLite in ``folder``), and its cleanup."""
    if STORE == "postgres":
        return pg_schema_engine(region)
    engine = make_engine(f"sqlite:///{folder / 'store.db'}")
    init_db(engine, region)
    return engine, engine.dispose


@pytest.fixture
def pg_engine(region: Region) -> Iterator[Engine]:
    engine, drop = pg_schema_engine(region)
    yield engine
    drop()


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> Engine:
    """A migrated, empty store of the run's kind (TSUR_TEST_STORE): the suite runs once on each store."""
    return request.getfixturevalue("pg_engine" if STORE == "postgres" else "sqlite_engine")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each run holds the tests of its store: tests marked for the other store are deselected (they run in its pass)."""
    other = "sqlite" if STORE == "postgres" else "postgres"
    kept = [item for item in items if item.get_closest_marker(other) is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item.get_closest_marker(other) is not None])
        items[:] = kept


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


_dash_server_stopped = False  # a test started a dash.testing app server, which its teardown stopped


@pytest.fixture(autouse=True)
def _threads_killed_by_dash_testing_start_afresh() -> None:
    """dash.testing stops a test's app server by raising SystemExit in every thread started meanwhile — the read
    pool's and the database watchdog's among them. A thread blocked on a queue dies only when it wakes: a pool's
    thread took the next test's call and died with it, and that fan-out waited forever. So after such a test the
    pool and the watchdog are forgotten and made anew on next use."""
    global _dash_server_stopped
    if _dash_server_stopped:
        fanout._forget_pool()
        WATCHDOG.forget_threads()
        _dash_server_stopped = False


@pytest.fixture
def dash_duo(dash_duo):
    """dash.testing's browser fixture, its app server on a free port: with ``pytest -n 2`` both workers would
    otherwise start on 8050, and one worker's browser could be served by the other worker's app."""
    start = dash_duo.start_server

    def start_server(app, **kwargs):
        global _dash_server_stopped
        _dash_server_stopped = True
        kwargs.setdefault("port", _free_port())
        return start(app, **kwargs)

    dash_duo.start_server = start_server
    return dash_duo
