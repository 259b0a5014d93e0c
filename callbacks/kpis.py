"""KPI tiles: messages, answered share, median first response, overdue — against the previous period."""

from __future__ import annotations

from dash import Dash, Input, Output, State, html, no_update
from sqlalchemy.exc import SQLAlchemyError

from callbacks.urlstate import parse_page, query_of
from dashboard import formatting as fmt
from dashboard.filters import FilterError
from dashboard.i18n import t
from dashboard.service import DashboardService
from dashboard.store.db import is_timeout
from layouts import ids
from layouts.shell import REFRESH_MS, RETRY_MS, kpi_tiles


def register(app: Dash, service: DashboardService, default_lang: str = "ru") -> None:
    @app.callback(
        Output(ids.KPIS, "children"),
        Output(ids.PERIOD_LABEL, "children"),
        Output(ids.STATUS, "children"),
        Output(ids.ANNOUNCE, "children"),
        Output(ids.REFRESH, "interval"),
        Input(ids.URL, "search"),
        Input(ids.REFRESH, "n_intervals"),
        State(ids.URL, "pathname"),
    )
    def update(search, _tick, pathname):
        """Also the page's pace: every panel refreshes on the same timer, which ticks fast while the
        database is away (or a query timed out) so the page recovers by itself when it is back."""
        state = parse_page(search, pathname, default_lang)
        lang = state.lang
        try:
            filters = service.read_filters(query_of(search), pathname)
            data = service.summary(filters)
            due_soon = len(service.due_soon(filters))
        except FilterError as exc:
            refused = exc.in_language(lang)
            return no_update, no_update, html.Div(refused, className="banner warn"), refused, REFRESH_MS
        except SQLAlchemyError as exc:
            message = t("query_timeout" if is_timeout(exc) else "db_down", lang)
            return no_update, no_update, html.Div(message, className="banner error"), message, RETRY_MS
        label = t(
            "period_label",
            lang,
            start=fmt.day(filters.date_from, lang),
            end=fmt.day(filters.date_to, lang),
            days=filters.days,
        )
        tiles = kpi_tiles(data, lang, due_soon)
        said = t(
            "announce_view",
            lang,
            period=label,
            chosen=filters.describe(lang, service.name),
            messages=fmt.number(data["current"]["messages"], lang),
        )
        if not data["current"]["messages"]:
            return tiles, label, html.Div(t("no_data", lang), className="banner info"), said, REFRESH_MS
        return tiles, label, None, said, REFRESH_MS
