"""The principal of the current web request (set by web/auth.py before the request is served)."""

from __future__ import annotations

from flask import g, has_request_context

from dashboard.access import Principal


def current_principal() -> Principal | None:
    """None outside a request (CLI, jobs: no restriction) and when sign-in is off."""
    return g.get("principal") if has_request_context() else None
