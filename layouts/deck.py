"""The briefing as a PowerPoint deck (16:9) that opens in PowerPoint and LibreOffice Impress.

Slides: title, «Главное», the map, the KPIs (and the centre's figures), the tension points, the trends, the sectors
and the agencies. Everything is native and editable: tables as tables, trends and sectors as charts the deck's user
can restyle, and the map as one vector shape per municipality with its colour, a legend and town labels placed so
they never cover each other (``layouts.label_placement``). The figures are the briefing's (dashboard/reports/
briefing.py): the same tables as the page, the PDF and the workbook.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable

import pandas as pd
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.enum.shapes import MSO_CONNECTOR, MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from dashboard import formatting as fmt
from dashboard.i18n import t
from dashboard.region import Region
from dashboard.reports.briefing import Briefing, Table
from geo.figure import RegionGeometry
from layouts.briefing import NUMERIC, agencies_heading
from layouts.label_placement import place
from layouts.map_figure import METRICS, NO_DATA_COLOUR, map_title
from layouts.print_map import fill_colours

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
INK = RGBColor(0x1B, 0x24, 0x30)
MUTED = RGBColor(0x5B, 0x66, 0x75)
ACCENT = RGBColor(0x1F, 0x5F, 0xA8)
PREVIOUS = RGBColor(0x8A, 0x94, 0xA3)
HEADER_FILL = RGBColor(0xE9, 0xEE, 0xF5)
FONT = "Arial"  # Liberation Sans in LibreOffice: Cyrillic in both
TABLE_ROWS = 15  # a table slide's rows at most; the rest is in the workbook


def _rgb(colour: str) -> RGBColor:
    """«rgb(12, 34, 56)» or «#0c2238» → RGBColor."""
    if colour.startswith("#"):
        return RGBColor.from_string(colour[1:].upper())
    r, g, b = (int(float(v)) for v in re.findall(r"[\d.]+", colour)[:3])
    return RGBColor(r, g, b)


def _plain(shape):
    """No theme style under the shape (LibreOffice draws the theme's shadow even under an empty effect list):
    only its own fill and line."""
    style = shape._element.find(qn("p:style"))
    if style is not None:
        shape._element.remove(style)
    return shape


def _text(slide, text: str, left, top, width, height, size: int = 14, bold: bool = False, colour=INK,
          align=PP_ALIGN.LEFT):  # fmt: skip
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    paragraph = frame.paragraphs[0]
    paragraph.alignment = align
    run = paragraph.add_run()
    run.text = text
    run.font.size, run.font.bold, run.font.name = Pt(size), bold, FONT
    run.font.color.rgb = colour
    return box


def _slide(deck, title: str, note: str | None = None):
    slide = deck.slides.add_slide(deck.slide_layouts[6])  # blank
    _text(slide, title, MARGIN, Inches(0.3), WIDTH - 2 * MARGIN, Inches(0.7), size=26, bold=True)
    if note:
        _text(slide, note, MARGIN, HEIGHT - Inches(0.45), WIDTH - 2 * MARGIN, Inches(0.3), size=10, colour=MUTED)
    return slide


def _table(slide, data: Table, lang: str, left, top, width, rows: int = TABLE_ROWS, size: int = 11) -> None:
    texts = data.texts(lang)[:rows]
    numeric = [c.kind in NUMERIC for c in data.columns]
    shape = slide.shapes.add_table(len(texts) + 1, len(data.columns), left, top, width, Inches(0.3) * (len(texts) + 1))
    table = shape.table
    table.first_row = True
    # each column as wide as its longest cell asks, never narrower than its header's longest word (a header wraps
    # between words, not inside one), within the given width
    wants = [
        min(max(max((len(r[i]) for r in texts), default=0), *(len(w) for w in t(spec.label, lang).split()),
                9 if right else 6) + 1, 30)
        for i, (spec, right) in enumerate(zip(data.columns, numeric, strict=True))
    ]  # fmt: skip
    for i, want in enumerate(wants):
        table.columns[i].width = int(width * want / sum(wants))
    for column, (spec, right) in enumerate(zip(data.columns, numeric, strict=True)):
        for row, value in enumerate([t(spec.label, lang), *(r[column] for r in texts)]):
            cell = table.cell(row, column)
            cell.text = value
            cell.margin_left = cell.margin_right = Inches(0.05)
            cell.vertical_anchor = MSO_ANCHOR.MIDDLE
            cell.fill.solid()
            cell.fill.fore_color.rgb = HEADER_FILL if row == 0 else RGBColor(0xFF, 0xFF, 0xFF)
            paragraph = cell.text_frame.paragraphs[0]
            paragraph.alignment = PP_ALIGN.RIGHT if right and row else PP_ALIGN.LEFT
            for run in paragraph.runs:
                run.font.size, run.font.name, run.font.bold = Pt(size), FONT, row == 0
                run.font.color.rgb = INK


