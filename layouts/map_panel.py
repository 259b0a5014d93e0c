"""The heat-map panel: metric switch, density switch, the map and its side panel (ranking or card)."""

from __future__ import annotations

from datetime import date

import pandas as pd
from dash import dcc, html

from dashboard import formatting as fmt
from dashboard.catalog import Glossary, SectorCatalog, source_name
from dashboard.i18n import t
from dashboard.metrics.small_numbers import LOW_COUNT
from dashboard.region import stale_population
from layouts import ids
from layouts.accessible import hidden_label
from layouts.map_figure import DEFAULT_METRIC, METRICS, shown_column
from layouts.tension_panel import place_tension


def map_panel(lang: str = "ru") -> html.Section:
    return html.Section(
        className="panel map-panel",
        children=[
            html.Div(
                className="panel-head",
                children=[
                    html.H2(t("map_title", lang)),
                    hidden_label(t("map_view_label", lang), ids.MAP_VIEW),
                    hidden_label(t("map_metric_label", lang), ids.MAP_METRIC),
                    hidden_label(t("map_density_label", lang), ids.MAP_DENSITY),
                    dcc.RadioItems(
                        id=ids.MAP_VIEW,
                        className="segmented view-switch",
                        inline=True,
                        value="region",
                        options=[
                            {"label": t("view_region", lang), "value": "region"},
                            {"label": t("view_federal", lang), "value": "federal"},
                        ],
                    ),
                    dcc.RadioItems(
                        id=ids.MAP_METRIC,
                        className="segmented",
                        inline=True,
                        value=DEFAULT_METRIC,
                        options=[{"label": spec[lang], "value": key} for key, spec in METRICS.items()],
                    ),
                    dcc.Checklist(
                        id=ids.MAP_DENSITY,
                        className="switch",
                        options=[{"label": t("density", lang), "value": "on"}],
                        value=[],
                    ),
                ],
            ),
            dcc.Store(id=ids.MAP_SIZE),
            dcc.Location(id=ids.NAVIGATE, refresh=True),
            html.Div(
                className="map-body",
                children=[
                    html.Div(
                        className="map-wrap",
                        children=[
                            dcc.Loading(
                                dcc.Graph(
                                    id=ids.MAP,
                                    className="map-graph",
                                    config={"displaylogo": False, "scrollZoom": True, "locale": lang},
                                    style={"height": "100%"},
                                ),
                                type="circle",
                                delay_show=400,
                                parent_style={"height": "100%"},
                            ),
                            html.P(t("no_data_grey", lang), className="map-note"),
                        ],
                    ),
                    html.Aside(id=ids.MAP_SIDE, className="map-side"),
                ],
            ),
        ],
    )


def metric_text(value: float | None, metric: str, lang: str = "ru") -> str:
    """One map metric as the rankings show it: shares in %, changes signed, durations in h/min/days."""
    if value is None or pd.isna(value):
        return "—"
    if metric == "overdue_share":
        return fmt.share(value, lang)
    if metric == "change_pct":
        return fmt.change(value, lang)
    if metric == "median_first_response_hours":
        return fmt.hours(value, lang)
    return fmt.number(value, lang, 0 if metric == "messages" else 1)


