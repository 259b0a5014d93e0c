"""The briefing page ``/briefing``: a document for a meeting — A4 landscape sheets that print as they show.

First «Главное», the period against the previous one and the centre's decisions; then the tension points,
sectors, agencies and municipalities, as many to a sheet as fit, with the map and the trends on a sheet of their
own after the points (``briefing_body``). The filters come from the address (the dashboard's «Справка» link).
"""

from __future__ import annotations

import pandas as pd
from dash import dcc, html

from dashboard import formatting as fmt
from dashboard.i18n import t
from dashboard.region import Region
from dashboard.reports.briefing import Briefing, Table
from geo.figure import RegionGeometry
from layouts import ids
from layouts.accessible import CONTENT, skip_link
from layouts.map_figure import map_title
from layouts.print_map import print_map
from layouts.running import running_flags, with_provisional_tail
from layouts.tension_panel import record_link

# pixels of the sheet of figures, side by side within its 1001 px of text (assets/briefing.css .sheet-figures)
MAP_SIZE = (500, 600)
TREND_SIZE = (480, 300)
NUMERIC = {"int", "decimal", "share", "hours", "change", "row"}


def briefing_page(lang: str = "ru") -> html.Div:
    """The page's frame: a toolbar (hidden in print) and the sheets the callback fills."""
    return html.Div(
        className="briefing",
        lang=lang,
        children=[
            skip_link(lang),
            dcc.Location(id=ids.BRIEFING_URL, refresh=False),
            html.Nav(
                className="briefing-toolbar",
                children=[
                    html.A(t("back_to_dashboard", lang), id=ids.BRIEFING_BACK, href="/", className="back"),
                    html.Button(t("print", lang), id=ids.BRIEFING_PRINT, className="tool", n_clicks=0),
                    html.A(t("download_pdf", lang), id=ids.BRIEFING_PDF, className="tool", href="#"),
                    html.A(t("download_xlsx", lang), id=ids.BRIEFING_XLSX, className="tool", href="#"),
                    html.A(t("download_pptx", lang), id=ids.BRIEFING_PPTX, className="tool", href="#"),
                    html.Span(t("briefing_export_help", lang), className="hint"),
                ],
            ),
            html.Main(
                dcc.Loading(html.Div(id=ids.BRIEFING_BODY, className="briefing-body"), type="dot", delay_show=300),
                id=CONTENT,
                tabIndex="-1",
            ),
        ],
    )


def table_anchor(title: str) -> str:
    """The id a table carries on the page, so «Главное» can point at it."""
    return f"table-{title.replace('_', '-')}"


def headlines_block(briefing: Briefing, lang: str) -> html.Div:
    """«Главное»: the sentences, each with a link to the table its figures come from."""
    return html.Div(
        className="headlines",
        children=[
            html.H2(t("headlines_title", lang)),
            html.Ul(
                [
                    html.Li(
                        [
                            html.Span(line.text),
                            " ",
                            html.A(
                                t("headline_source", lang, table=t(line.table, lang)),
                                href=f"#{table_anchor(line.table)}",
                                className="headline-source",
                            ),
                        ]
                    )
                    for line in briefing.headlines
                ]
            ),
        ],
    )


def table(data: Table, lang: str, actions: list | None = None) -> html.Table:
    """``actions``: a component per row in a last column that is not printed (a writer's «записать поручение»)."""
    numeric = ["num" if c.kind in NUMERIC else None for c in data.columns]
    rows = data.texts(lang)
    extra_head = [html.Th(t("record_column", lang), className="screen-only")] if actions else []
    return html.Table(
        id=table_anchor(data.title),
        className="briefing-table",
        children=[
            html.Thead(
                html.Tr(
                    [html.Th(t(c.label, lang), className=cls) for c, cls in zip(data.columns, numeric, strict=True)]
                    + extra_head
                )
            ),
            html.Tbody(
                [
                    html.Tr(
                        [html.Td(text, className=cls) for text, cls in zip(row, numeric, strict=True)]
                        + ([html.Td(actions[i], className="screen-only")] if actions else [])
                    )
                    for i, row in enumerate(rows)
                ]
            ),
        ],
    )


def _graph(figure: dict, name: str, lang: str = "ru") -> dcc.Graph:
    """A fixed-size chart (so the print matches the screen) with a PNG button and nothing else."""
    return dcc.Graph(
        figure=figure,
        className="briefing-graph",
        style={"width": f"{figure['layout']['width']}px", "height": f"{figure['layout']['height']}px"},
        config={
            "displaylogo": False,
            "locale": lang,  # plotly's own words (assets/plotly-locale-ru.js)
            "responsive": False,
            "modeBarButtons": [["toImage"]],
            "toImageButtonOptions": {"format": "png", "scale": 2, "filename": name},
        },
    )


