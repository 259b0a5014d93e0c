"""Every HTTP route and error handler of the application, registered here, in the order a request meets them.

Dash adds its own routes (the page shell, ``/_dash-*``, assets) when the app is built; app.py calls
:func:`register` before that and :func:`guard_callbacks` after, when the callbacks are known.
"""

from __future__ import annotations

from flask import Flask, Response, g, request
from sqlalchemy.exc import SQLAlchemyError

from dashboard.decisions.service import DecisionService
from dashboard.filters import FilterError
from dashboard.i18n import t
from dashboard.region import Region
from dashboard.runtime import deadline, memo
from dashboard.service import DashboardService, Hooks
from dashboard.settings import Settings
from geo.federal import FEDERAL_MAP
from geo.serve import boundaries
from web.api import api
from web.auth import Auth, error_answer, init_auth, request_language
from web.briefing_files import briefing_files
from web.cache import cached_figure, init_cache
from web.decisions_api import decision_routes
from web.feed import feed_routes
from web.principal import current_principal


def register(
    server: Flask, service: DashboardService, decisions: DecisionService, settings: Settings, region: Region
) -> Auth:
    """The service gets what it needs of a request (who is asking, the shared cache); then, per request: a memo,
    a time budget, who is asking and may they; then the routes; then the answers to errors."""
    init_cache(server, settings)
    service.hooks = Hooks(principal=current_principal, cached=cached_figure)
    server.extensions["tsur"] = service

    # before a request: a memo of reads its figures share, its time budget, its principal (web/auth.py)
    @server.before_request
    def open_request() -> None:
        g.memo = memo.begin()
        g.time_budget = deadline.start(settings.request_budget_ms / 1000)

    @server.teardown_request
    def close_request(_exc: BaseException | None) -> None:
        if "time_budget" in g:
            deadline.end(g.pop("time_budget"))
        if "memo" in g:
            memo.end(g.pop("memo"))

    auth = init_auth(server, service.engine, settings, service.sectors)  # /login, /logout; AccessDenied → 403

    # routes
    server.register_blueprint(api)  # /api/v1/…, /healthz
    server.register_blueprint(feed_routes(service, settings, auth))  # POST /api/v1/messages
    server.register_blueprint(decision_routes(decisions, settings))  # /api/v1/decisions…
    server.register_blueprint(boundaries([region.boundaries_path, FEDERAL_MAP]))  # /geo/<digest>/<shape>.geojson
    server.register_blueprint(briefing_files(service, decisions, settings))  # /briefing/export.pdf, .xlsx, .pptx

    # errors: the API answers JSON (its own handlers, web/api.py); these answer the pages' own routes
    @server.errorhandler(deadline.OutOfTime)
    def out_of_time(exc: deadline.OutOfTime) -> Response:
        message = t("out_of_time", settings.language, seconds=f"{settings.request_budget_ms / 1000:g}")
        server.logger.warning("%s %s: %s", request.method, request.path, exc)
        return error_answer(message, 503)

    @server.errorhandler(FilterError)
    def bad_filter(exc: FilterError) -> Response:
        return error_answer(exc.in_language(request_language(settings.language)), 400)

    @server.errorhandler(SQLAlchemyError)
    def database_down(exc: SQLAlchemyError) -> Response:
        server.logger.warning("database error: %s", exc)
        return Response(t("wall_waiting", settings.language), status=503, mimetype="text/plain")

    return auth