def _title_slide(deck, briefing: Briefing, region: Region, filters_text: str, lang: str) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[6])
    f, previous = briefing.filters, briefing.filters.previous()
    local = briefing.generated_at.astimezone(region.timezone)
    _text(slide, t("briefing_title", lang), MARGIN, Inches(2.0), WIDTH - 2 * MARGIN, Inches(1.0), 40, True, ACCENT)
    lines = [
        (region.name_ru if lang == "ru" else region.name_en, 24, True),
        (
            t(
                "briefing_period",
                lang,
                current=f"{fmt.day(f.date_from, lang)} — {fmt.day(f.date_to, lang)}",
                previous=f"{fmt.day(previous.date_from, lang)} — {fmt.day(previous.date_to, lang)}",
            ),
            18,
            False,
        ),
        (f"{t('briefing_filters', lang)}: {filters_text}", 14, False),
        (t("briefing_generated", lang, time=f"{fmt.day(local.date(), lang)} {local:%H:%M}"), 14, False),
    ]
    top = Inches(3.1)
    for text, size, bold in lines:
        _text(slide, text, MARGIN, top, WIDTH - 2 * MARGIN, Inches(0.5), size, bold, INK if bold else MUTED)
        top += Inches(0.55)


def _headlines_slide(deck, briefing: Briefing, lang: str) -> None:
    slide = _slide(deck, t("headlines_title", lang))
    box = slide.shapes.add_textbox(MARGIN, Inches(1.2), WIDTH - 2 * MARGIN, HEIGHT - Inches(1.8))
    frame = box.text_frame
    frame.word_wrap = True
    for number, line in enumerate(briefing.headlines):
        paragraph = frame.paragraphs[0] if number == 0 else frame.add_paragraph()
        paragraph.space_after = Pt(12)
        run = paragraph.add_run()
        run.text = f"• {line.text} "
        run.font.size, run.font.name = Pt(20), FONT
        run.font.color.rgb = INK
        source = paragraph.add_run()
        source.text = t("headline_source", lang, table=t(line.table, lang))
        source.font.size, source.font.name = Pt(12), FONT
        source.font.color.rgb = MUTED


def _projection(geometry: RegionGeometry, left: int, top: int, width: int, height: int):
    """lon/lat → EMU inside the box, north up, a degree of latitude 1/cos(lat) times a degree of longitude."""
    minx, miny, maxx, maxy = geometry.bounds
    stretch = 1 / math.cos(math.radians((miny + maxy) / 2))
    span_x, span_y = maxx - minx, (maxy - miny) * stretch
    scale = min(width / span_x, height / span_y)
    offset_x = left + (width - span_x * scale) / 2
    offset_y = top + (height - span_y * scale) / 2

    def at(lon: float, lat: float) -> tuple[int, int]:
        return int(offset_x + (lon - minx) * scale), int(offset_y + (maxy - lat) * stretch * scale)

    return at


def _rings(geometry: dict) -> Iterable[list]:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return (polygon[0] for polygon in polygons)


def _map_slide(deck, briefing: Briefing, geometry: RegionGeometry, labels, metric: str, lang: str) -> None:
    spec = METRICS[metric]
    title = t("briefing_map", lang, metric=map_title(briefing.heatmap, metric, lang))
    slide = _slide(deck, title, t("attribution", lang))
    box = (MARGIN, Inches(1.1), Inches(8.2), HEIGHT - Inches(1.7))
    at = _projection(geometry, *box)
    fills = fill_colours(briefing.heatmap, metric)
    for index in geometry.largest_first:  # the small ones over the big ones that surround them
        feature = geometry.geojson["features"][index]
        colour = _rgb(fills.colours.get(str(feature["id"]), NO_DATA_COLOUR))
        for ring in _rings(feature["geometry"]):
            points = [at(lon, lat) for lon, lat in ring]
            builder = slide.shapes.build_freeform(*points[0])
            builder.add_line_segments(points[1:], close=True)
            shape = _plain(builder.convert_to_shape())
            shape.fill.solid()
            shape.fill.fore_color.rgb = colour
            shape.line.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
            shape.line.width = Pt(0.75)
            shape.name = str(feature["id"])
    _town_labels(slide, labels, at, box)
    named = f"{map_title(briefing.heatmap, metric, lang)}, {spec['unit'][lang]}"
    _legend(slide, fills, named, metric, lang, left=MARGIN + Inches(8.5), top=Inches(1.3))
    ranked = briefing.municipalities
    top = Table(ranked.title, tuple(c for c in ranked.columns if c.key in ("name", "messages", "per_10k_adjusted",
                "tension")), ranked.rows)  # fmt: skip
    _table(slide, top, lang, MARGIN + Inches(8.5), Inches(3.2), Inches(3.8), rows=8, size=10)


