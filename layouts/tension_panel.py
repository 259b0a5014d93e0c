"""Tension panel: a tile per sector sorted by tension, the tension points with their reasons, new alerts."""

from __future__ import annotations

import base64
from datetime import date
from urllib.parse import urlencode

import pandas as pd
from dash import html

from dashboard import formatting as fmt
from dashboard.i18n import t
from layouts import ids

LEVEL_COLOURS = {  # bar/accent colour per level; badges use the CSS classes level-<name>
    "normal": "#43a047",
    "attention": "#e0a400",
    "tension": "#ef6c00",
    "critical": "#c62828",
}
POINTS_SHOWN = 10


def tension_panel(lang: str = "ru") -> html.Section:
    return html.Section(
        className="panel tension-panel",
        children=[
            html.Div(
                className="panel-head",
                children=[html.H2(t("tension_title", lang)), html.Span(id=ids.TENSION_BASELINE, className="hint")],
            ),
            html.Div(id=ids.TENSION_ALERTS, className="tension-alerts", role="alert"),
            html.Div(
                className="tension-body",
                children=[
                    html.Div(id=ids.TENSION_SECTORS, className="sector-tiles", **{"aria-live": "polite"}),
                    html.Aside(
                        className="tension-points-box",
                        children=[
                            html.H3(t("tension_points", lang)),
                            html.Ol(id=ids.TENSION_POINTS, className="tension-points"),
                        ],
                    ),
                ],
            ),
            html.P(t("tension_help", lang), className="hint"),
        ],
    )


def level_badge(level: str, lang: str = "ru") -> html.Span:
    return html.Span(t(f"level_{level}", lang), className=f"level level-{level}")


SPARK_HEIGHT = 24  # px, as in the CSS; a bar is 4 units wide with 1 between


def sparkbars(counts: list[int], days: list[date], period_from: date, level: str) -> html.Img:
    """Daily counts as thin bars in one small SVG: the period in the level's colour, the weeks before it in grey.

    One image per tile rather than a component per day: 13 tiles of 58 days were ~750 components, a third of the
    tension callback's time at 10M."""
    top = max(counts) if counts and max(counts) > 0 else 1
    bars = "".join(
        f'<rect x="{5 * i}" y="{SPARK_HEIGHT - h}" width="4" height="{h}" '
        f'fill="{LEVEL_COLOURS[level] if d >= period_from else "#b8c2cc"}"/>'
        for i, (n, d) in enumerate(zip(counts, days, strict=True))
        for h in [max(1.0, round(SPARK_HEIGHT * n / top, 1))]
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {max(5 * len(counts) - 1, 1)} {SPARK_HEIGHT}" '
        f'preserveAspectRatio="none">{bars}</svg>'
    )
    source = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()  # C speed, unlike URL quoting
    return html.Img(src=source, className="sparkbars", alt="", **{"aria-hidden": "true"})


def sector_tiles(
    sectors: pd.DataFrame, names: dict[str, str], days: list[date], period_from: date, selected: list[str], lang: str
) -> list[html.Button]:
    """One button per sector, highest tension first; a click filters the whole dashboard to the sector."""
    tiles = []
    for _, row in sectors.iterrows():
        change = None if pd.isna(row["change_pct"]) else row["change_pct"]
        share = None if pd.isna(row["overdue_share"]) else row["overdue_share"]
        tiles.append(
            html.Button(
                id={"type": ids.SECTOR_TILE, "sector": row["sector"]},
                n_clicks=0,
                className=f"sector-tile tile-{row['level']}" + (" selected" if row["sector"] in selected else ""),
                title=row["reason"],
                **{"aria-pressed": "true" if row["sector"] in selected else "false"},  # it filters the page: a toggle
                children=[
                    html.Div([html.Span(names[row["sector"]], className="tile-name"), level_badge(row["level"], lang)]),
                    html.Div(
                        [
                            html.Span(fmt.number(row["index"], lang), className="tile-index"),
                            html.Span(" / 100", className="tile-of"),
                        ]
                    ),
                    html.Div(
                        className="tile-facts",
                        children=[
                            html.Span(f"{fmt.number(row['observed'], lang)} {t('col_messages', lang).lower()}"),
                            html.Span(f"{fmt.change(change, lang)} {t('vs_baseline', lang)}"),
                            html.Span(t("tile_overdue", lang, share=fmt.share(share, lang))),
                        ],
                    ),
                    sparkbars(row["spark"], days, period_from, row["level"]),
                ],
            )
        )
    return tiles


