"""Wall screen: one server refresh for every panel; rotation, clock and the stale badge run in the browser.

When the database is away the refresh changes nothing — the last good picture stays — and the browser, which
notes the time of every good refresh, shows «данные устарели» once it is older than the screen's threshold.
"""

from __future__ import annotations

from datetime import UTC, datetime

from dash import ALL, ClientsideFunction, Dash, Input, Output, State
from dash.exceptions import PreventUpdate
from sqlalchemy.exc import SQLAlchemyError

from callbacks.urlstate import wall_settings
from dashboard import formatting as fmt
from dashboard.decisions.service import DecisionService, marked
from dashboard.i18n import t
from dashboard.metrics import tension
from dashboard.runtime.fanout import fan_out
from dashboard.service import DashboardService
from geo.figure import region_geometry
from layouts import ids
from layouts.freshness import channel_warnings, data_at
from layouts.map_figure import map_figure, town_labels
from layouts.shell import kpi_tiles
from layouts.wall import wall_alerts, wall_points, wall_ticker, wall_trend_figure

WALL_MAP_SIZE = (1800, 700)  # until the browser has measured the map


def register(app: Dash, service: DashboardService, decisions: DecisionService, default_lang: str = "ru") -> None:
    region = service.region
    sectors = set(service.sectors.codes)
    labels = town_labels(region.municipalities, "ru")  # Cyrillic: see callbacks/heatmap.py

    @app.callback(
        Output(ids.WALL_MAP, "figure"),
        Output(ids.WALL_POINTS, "children"),
        Output(ids.WALL_KPIS, "children"),
        Output(ids.WALL_TREND, "figure"),
        Output(ids.WALL_ALERTS, "children"),
        Output(ids.WALL_TICKER, "children"),
        Output(ids.WALL_CHANNELS, "children"),
        Output(ids.WALL_PERIOD, "children"),
        Output(ids.WALL_STAMP, "data"),
        Input(ids.WALL_REFRESH, "n_intervals"),
        Input(ids.WALL_SIZE, "data"),
        State(ids.WALL_CONFIG, "data"),
    )
    def refresh(_tick, size, stored):
        config = wall_settings(stored, sectors, default_lang)
        lang = config.lang
        filters = service.read_filters({"period": config.period, "sector": [config.sector] if config.sector else []})
        try:
            result, frame, summary, daily, response, alerts, found, due, marks = fan_out(
                service.engine,
                lambda: service.tension(filters),
                lambda: service.heatmap(filters),
                lambda: service.summary(filters),
                lambda: service.daily(filters),  # the header's period, as every panel's
                lambda: service.response_trend(filters),
                lambda: service.alerts_today(filters, lang),
                service.freshness,
                lambda: service.due_soon(filters),
                lambda: decisions.marks(lang),
            )
            if config.metric == "tension":
                frame = frame.assign(tension=service.map_tension(filters).reindex(frame.index))
        except SQLAlchemyError:
            raise PreventUpdate from None  # keep the last good picture; the stale badge tells the room
        points = result.points[result.points["level"] != "normal"]
        points = points.assign(reason=tension.reasons(result, points, region, lang))
        points = marked(points, marks)
        alerts = marked(alerts, marks)
        figure = map_figure(
            frame,
            region_geometry(region.boundaries_path),
            metric=config.metric,
            labels=labels,
            attribution="",
            lang=lang,
            size=tuple(size[:2]) if size else WALL_MAP_SIZE,
            theme="dark",
            # read from across the room: type grows with the map's height (×1.7 at 1080p, ×3.5 at 4K)
            type_scale=max(1.7, (size[1] if size else WALL_MAP_SIZE[1]) / 460),
        )
        start, end = fmt.day(filters.date_from, lang), fmt.day(filters.date_to, lang)
        period = t("period_label", lang, start=start, end=end, days=filters.days)
        return (
            figure,
            wall_points(points, lang),
            kpi_tiles(summary, lang, len(due)),
            wall_trend_figure(daily, response, lang, height=size[2] if size and len(size) > 2 else 1080),
            wall_alerts(alerts, lang),
            wall_ticker(alerts, service.alerts_window(), lang),
            channel_warnings(found, lang),
            [period, " · ", data_at(found, region.timezone, service.today(), lang)],
            datetime.now(UTC).isoformat(),
        )

    app.clientside_callback(
        ClientsideFunction(namespace="tsur", function_name="wallMapSize"),
        Output(ids.WALL_SIZE, "data"),
        Input(ids.WALL_CONFIG, "data"),
    )
    app.clientside_callback(
        ClientsideFunction(namespace="tsur", function_name="wallRotate"),
        Output({"type": ids.WALL_PANEL, "name": ALL}, "className"),
        Output(ids.WALL_DOTS, "children"),
        Input(ids.WALL_ROTATE, "n_intervals"),
        State(ids.WALL_CONFIG, "data"),
    )
    app.clientside_callback(
        ClientsideFunction(namespace="tsur", function_name="wallGood"),
        Output(ids.WALL_LAST_GOOD, "data"),
        Input(ids.WALL_STAMP, "data"),
    )
    app.clientside_callback(
        ClientsideFunction(namespace="tsur", function_name="wallClock"),
        Output(ids.WALL_CLOCK, "children"),
        Output(ids.WALL_STALE, "children"),
        Output(ids.WALL_STALE, "className"),
        Input(ids.WALL_TICK, "n_intervals"),
        Input(ids.WALL_LAST_GOOD, "data"),
        State(ids.WALL_CONFIG, "data"),
    )