def _town_labels(slide, labels, at, frame_box) -> None:
    """Each town's point and its name on a white plate that reads on every fill, placed clear of the others."""
    size = Pt(11)
    height = int(size * 1.6)
    wanted = []
    for name, lon, lat in labels:
        x, y = at(lon, lat)
        wanted.append((name, x, y, int(len(name) * size * 0.58 + Pt(8)), height))
    left, top, width, height_box = frame_box
    for placed in place(wanted, (left, top, left + width, top + height_box), gap=Pt(4)):
        x, y = placed.point
        if placed.leader:
            bx = min(max(x, placed.box[0]), placed.box[2])
            by = min(max(y, placed.box[1]), placed.box[3])
            line = _plain(slide.shapes.add_connector(MSO_CONNECTOR.STRAIGHT, x, y, int(bx), int(by)))
            line.line.color.rgb = INK
            line.line.width = Pt(0.75)
        dot = _plain(slide.shapes.add_shape(MSO_SHAPE.OVAL, x - Pt(3), y - Pt(3), Pt(6), Pt(6)))
        dot.fill.solid()
        dot.fill.fore_color.rgb = INK
        dot.line.fill.background()
        l0, t0, r0, b0 = (int(v) for v in placed.box)
        plate = _text(slide, placed.name, l0, t0, r0 - l0, b0 - t0, size=11, bold=True, align=PP_ALIGN.CENTER)
        plate.fill.solid()
        plate.fill.fore_color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        frame = plate.text_frame
        frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = Emu(0)
        frame.vertical_anchor = MSO_ANCHOR.MIDDLE
        plate.name = f"label: {placed.name}"


def _legend(slide, fills, named: str, metric: str, lang: str, left, top) -> None:
    """The map's scale under its name (two lines' room: «… (с поправкой на малые числа), на 10 тыс.»)."""
    _text(slide, named, left, top, Inches(3.8), Inches(0.6), 12, True)
    steps = 5
    digits = 0 if metric == "tension" or abs(fills.high) >= 20 else 1
    swatch = Inches(0.7)
    for i in range(steps):
        value = fills.low + (fills.high - fills.low) * i / (steps - 1)
        x = left + swatch * i
        shape = _plain(slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, x, top + Inches(0.65), swatch, Inches(0.3)))
        shape.fill.solid()
        shape.fill.fore_color.rgb = _rgb(fills.colour_at(value))
        shape.line.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        _text(slide, fmt.number(value, lang, digits), x, top + Inches(0.98), swatch, Inches(0.3), 10,
              align=PP_ALIGN.CENTER)  # fmt: skip
    none = _plain(slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, left, top + Inches(1.4), Inches(0.3), Inches(0.3)))
    none.fill.solid()
    none.fill.fore_color.rgb = _rgb(NO_DATA_COLOUR)
    none.line.fill.background()
    missing = t("no_population_legend" if metric == "per_10k" else "no_data", lang)
    _text(slide, missing, left + Inches(0.4), top + Inches(1.4), Inches(3), Inches(0.3), 10)


def _values(series: pd.Series) -> list[float | None]:
    """A chart series' values: numbers, and None where there is none (a gap, not a zero)."""
    return [None if pd.isna(v) else float(v) for v in series]


def _legend_and_ticks(chart, legend: int, ticks: int) -> None:
    """The legend under the plot, and the type of the legend and both axes' ticks (points)."""
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    chart.legend.font.size = Pt(legend)
    chart.category_axis.tick_labels.font.size = Pt(ticks)
    chart.value_axis.tick_labels.font.size = Pt(ticks)


def _line_chart(slide, daily: pd.DataFrame, value: str, title: str, lang: str, left, top, width, height) -> None:
    data = CategoryChartData()
    data.categories = [fmt.day(d, lang)[:5] if lang == "ru" else f"{d:%m-%d}" for d in daily["day"]]
    data.add_series(t("current_period", lang), _values(daily[value]))
    previous = daily[f"previous_{value}"]
    if not previous.isna().all():
        data.add_series(t("previous_period", lang), _values(previous))
    chart = slide.shapes.add_chart(XL_CHART_TYPE.LINE, left, top, width, height, data).chart
    chart.has_title = True
    chart.chart_title.text_frame.text = title
    chart.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(14)
    _legend_and_ticks(chart, legend=11, ticks=10)
    chart.value_axis.minimum_scale = 0
    chart.value_axis.has_major_gridlines = True
    chart.value_axis.major_gridlines.format.line.color.rgb = RGBColor(0xE6, 0xEA, 0xF0)
    chart.value_axis.tick_labels.number_format = "#,##0" if value == "messages" else "0.0"
    chart.value_axis.tick_labels.number_format_is_linked = False
    for series, colour in zip(chart.plots[0].series, (ACCENT, PREVIOUS), strict=False):
        series.smooth = False
        series.format.line.color.rgb = colour
        series.format.line.width = Pt(2.5 if colour == ACCENT else 1.75)
        series.marker.style = XL_MARKER_STYLE.NONE


