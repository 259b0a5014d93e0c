"""Response-times panel: trend of median and p90, SLA share with the overdue backlog, tables, oldest overdue."""

from __future__ import annotations

from datetime import date, timedelta

import dash_ag_grid as dag
import pandas as pd
from dash import dcc, html

from dashboard import formatting as fmt
from dashboard.catalog import Glossary, SectorCatalog, source_name
from dashboard.i18n import t
from layouts import ids
from layouts.accessible import hidden_label
from layouts.running import with_provisional_tail

PALETTE = ["#1f5fa8", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#0e7490", "#a16207", "#4d7c0f"]
MAX_LINES = 6
DAY_TICK = {"ru": "%d.%m", "en": "%m-%d"}
DAY_HOVER = {"ru": "%{x|%d.%m.%Y}", "en": "%{x|%Y-%m-%d}"}
HOURS_HOVER = {
    "ru": "%{x|%d.%m.%Y}: %{y:.1f} ч<extra>%{fullData.name}</extra>",
    "en": "%{x|%Y-%m-%d}: %{y:.1f} h<extra>%{fullData.name}</extra>",
}
GRID_TEXT = {  # the grid's own words, Russian on a Russian page (its screen-reader names too)
    "ru": {
        "noRowsToShow": "Нет данных за период",
        "loadingOoo": "Загрузка…",
        "page": "Страница",
        "of": "из",
        "to": "—",
        "more": "ещё",
        "firstPage": "Первая страница",
        "previousPage": "Предыдущая страница",
        "nextPage": "Следующая страница",
        "lastPage": "Последняя страница",
        "pageSizeSelectorLabel": "Строк на странице:",
        "ariaPageSizeSelectorLabel": "Строк на странице",
        "ariaRowSelect": "Выбрать строку",
        "ariaSortableColumn": "Нажмите Enter, чтобы отсортировать",
        "ariaLabelColumnMenu": "Меню столбца",
        "sortAscending": "По возрастанию",
        "sortDescending": "По убыванию",
    }
}


def response_panel(lang: str = "ru") -> html.Section:
    def radio(id_, options, value):
        names = {ids.RESP_MEASURE: "resp_measure_label", ids.RESP_SPLIT: "resp_split_label",
                 ids.RESP_TABLE_BY: "resp_table_by_label"}  # fmt: skip
        return html.Span(
            [
                hidden_label(t(names[id_], lang), id_),
                dcc.RadioItems(
                    id=id_,
                    className="segmented",
                    inline=True,
                    value=value,
                    options=[{"label": t(label, lang), "value": v} for v, label in options],
                ),
            ]
        )

    return html.Section(
        className="panel resp-panel",
        children=[
            html.Div(
                className="panel-head",
                children=[
                    html.H2(t("resp_title", lang)),
                    radio(
                        ids.RESP_MEASURE, [("first", "measure_first"), ("resolution", "measure_resolution")], "first"
                    ),
                    radio(
                        ids.RESP_SPLIT,
                        [("none", "split_none"), ("source", "split_source"), ("sector", "split_sector")],
                        "none",
                    ),
                ],
            ),
            html.Div(
                className="resp-charts",
                children=[
                    dcc.Graph(id=ids.RESP_TREND, config={"displaylogo": False, "locale": lang}, className="resp-graph"),
                    dcc.Graph(id=ids.RESP_SLA, config={"displaylogo": False, "locale": lang}, className="resp-graph"),
                ],
            ),
            html.Div(
                className="resp-bottom",
                children=[
                    html.Div(
                        className="resp-table-box",
                        children=[
                            html.Div(
                                className="panel-head",
                                children=[
                                    radio(
                                        ids.RESP_TABLE_BY, [("sector", "by_sector"), ("agency", "by_agency")], "sector"
                                    ),
                                    html.Button(t("export_csv", lang), id=ids.RESP_EXPORT_CSV, className="back"),
                                    html.Button(t("export_xlsx", lang), id=ids.RESP_EXPORT_XLSX, className="back"),
                                    dcc.Download(id=ids.RESP_DOWNLOAD),
                                ],
                            ),
                            dag.AgGrid(
                                id=ids.RESP_TABLE,
                                className="ag-theme-alpine resp-grid",
                                columnSize="responsiveSizeToFit",
                                defaultColDef={"sortable": True, "resizable": True, "filter": False},
                                dashGridOptions={
                                    "domLayout": "autoHeight",
                                    "animateRows": False,
                                    "localeText": GRID_TEXT.get(lang, {}),
                                    # Tab leaves the grid (arrows move between its cells), not a stop per cell
                                    "tabToNextCell": {"function": "false"},
                                },
                                style={"width": "100%"},
                            ),
                        ],
                    ),
                    html.Div(  # scrolls: the keyboard can scroll it too
                        className="resp-oldest",
                        tabIndex="0",
                        role="region",
                        **{"aria-labelledby": "resp-oldest-title"},
                        children=[
                            html.H3(t("oldest_title", lang), id="resp-oldest-title"),
                            html.Ul(id=ids.RESP_OLDEST, className="latest"),
                        ],
                    ),
                ],
            ),
        ],
    )


def table_columns(by: str, lang: str = "ru") -> list[dict]:
    """AG Grid column definitions; numbers stay numbers (sorting) and are shown in the interface's locale."""
    locale = "ru-RU" if lang == "ru" else "en-GB"

    def number(digits: int) -> dict:
        shown = (
            f"params.value == null ? '—' : params.value.toLocaleString('{locale}', "
            f"{{minimumFractionDigits: {digits}, maximumFractionDigits: {digits}}})"
        )
        return {"type": "rightAligned", "valueFormatter": {"function": shown}, "sortingOrder": ["desc", "asc", None]}

    return [
        {"field": "key", "headerName": t(f"col_key_{by}", lang), "minWidth": 220},
        {"field": "messages", "headerName": t("col_messages", lang), **number(0)},
        {"field": "median_hours", "headerName": t("col_median", lang), **number(1)},
        {"field": "p90_hours", "headerName": t("col_p90", lang), **number(1)},
        {"field": "within_sla_pct", "headerName": t("col_sla", lang), **number(1)},
        {"field": "overdue_of_period", "headerName": t("col_overdue", lang), **number(0)},
    ]


def table_records(
    frame: pd.DataFrame, by: str, sectors: SectorCatalog, lang: str = "ru", glossary: Glossary | None = None
) -> list[dict]:
    """Rows for the table and the exports: sector and agency names in the interface language, shares in percent."""
    out = frame.copy()
    if by == "sector":
        out["key"] = out["key"].map(lambda code: sectors.name_of(code, lang))
    elif glossary is not None:
        out["key"] = out["key"].map(lambda name: glossary.agency(name, lang))
    out["within_sla_pct"] = (out["within_sla_share"].astype(float) * 100).round(1)
    out = out[["key", "messages", "median_hours", "p90_hours", "within_sla_pct", "overdue_of_period"]]
    return out.astype(object).where(out.notna(), None).to_dict("records")


def _label(key: str, split: str, sectors: SectorCatalog, lang: str) -> str:
    if split == "source":
        return source_name(key, lang)
    if split == "sector":
        return sectors.name_of(key, lang)
    return t("median", lang)


def trend_figure(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    split: str,
    holidays: dict[date, str],
    sectors: SectorCatalog,
    lang: str = "ru",
) -> dict:
    """Median (and p90 for the total) by day or week; the previous period dashed, shifted onto this one; the steps
    whose figures can still move (``provisional``: messages still wait) dotted and hollow, «предварительно»."""
    traces: list[dict] = []
    keys = current.groupby("key")["messages"].sum().sort_values(ascending=False).index[:MAX_LINES]
    for i, key in enumerate(keys):
        rows = current[current["key"] == key]
        colour = PALETTE[i % len(PALETTE)]
        line = {
            "type": "scatter",
            "mode": "lines+markers",
            "x": rows["period_start"].dt.strftime("%Y-%m-%d").tolist(),
            "y": rows["median_hours"].tolist(),
            "name": _label(key, split, sectors, lang),
            "line": {"color": colour, "width": 2.5},
            "marker": {"size": 4},
            "hovertemplate": HOURS_HOVER[lang],
        }
        traces += with_provisional_tail(line, rows["provisional"].tolist(), lang, legend=i == 0)
    if split == "none" and len(current):
        p90 = {
            "type": "scatter",
            "mode": "lines",
            "x": current["period_start"].dt.strftime("%Y-%m-%d").tolist(),
            "y": current["p90_hours"].tolist(),
            "name": t("p90_short", lang),
            "line": {"color": "#c2410c", "width": 1.5},
            "hovertemplate": HOURS_HOVER[lang],
        }
        traces += with_provisional_tail(p90, current["provisional"].tolist(), lang)
        if len(previous) and len(current):
            shift = current["period_start"].min() - previous["period_start"].min()
            for column, name, colour in (("median_hours", "median", "#1f5fa8"), ("p90_hours", "p90_short", "#c2410c")):
                traces.append(
                    {
                        "type": "scatter",
                        "mode": "lines",
                        "x": (previous["period_start"] + shift).dt.strftime("%Y-%m-%d").tolist(),
                        "y": previous[column].tolist(),
                        "name": f"{t(name, lang)}, {t('previous_period', lang)}",
                        "line": {"color": colour, "width": 1.2, "dash": "dash"},
                        "opacity": 0.7,
                        "hoverinfo": "skip",
                    }
                )
    shapes, annotations = [], []
    for day in holidays:
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": f"{day.isoformat()}T00:00",
                "x1": f"{day.isoformat()}T23:59",
                "y0": 0,
                "y1": 1,
                "fillcolor": "rgba(120,120,120,0.12)",
                "line": {"width": 0},
                "layer": "below",
            }
        )
    for day, name in holidays.items():  # one label per holiday run
        if day - timedelta(days=1) not in holidays:
            annotations.append(
                {
                    "x": day.isoformat(),
                    "y": 1,
                    "xref": "x",
                    "yref": "paper",
                    "text": name,
                    "showarrow": False,
                    "yanchor": "bottom",
                    "font": {"size": 11, "color": "#5a6675"},
                }
            )
    return {
        "data": traces,
        "layout": {
            "height": 340,
            "margin": {"l": 50, "r": 10, "t": 30, "b": 40},
            "yaxis": {"title": {"text": t("hours_axis", lang)}, "rangemode": "tozero", "gridcolor": "#e5e9ef"},
            "xaxis": {"tickformat": DAY_TICK[lang], "gridcolor": "#f0f2f5"},
            "legend": {"orientation": "h", "y": -0.18},
            "separators": ", " if lang == "ru" else ".,",
            "shapes": shapes,
            "annotations": annotations,
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
        },
    }


