"""Dash application factory; ``gunicorn app:server`` serves the module-level ``server``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import dash
from dash import Dash, html
from flask import Flask, request

from callbacks import register_all
from callbacks.inputs import input_rules, refuse_bad_inputs
from callbacks.pages import set_up_router
from callbacks.urlstate import parse_search
from dashboard.decisions.service import DecisionService
from dashboard.i18n import t
from dashboard.region import region_of
from dashboard.runtime import fanout
from dashboard.runtime.collector import settle_for_serving
from dashboard.service import DashboardService
from dashboard.settings import Settings, get_settings
from dashboard.store.db import Connections, get_engine, init_db
from layouts.briefing import briefing_page
from layouts.decisions import decisions_page
from layouts.shell import shell
from layouts.wall import WallConfig, wall
from web import routes
from web.areas import callback_table
from web.security import init_security_headers

ASSETS = Path(__file__).resolve().parent / "assets"


class Dashboard(Dash):
    """Dash whose page says its language: ``<html lang>`` follows the address's ``?lang=`` (the deployment's
    language otherwise), so a screen reader speaks a Russian page in Russian and an English one in English."""

    default_lang = "ru"

    def interpolate_index(self, **kwargs: str) -> str:
        page = super().interpolate_index(**kwargs)
        lang = parse_search("?" + request.query_string.decode("latin-1"), self.default_lang).lang
        return page.replace("<html>", f'<html lang="{lang}">', 1)


def create_app(settings: Settings | None = None, service: DashboardService | None = None) -> Dash:
    """The dashboard of ``settings`` (the environment's by default) over ``service`` (by default one over the
    settings' store, region and catalogues). Everything the core needs of the settings is handed to it here."""
    settings = settings or get_settings()
    fanout.configure(settings.read_threads)
    if service is None:
        region, url, connections = region_of(settings), settings.resolved_database_url, Connections.of(settings)
        init_db(get_engine(url, connections=connections), region)  # migrations may run longer than a query may
        pg_settings = tuple(settings.pg_read_settings.items())
        service = DashboardService(get_engine(url, settings.statement_timeout_ms, pg_settings, connections), region)
    region = service.region
    server = Flask(__name__)
    server.config.update(SECRET_KEY=settings.secret_key, JSON_AS_ASCII=False)
    server.json.ensure_ascii = False  # type: ignore[attr-defined]
    decisions = DecisionService(service, settings.decision_within_days)
    auth = routes.register(server, service, decisions, settings, region)
    app = Dashboard(
        __name__,
        server=server,
        title=t("title", settings.language),
        assets_folder=str(ASSETS),
        serve_locally=True,
        update_title=None,
        suppress_callback_exceptions=False,  # Dash Pages makes the validation layout from every page's layout
        compress=True,  # gzip/brotli for scripts, layout and callback answers (flask-compress)
        use_pages=True,
        use_async=False,  # Dash turns async on by itself when asgiref is importable; the pages' router is set up sync
        pages_folder="",  # the pages are registered by callbacks.pages, not found in a folder
        include_pages_meta=False,  # no social-card tags: the dashboard is not shared as a preview
    )
    app.default_lang = settings.language
    app.layout = html.Div([dash.page_container])
    register_all(app, service, decisions, settings)
    set_up_router(app)
    pages = {  # the areas of web.areas that are pages, each with all its components
        "dashboard": html.Div(
            [
                shell(region, service.sectors, settings.language),
                decisions_page(region, service.sectors, settings.language),
            ]
        ),
        "wall": wall(region, WallConfig(lang=settings.language)),
        "briefing": briefing_page(settings.language),
    }
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