def trend_figure(
    daily: pd.DataFrame, value: str, title: str, lang: str, size: tuple[int, int], running: bool = False
) -> dict:
    """This period as a solid line, the previous one (step by step) dashed under it — where the data covers it; the
    steps that can still move dotted and hollow: a count's running day (``running``), a median's provisional steps."""
    x = [d.strftime("%Y-%m-%d") for d in daily["day"]]
    previous = daily[f"previous_{value}"]
    if value == "messages":
        moving, note = running_flags(len(x), running), "running_step"
    else:
        moving, note = daily["provisional"].tolist(), "provisional_step"
    return {
        "data": [
            *(
                []
                if previous.isna().all()
                else [
                    {
                        "type": "scatter",
                        "mode": "lines",
                        "x": x,
                        "y": previous.tolist(),
                        "name": t("previous_period", lang),
                        "line": {"color": "#8a94a3", "dash": "dash", "width": 2},
                    }
                ]
            ),
            *with_provisional_tail(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "x": x,
                    "y": daily[value].tolist(),
                    "name": t("current_period", lang),
                    "line": {"color": "#1f5fa8", "width": 3},
                    "marker": {"size": 4},
                },
                moving,
                lang,
                note,
                legend=True,
            ),
        ],
        "layout": {
            "title": {"text": title, "font": {"size": 14}, "x": 0, "xanchor": "left"},
            "width": size[0],
            "height": size[1],
            "margin": {"l": 48, "r": 10, "t": 36, "b": 36},
            "xaxis": {"tickformat": "%d.%m" if lang == "ru" else "%b %d", "showgrid": False},
            "yaxis": {"rangemode": "tozero", "gridcolor": "#e6eaf0"},
            "legend": {"orientation": "h", "x": 1, "xanchor": "right", "y": 1.12},
            "separators": ", " if lang == "ru" else ".,",
            "paper_bgcolor": "#ffffff",
            "plot_bgcolor": "#ffffff",
        },
    }


def agencies_heading(briefing: Briefing, lang: str) -> str:
    """«Ведомства с наибольшим числом сообщений: 10 из 14» — how many of how many, never a count the table lacks."""
    shown = len(briefing.agencies.rows) if briefing.agencies is not None else 0
    return t("briefing_agencies_heading", lang, shown=shown, total=max(briefing.agencies_total, shown))


# How the sheets are filled. Each part (a heading with its table) is estimated in CSS pixels as printed: measured
# in Chromium's print layout on the demo year, a heading is 40 px with its margins, a table's head at most 42 (its
# labels wrap), a row 20–21 (22 here), a tension point's row 40 (its reason wraps), a sentence of «Главное» 21
# (23). The parts are packed in order onto sheets of the A4 text height less a margin for the estimates
# (tests/test_briefing.py::test_pdf_export_fills_its_sheets_and_none_spills).
PAGE_PX = 718  # 190 mm at 96 px per inch: an A4 landscape sheet inside 10 mm margins (briefing.css @page)
ROOM_PX = PAGE_PX - 40
HEADING_PX, TABLE_HEAD_PX, ROW_PX, POINT_ROW_PX, HEADLINE_PX = 40, 42, 22, 40, 23
SHEET_HEAD_PX = 108  # title, region, period, filters, time of making


def _table_px(data: Table, row_px: int = ROW_PX) -> int:
    return HEADING_PX + TABLE_HEAD_PX + row_px * len(data.rows)


def _pack(parts: list[tuple[html.Div, int]]) -> list[list[html.Div]]:
    """The parts in their order on as few sheets as hold them: a part goes onto the current sheet while the sheet's
    estimate stays within ``ROOM_PX``, else it starts the next (a part taller than a sheet has sheets of its own:
    its table breaks across them with its head repeated)."""
    sheets: list[list[html.Div]] = []
    used = ROOM_PX + 1
    for part, height in parts:
        if used + height > ROOM_PX:
            sheets.append([])
            used = 0
        sheets[-1].append(part)
        used += height
    return sheets


