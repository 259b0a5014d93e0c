"""Dash application factory; ``gunicorn app:server`` serves the module-level ``server``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from dash import Dash, dcc, html
from flask import Flask

from callbacks import register_all
from callbacks.inputs import input_rules, refuse_bad_inputs
from dashboard.catalog import load_sectors
from dashboard.i18n import t
from dashboard.region import get_region
from dashboard.runtime.collector import settle_for_serving
from dashboard.service import DashboardService
from dashboard.settings import Settings, get_settings
from dashboard.store.db import get_engine, init_db
from layouts import ids
from layouts.briefing import briefing_page
from layouts.shell import shell
from layouts.wall import WallConfig, wall
from web import routes
from web.areas import callback_table
from web.security import init_security_headers

ASSETS = Path(__file__).resolve().parent / "assets"


def create_app(settings: Settings | None = None, service: DashboardService | None = None) -> Dash:
    settings = settings or get_settings()
    region = get_region(settings.region, settings.regions_dir)
    if service is None:
        init_db(get_engine(settings.resolved_database_url), region)  # migrations may run longer than a query may
        pg_settings = tuple(settings.pg_read_settings.items())
        engine = get_engine(settings.resolved_database_url, settings.statement_timeout_ms, pg_settings)
        service = DashboardService(engine, region, sectors=load_sectors(settings.sectors_file))
    server = Flask(__name__)
    server.config.update(SECRET_KEY=settings.secret_key, JSON_AS_ASCII=False)
    server.json.ensure_ascii = False  # type: ignore[attr-defined]
    auth = routes.register(server, service, settings, region)
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
    pages = {  # the areas of web.areas that are pages, each with all its components
        "dashboard": shell(region, service.sectors, settings.language),
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
