"""Callbacks: read inputs → call the service → build what is drawn. One module per panel."""

from __future__ import annotations

from dash import Dash

from dashboard.decisions.service import DecisionService
from dashboard.service import DashboardService
from dashboard.settings import Settings


def register_all(app: Dash, service: DashboardService, decisions: DecisionService, settings: Settings) -> None:
    from callbacks import briefing, heatmap, kpis, live, pages, response, state, tension, wall
    from callbacks import decisions as decision_page

    tile_url, region_links, lang = settings.tile_url, settings.region_links, settings.language

    pages.register(app, service, lang, settings.auth_enabled)

    state.register(app, service, lang)
    kpis.register(app, service, lang)
    live.register(app, service, lang)
    heatmap.register(app, service, decisions, tile_url, region_links, lang)
    response.register(app, service, lang)
    tension.register(app, service, decisions, lang)
    wall.register(app, service, decisions, lang)
    briefing.register(app, service, decisions, settings, lang)
    decision_page.register(app, service, decisions, lang)
