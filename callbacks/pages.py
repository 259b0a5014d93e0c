"""The pages, registered with Dash Pages: the address's path picks one — ``/``, ``/sector/<code>``, ``/briefing``,
``/wall``, any other the not-found page — and its query sets it up (``layout(**query)``).

Dash keeps its page registry for the whole process, so a layout finds the app it draws for through the request
(``current_app``): two apps in one process (the tests make many) each draw their own service's pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from urllib.parse import urlencode

import dash
from dash import Dash, ctx, html
from dash.development.base_component import Component
from dash.exceptions import MissingCallbackContextException
from flask import current_app, has_request_context, request

from callbacks.urlstate import parse_search, parse_wall
from dashboard.filters import SECTOR_PATH, sector_of_path
from dashboard.i18n import t
from dashboard.service import DashboardService
from layouts import ids
from layouts.accessible import CONTENT
from layouts.briefing import briefing_page
from layouts.decisions import decisions_page
from layouts.shell import shell
from layouts.wall import wall

CONTEXT = "tsur_pages"  # the server's extension holding what its pages are drawn from


@dataclass(frozen=True)
class PageContext:
    service: DashboardService
    lang: str  # the deployment's language; ``?lang=`` picks the page's
    accounts: bool  # sign-in is on: pages show who is signed in and offer only the sectors they may see


def register(app: Dash, service: DashboardService, lang: str = "ru", accounts: bool = False) -> None:
    app.server.extensions[CONTEXT] = PageContext(service, lang, accounts)
    for module, where, layout in (
        ("dashboard", {"path": "/"}, dashboard_page),
        ("sector", {"path_template": SECTOR_PATH + "<code>"}, sector_page),
        ("briefing", {"path": "/briefing"}, briefing_layout),
        ("decisions", {"path": "/decisions"}, decisions_layout),
        ("wall", {"path": "/wall"}, wall_layout),
        ("not_found_404", {"path": "/404"}, not_found_layout),
    ):
        dash.register_page(module, **where, layout=layout, title=partial(page_title, module), name=module)


def set_up_router(app: Dash) -> None:
    """Dash Pages adds its router callback and the validation layout on the server's first request; done here at
    start-up instead, so that the table of which role may call which callback (web.areas) holds the router —
    a gunicorn worker's first request may be a callback of a page another worker served."""
    hooks = [hook for hook in app.server.before_request_funcs.get(None, []) if hook.__name__ == "router_sync"]
    if len(hooks) != 1:
        raise RuntimeError("Dash Pages' router hook not found: the dash version changed how pages are set up")
    with app.server.test_request_context("/"):
        hooks[0]()


TITLES = {"briefing": "briefing", "decisions": "decisions_page", "wall": "wall_page", "not_found_404": "not_found"}


def page_title(module: str, **path: object) -> str:
    """The browser tab's title: which page, and whose, in the page's language (WCAG 2.4.2) — «Справка к совещанию ·
    ЦУР», «ЖКХ · ЦУР · обращения граждан». The registry is the process's, so the app is found through the request."""
    context = _context()
    lang = _page_lang(context.lang)
    if module == "sector":
        code = str(path.get("code", ""))
        known = code in context.service.sectors.codes
        return f"{context.service.sectors.name_of(code, lang) if known else t('not_found', lang)} · {t('title', lang)}"
    if module in TITLES:
        return f"{t(TITLES[module], lang)} · {t('title_short', lang)}"
    return t("title", lang)


def _page_lang(default: str) -> str:
    """The language the address asks for: the router callback's search, or the page request's query."""
    try:
        search = ctx.inputs.get(f"{ids.PAGE_URL}.search")
    except MissingCallbackContextException:
        search = "?" + request.query_string.decode("latin-1") if has_request_context() else ""
    return parse_search(search, default).lang


def _context() -> PageContext:
    return current_app.extensions[CONTEXT]


def _search(query: dict) -> str:
    """The address's query as Dash Pages parsed it, back in one string for the address readers."""
    return "?" + urlencode(query, doseq=True) if query else ""


def _routed_path() -> str | None:
    """The path being routed. Dash Pages hands a page its path variables *and* its query in one set of keywords, a
    query's ``code=`` overriding the path's — so the sector comes from the path itself, as every figure reads it."""
    try:
        return ctx.inputs.get(f"{ids.PAGE_URL}.pathname")
    except MissingCallbackContextException:
        return None  # Dash's validation layout: every page drawn once, outside a callback, with no address


def dashboard_page(**query: object) -> Component:
    return _dashboard(_search(query), None)


def sector_page(**query: object) -> Component:
    query.pop("code", None)  # the path variable (or a query's stand-in for it): read from the path below
    path = _routed_path()
    return _dashboard(_search(query), sector_of_path(path) if path else None)


def _dashboard(search: str, scope: str | None) -> Component:
    context = _context()
    service = context.service
    page_lang = parse_search(search, context.lang).lang
    principal = service.principal()
    account = principal.name if context.accounts and principal else None
    sectors = service.sectors.only(principal.sectors) if principal else service.sectors
    if scope and scope not in sectors.codes:
        return not_found(page_lang)
    return shell(service.region, sectors, page_lang, scope, account)


def briefing_layout(**query: object) -> Component:
    return briefing_page(parse_search(_search(query), _context().lang).lang)


def decisions_layout(**query: object) -> Component:
    context = _context()
    service = context.service
    principal = service.principal()
    sectors = service.sectors.only(principal.sectors) if principal else service.sectors
    return decisions_page(service.region, sectors, parse_search(_search(query), context.lang).lang)


def wall_layout(**query: object) -> Component:
    context = _context()
    service = context.service
    config = parse_wall(_search(query), set(service.sectors.codes), context.lang)
    return wall(service.region, config, service.sectors.name_of(config.sector, config.lang) if config.sector else None)


def not_found_layout(**query: object) -> Component:
    return not_found(parse_search(_search(query), _context().lang).lang)


def not_found(lang: str = "ru") -> html.Div:
    return html.Div(
        className="page",
        children=[html.Main([html.H1(t("not_found", lang)), html.A(t("title", lang), href="/")], id=CONTENT)],
    )
