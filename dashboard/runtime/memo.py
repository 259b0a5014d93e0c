"""Reads that several figures of one request share: made once per request, then handed to every figure asking.

A wall refresh or a briefing computes six to ten figures in one request, and some of them need the same read — the
store's data versions, the last days' overdue messages. Within :func:`scope` (the web layer opens one per request:
web/routes.py) ``once`` keeps each result for the rest of it; ``fan_out``'s threads run in a copy of the caller's
context, so they share the same memo. Outside a scope (the CLI, tests calling queries directly) it simply computes.
Callers treat results as read-only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import TypeVar

T = TypeVar("T")
_memo: ContextVar[tuple[dict, dict] | None] = ContextVar("tsur_memo", default=None)  # results, per-key locks
_guard = threading.Lock()  # creating a key's lock; each key's own lock then serialises only its computation


def begin() -> Token:
    """Open a memo for what runs in this context from now on (a request); :func:`end` closes it."""
    return _memo.set(({}, {}))


def end(token: Token) -> None:
    _memo.reset(token)


@contextmanager
def scope() -> Iterator[None]:
    token = begin()
    try:
        yield
    finally:
        end(token)


def once(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` the first time ``key`` is asked for in this scope, the same object every later time.

    Two threads of one scope asking for the same key wait for one computation; an exception is not kept
    (the next asker computes again)."""
    opened = _memo.get()
    if opened is None:
        return compute()
    memo, locks = opened
    if key in memo:
        return memo[key]
    with _guard:
        lock = locks.setdefault(key, threading.Lock())
    with lock:
        if key not in memo:
            memo[key] = compute()
        return memo[key]
