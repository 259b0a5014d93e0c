"""Security headers on every answer: a Content-Security-Policy to this site only, frame rules, no sniffing.

Scripts: this site's files and the hashes of Dash's own inline scripts (its start-up and the clientside
callbacks, from ``Dash.csp_hashes``) — no ``unsafe-inline``/``unsafe-eval`` for scripts. Styles need
``unsafe-inline`` (React and plotly.js set style attributes). MapLibre runs its worker from a ``blob:``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from dash import Dash
from flask import Response

from dashboard.settings import Settings


def content_security_policy(script_hashes: list[str], settings: Settings) -> str:
    connect = ["'self'", "data:", "blob:"]
    if settings.tile_url:  # a configured tile server is the one outside address the map may fetch
        parts = urlsplit(settings.tile_url)
        connect.append(f"{parts.scheme}://{parts.netloc}")
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],  # Dash quotes them: 'sha256-…'
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *connect[3:]],
        "font-src": ["'self'", "data:"],
        "connect-src": connect,
        "worker-src": ["'self'", "blob:"],
        "child-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'", *settings.frame_ancestors],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def init_security_headers(app: Dash, settings: Settings) -> None:
    policy: list[str] = []  # built at the first answer, once every clientside callback is registered

    @app.server.after_request
    def headers(response: Response) -> Response:
        if not policy:
            policy.append(content_security_policy(list(app.csp_hashes()), settings))
        response.headers["Content-Security-Policy"] = policy[0]
        if not settings.frame_ancestors:  # old browsers: X-Frame-Options cannot name other origins
            response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        if settings.env == "production":
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        if response.mimetype in ("text/html", "application/json"):
            response.headers.setdefault("Cache-Control", "no-store")  # data and pages: never in shared caches
        return response