def briefing_body(
    briefing: Briefing,
    region: Region,
    geometry: RegionGeometry,
    labels: list[tuple[str, float, float]],
    filters_text: str,
    metric: str,
    lang: str = "ru",
    record: bool = False,
) -> list[html.Section]:
    """The sheets; ``record``: the reader may record decisions — each point gets the link (not printed).

    The first sheet opens with «Главное», the summary and the centre's figures side by side; the tension points,
    sectors, agencies and municipalities follow in that order, as many to a sheet as fit (a quiet period's few
    points join the first sheet); the map and the trends have a sheet of their own after the points."""
    f = briefing.filters
    previous = f.previous()
    period = t(
        "briefing_period",
        lang,
        current=f"{fmt.day(f.date_from, lang)} — {fmt.day(f.date_to, lang)}",
        previous=f"{fmt.day(previous.date_from, lang)} — {fmt.day(previous.date_to, lang)}",
    )
    local = briefing.generated_at.astimezone(region.timezone)
    stamp = t("briefing_generated", lang, time=f"{fmt.day(local.date(), lang)} {local:%H:%M}")
    stem = f"{t('briefing', lang).replace(' ', '-')}-{f.date_from:%Y%m%d}-{f.date_to:%Y%m%d}"
    cells = briefing.points.rows
    actions = (
        [record_link(sector, oktmo, (f.date_from, f.date_to), lang) for sector, oktmo in zip(cells["sector_code"],
         cells["oktmo"], strict=True)]
        if record and not cells.empty
        else None
    )  # fmt: skip
    points = (
        table(briefing.points, lang, actions)
        if not briefing.points.rows.empty
        else html.P(t("briefing_no_points", lang), id=table_anchor(briefing.points.title), className="muted")
    )
    head = html.Header(
        className="sheet-head",
        children=[
            html.H1(t("briefing_title", lang)),
            html.Div(region.name_ru if lang == "ru" else region.name_en, className="sheet-region"),
            html.Div(period, className="sheet-period"),
            html.Div(f"{t('briefing_filters', lang)}: {filters_text}", className="muted"),
            html.Div(stamp, className="muted"),
        ],
    )
    summary = html.Div([html.H2(t("briefing_summary", lang)), table(briefing.summary, lang)])
    centre = (
        html.Div([html.H2(t("decisions_title", lang)), table(briefing.decisions, lang)])
        if briefing.decisions is not None
        else None
    )
    side_by_side = max(len(briefing.summary.rows), len(briefing.decisions.rows) if centre else 0)
    opening = (
        html.Div(
            [head, headlines_block(briefing, lang), html.Div([summary, centre], className="sheet-pair")],
            id="part-summary",
        ),
        SHEET_HEAD_PX
        + HEADING_PX
        + HEADLINE_PX * sum(1 + len(line.text) // 150 for line in briefing.headlines)
        + HEADING_PX
        + TABLE_HEAD_PX
        + ROW_PX * side_by_side,
    )
    tension = (
        html.Div([html.H2(t("tension_points", lang)), points], id="part-points"),
        _table_px(briefing.points, POINT_ROW_PX) if not cells.empty else HEADING_PX + ROW_PX,
    )
    later = [(html.Div([html.H2(t("briefing_sectors", lang)), table(briefing.sectors, lang)], id="part-sectors"),
              _table_px(briefing.sectors))]  # fmt: skip
    if briefing.agencies is not None:
        heading = html.H2(agencies_heading(briefing, lang))
        block = html.Div([heading, table(briefing.agencies, lang)], id="part-agencies")
        later.append((block, _table_px(briefing.agencies)))
    later.append(
        (
            html.Div(
                [html.H2(t("briefing_municipalities", lang)), table(briefing.municipalities, lang)],
                id="part-municipalities",
            ),
            _table_px(briefing.municipalities),
        )
    )
    figures = html.Section(
        className="sheet sheet-figures",
        id="sheet-figures",
        children=[
            html.Div(
                [
                    html.H2(t("briefing_map", lang, metric=map_title(briefing.heatmap, metric, lang))),
                    _graph(
                        print_map(briefing.heatmap, geometry, metric, labels, lang, size=MAP_SIZE),
                        f"{stem}-map",
                        lang,
                    ),
                ]
            ),
            html.Div(
                [
                    html.H2(t("briefing_trends", lang)),
                    _graph(
                        trend_figure(
                            briefing.daily,
                            "messages",
                            t("briefing_messages_per_day" if briefing.per_day else "briefing_messages_trend", lang),
                            lang,
                            TREND_SIZE,
                            briefing.running,
                        ),
                        f"{stem}-messages",
                        lang,
                    ),
                    _graph(
                        trend_figure(
                            briefing.daily,
                            "median_hours",
                            t("briefing_median_trend", lang),
                            lang,
                            TREND_SIZE,
                            briefing.running,
                        ),
                        f"{stem}-median",
                        lang,
                    ),
                ]
            ),
        ],
    )
    packed = _pack([opening, tension, *later])
    after = next(i for i, parts in enumerate(packed) if tension[0] in parts) + 1  # the figures follow the points
    sheets = [html.Section(parts, className="sheet") for parts in packed]
    return [*sheets[:after], figures, *sheets[after:]]
