"""The briefing page and its exports: the sheets from the address; PDF (headless Chromium) and XLSX downloads.

The downloads are plain GET routes with the page's own query (``/briefing/export.pdf?period=7d&sector=zhkh``),
so a link can be mailed or fetched by cron as well as clicked.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from dash import Dash, Input, Output, html, no_update
from flask import Response, request
from sqlalchemy.exc import SQLAlchemyError

from callbacks.urlstate import ViewState, filters_for, parse_search
from dashboard import briefing
from dashboard.access import current_principal
from dashboard.catalog import SOURCES, load_sectors
from dashboard.filters import FilterError, Filters
from dashboard.i18n import t
from dashboard.render import RenderError, find_chromium, own_address, render_pdf
from dashboard.render_tokens import page_of
from dashboard.service import DashboardService
from dashboard.settings import Settings
from geo.figure import region_geometry
from layouts import ids
from layouts.briefing import briefing_body
from layouts.map_figure import town_labels

PDF_ROUTE = "/briefing/export.pdf"
XLSX_ROUTE = "/briefing/export.xlsx"


def filters_text(filters: Filters, service: DashboardService, lang: str) -> str:
    """What the briefing is narrowed to, in words («ЖКХ; Новочебоксарск» or «все обращения»)."""
    sectors = load_sectors()
    parts = [
        ", ".join(sectors.name_of(code, lang) for code in filters.sectors),
        ", ".join(service.region.name_of(code, lang) for code in filters.municipalities),
        ", ".join(SOURCES[code][0 if lang == "ru" else 1] for code in filters.sources),
    ]
    return "; ".join(p for p in parts if p) or ("все обращения" if lang == "ru" else "all messages")


def register(app: Dash, service: DashboardService, settings: Settings, default_lang: str = "ru") -> None:
    region = service.region
    labels = town_labels(region.municipalities, "ru")  # as on the dashboard's map

    def page_state(search: str | None) -> tuple[ViewState, Filters]:
        state = parse_search(search, default_lang)
        return state, filters_for(state, service)

    @app.callback(
        Output(ids.BRIEFING_BODY, "children"),
        Output(ids.BRIEFING_PDF, "href"),
        Output(ids.BRIEFING_XLSX, "href"),
        Output(ids.BRIEFING_BACK, "href"),
        Input(ids.BRIEFING_URL, "search"),
    )
    def draw(search):
        search = search or ""
        state = parse_search(search, default_lang)
        try:
            state, filters = page_state(search)
            data = briefing.build(service, filters, state.lang)
        except FilterError as exc:
            return html.Div(exc.in_language(state.lang), className="banner error"), no_update, no_update, no_update
        except SQLAlchemyError:
            return html.Div(t("wall_waiting", state.lang), className="banner error"), no_update, no_update, no_update
        metric = state.metric if state.metric in data.heatmap.columns else "per_10k"
        body = briefing_body(
            data,
            region,
            region_geometry(region.boundaries_path),
            labels,
            filters_text(filters, service, state.lang),
            metric,
            state.lang,
        )
        return body, PDF_ROUTE + search, XLSX_ROUTE + search, "/" + search

    app.clientside_callback(
        "function (n) { if (n) { window.print(); } return ''; }",
        Output(ids.BRIEFING_PRINT, "title"),
        Input(ids.BRIEFING_PRINT, "n_clicks"),
        prevent_initial_call=True,
    )

    server = app.server

    @server.get(PDF_ROUTE)
    def briefing_pdf() -> Response:
        search = request.query_string.decode()
        state, filters = page_state(search)  # a bad filter is a 400 before Chromium starts
        chromium = find_chromium(settings.chromium)
        if chromium is None:
            return Response(t("pdf_unavailable", state.lang), status=503, mimetype="text/plain")
        base = settings.render_base_url or own_address(request.environ)  # never a request header
        if base is None:
            return Response(t("pdf_no_address", state.lang), status=503, mimetype="text/plain")
        target = page_of("/briefing", search)
        principal = current_principal()
        if settings.auth_enabled and principal is not None:  # the server's Chromium opens the page as this user
            token = server.extensions["tsur_auth"].render_token(principal, target)
            target += ("&" if "?" in target else "?") + urlencode({"render_token": token})
        try:
            pdf = render_pdf(base.rstrip("/") + target, chromium)
        except RenderError as exc:  # Chromium's own words go to the log, not to the user
            server.logger.warning("briefing PDF failed: %s", exc)
            return Response(t("pdf_failed", state.lang), status=503, mimetype="text/plain")
        return _download(pdf, "application/pdf", filters, state.lang, "pdf")

    @server.get(XLSX_ROUTE)
    def briefing_xlsx() -> Response:
        state, filters = page_state(request.query_string.decode())
        workbook = briefing.xlsx(briefing.build(service, filters, state.lang), state.lang)
        xlsx_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return _download(workbook, xlsx_type, filters, state.lang, "xlsx")

    @server.errorhandler(FilterError)
    def bad_filter(exc: FilterError) -> Response:
        lang = parse_search(request.query_string.decode(), default_lang).lang
        return Response(exc.in_language(lang), status=400, mimetype="text/plain")

    @server.errorhandler(SQLAlchemyError)
    def database_down(exc: SQLAlchemyError) -> Response:
        server.logger.warning("database error: %s", exc)
        return Response(t("wall_waiting", default_lang), status=503, mimetype="text/plain")


def _download(body: bytes, mimetype: str, filters: Filters, lang: str, extension: str) -> Response:
    """An attachment named in the page's language for browsers that read RFC 5987, «briefing-…» for the rest."""
    dates = f"{filters.date_from:%Y%m%d}-{filters.date_to:%Y%m%d}.{extension}"
    name = f"{t('briefing', lang).replace(' ', '-')}-{dates}"
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f"attachment; filename=\"briefing-{dates}\"; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store",
        },
    )
