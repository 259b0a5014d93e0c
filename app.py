"""Dash application factory; ``gunicorn app:server`` serves the module-level ``server``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from dash import Dash, dcc, html
from flask import Flask, Response, g, jsonify, request

from callbacks import register_all
from callbacks.inputs import input_rules, refuse_bad_inputs
from dashboard import deadline
from dashboard.api import api
from dashboard.areas import callback_table
from dashboard.auth import MACHINE, init_auth
from dashboard.catalog import load_sectors
from dashboard.collector import settle_for_serving
from dashboard.i18n import t
from dashboard.region import get_region
from dashboard.security import init_security_headers
from dashboard.service import DashboardService, cache
from dashboard.settings import Settings, get_settings
from dashboard.store.db import get_engine, init_db
from geo.federal import FEDERAL_MAP
from geo.serve import boundaries
from layouts import ids
from layouts.briefing import briefing_page
from layouts.shell import shell
from layouts.wall import WallConfig, wall

ASSETS = Path(__file__).resolve().parent / "assets"


def create_app(settings: Settings | None = None, service: DashboardService | None = None) -> Dash:
    settings = settings or get_settings()
    region = get_region(settings.region)
    if service is None:
        init_db(get_engine(settings.resolved_database_url), region)  # migrations may run longer than a query may
        pg_settings = tuple(settings.pg_read_settings.items())
        engine = get_engine(settings.resolved_database_url, settings.statement_timeout_ms, pg_settings)
        service = DashboardService(engine, region)
    server = Flask(__name__)
    server.config.update(SECRET_KEY=settings.secret_key, JSON_AS_ASCII=False)
    server.json.ensure_ascii = False  # type: ignore[attr-defined]
    cache_config = {"CACHE_TYPE": settings.cache_type, "CACHE_DEFAULT_TIMEOUT": settings.cache_timeout}
    if settings.cache_type == "RedisCache":
        cache_config["CACHE_REDIS_URL"] = settings.cache_redis_url
    elif settings.cache_type == "FileSystemCache":
        cache_config["CACHE_DIR"] = str(settings.data_dir / "cache")
    cache.init_app(server, config=cache_config)
    server.extensions["tsur"] = service
    init_time_budget(server, settings)
    auth = init_auth(server, service.engine, settings)
    server.register_blueprint(api)
    server.register_blueprint(boundaries([region.boundaries_path, FEDERAL_MAP]))
    app = Dash(
        __name__,
        server=server,
        title=t("title", settings.language),
        assets_folder=str(ASSETS),
        serve_locally=True,
        update_title=None,
        suppress_callback_exceptions=False,
        compress=True,  # gzip/brotli for scripts, layout and callback answers (flask-compress)
    )
    app.layout = html.Div([dcc.Location(id=ids.PAGE_URL), html.Div(id=ids.PAGE)])
    pages = {  # the areas of dashboard.areas that are pages, each with all its components
        "dashboard": shell(region, load_sectors(), settings.language),
        "wall": wall(region, WallConfig(lang=settings.language)),
        "briefing": briefing_page(settings.language),
    }
    # every page's components, so that callbacks of the pages not shown are known to Dash
    app.validation_layout = html.Div([app.layout, *pages.values()])
    register_all(app, service, settings)
    auth.callbacks = callback_table(app.callback_map, pages, app.layout)  # which role may call which callback
    rules = input_rules([app.layout, *pages.values()], auth.callbacks)  # what their inputs may hold
    server.before_request(lambda: refuse_bad_inputs(rules, auth.callbacks))
    init_security_headers(app, settings)
    return app


def init_time_budget(server: Flask, settings: Settings) -> None:
    """Every request gets ``TSUR_REQUEST_BUDGET_MS`` for its Python work (dashboard.deadline); one that spends it
    is answered 503 with a clear message — JSON on machine paths, text elsewhere."""
    seconds = settings.request_budget_ms / 1000

    @server.before_request
    def start_budget() -> None:
        g.time_budget = deadline.start(seconds)

    @server.teardown_request
    def end_budget(_exc: BaseException | None) -> None:
        if "time_budget" in g:
            deadline.end(g.pop("time_budget"))

    @server.errorhandler(deadline.OutOfTime)
    def out_of_time(exc: deadline.OutOfTime) -> Response:
        message = t("out_of_time", settings.language, seconds=f"{seconds:g}")
        server.logger.warning("%s %s: %s", request.method, request.path, exc)
        if request.path.startswith(MACHINE):
            response = jsonify(error=message)
            response.status_code = 503
            return response
        return Response(message, status=503, mimetype="text/plain")


@lru_cache(maxsize=1)
def default_app() -> Dash:
    """The serving process's app (gunicorn's ``app:server``, ``tsur serve``), its start-up objects frozen."""
    app = create_app()
    settle_for_serving()
    return app


def __getattr__(name: str) -> object:
    """``app`` and ``server`` are built on first use, so importing this module stays cheap."""
    if name == "app":
        return default_app()
    if name == "server":
        return default_app().server
    raise AttributeError(name)


if __name__ == "__main__":
    default_app().run(debug=False)