def _trends_slide(deck, briefing: Briefing, lang: str) -> None:
    note = t("deck_running_note", lang) if briefing.running else None
    slide = _slide(deck, t("briefing_trends", lang), note)
    half = (WIDTH - 2 * MARGIN - Inches(0.3)) / 2
    title = t("briefing_messages_per_day" if briefing.per_day else "briefing_messages_trend", lang)
    _line_chart(slide, briefing.daily, "messages", title, lang, MARGIN, Inches(1.2), half, Inches(5.5))
    _line_chart(slide, briefing.daily, "median_hours", t("briefing_median_trend", lang), lang,
                MARGIN + half + Inches(0.3), Inches(1.2), half, Inches(5.5))  # fmt: skip


def _sectors_chart_slide(deck, briefing: Briefing, lang: str) -> None:
    rows = briefing.sectors.rows.sort_values("messages")
    slide = _slide(deck, t("briefing_sectors", lang))
    if rows.empty:  # a period without messages: a chart needs categories
        _text(slide, t("no_data", lang), MARGIN, Inches(1.4), WIDTH - 2 * MARGIN, Inches(0.5), 18, colour=MUTED)
        return
    data = CategoryChartData()
    data.categories = rows["sector"].tolist()
    data.add_series(t("current_period", lang), [float(v) for v in rows["messages"]])
    if rows["previous"].notna().any():
        data.add_series(t("previous_period", lang), _values(rows["previous"]))
    chart = slide.shapes.add_chart(
        XL_CHART_TYPE.BAR_CLUSTERED, MARGIN, Inches(1.2), WIDTH - 2 * MARGIN, Inches(5.7), data
    ).chart
    _legend_and_ticks(chart, legend=12, ticks=12)
    chart.value_axis.tick_labels.number_format = "#,##0"
    chart.value_axis.tick_labels.number_format_is_linked = False
    plot = chart.plots[0]
    plot.gap_width = 60
    plot.has_data_labels = True
    plot.data_labels.font.size = Pt(10)
    plot.data_labels.number_format = "#,##0"
    plot.data_labels.number_format_is_linked = False
    for series, colour in zip(plot.series, (ACCENT, PREVIOUS), strict=False):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = colour


def deck(
    briefing: Briefing,
    region: Region,
    geometry: RegionGeometry,
    labels: list[tuple[str, float, float]],
    filters_text: str,
    metric: str = "per_10k",
    lang: str = "ru",
) -> bytes:
    """The deck's bytes (``.pptx``)."""
    presentation = Presentation()
    presentation.slide_width, presentation.slide_height = WIDTH, HEIGHT
    region_name = region.name_ru if lang == "ru" else region.name_en
    presentation.core_properties.title = f"{t('briefing_title', lang)} · {region_name}"
    presentation.core_properties.language = "ru-RU" if lang == "ru" else "en-GB"
    full = WIDTH - 2 * MARGIN
    _title_slide(presentation, briefing, region, filters_text, lang)
    if briefing.headlines:
        _headlines_slide(presentation, briefing, lang)
    _map_slide(presentation, briefing, geometry, labels, metric, lang)
    slide = _slide(presentation, t("briefing_summary", lang))
    if briefing.decisions is not None:
        _table(slide, briefing.summary, lang, MARGIN, Inches(1.2), Inches(7.0), size=12)
        _text(slide, t("decisions_title", lang), MARGIN + Inches(7.4), Inches(1.2), Inches(4.9), Inches(0.4), 14, True)
        _table(slide, briefing.decisions, lang, MARGIN + Inches(7.4), Inches(1.7), Inches(4.9), size=11)
    else:
        _table(slide, briefing.summary, lang, MARGIN, Inches(1.2), Inches(8.0), size=12)
    slide = _slide(presentation, t("tension_points", lang))
    if briefing.points.rows.empty:
        _text(slide, t("briefing_no_points", lang), MARGIN, Inches(1.4), full, Inches(0.5), 18, colour=MUTED)
    else:
        _table(slide, briefing.points, lang, MARGIN, Inches(1.1), full, size=10)
    _trends_slide(presentation, briefing, lang)
    _sectors_chart_slide(presentation, briefing, lang)
    slide = _slide(presentation, t("briefing_sectors", lang))
    _table(slide, briefing.sectors, lang, MARGIN, Inches(1.1), full, size=11)
    if briefing.agencies is not None and not briefing.agencies.rows.empty:
        slide = _slide(presentation, agencies_heading(briefing, lang))
        _table(slide, briefing.agencies, lang, MARGIN, Inches(1.1), full, size=11)
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()
