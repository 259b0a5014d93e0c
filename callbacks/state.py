"""Keeps the filter controls and the URL in step (the URL is the one source of truth)."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from dash import Dash, Input, Output, State, ctx, no_update

from callbacks.urlstate import ViewState, fix_sector, parse_page, parse_search, to_search
from dashboard.service import DashboardService
from layouts import ids

# controls whose value is copied straight between the URL and the page
CONTROLS = [
    (ids.PERIOD, "value"),
    (ids.DATES, "start_date"),
    (ids.DATES, "end_date"),
    (ids.SECTOR, "value"),
    (ids.MUNICIPALITY, "value"),
    (ids.SOURCE, "value"),
    (ids.MAP_METRIC, "value"),
    (ids.MAP_DENSITY, "value"),
    (ids.MAP_VIEW, "value"),
    (ids.RESP_MEASURE, "value"),
    (ids.RESP_SPLIT, "value"),
    (ids.RESP_TABLE_BY, "value"),
]


def register(app: Dash, service: DashboardService, lang: str = "ru") -> None:
    @app.callback(
        Output(ids.URL, "search"),
        *[Output(cid, prop) for cid, prop in CONTROLS],
        Input(ids.URL, "search"),
        *[Input(cid, prop) for cid, prop in CONTROLS],
        State(ids.URL, "pathname"),
    )
    def sync(search, preset, start, end, sectors, municipalities, sources, metric, density, view, measure, split,
             table_by, pathname):  # fmt: skip
        today = service.today()
        trigger = ctx.triggered_id
        untouched = [no_update] * len(CONTROLS)
        if trigger in (None, ids.URL):
            state = parse_page(search, pathname, lang)
            first, last = state.dates(today)
            return (
                no_update,
                state.preset,
                first.isoformat(),
                last.isoformat(),
                state.sectors,
                state.municipalities,
                state.sources,
                state.metric,
                ["on"] if state.density else [],
                state.view,
                state.measure,
                state.split,
                state.table_by,
            )
        state = ViewState(
            preset=preset or "30d",
            sectors=sectors or [],
            municipalities=municipalities or [],
            sources=sources or [],
            metric=metric or ViewState.metric,
            density="on" in (density or []),
            view=view or "region",
            measure=measure or ViewState.measure,
            split=split or ViewState.split,
            table_by=table_by or ViewState.table_by,
            lang=parse_search(search, lang).lang,  # the page's language stays (it is not a control)
            default_lang=lang,
        )
        fix_sector(state, pathname)
        if trigger == ids.DATES:
            state.preset, state.date_from, state.date_to = "custom", (start or "")[:10], (end or "")[:10]
            return to_search(state), "custom", *untouched[1:]
        if trigger == ids.PERIOD and state.preset != "custom":
            first, last = state.dates(today)
            return to_search(state), no_update, first.isoformat(), last.isoformat(), *untouched[3:]
        if state.preset == "custom":
            state.date_from, state.date_to = (start or "")[:10], (end or "")[:10]
        return to_search(state), *untouched

    @app.callback(
        Output(ids.LANG_LINK, "href"),
        Output(ids.BRIEFING_LINK, "href"),
        Input(ids.URL, "search"),
        State(ids.URL, "pathname"),
    )
    def links(search, pathname):
        """The same view in the other language (a plain link: the page reloads in it) and as a briefing."""
        state = parse_page(search, pathname, lang)
        briefing = "/briefing" + to_search(replace(state, scope=None))  # a minister's sector stays as a filter
        if state.scope:  # and «← К панели» returns to his page
            briefing += "&" + urlencode({"page": state.scope})
        state.lang = "en" if state.lang == "ru" else "ru"
        return (pathname or "/") + to_search(state), briefing