def sla_figure(total: pd.DataFrame, backlog: pd.DataFrame, lang: str = "ru") -> dict:
    """Share answered within target per day/week (bars) and the overdue backlog at each day's end (line)."""
    return {
        "data": [
            {
                "type": "bar",
                "x": total["period_start"].dt.strftime("%Y-%m-%d").tolist(),
                "y": (total["within_sla_share"].astype(float) * 100).round(1).tolist(),
                "name": t("within_sla_axis", lang),
                "marker": {"color": "#93b5de"},
                "hovertemplate": DAY_HOVER[lang] + ": %{y:.1f} %<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "lines",
                "x": [d.isoformat() for d in backlog["day"]],
                "y": backlog["overdue"].tolist(),
                "name": t("backlog_axis", lang),
                "yaxis": "y2",
                "line": {"color": "#b3261e", "width": 2.5},
                "hovertemplate": DAY_HOVER[lang] + ": %{y:,} <extra>%{fullData.name}</extra>",
            },
        ],
        "layout": {
            "height": 340,
            "margin": {"l": 50, "r": 60, "t": 30, "b": 40},
            "yaxis": {"title": {"text": t("within_sla_axis", lang)}, "range": [0, 100], "gridcolor": "#e5e9ef"},
            "yaxis2": {
                "title": {"text": t("backlog_axis", lang)},
                "overlaying": "y",
                "side": "right",
                "rangemode": "tozero",
                "tickformat": ",.0f",
                "nticks": 6,
                "showgrid": False,
                **({"dtick": 1} if int(backlog["overdue"].max() or 0) <= 6 else {}),  # counts: whole ticks only
            },
            "xaxis": {"tickformat": DAY_TICK[lang]},
            "legend": {"orientation": "h", "y": -0.18},
            "separators": ", " if lang == "ru" else ".,",
            "bargap": 0.15,
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
        },
    }


def oldest_items(
    frame: pd.DataFrame, sectors: SectorCatalog, lang: str = "ru", glossary: Glossary | None = None
) -> list:
    if frame.empty:
        return [html.Li(t("no_data", lang), className="muted")]
    return [
        html.Li(
            [
                html.Div(
                    " · ".join(
                        part
                        for part in (
                            row["created_at"].strftime("%d.%m.%Y %H:%M" if lang == "ru" else "%Y-%m-%d %H:%M"),
                            f"{t('age', lang)} {fmt.hours(row['age_hours'], lang)}",
                            sectors.name_of(row["sector"], lang),
                            row["municipality"],
                            (glossary.agency(row["agency"], lang) if glossary else row["agency"]) or "",
                        )
                        if part
                    ),
                    className="meta",
                ),
                html.Div(row["text"], className="text", lang="ru"),  # citizens write Russian
            ]
        )
        for _, row in frame.iterrows()
    ]