def ranking(frame: pd.DataFrame, metric: str, selected: list[str], lang: str = "ru") -> html.Div:
    """Every municipality ordered by the map's metric — its shrunk value where small numbers are shrunk, the value
    it shows — each a button that opens its card; places with few messages marked (the list scrolls)."""
    spec = METRICS[metric]
    column = shown_column(frame, metric)
    ordered = frame.sort_values([column, "messages"], ascending=False, na_position="last")
    marked = metric not in ("tension", "messages") and "low_count" in frame
    rows = []
    for oktmo, row in ordered.iterrows():
        few = marked and bool(row["low_count"])
        rows.append(
            html.Button(
                id={"type": ids.RANK_ITEM, "oktmo": str(oktmo)},
                className="rank-item" + (" selected" if oktmo in selected else "") + (" low-count" if few else ""),
                n_clicks=0,
                **({"aria-current": "true"} if oktmo in selected else {}),
                title=t("low_count_hint", lang, count=LOW_COUNT) if few else None,
                children=[
                    html.Span(row["name"], className="rank-name"),
                    html.Span(metric_text(row[column], metric, lang), className="rank-value"),
                ],
            )
        )
    adjusted = column != metric
    return html.Div(
        className="ranking",
        children=[
            html.H3(f"{t('ranking', lang)}: {spec[lang].lower()}" + (f" ({t('adjusted', lang)})" if adjusted else "")),
            html.Div(rows, className="rank-list"),
            html.P(t("low_count_hint", lang, count=LOW_COUNT), className="hint") if marked else None,
            html.P(t("click_hint", lang), className="hint"),
        ],
    )


def federal_ranking(frame: pd.DataFrame, metric: str, links: dict[str, str], lang: str = "ru") -> html.Div:
    """Regions with data, ordered by the metric; a region with its own dashboard links to it."""
    spec = METRICS[metric]
    shown = frame[frame["messages"] > 0].sort_values(metric, ascending=False, na_position="last")
    rows = []
    for prefix, row in shown.iterrows():
        text = metric_text(row[metric], metric, lang)
        rows.append(
            html.Button(
                id={"type": ids.FEDERAL_ITEM, "prefix": str(prefix)},
                className="rank-item",
                n_clicks=0,
                children=[html.Span(row["name"], className="rank-name"), html.Span(text, className="rank-value")],
            )
        )
    return html.Div(
        className="ranking",
        children=[
            html.H3(f"{t('federal_ranking', lang)}: {spec[lang].lower()}"),
            html.Div(rows or [html.P(t("no_data", lang), className="muted")], className="rank-list"),
            html.P(t("federal_hint", lang), className="hint"),
            html.Ul(
                [html.Li(html.A(f"{t('open_dashboard', lang)}: {slug}", href=url)) for slug, url in links.items()],
                className="links",
            )
            if links
            else None,
        ],
    )


def _compare(label: str, own: str, region: str, lang: str) -> html.Tr:
    return html.Tr([html.Th(label), html.Td(own, className="num"), html.Td(region, className="num muted")])


def _bar_list(frame: pd.DataFrame, label_of, lang: str) -> html.Ul:
    if frame.empty:
        return html.P(t("no_data", lang), className="muted")
    top = max(int(frame["messages"].max()), 1)
    return html.Ul(
        className="bars",
        children=[
            html.Li(
                [
                    html.Span(label_of(row), className="bar-label"),
                    html.Span(className="bar", style={"width": f"{row['messages'] / top * 100:.0f}%"}),
                    html.Span(fmt.number(row["messages"], lang), className="bar-value"),
                ]
            )
            for _, row in frame.iterrows()
        ],
    )


def _sparkline(daily: pd.DataFrame, lang: str) -> dcc.Graph:
    return dcc.Graph(
        className="sparkline",
        config={"displayModeBar": False, "staticPlot": True},
        figure={
            "data": [
                {
                    "type": "scatter",
                    "x": [d.isoformat() for d in daily["day"]],
                    "y": daily["messages"].tolist(),
                    "mode": "lines",
                    "line": {"color": "#1f5fa8", "width": 2},
                    "fill": "tozeroy",
                    "fillcolor": "rgba(31,95,168,0.12)",
                }
            ],
            "layout": {
                "height": 90,
                "margin": {"l": 30, "r": 6, "t": 4, "b": 20},
                "xaxis": {"showgrid": False, "tickformat": "%d.%m" if lang == "ru" else "%b %d", "nticks": 5},
                "yaxis": {"showgrid": False, "nticks": 3, "rangemode": "tozero"},
                "paper_bgcolor": "rgba(0,0,0,0)",
                "plot_bgcolor": "rgba(0,0,0,0)",
            },
        },
    )