def tension_points(
    points: pd.DataFrame,
    normal: int,
    lang: str = "ru",
    limit: int = POINTS_SHOWN,
    period: tuple[date, date] | None = None,
) -> list:
    """The hottest sector × municipality cells (above «норма») with their one-line reasons; a click filters
    the page to the cell. ``normal`` counts the cells left out as normal. With ``period``, each point links to
    recording a decision on it over that period (/decisions)."""
    shown = points.head(limit)
    items = [
        html.Li(
            [
                html.Button(
                    id={"type": ids.POINT_ITEM, "sector": row["sector"], "oktmo": row["oktmo"]},
                    n_clicks=0,
                    className=f"tension-point point-{row['level']}",
                    children=[
                        html.Span(fmt.number(row["index"], lang), className="point-index"),
                        level_badge(row["level"], lang),
                        html.Span(row["reason"], className="point-reason"),
                        decision_line(row.get("decision")),
                    ],
                ),
                record_link(row["sector"], row["oktmo"], period, lang) if period else None,
            ]
        )
        for _, row in shown.iterrows()
    ]
    if shown.empty:
        items.append(html.Li(t("no_points", lang), className="tension-point empty"))
    if len(points) > limit:
        items.append(html.Li(t("points_more", lang, count=fmt.number(len(points) - limit, lang)), className="hint"))
    items.append(html.Li(t("points_normal", lang, count=fmt.number(normal, lang)), className="hint"))
    return items


def record_link(sector: str, oktmo: str, period: tuple[date, date], lang: str) -> html.A:
    """«записать поручение»: the /decisions page with this cell and period (its evidence)."""
    query = urlencode({"sector": sector, "municipality": oktmo, "from": period[0].isoformat(),
                       "to": period[1].isoformat(), "lang": lang})  # fmt: skip
    return html.A(t("decision_record_link", lang), href=f"/decisions?{query}", className="point-record")


def decision_line(text: str | None) -> html.Span | None:
    """The point's decision (dashboard/decisions/service.py ``mark``): being handled, or done and its effect."""
    return html.Span(text, className="point-decision") if text else None


def top_points(points: pd.DataFrame, lang: str = "ru", limit: int = 3) -> list:
    """The hottest points in one line each above the map: «где и что болит» on the first screen."""
    shown = points.head(limit)
    if shown.empty:
        return []
    return [
        html.Span(t("tension_points", lang) + ":", className="top-points-label"),
        *[
            html.Button(
                id={"type": ids.TOP_POINT_ITEM, "sector": row["sector"], "oktmo": row["oktmo"]},
                n_clicks=0,
                className=f"top-point point-{row['level']}",
                title=row["reason"] + (f" · {row['decision']}" if row.get("decision") else ""),
                children=[
                    level_badge(row["level"], lang),
                    html.Span(row["reason"], className="top-point-reason"),
                    html.Span("✓", className="top-point-decided") if row.get("handling") else None,
                ],
            )
            for _, row in shown.iterrows()
        ],
    ]


def alert_window(window: tuple[date, date], lang: str = "ru") -> str:
    """«Новые критические точки сегодня — за 7 дней, 30.11.2026 — 06.12.2026»: an alert is of its own window, which
    the heading names wherever it shows, so it never reads as the page's period."""
    return t("alerts_window", lang, start=fmt.day(window[0], lang), end=fmt.day(window[1], lang))


def _recorded(alert: dict, lang: str) -> str:
    """«07:57 · »: when the alert was recorded — its index is of that moment's data."""
    stamp = alert.get("created_at")
    return "" if stamp is None or pd.isna(stamp) else f"{pd.Timestamp(stamp):%H:%M} · "


def _decided(alert: dict) -> html.Span | None:
    return html.Span(f" · {alert['decision']}", className="point-decision") if alert.get("decision") else None


def alert_strip(alerts: pd.DataFrame, window: tuple[date, date], lang: str = "ru") -> list:
    if alerts.empty:
        return []
    rows = alerts.to_dict("records")
    return [
        html.Strong(alert_window(window, lang) + ": "),
        html.Ul(
            [
                html.Li([f"{_recorded(r, lang)}{fmt.number(r['index'], lang)} · {r['reason']}", _decided(r)])
                for r in rows
            ]
        ),
    ]


def place_tension(
    points: pd.DataFrame,
    names: dict[str, str],
    lang: str = "ru",
    limit: int = 3,
    period: tuple[date, date] | None = None,
) -> html.Ul:
    """A municipality's hottest sectors for its card: index, level, the point's decision where it has one, and —
    above «норма» — the reason and, with ``period``, the link to record a decision on it."""
    shown = points.sort_values("index", ascending=False).head(limit)
    if shown.empty:
        return html.Ul([html.Li(t("no_data", lang), className="muted")], className="place-tension")
    return html.Ul(
        className="place-tension",
        children=[
            html.Li(
                className=f"place-point point-{row['level']}",
                children=[
                    html.Span(fmt.number(row["index"], lang), className="point-index"),
                    level_badge(row["level"], lang),
                    html.Span(names.get(row["sector"], row["sector"]), className="place-sector"),
                    html.Div(row["reason"], className="point-reason") if row["level"] != "normal" else None,
                    decision_line(row.get("decision")),
                    record_link(row["sector"], row["oktmo"], period, lang)
                    if period and row["level"] != "normal"
                    else None,
                ],
            )
            for _, row in shown.iterrows()
        ],
    )
