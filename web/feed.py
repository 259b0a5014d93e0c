"""``POST /api/v1/messages``: an integration pushes messages (role ``feed``, or an administrator).

Only with credentials in the ``Authorization`` header (a bearer token): never a session cookie, so no page of another
site can make a signed-in browser write (no CSRF to defend). A JSON body is required too, which a form cannot send.
Each account may send ``TSUR_FEED_LIMIT`` requests (``120/minute``) of at most ``TSUR_FEED_BATCH`` messages and
``TSUR_FEED_MAX_BYTES`` bytes; the answer is the load's summary with every refused item and why.
"""

from __future__ import annotations

import time

from flask import Blueprint, Response, jsonify, request
from limits import parse

from dashboard.loader.errors import LoadError
from dashboard.loader.limits import LoadLimits
from dashboard.loader.push import PushRefused, push, read_batch
from dashboard.service import DashboardService
from dashboard.settings import Settings
from web.auth import DEVELOPER, Auth
from web.principal import current_principal

ROUTE = "/api/v1/messages"


def feed_routes(service: DashboardService, settings: Settings, auth: Auth) -> Blueprint:
    routes = Blueprint("feed", __name__)
    per_account = parse(settings.feed_limit)
    limits = LoadLimits.of(settings)

    def refused(message: str, status: int) -> tuple[Response, int]:
        return jsonify(error=message), status

    @routes.post(ROUTE)
    def push_messages() -> tuple[Response, int]:
        principal = current_principal() or DEVELOPER
        if settings.auth_enabled and request.authorization is None:
            return refused("запись — только с токеном в заголовке Authorization: Bearer (не из сессии браузера)", 403)
        if not auth.limiter.hit(per_account, "feed", principal.name):
            reset = auth.limiter.get_window_stats(per_account, "feed", principal.name).reset_time
            response, status = refused(f"не больше {settings.feed_limit} запросов записи; повторите позже", 429)
            response.headers["Retry-After"] = str(max(1, int(reset - time.time()) + 1))
            return response, status
        size = request.content_length
        if size is None or size > settings.feed_max_bytes:
            return refused(f"тело запроса с Content-Length, не больше {settings.feed_max_bytes} байт", 413)
        try:
            items = read_batch(request.get_data(cache=False), request.content_type or "", settings.feed_batch)
            result = push(
                items,
                service.engine,
                account=principal.name,
                sources=principal.sources,
                region=service.region,
                limits=limits,
            )
        except PushRefused as exc:
            return refused(str(exc), exc.status)
        except LoadError as exc:  # the store failed mid-way: whole batches were written, a retry doubles nothing
            return refused(str(exc), 503)
        return jsonify(result.as_dict()), 200

    return routes
