"""Callbacks: read inputs → call the service → build what is drawn. One module per panel."""

from __future__ import annotations

from dash import Dash

from dashboard.service import DashboardService


def register_all(
    app: Dash,
    service: DashboardService,
    tile_url: str | None = None,
    region_links: dict[str, str] | None = None,
    lang: str = "ru",
) -> None:
    from callbacks import heatmap, kpis, pages, response, state, tension, wall

    pages.register(app, service.region, lang)

    state.register(app, service, lang)
    kpis.register(app, service, lang)
    heatmap.register(app, service, tile_url, region_links, lang)
    response.register(app, service, lang)
    tension.register(app, service, lang)
    wall.register(app, service)
