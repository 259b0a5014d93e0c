"""The page's figures of the moment, refreshed with it: «данные на ЧЧ:ММ», a badge for each late or silent channel
and the «Истекает срок в ближайшие 24 ч» panel (the page's sectors, places and channels; not its period)."""

from __future__ import annotations

from dash import Dash, Input, Output, State, no_update
from sqlalchemy.exc import SQLAlchemyError

from callbacks.urlstate import parse_page, query_of
from dashboard.filters import FilterError
from dashboard.metrics.deadlines import by_agency
from dashboard.service import DashboardService
from layouts import ids
from layouts.deadlines import deadlines_panel
from layouts.freshness import channel_badges, data_at


def register(app: Dash, service: DashboardService, default_lang: str = "ru") -> None:
    @app.callback(
        Output(ids.DATA_AT, "children"),
        Output(ids.CHANNELS, "children"),
        Output(ids.DEADLINES, "children"),
        Input(ids.URL, "search"),
        Input(ids.REFRESH, "n_intervals"),
        State(ids.URL, "pathname"),
    )
    def update(search, _tick, pathname):
        lang = parse_page(search, pathname, default_lang).lang
        try:
            found = service.freshness()
        except SQLAlchemyError:
            return no_update, no_update, no_update  # the KPIs' banner says the database is away
        header = data_at(found, service.region.timezone, service.today(), lang), channel_badges(found, lang)
        try:
            due = service.due_soon(service.read_filters(query_of(search), pathname))
        except (FilterError, SQLAlchemyError):
            return *header, no_update  # the KPIs' banner says why
        return *header, deadlines_panel(by_agency(due), len(due), service.name, lang)
