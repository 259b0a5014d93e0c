"""The router: the address's path picks the page (the dashboard, the wall screen), its query sets it up."""

from __future__ import annotations

from dash import Dash, Input, Output, State, html

from callbacks.urlstate import parse_search, parse_wall
from dashboard.filters import sector_of_path
from dashboard.i18n import t
from dashboard.service import DashboardService
from layouts import ids
from layouts.briefing import briefing_page
from layouts.shell import shell
from layouts.wall import wall


def register(app: Dash, service: DashboardService, lang: str = "ru", accounts: bool = False) -> None:
    """``accounts``: sign-in is on, so pages show who is signed in (and offer only the sectors they may see)."""
    region, catalog = service.region, service.sectors

    @app.callback(Output(ids.PAGE, "children"), Input(ids.PAGE_URL, "pathname"), State(ids.PAGE_URL, "search"))
    def route(pathname, search):
        """``lang`` in the query picks the language (a switch reloads the page); the default is TSUR_LANGUAGE."""
        path = (pathname or "/").rstrip("/") or "/"
        page_lang = parse_search(search, lang).lang
        principal = service.principal()
        account = principal.name if accounts and principal else None
        sectors = catalog.only(principal.sectors) if principal else catalog
        if path == "/":
            return shell(region, sectors, page_lang, account=account)
        scope = sector_of_path(path)
        if scope:
            if scope not in sectors.codes:
                return not_found(page_lang)
            return shell(region, sectors, page_lang, scope, account)
        if path == "/briefing":
            return briefing_page(page_lang)
        if path == "/wall":
            config = parse_wall(search, set(catalog.codes), lang)
            return wall(region, config, catalog.name_of(config.sector, config.lang) if config.sector else None)
        return not_found(page_lang)


def not_found(lang: str = "ru") -> html.Div:
    return html.Div(
        className="page",
        children=[html.H1(t("not_found", lang)), html.A(t("title", lang), href="/")],
    )
