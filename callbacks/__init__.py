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

    state.register(app, service)
    kpis.register(app, service)
    heatmap.register(app, service, tile_url, region_links)
    response.register(app, service)
    tension.register(app, service)
    wall.register(app, service)
