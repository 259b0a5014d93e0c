"""A time budget for one request's Python work (the statement timeout bounds only the database's).

The web layer starts a budget when a request begins (``TSUR_REQUEST_BUDGET_MS``); loops over data of unknown size
— masking a page of messages — call :func:`check`, which raises :class:`OutOfTime` once the budget is spent, and
the request is answered 503 with a clear message instead of holding a worker. The budget is a context variable, so
it follows the request into the read threads (:mod:`dashboard.runtime.fanout` runs calls in a copy of the context);
outside a request (CLI, tests, the loader) there is none and :func:`check` does nothing.
"""

from __future__ import annotations

import time
from contextvars import ContextVar, Token

_deadline: ContextVar[float | None] = ContextVar("tsur_deadline", default=None)


class OutOfTime(RuntimeError):
    """The request spent its time budget."""


def start(seconds: float) -> Token:
    """Begin a budget of ``seconds`` from now; returns the token that :func:`end` takes."""
    return _deadline.set(time.monotonic() + seconds)


def end(token: Token) -> None:
    _deadline.reset(token)


def check() -> None:
    """Raise :class:`OutOfTime` if the current budget is spent."""
    until = _deadline.get()
    if until is not None and time.monotonic() > until:
        raise OutOfTime("the request's time budget is spent")
