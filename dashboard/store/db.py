"""Engine creation (SQLite pragmas, PostgreSQL pool), migrations and reference-data seeding."""

from __future__ import annotations

import math
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, delete, event, func, insert, select, text
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError

from dashboard.region import Region
from dashboard.store import rollups
from dashboard.store.schema import day_versions, messages, meta, municipalities, sectors
from dashboard.store.watchdog import READ_SECONDS, WATCHDOG

if TYPE_CHECKING:
    from dashboard.settings import Settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
PgSettings = tuple[tuple[str, str], ...]  # PostgreSQL settings of a connection: (name, value) pairs
SQLITE_BUSY_SECONDS = 30  # how long a statement waits for another process's write lock (at most the statement timeout)
READ_GRACE_SECONDS = 5  # a wait may outlast the statement timeout by this: the server cancels first if it can
TCP_KEEPALIVE = {"keepalives": 1, "keepalives_idle": 20, "keepalives_interval": 5, "keepalives_count": 4}
TCP_USER_TIMEOUT_MS = 60_000  # data sent and not acknowledged this long: the peer is gone


@dataclass(frozen=True)
class Connections:
    """How an engine holds its PostgreSQL connections (``TSUR_DB_*``; the defaults are the settings' defaults)."""

    connect_timeout: int = 3  # s to open a connection (libpq's minimum is 2)
    pool_size: int = 5
    max_overflow: int = 5
    read_timeout: int = 1800  # s an answer may take on an engine without a statement timeout (the loader's)

    @classmethod
    def of(cls, settings: Settings) -> Connections:
        return cls(
            settings.db_connect_timeout, settings.db_pool_size, settings.db_max_overflow, settings.db_read_timeout
        )


