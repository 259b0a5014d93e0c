"""The router: the address's path picks the page (the dashboard, the wall screen), its query sets it up."""

from __future__ import annotations

from dash import Dash, Input, Output, State, html

from callbacks.urlstate import parse_wall, sector_of_path
from dashboard.catalog import load_sectors
from dashboard.i18n import t
from dashboard.region import Region
from layouts import ids
from layouts.shell import shell
from layouts.wall import wall


def register(app: Dash, region: Region, lang: str = "ru") -> None:
    sectors = load_sectors()

    @app.callback(Output(ids.PAGE, "children"), Input(ids.PAGE_URL, "pathname"), State(ids.PAGE_URL, "search"))
    def route(pathname, search):
        path = (pathname or "/").rstrip("/") or "/"
        if path == "/":
            return shell(region, sectors, lang)
        scope = sector_of_path(path)
        if scope:
            return shell(region, sectors, lang, scope) if scope in sectors.codes else not_found(lang)
        if path == "/wall":
            config = parse_wall(search, set(sectors.codes))
            return wall(region, config, sectors.name_of(config.sector, lang) if config.sector else None, lang)
        return not_found(lang)


def not_found(lang: str = "ru") -> html.Div:
    return html.Div(
        className="page",
        children=[html.H1(t("not_found", lang)), html.A(t("title", lang), href="/")],
    )
