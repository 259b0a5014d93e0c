"""A read timeout for PostgreSQL connections: a wait for the server past its deadline ends with the socket shut down.

libpq has a connect timeout but no read timeout, and TCP keepalives or ``tcp_user_timeout`` do not help against a
peer that acknowledges every packet and never answers (a hung server, a proxy in front of a dead one): a statement,
a commit or the pool's ping would wait forever — the hostile tester saw every request hang for ~130 s, ``/healthz``
included. So each wait is armed here with a deadline; one daemon thread shuts the connection's socket down when a
deadline passes, libpq reads end-of-file, psycopg marks the connection broken and SQLAlchemy's pool replaces it.
"""

from __future__ import annotations

import contextlib
import heapq
import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection

READ_SECONDS = "tsur_read_seconds"  # key of a pooled connection's info: its engine's read timeout


class Watchdog:
    """Deadlines of the waits in progress, one per DBAPI connection, and the thread that enforces them."""

    def __init__(self) -> None:
        self._wake = threading.Condition()
        self._armed: dict[int, tuple[float, Any]] = {}  # id(connection) -> (deadline, connection)
        self._queue: list[tuple[float, int]] = []  # (deadline, id) — entries of disarmed waits are skipped
        self._thread: threading.Thread | None = None
        self.fired = 0  # sockets shut down so far (for tests and logs)

    def arm(self, connection: Any, seconds: float) -> None:
        """The wait on ``connection`` that starts now may last ``seconds`` (re-arming replaces the deadline)."""
        until = time.monotonic() + seconds
        with self._wake:
            self._armed[id(connection)] = (until, connection)
            heapq.heappush(self._queue, (until, id(connection)))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="tsur-db-watchdog", daemon=True)
                self._thread.start()
            elif self._queue[0][0] == until:  # sooner than the thread's next wake-up (usually not: same bounds)
                self._wake.notify()

    def disarm(self, connection: Any) -> None:
        with self._wake:
            self._armed.pop(id(connection), None)

    def _run(self) -> None:
        while True:
            with self._wake:
                due = self._due()
                if not due:
                    self._wake.wait(self._queue[0][0] - time.monotonic() if self._queue else None)
                    continue
            for connection in due:
                _shut_down(connection)
                self.fired += 1

    def _due(self) -> list[Any]:
        """Connections past their deadline, taken off the watch (called with the lock held)."""
        now, due = time.monotonic(), []
        while self._queue and self._queue[0][0] <= now:
            until, key = heapq.heappop(self._queue)
            armed = self._armed.get(key)
            if armed is not None and armed[0] == until:
                del self._armed[key]
                due.append(armed[1])
        return due

    def forget_threads(self) -> None:
        """In a forked child: the parent's thread is not there (it is started again on the next ``arm``)."""
        self._wake = threading.Condition()
        self._armed.clear()
        self._queue.clear()
        self._thread = None


@contextlib.contextmanager
def driver_work(conn: Connection) -> Iterator[None]:
    """The block's waits under the read timeout of ``conn``'s engine: raw driver work (a COPY) that SQLAlchemy's
    events, which arm the others, do not see. Nothing on an engine without one (SQLite)."""
    seconds = conn.info.get(READ_SECONDS)
    if seconds is None:
        yield
        return
    dbapi_connection = conn.connection.dbapi_connection
    WATCHDOG.arm(dbapi_connection, seconds)
    try:
        yield
    finally:
        WATCHDOG.disarm(dbapi_connection)


def _shut_down(connection: Any) -> None:
    """Shut the connection's socket down for both directions: a wait on it returns at once with end-of-file."""
    with contextlib.suppress(Exception):  # closed meanwhile: nothing to stop
        fd = connection.fileno()
        with socket.socket(fileno=os.dup(fd)) as sock:
            sock.shutdown(socket.SHUT_RDWR)


WATCHDOG = Watchdog()
os.register_at_fork(after_in_child=WATCHDOG.forget_threads)