def make_engine(
    url: str,
    statement_timeout_ms: int | None = None,
    pg_settings: PgSettings = (),
    connections: Connections | None = None,
) -> Engine:
    """An engine with the store's settings; ``statement_timeout_ms`` cancels any statement running longer
    (the dashboard's engine has one, so a runaway query cannot hold a worker; the loader's has none).
    ``pg_settings``: PostgreSQL settings of every connection (the dashboard's ``pg_read_settings``).

    No wait for the database is unbounded: SQLite's busy timeout; PostgreSQL's connect timeout
    (``TSUR_DB_CONNECT_TIMEOUT``), TCP keepalives against a vanished peer, and a read timeout on every statement,
    commit and pool ping (:mod:`dashboard.store.watchdog`) against a server that accepts and never answers — the
    statement timeout plus READ_GRACE_SECONDS on the dashboard's engine, ``TSUR_DB_READ_TIMEOUT`` on the others."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        busy = min(SQLITE_BUSY_SECONDS, statement_timeout_ms / 1000) if statement_timeout_ms else SQLITE_BUSY_SECONDS
        # a prepared statement per shape of cube read: more shapes than sqlite3 keeps by default (128)
        engine = create_engine(url, connect_args={"timeout": busy, "cached_statements": 1024})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA temp_store=MEMORY")
            cur.execute("PRAGMA cache_size=-16384")  # 16 MB a connection: the OS caches the file for all workers
            cur.close()

        if statement_timeout_ms:
            _sqlite_statement_timeout(engine, statement_timeout_ms / 1000)
        return engine
    connections = connections or Connections()
    options = [*pg_settings, *([("statement_timeout", str(statement_timeout_ms))] if statement_timeout_ms else [])]
    connect_args: dict[str, object] = {
        "connect_timeout": connections.connect_timeout,
        "tcp_user_timeout": TCP_USER_TIMEOUT_MS,
        **TCP_KEEPALIVE,
    }
    if options:
        connect_args["options"] = " ".join(f"-c {name}={value}" for name, value in options)
    engine = create_engine(
        url,
        pool_size=connections.pool_size,
        max_overflow=connections.max_overflow,
        pool_recycle=1800,
        connect_args=connect_args,
    )
    read = statement_timeout_ms / 1000 + READ_GRACE_SECONDS if statement_timeout_ms else connections.read_timeout
    _bounded_waits(engine, read, float(connections.connect_timeout))
    return engine


def _bounded_waits(engine: Engine, read_seconds: float, ping_seconds: float) -> None:
    """Every wait for the server under a deadline (:mod:`dashboard.store.watchdog`): a statement's answer, a commit
    or rollback, the pool's reset of a returned connection — and the ping of a pooled connection on checkout,
    which replaces ``pool_pre_ping`` (its ping could not be bounded): a connection that does not answer within
    ``ping_seconds`` is replaced, like one the server dropped (restart, failover)."""

    def arm(dbapi_connection, *_args) -> None:
        WATCHDOG.arm(dbapi_connection, read_seconds)

    def disarm(dbapi_connection, *_args) -> None:
        WATCHDOG.disarm(dbapi_connection)

    def arm_statement(conn: Connection, *_args) -> None:
        if not conn.invalidated:  # an invalidated one has no DBAPI connection left (asking would reconnect)
            arm(conn.connection.dbapi_connection)

    def disarm_statement(conn: Connection, *_args) -> None:
        if not conn.invalidated:
            disarm(conn.connection.dbapi_connection)

    def disarm_failed(context: ExceptionContext) -> None:
        if context.connection is not None:
            disarm_statement(context.connection)

    for name in ("before_cursor_execute", "commit", "rollback"):
        event.listen(engine, name, arm_statement)
    event.listen(engine, "after_cursor_execute", disarm_statement)
    event.listen(engine, "handle_error", disarm_failed)
    event.listen(engine.pool, "reset", arm)  # the rollback of a connection given back
    for name in ("checkin", "invalidate", "close"):
        event.listen(engine.pool, name, disarm)

    @event.listens_for(engine.pool, "connect")
    def _fresh(_dbapi_connection, record) -> None:
        record.info["fresh"] = True  # just connected (within the connect timeout): no ping needed
        record.info[READ_SECONDS] = read_seconds  # for raw driver work (watchdog.driver_work)

    @event.listens_for(engine.pool, "checkout")
    def _ping(dbapi_connection, record, _proxy) -> None:
        if record.info.pop("fresh", False):
            return
        WATCHDOG.arm(dbapi_connection, ping_seconds)
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # any failure: the pool replaces the connection
            raise DisconnectionError("the pooled connection did not answer its ping") from exc
        finally:
            WATCHDOG.disarm(dbapi_connection)


def _sqlite_statement_timeout(engine: Engine, seconds: float) -> None:
    """SQLite has no statement timeout: a progress handler interrupts the statement past its deadline
    (sqlite3 raises OperationalError «interrupted»)."""

    @event.listens_for(engine, "connect")
    def _handler(dbapi_conn, record) -> None:
        info = record.info
        dbapi_conn.set_progress_handler(lambda: int(time.monotonic() > info.get("deadline", math.inf)), 20_000)

    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn, *_args) -> None:
        conn.info["deadline"] = time.monotonic() + seconds


def is_timeout(exc: SQLAlchemyError) -> bool:
    """The statement was cancelled for running too long (not: the database is away)."""
    text = str(getattr(exc, "orig", exc)).lower()
    return "interrupted" in text or "statement timeout" in text


@lru_cache(maxsize=4)
def get_engine(
    url: str,
    statement_timeout_ms: int | None = None,
    pg_settings: PgSettings = (),
    connections: Connections | None = None,
) -> Engine:
    """``make_engine``'s engine, one a process for the same arguments."""
    return make_engine(url, statement_timeout_ms, pg_settings, connections)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # configparser interpolates '%': an address's %-escapes (a password, options=-csearch_path%3D…) are doubled
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def seed_reference(engine: Engine, region: Region) -> None:
    """Insert or refresh municipalities of the region and the region's sector catalogue."""
    catalog = region.catalog.sectors
    with engine.begin() as conn:
        existing = {r.oktmo for r in conn.execute(select(municipalities.c.oktmo))}
        for oktmo, row in region.municipalities.iterrows():
            values = {
                "region": region.id,
                "name": row["name"],
                "name_en": row["name_en"] or None,
                "kind": row["kind"],
                "population": None if row["population"] != row["population"] else int(row["population"]),
                "population_year": _int_or_none(row.get("population_year")),
                "population_source": row.get("population_source") or None,
            }
            if oktmo in existing:
                conn.execute(municipalities.update().where(municipalities.c.oktmo == oktmo).values(**values))
            else:
                conn.execute(municipalities.insert().values(oktmo=oktmo, **values))
        known = {r.code for r in conn.execute(select(sectors.c.code))}
        for sector in catalog.sectors:
            values = {"name_ru": sector.name_ru, "name_en": sector.name_en}
            if sector.code in known:
                conn.execute(sectors.update().where(sectors.c.code == sector.code).values(**values))
            else:
                conn.execute(sectors.insert().values(code=sector.code, **values))


