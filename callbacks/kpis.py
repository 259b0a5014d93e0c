"""KPI tiles: messages, answered share, median first response, overdue — against the previous period."""

from __future__ import annotations

from dash import Dash, Input, Output, html, no_update
from sqlalchemy.exc import SQLAlchemyError

from callbacks.urlstate import filters_for, parse_search
from dashboard import formatting as fmt
from dashboard.filters import FilterError
from dashboard.i18n import t
from dashboard.service import DashboardService
from layouts import ids
from layouts.shell import kpi_tile

LANG = "ru"


def register(app: Dash, service: DashboardService) -> None:
    @app.callback(
        Output(ids.KPIS, "children"),
        Output(ids.PERIOD_LABEL, "children"),
        Output(ids.STATUS, "children"),
        Input(ids.URL, "search"),
        Input(ids.REFRESH, "n_intervals"),
    )
    def update(search, _tick):
        try:
            filters = filters_for(parse_search(search), service)
            data = service.summary(filters)
        except FilterError as exc:
            return no_update, no_update, html.Div(str(exc), className="banner warn")
        except SQLAlchemyError:
            return no_update, no_update, html.Div(t("db_down", LANG), className="banner error")
        cur, change = data["current"], data["change_pct"]
        label = t(
            "period_label", LANG, start=fmt.day(filters.date_from), end=fmt.day(filters.date_to), days=filters.days
        )
        tiles = [
            kpi_tile("messages", fmt.number(cur["messages"]), change["messages"], "neither", lang=LANG),
            kpi_tile(
                "answered",
                fmt.share(cur["answered_share"]),
                change["answered_share"],
                "up",
                note=f"{t('within_sla', LANG)}: {fmt.share(cur['within_sla_share'])}",
                lang=LANG,
            ),
            kpi_tile(
                "median",
                fmt.hours(cur["median_first_response_hours"]),
                change["median_first_response_hours"],
                "down",
                note=f"{t('p90', LANG)}: {fmt.hours(cur['p90_first_response_hours'])}",
                lang=LANG,
            ),
            kpi_tile("overdue", fmt.number(cur["overdue"]), change["overdue"], "down", lang=LANG),
        ]
        if not cur["messages"]:
            return tiles, label, html.Div(t("no_data", LANG), className="banner info")
        return tiles, label, None
