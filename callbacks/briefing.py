"""The briefing page: the sheets from the address, with links to its PDF and XLSX (web/briefing_files.py)."""

from __future__ import annotations

from dash import Dash, Input, Output, html, no_update
from sqlalchemy.exc import SQLAlchemyError

from callbacks.urlstate import ViewState, parse_search, query_of
from dashboard.decisions.service import DecisionService
from dashboard.filters import FilterError, Filters
from dashboard.i18n import t
from dashboard.reports import briefing
from dashboard.service import DashboardService
from dashboard.settings import Settings
from geo.figure import region_geometry
from layouts import ids
from layouts.briefing import briefing_body
from layouts.map_figure import town_labels
from web.briefing_files import PDF_ROUTE, PPTX_ROUTE, XLSX_ROUTE


def register(
    app: Dash, service: DashboardService, decisions: DecisionService, settings: Settings, default_lang: str = "ru"
) -> None:
    region = service.region
    labels = town_labels(region.municipalities, "ru")  # as on the dashboard's map

    def page_state(search: str | None) -> tuple[ViewState, Filters]:
        return parse_search(search, default_lang), service.read_filters(query_of(search))

    @app.callback(
        Output(ids.BRIEFING_BODY, "children"),
        Output(ids.BRIEFING_PDF, "href"),
        Output(ids.BRIEFING_XLSX, "href"),
        Output(ids.BRIEFING_PPTX, "href"),
        Output(ids.BRIEFING_BACK, "href"),
        Input(ids.BRIEFING_URL, "search"),
    )
    def draw(search):
        search = search or ""
        state = parse_search(search, default_lang)
        try:
            state, filters = page_state(search)
            data = briefing.build(service, filters, state.lang, decisions)
        except FilterError as exc:
            return html.Div(exc.in_language(state.lang), className="banner error"), *([no_update] * 4)
        except SQLAlchemyError:
            return html.Div(t("wall_waiting", state.lang), className="banner error"), *([no_update] * 4)
        metric = state.metric if state.metric in data.heatmap.columns else "per_10k"
        body = briefing_body(
            data,
            region,
            region_geometry(region.boundaries_path),
            labels,
            filters.describe(state.lang, service.name),
            metric,
            state.lang,
            record=decisions.may_write(),
        )
        page = (query_of(search).get("page") or [""])[0]  # the dashboard page the briefing was opened from
        back = f"/sector/{page}" if page in service.sectors.codes else "/"
        return body, PDF_ROUTE + search, XLSX_ROUTE + search, PPTX_ROUTE + search, back + search

    app.clientside_callback(
        "function (n) { if (n) { window.print(); } return ''; }",
        Output(ids.BRIEFING_PRINT, "title"),
        Input(ids.BRIEFING_PRINT, "n_clicks"),
        prevent_initial_call=True,
    )
