"""Reads that several figures of one request share: made once per request, then handed to every figure asking.

A wall refresh or a briefing computes six to ten figures in one request, and some of them need the same read — the
store's data versions, the last days' overdue messages. ``once`` keeps each result in Flask's ``g`` for the rest of
the request (``fan_out``'s threads run in a copy of the request's context, so they see the same memo); outside a
request (the CLI, tests calling queries directly) it simply computes. Callers treat results as read-only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import g, has_request_context

T = TypeVar("T")
_guard = threading.Lock()  # creating a key's lock; each key's own lock then serialises only its computation


def once(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` the first time ``key`` is asked for in this request, the same object every later time.

    Two threads of one request asking for the same key wait for one computation; an exception is not kept
    (the next asker computes again)."""
    if not has_request_context():
        return compute()
    memo: dict = g.setdefault("tsur_memo", {})
    if key in memo:
        return memo[key]
    with _guard:
        locks: dict = g.setdefault("tsur_memo_locks", {})
        lock = locks.setdefault(key, threading.Lock())
    with lock:
        if key not in memo:
            memo[key] = compute()
        return memo[key]
