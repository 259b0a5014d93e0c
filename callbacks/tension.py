"""Tension panel: sector tiles, tension points and today's alerts; a click on a tile or a point filters the page."""

from __future__ import annotations

from dash import ALL, Dash, Input, Output, State, ctx, no_update
from sqlalchemy.exc import SQLAlchemyError

from callbacks.urlstate import parse_page, query_of
from dashboard import formatting as fmt
from dashboard.decisions.service import DecisionService, marked
from dashboard.filters import FilterError, sector_of_path
from dashboard.i18n import t
from dashboard.metrics import tension
from dashboard.service import DashboardService
from layouts import ids
from layouts.tension_panel import alert_strip, sector_tiles, tension_points, top_points


def register(app: Dash, service: DashboardService, decisions: DecisionService, default_lang: str = "ru") -> None:

    @app.callback(
        Output(ids.TENSION_SECTORS, "children"),
        Output(ids.TENSION_POINTS, "children"),
        Output(ids.TENSION_ALERTS, "children"),
        Output(ids.TENSION_BASELINE, "children"),
        Output(ids.TOP_POINTS, "children"),
        Input(ids.URL, "search"),
        Input(ids.REFRESH, "n_intervals"),
        State(ids.URL, "pathname"),
    )
    def draw(search, _tick, pathname):
        state = parse_page(search, pathname, default_lang)
        lang = state.lang
        try:
            filters = service.read_filters(query_of(search), pathname)
            result = service.tension(filters)
            alerts = service.alerts_today(filters, lang)
            marks = decisions.marks(lang)
        except (FilterError, SQLAlchemyError):
            return no_update, no_update, no_update, no_update, no_update  # the KPI callback shows the banner
        region = service.region
        sectors = result.sectors.assign(reason=tension.reasons(result, result.sectors, region, lang))
        points = result.points[result.points["level"] != "normal"]
        points = points.assign(reason=tension.reasons(result, points, region, lang))
        points = marked(points, marks)
        baseline = (
            t("baseline_label", lang, start=fmt.day(result.baseline[0], lang), end=fmt.day(result.baseline[1], lang))
            if result.baseline
            else t("reason_no_baseline", lang)
        )
        # the index is the region's, of all channels: say so when the page's filters narrow other figures
        scope = [t("tension_scope_region", lang)] if filters.municipalities else []
        scope += [t("tension_scope_channels", lang)] if filters.sources else []
        baseline = " · ".join([baseline, *scope])
        names = {sector.code: sector.name(lang) for sector in service.sectors.sectors}
        return (
            sector_tiles(sectors, names, result.days, filters.date_from, state.sectors, lang),
            tension_points(
                points,
                len(result.points) - len(points),
                lang,
                # the link to record a decision, for those who may (a minister would meet a read-only form)
                period=(filters.date_from, filters.date_to) if decisions.may_write() else None,
            ),
            alert_strip(marked(alerts, marks), service.alerts_window(), lang),
            baseline,
            top_points(points, lang),
        )

    @app.callback(
        Output(ids.SECTOR, "value", allow_duplicate=True),
        Output(ids.MUNICIPALITY, "value", allow_duplicate=True),
        Input({"type": ids.SECTOR_TILE, "sector": ALL}, "n_clicks"),
        Input({"type": ids.POINT_ITEM, "sector": ALL, "oktmo": ALL}, "n_clicks"),
        Input({"type": ids.TOP_POINT_ITEM, "sector": ALL, "oktmo": ALL}, "n_clicks"),
        State(ids.SECTOR, "value"),
        State(ids.URL, "pathname"),
        prevent_initial_call=True,
    )
    def focus(_tiles, _points, _top, current, pathname):
        """A sector tile filters the dashboard to its sector (a second click clears it); a point filters
        to its sector and municipality. On a sector's page (``/sector/<code>``) the sector is the page's: the
        control keeps showing it, and a point sets only its municipality."""
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not any(item["value"] for item in ctx.triggered):
            return no_update, no_update  # tiles just re-rendered, nobody clicked
        fixed = sector_of_path(pathname) is not None
        if trigger["type"] in (ids.POINT_ITEM, ids.TOP_POINT_ITEM):
            return no_update if fixed else [trigger["sector"]], [trigger["oktmo"]]
        if fixed:
            return no_update, no_update
        if (current or []) == [trigger["sector"]]:
            return [], no_update
        return [trigger["sector"]], no_update
