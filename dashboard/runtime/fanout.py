"""Independent reads of one request run side by side on a small thread pool — on PostgreSQL.

A panel's figures are several reads that do not depend on each other (the map's metrics, the tension index, the
KPIs…). Run one after another, a callback waits for their sum; side by side on PostgreSQL, closer to the longest:
psycopg releases the GIL while the server — another process, another core — plans and runs a statement.

On SQLite the reads stay in line: its library runs in this process, and two threads reading one file took
longer than one thread doing both (40 topic reads of the 10M store: 276 ms in one thread, 344–376 ms in two),
so SQLite uses both cores through gunicorn's worker processes instead.

Each call runs in a copy of the caller's context (Flask's request, ``g`` — the request's memo of figures — and
the principal go with it). A call already running on the pool runs its own ``fan_out`` in line, so pool threads
never wait for the pool: no deadlock however busy it is.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import Engine

_threads = 4  # the pool's size (``TSUR_READ_THREADS``, set by the app with ``configure``)
_pool: ThreadPoolExecutor | None = None
_made = False  # whether _pool was set up (it stays None when _threads is 1)
_on_pool = contextvars.ContextVar("tsur_on_pool", default=False)


def configure(threads: int) -> None:
    """The process's pool has ``threads`` threads (1: every read in line); called by the app's factory with
    ``TSUR_READ_THREADS`` before the first request. A pool made with another size is replaced."""
    global _threads, _pool, _made
    if threads < 1:
        raise ValueError(f"read threads: at least 1, not {threads}")
    if threads != _threads:
        if _pool is not None:
            _pool.shutdown(wait=False)
        _threads, _pool, _made = threads, None, False


def threads() -> int:
    """The pool's configured size."""
    return _threads


def _executor() -> ThreadPoolExecutor | None:
    """The pool, made on first use with the configured number of threads; None when that is 1."""
    global _pool, _made
    if not _made:
        _pool = ThreadPoolExecutor(max_workers=_threads, thread_name_prefix="tsur-read") if _threads > 1 else None
        _made = True
    return _pool


def _forget_pool() -> None:
    """A forked child (a gunicorn worker, the loader's validation worker) has none of the parent's threads."""
    global _pool, _made
    _pool, _made = None, False


os.register_at_fork(after_in_child=_forget_pool)


def side_by_side(engine: Engine) -> bool:
    """Whether reads of ``engine``'s store gain from running in threads (see the module's docstring)."""
    return engine.dialect.name != "sqlite"


def _none() -> None:
    return None


def _marked(call: Callable[[], Any]) -> Any:
    _on_pool.set(True)
    return call()


def fan_out(engine: Engine, *wanted: Callable[[], Any] | None) -> list[Any]:
    """The results of the calls (reads of ``engine``) in their order — None for a None, a figure not wanted this
    time; on a store that gains from it, the first runs in this thread and the rest on the pool, elsewhere all in
    line.

    Every call finishes before this returns; the first exception (in the calls' order) is then raised."""
    calls = [call or _none for call in wanted]
    pool = None if len(calls) < 2 or _on_pool.get() or not side_by_side(engine) else _executor()
    if pool is None:
        return [call() for call in calls]
    futures = [pool.submit(contextvars.copy_context().run, _marked, call) for call in calls[1:]]
    outcomes: list[tuple[bool, Any]] = []
    try:
        outcomes.append((True, calls[0]()))
    except Exception as exc:  # raised below, once the others are done
        outcomes.append((False, exc))
    for future in futures:
        exc = future.exception()
        outcomes.append((False, exc) if exc is not None else (True, future.result()))
    for ok, value in outcomes:
        if not ok:
            raise value
    return [value for _, value in outcomes]