def _int_or_none(value: object) -> int | None:
    try:
        return int(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def init_db(engine: Engine, region: Region) -> None:
    """Migrate, seed the reference tables and rebuild rollups of any day left dirty (a migration may mark them)."""
    migrate(engine)
    seed_reference(engine, region)
    rollups.refresh(engine, region.timezone)


ANALYZE_GROWTH = 1.2  # SQLite's statistics are refreshed when the messages grew by a fifth since the last time


def analyze(engine: Engine) -> None:
    """Refresh the query planner's statistics after a load changed the data.

    PostgreSQL samples a fixed number of rows, so ``ANALYZE`` is quick at any size and runs after every load, with a
    ``VACUUM``: a load leaves heap pages not yet marked all-visible, so the covering indexes' index-only scans visit
    the heap, and the late events' upserts leave dead rows (VACUUM visits only pages changed since the last one: 11 s
    after a first load of 10 million messages, little after a day's load).
    SQLite reads whole indexes (13 s at 10 million messages; a sampled run gave estimates wrong enough to pick a
    scan of a municipality's 400 000 messages over the index of a few thousand unanswered ones), so it runs when
    the table grew by ANALYZE_GROWTH since the statistics were taken."""
    if engine.dialect.name != "sqlite":
        with engine.connect() as conn:  # VACUUM cannot run inside a transaction
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM (ANALYZE) messages, rollups, topic_rollups, rollup_late"
            )
        return
    with engine.begin() as conn:
        rows = conn.execute(select(func.max(messages.c.id))).scalar() or 0
        taken = conn.execute(select(meta.c.value).where(meta.c.key == "analyzed_rows")).scalar()
        if taken is not None and rows < ANALYZE_GROWTH * int(taken):
            return
        conn.exec_driver_sql("PRAGMA analysis_limit=0")
        conn.exec_driver_sql("ANALYZE")
        conn.execute(delete(meta).where(meta.c.key == "analyzed_rows"))
        conn.execute(insert(meta).values(key="analyzed_rows", value=str(rows)))


GROWING_FROM = 10_000  # PostgreSQL: statistics are refreshed during a load each time the messages double from this


def growing_statistics(engine: Engine) -> Callable[[int], None]:
    """For one load: a function told the rows inserted so far, which refreshes PostgreSQL's statistics of the
    messages each time they doubled since the last time (about 20 times over a first load of 10 million, ~1 s
    each). The loader looks stored ids up by a unique index; planned with the statistics of a near-empty table it
    scans instead, and each batch gets slower than the last (a first load ran at 1 800 rows/s after 5 million rows,
    7 300 right after an ``ANALYZE``). Autovacuum would do it but may be off or late; SQLite needs nothing."""
    if engine.dialect.name == "sqlite":
        return lambda _inserted: None
    with engine.connect() as conn:
        known = conn.execute(text("SELECT reltuples FROM pg_class WHERE oid = 'messages'::regclass")).scalar()
    state = {"basis": max(int(known or 0), GROWING_FROM), "at": 0}

    def grown(inserted: int) -> None:
        if inserted - state["at"] < state["basis"]:
            return
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE messages")
        state["basis"] += inserted - state["at"]
        state["at"] = inserted

    return grown


@dataclass(frozen=True)
class DataVersions:
    """The store's versions at one moment: the global version (full rebuilds) and each day's (loads), so that every
    figure of a request is keyed by one read of them, taken once."""

    overall: str
    days: tuple[date, ...]  # sorted
    versions: tuple[int, ...]  # of those days

    def of(self, first: date = date.min, last: date = date.max) -> str:
        """The version of the data a figure over days [first, last] reads. Part of every cache key."""
        inside = self.versions[bisect_left(self.days, first) : bisect_right(self.days, last)]
        return f"{self.overall}:{max(inside, default=0)}"


def data_versions(engine: Engine) -> DataVersions:
    """Read the versions (one row per day that holds data)."""
    with engine.connect() as conn:
        overall = conn.execute(select(meta.c.value).where(meta.c.key == "data_version")).scalar()
        rows = conn.execute(select(day_versions.c.day, day_versions.c.version).order_by(day_versions.c.day)).all()
    return DataVersions(str(overall or 0), tuple(r[0] for r in rows), tuple(int(r[1]) for r in rows))