def _population_line(card: dict, lang: str) -> html.Div:
    """«Население: 25 070 (2021)», its source on hover; a figure older than 2020 named as making rates approximate."""
    population, year = card["population"], card.get("population_year")
    if not population:
        return html.Div(f"{t('population', lang)}: {t('no_population', lang)}", className="muted")
    text = f"{t('population', lang)}: {fmt.number(population, lang)}" + (f" ({year})" if year else "")
    stale = t("stale_population", lang, year=year) if stale_population(year) else None
    return html.Div(
        [text, html.Span(stale, className="stale-population") if stale else None],
        className="muted",
        title=card.get("population_source") or None,
    )


def municipality_card(
    card: dict,
    sectors: SectorCatalog,
    tension: pd.DataFrame,
    lang: str = "ru",
    period: tuple[date, date] | None = None,
    glossary: Glossary | None = None,
) -> html.Div:
    """Drill-down card of one municipality: its tension by sector with the reasons (and, with ``period``, links to
    record a decision on each point), KPIs against the region, sectors, topics, trend, latest messages.
    ``tension``: the municipality's rows of the tension points."""
    own, region = card["own"], card["region"]
    change = card["summary"]["change_pct"]["messages"]
    latest = card["latest"]
    return html.Div(
        className="card",
        id="municipality-card",
        children=[
            html.Button(t("back_to_region", lang), id={"type": ids.MAP_BACK, "index": 0}, className="back", n_clicks=0),
            html.H3(card["name"] if lang == "ru" else card["name_en"], className="card-title"),
            _population_line(card, lang),
            html.Table(
                className="compare",
                children=[
                    html.Thead(html.Tr([html.Th(""), html.Th(t("here", lang)), html.Th(t("region", lang))])),
                    html.Tbody(
                        [
                            _compare(
                                t("kpi_messages", lang),
                                f"{fmt.number(own['messages'], lang)} ({fmt.change(change, lang)})",
                                fmt.number(region["messages"], lang),
                                lang,
                            ),
                            _compare(
                                t("per_10k", lang),
                                fmt.number(own["per_10k"], lang, 1),
                                fmt.number(region["per_10k"], lang, 1),
                                lang,
                            ),
                            _compare(
                                t("kpi_median", lang),
                                fmt.hours(own["median_first_response_hours"], lang),
                                fmt.hours(region["median_first_response_hours"], lang),
                                lang,
                            ),
                            _compare(
                                t("overdue_share", lang),
                                fmt.share(own["overdue_share"], lang),
                                fmt.share(region["overdue_share"], lang),
                                lang,
                            ),
                        ]
                    ),
                ],
            ),
            html.H4(t("tension_here", lang)),
            place_tension(tension, {s.code: s.name(lang) for s in sectors.sectors}, lang, period=period),
            html.H4(t("trend", lang)),
            _sparkline(card["daily"], lang),
            html.H4(t("top_sectors", lang)),
            _bar_list(card["sectors"], lambda row: sectors.name_of(row["sector"], lang), lang),
            html.H4(t("top_topics", lang)),
            _bar_list(
                card["topics"], lambda row: glossary.topic(row["topic"], lang) if glossary else row["topic"], lang
            ),
            html.H4(t("latest", lang)),
            html.Ul(
                className="latest",
                children=[
                    html.Li(
                        [
                            html.Div(
                                f"{fmt.day_time(row['created_at'], lang)} · "
                                f"{sectors.name_of(row['sector'], lang)} · "
                                f"{source_name(row['source'], lang)}",
                                className="meta",
                            ),
                            html.Div(row["text"], className="text", lang="ru"),  # citizens write Russian
                        ]
                    )
                    for _, row in latest.iterrows()
                ]
                or [html.Li(t("no_data", lang), className="muted")],
            ),
        ],
    )
