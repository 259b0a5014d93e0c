"""Keeps the filter controls and the URL in step (the URL is the one source of truth)."""

from __future__ import annotations

from dash import Dash, Input, Output, ctx, no_update

from callbacks.urlstate import ViewState, parse_search, to_search
from dashboard.service import DashboardService
from layouts import ids


def register(app: Dash, service: DashboardService) -> None:
    @app.callback(
        Output(ids.URL, "search"),
        Output(ids.PERIOD, "value"),
        Output(ids.DATES, "start_date"),
        Output(ids.DATES, "end_date"),
        Output(ids.SECTOR, "value"),
        Output(ids.MUNICIPALITY, "value"),
        Output(ids.SOURCE, "value"),
        Input(ids.URL, "search"),
        Input(ids.PERIOD, "value"),
        Input(ids.DATES, "start_date"),
        Input(ids.DATES, "end_date"),
        Input(ids.SECTOR, "value"),
        Input(ids.MUNICIPALITY, "value"),
        Input(ids.SOURCE, "value"),
    )
    def sync(search, preset, start, end, sectors, municipalities, sources):
        today = service.today()
        trigger = ctx.triggered_id
        if trigger in (None, ids.URL):
            state = parse_search(search)
            first, last = state.dates(today)
            return (
                no_update,
                state.preset,
                first.isoformat(),
                last.isoformat(),
                state.sectors,
                state.municipalities,
                state.sources,
            )
        state = ViewState(
            preset=preset or "30d", sectors=sectors or [], municipalities=municipalities or [], sources=sources or []
        )
        if trigger == ids.DATES:
            state.preset, state.date_from, state.date_to = "custom", (start or "")[:10], (end or "")[:10]
            return to_search(state), "custom", no_update, no_update, no_update, no_update, no_update
        if trigger == ids.PERIOD:
            if state.preset == "custom":
                state.date_from, state.date_to = (start or "")[:10], (end or "")[:10]
                return to_search(state), no_update, no_update, no_update, no_update, no_update, no_update
            first, last = state.dates(today)
            return to_search(state), no_update, first.isoformat(), last.isoformat(), no_update, no_update, no_update
        if state.preset == "custom":
            state.date_from, state.date_to = (start or "")[:10], (end or "")[:10]
        return to_search(state), no_update, no_update, no_update, no_update, no_update, no_update
