"""The situational-centre wall screen: dark, large type, no controls, panels rotating on an interval.

Set up per screen by URL parameters (``callbacks.urlstate.parse_wall``):
``/wall?panels=map,points,kpis,trend,alerts&interval=20&refresh=60&stale=10&sector=zhkh&period=7d``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

import pandas as pd
from dash import dcc, html

from dashboard import formatting as fmt
from dashboard.i18n import t
from dashboard.region import Region
from layouts import ids
from layouts.accessible import CONTENT
from layouts.map_figure import METRICS
from layouts.running import with_provisional_tail
from layouts.tension_panel import level_badge

WALL_PANELS = ("map", "points", "kpis", "trend", "alerts")
GRAPH_CONFIG = {"displayModeBar": False, "scrollZoom": False, "doubleClick": False, "displaylogo": False}


@dataclass(frozen=True)
class WallConfig:
    panels: tuple[str, ...] = WALL_PANELS
    interval: int = 20  # seconds each panel stays on screen
    refresh: int = 60  # seconds between data refreshes
    stale_minutes: int = 10  # «данные устарели» after this long without a good refresh
    sector: str | None = None
    period: str = "7d"
    metric: str = "tension"
    lang: str = "ru"


def wall(region: Region, config: WallConfig, sector_name: str | None = None) -> html.Div:
    lang = config.lang
    title = region.name_ru if lang == "ru" else region.name_en
    # every panel is on the page (one refresh fills them all); those not chosen for this screen never show
    panels = [
        html.Section(
            id={"type": ids.WALL_PANEL, "name": name},
            className=_panel_class(name, config.panels[0], config.panels),
            children=[
                html.H2(_panel_title(name, config), className="wall-panel-title"),
                _panel_body(name, config.lang),
            ],
        )
        for name in WALL_PANELS
    ]
    return html.Div(
        className="wall",
        children=[
            html.Header(
                className="wall-head",
                children=[
                    html.Div(
                        [
                            html.H1(t("title", lang), className="wall-title"),
                            html.Div(
                                title + (f" · {sector_name}" if sector_name else ""),
                                className="wall-region",
                            ),
                        ]
                    ),
                    html.Div(id=ids.WALL_PERIOD, className="wall-period"),
                    html.Div(id=ids.WALL_STALE, className="wall-stale", role="status"),
                    html.Div(id=ids.WALL_CLOCK, className="wall-clock"),
                ],
            ),
            html.Main(panels, id=CONTENT, className="wall-stage"),
            html.Div(id=ids.WALL_CHANNELS, className="wall-channels", role="alert"),
            html.Div(id=ids.WALL_TICKER, className="wall-ticker", role="alert"),
            html.Footer(
                [html.Span(t("attribution", lang)), html.Div(id=ids.WALL_DOTS, className="wall-dots")],
                className="wall-foot",
            ),
            dcc.Store(
                id=ids.WALL_CONFIG,
                data={
                    **asdict(config),
                    "layout_order": list(WALL_PANELS),
                    "timezone": region.timezone.key,
                    "texts": {
                        "stale": t("wall_stale", lang),
                        "waiting": t("wall_waiting", lang),
                        "still": t("wall_still", lang),
                    },
                },
            ),
            dcc.Store(id=ids.WALL_SIZE),  # the map's size on this screen, measured in the browser
            dcc.Store(id=ids.WALL_STAMP),  # set by the server on every good refresh
            dcc.Store(id=ids.WALL_LAST_GOOD),  # the browser's time of the last good refresh
            dcc.Interval(id=ids.WALL_ROTATE, interval=config.interval * 1000),
            dcc.Interval(id=ids.WALL_REFRESH, interval=config.refresh * 1000),
            dcc.Interval(id=ids.WALL_TICK, interval=1000),
        ],
    )


def _panel_title(name: str, config: WallConfig) -> str:
    """The panel's heading; the map's names the metric it is coloured by."""
    if name == "map" and config.metric != "tension" and config.metric in METRICS:
        label = METRICS[config.metric][config.lang]
        return t("wall_map_metric", config.lang, metric=label[0].lower() + label[1:])
    return t(f"wall_{name}", config.lang)


def _panel_class(name: str, active: str, chosen: tuple[str, ...]) -> str:
    if name not in chosen:
        return "wall-panel off"
    return "wall-panel active" if name == active else "wall-panel"


def _panel_body(name: str, lang: str = "ru"):
    config = {**GRAPH_CONFIG, "locale": lang}  # plotly's own words and dates (assets/plotly-locale-ru.js)
    if name == "map":
        return dcc.Graph(id=ids.WALL_MAP, className="wall-graph", config=config, style={"height": "100%"})
    if name == "trend":
        return dcc.Graph(id=ids.WALL_TREND, className="wall-graph", config=config, style={"height": "100%"})
    if name == "points":
        return html.Ol(id=ids.WALL_POINTS, className="wall-points")
    if name == "kpis":
        return html.Div(id=ids.WALL_KPIS, className="wall-kpis")
    return html.Div(id=ids.WALL_ALERTS, className="wall-alerts")


def wall_points(points: pd.DataFrame, lang: str = "ru", limit: int = 8) -> list:
    shown = points.head(limit)
    if shown.empty:
        return [html.Li(t("no_points", lang), className="wall-point empty")]
    return [
        html.Li(
            className=f"wall-point point-{row['level']}",
            children=[
                html.Span(fmt.number(row["index"], lang), className="wall-point-index"),
                level_badge(row["level"], lang),
                html.Span(row["reason"], className="wall-point-reason"),
                html.Span(row["decision"], className="wall-point-decision") if row.get("decision") else None,
            ],
        )
        for _, row in shown.iterrows()
    ]


def wall_alerts(alerts: pd.DataFrame, lang: str = "ru") -> list:
    if alerts.empty:
        return [html.P(t("wall_no_alerts", lang), className="wall-calm")]
    return [
        html.Div(
            className="wall-alert",
            children=[
                html.Span(f"{row['created_at']:%H:%M}" if pd.notna(row["created_at"]) else "", className="wall-time"),
                html.Span(fmt.number(row["index"], lang), className="wall-point-index"),
                html.Span(row["reason"], className="wall-point-reason"),
                html.Span(row["decision"], className="wall-point-decision") if row.get("decision") else None,
            ],
        )
        for _, row in alerts.head(6).iterrows()
    ]


def wall_ticker(alerts: pd.DataFrame, window: tuple[date, date], lang: str = "ru") -> list:
    """A red strip under every panel while the day has critical alerts: they never rotate away; it names the
    alerts' own window, which may differ from the screen's period."""
    if alerts.empty:
        return []
    heading = t("alerts_window_short", lang, end=fmt.day(window[1], lang))
    decided = alerts["handling"] if "handling" in alerts else pd.Series(False, index=alerts.index)
    open_ = alerts[~decided]
    if open_.empty:  # every critical point is being handled: the strip says so and stops shouting
        return [html.Span(t("wall_all_decided", lang, count=len(alerts)), className="wall-ticker-calm")]
    # every open point, not the first and «ещё N»: the strip scrolls through them when they do not fit
    # (assets/wall.js), or wraps onto more lines where the screen asks for no motion
    said = " · ".join(open_["reason"])
    handled = f" · {t('wall_decided_too', lang, count=int(decided.sum()))}" if decided.any() else ""
    return [
        html.Strong(heading + ": ", className="wall-ticker-head"),
        html.Span(html.Span(said + handled, className="wall-ticker-text"), className="wall-ticker-track"),
    ]


def wall_trend_figure(daily: pd.DataFrame, response: pd.DataFrame, lang: str = "ru", height: float = 1080) -> dict:
    """Messages per day (bars) and the median first response (line, right axis), for the wall's dark theme; the days
    whose median can still move (``provisional``) dotted, hollow. Every text sized from the screen's ``height`` (px):
    26 px on 1080p, twice that on 4K."""
    ink, grid = "#e6edf3", "rgba(230,237,243,0.15)"
    size = max(18, round(height * 0.024))
    traces = [
        {
            "type": "bar",
            "x": [d.isoformat() for d in daily["day"]],
            "y": daily["messages"].tolist(),
            "name": t("kpi_messages", lang),
            "marker": {"color": "#4f8fd6"},
        }
    ]
    if not response.empty:
        median = {
            "type": "scatter",
            "mode": "lines+markers",
            "x": [d.date().isoformat() for d in response["period_start"]],
            # a step with no answer yet (today, just after midnight) has no median: a gap, not an error
            "y": [None if pd.isna(v) else round(float(v), 2) for v in response["median_hours"]],
            "name": t("kpi_median", lang) + (", ч" if lang == "ru" else ", h"),
            "yaxis": "y2",
            "line": {"color": "#ffb74d", "width": max(4, round(size / 5))},
            "marker": {"size": max(8, round(size / 2.6))},
        }
        traces += with_provisional_tail(median, response["provisional"].tolist(), lang, legend=True)
    font = {"color": ink, "size": size}
    return {
        "data": traces,
        "layout": {
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
            "font": font,
            "margin": {"l": round(size * 3.5), "r": round(size * 4.2), "t": round(size * 0.8), "b": round(size * 2.7)},
            "separators": ", " if lang == "ru" else ".,",
            "xaxis": {"tickformat": "%d.%m" if lang == "ru" else "%m-%d", "gridcolor": grid, "tickfont": font},
            "yaxis": {"gridcolor": grid, "tickfont": font, "rangemode": "tozero", "tickformat": ",~f"},
            # its own round ticks (not synced to the bars' gridlines: «5,32 / 4,43»), at most one decimal
            "yaxis2": {
                "overlaying": "y",
                "side": "right",
                "showgrid": False,
                "tickfont": font,
                "rangemode": "tozero",
                "tickmode": "auto",
                "nticks": 6,
                "tickformat": ",.1~f",
            },
            "legend": {"orientation": "h", "y": 1.08, "x": 0, "font": font},
            "bargap": 0.25,
        },
    }
