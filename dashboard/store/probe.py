"""Whether the database answers — within a bound, whatever it does (``/healthz`` for the load balancer).

The probe (``SELECT 1`` through the engine's pool) runs in a thread of its own and the caller waits for it at most
``within`` seconds: a database that accepts connections and never answers makes ``/healthz`` say so in time instead
of holding the request until the engine's own bounds (connect and read timeouts) end the probe. At most one probe
per engine is in flight; callers meanwhile share it, so a load balancer polling a hung database starts no pile of
threads.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as Timeout

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

HEALTH_SECONDS = 1.0  # /healthz answers within 2 s: a second left for the request itself on a busy machine

_lock = threading.Lock()
_in_flight: dict[int, Future] = {}  # id(engine) -> its probe under way or last done


def database_answers(engine: Engine, within: float = HEALTH_SECONDS) -> bool:
    """True if ``SELECT 1`` came back within ``within`` seconds (from this probe or the one under way)."""
    with _lock:
        probe = _in_flight.get(id(engine))
        if probe is None or probe.done():
            probe = Future()
            _in_flight[id(engine)] = probe
            threading.Thread(target=_select_one, args=(engine, probe), name="tsur-db-probe", daemon=True).start()
    try:
        return probe.result(timeout=within)
    except Timeout:
        return False


def _select_one(engine: Engine, probe: Future) -> None:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        probe.set_result(False)
    except BaseException as exc:  # not the database's answer: the caller sees it
        probe.set_exception(exc)
    else:
        probe.set_result(True)


def _forget() -> None:
    """In a forked child the parent's probes never finish (their threads are not there)."""
    global _lock
    _lock = threading.Lock()
    _in_flight.clear()


os.register_at_fork(after_in_child=_forget)
