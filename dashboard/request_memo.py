"""What one web request works out once: a value per key, kept on Flask's ``g`` for the request's life.

The panels of a request share figures (the tension index behind the map's metric and its card), the clock reading
and the recent overdue counts; outside a request (the CLI, the loader, jobs) every call computes afresh. Reads run
side by side (``dashboard.fanout``) see the same memo: two threads asking at once may both compute, never
disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import g, has_request_context

T = TypeVar("T")


def once(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` the first time ``key`` is asked for in this request, the same value after."""
    if not has_request_context():
        return compute()
    seen = g.setdefault("tsur_memo", {})
    if key not in seen:
        seen[key] = compute()
    return seen[key]
