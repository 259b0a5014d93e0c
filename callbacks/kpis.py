"""KPI tiles: messages, answered share, median first response, overdue — against the previous period."""

from __future__ import annotations

from dash import Dash, Input, Output, State, html, no_update
from sqlalchemy.exc import SQLAlchemyError

from callbacks.urlstate import filters_for, parse_page
from dashboard import formatting as fmt
from dashboard.filters import FilterError
from dashboard.i18n import t
from dashboard.service import DashboardService
from layouts import ids
from layouts.shell import kpi_tiles

LANG = "ru"


def register(app: Dash, service: DashboardService) -> None:
    @app.callback(
        Output(ids.KPIS, "children"),
        Output(ids.PERIOD_LABEL, "children"),
        Output(ids.STATUS, "children"),
        Input(ids.URL, "search"),
        Input(ids.REFRESH, "n_intervals"),
        State(ids.URL, "pathname"),
    )
    def update(search, _tick, pathname):
        try:
            filters = filters_for(parse_page(search, pathname), service)
            data = service.summary(filters)
        except FilterError as exc:
            return no_update, no_update, html.Div(str(exc), className="banner warn")
        except SQLAlchemyError:
            return no_update, no_update, html.Div(t("db_down", LANG), className="banner error")
        label = t(
            "period_label", LANG, start=fmt.day(filters.date_from), end=fmt.day(filters.date_to), days=filters.days
        )
        tiles = kpi_tiles(data, LANG)
        if not data["current"]["messages"]:
            return tiles, label, html.Div(t("no_data", LANG), className="banner info")
        return tiles, label, None
