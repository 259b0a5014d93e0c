"""The regional heat map figure: municipal polygons (no tiles needed), outline, town labels, density."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from plotly.colors import get_colorscale

from dashboard import formatting as fmt
from dashboard.i18n import t
from dashboard.metrics.small_numbers import LOW_COUNT, RANKED_BY
from dashboard.region import stale_population
from geo.figure import OUTLINE_ID, RegionGeometry

METRICS: dict[str, dict] = {
    "per_10k": {
        "ru": "На 10 000 жителей",
        "en": "Per 10,000 residents",
        "unit": {"ru": "на 10 тыс.", "en": "per 10k"},
        "scale": "YlOrRd",
    },
    "messages": {"ru": "Сообщений", "en": "Messages", "unit": {"ru": "сообщ.", "en": "messages"}, "scale": "YlOrRd"},
    "change_pct": {
        "ru": "Изменение к прошлому периоду",
        "en": "Change vs previous period",
        "unit": {"ru": "%", "en": "%"},
        "scale": "RdBu_r",
    },
    "median_first_response_hours": {
        "ru": "Медиана первого ответа",
        "en": "Median first response",
        "unit": {"ru": "ч", "en": "h"},
        "scale": "Purples",
    },
    "overdue_share": {
        "ru": "Доля просроченных",
        "en": "Overdue share",
        "unit": {"ru": "%", "en": "%"},
        "scale": "Reds",
    },
    "tension": {
        "ru": "Напряжённость",
        "en": "Tension",
        "unit": {"ru": "индекс 0–100", "en": "index 0–100"},
        "scale": "tension",
    },
}
# the tension index on a fixed 0–100 scale whose colours change at the level boundaries (30, 50, 70)
TENSION_SCALE = [
    [0.0, "#e8f5e9"],
    [0.29, "#a5d6a7"],
    [0.3, "#fff3b0"],
    [0.49, "#ffd54f"],
    [0.5, "#ffb74d"],
    [0.69, "#f57c00"],
    [0.7, "#e53935"],
    [1.0, "#8e0000"],
]
DEFAULT_METRIC = "per_10k"
TRANSPARENT = [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]]  # a fill that only carries its border line
NO_DATA_COLOUR = "#d5d9de"
# cool colours over the warm choropleth, transparent where there is nothing
DENSITY_SCALE = [
    [0.0, "rgba(33,102,172,0)"],
    [0.2, "rgba(33,102,172,0.45)"],
    [0.6, "rgba(84,39,143,0.75)"],
    [1.0, "rgba(45,0,75,0.95)"],
]


TENSION_SCALE_DARK = [  # the same boundaries on the wall's dark background; «норма» at least 3:1 against it
    [0.0, "#2f6b45"],
    [0.29, "#4a9a63"],
    [0.3, "#7d6a12"],
    [0.49, "#c9a227"],
    [0.5, "#c96a12"],
    [0.69, "#f57c00"],
    [0.7, "#d32f2f"],
    [1.0, "#ff6e6e"],
]
THEMES = {  # background, ink (labels, selection), outline, polygon borders
    "light": {
        "background": "#f7f9fb",
        "ink": "#111111",
        "outline": "#2b3440",
        "border": "#ffffff",
        "note": "#5a6675",
        "no_data": NO_DATA_COLOUR,
    },
    "dark": {
        "background": "#0b0f14",
        "ink": "#f2f5f8",
        "outline": "#c9d3dd",
        "border": "#0b0f14",
        "note": "#aab6c2",
        "no_data": "#2a323c",
    },
}


def offline_style(tile_url: str | None = None, background: str = THEMES["light"]["background"]) -> dict:
    """A MapLibre style that needs no internet: plain background, local glyphs, optional own tile server."""
    # Plotly drops empty objects when it updates a figure, and MapLibre requires "sources": keep one source
    sources: dict = {"blank": {"type": "geojson", "data": {"type": "Point", "coordinates": [0, 0]}}}
    layers: list[dict] = [{"id": "background", "type": "background", "paint": {"background-color": background}}]
    if tile_url:
        sources["tiles"] = {"type": "raster", "tiles": [tile_url], "tileSize": 256}
        layers.append({"id": "tiles", "type": "raster", "source": "tiles"})
    return {"version": 8, "sources": sources, "layers": layers}


def town_labels(municipalities: pd.DataFrame, lang: str = "ru") -> list[tuple[str, float, float]]:
    """The capital and the towns (city okrugs) with their coordinates, for labels on the map."""
    towns = municipalities[(municipalities["kind"] == "city") & municipalities["lat"].notna()]
    return [
        (str(row["name_en"] if lang == "en" and row["name_en"] else row["name"]), float(row["lon"]), float(row["lat"]))
        for _, row in towns.iterrows()
    ]


def _hover(frame: pd.DataFrame, lang: str) -> list[list[str]]:
    def absent(value) -> object:
        return None if pd.isna(value) else value

    text = HOVER_TEXT[lang]
    rows = []
    for oktmo, r in zip(frame.index, frame.to_dict("records"), strict=True):  # not iterrows: a Series a row
        rate = text["no_population"] if pd.isna(r["per_10k"]) else fmt.number(r["per_10k"], lang, 1)
        if pd.notna(r["per_10k"]) and stale_population(r.get("population_year")):
            rate += text["stale"].format(year=int(r["population_year"]))
        adjusted = r.get("per_10k_adjusted")
        if adjusted is not None and pd.notna(adjusted) and round(adjusted, 1) != round(r["per_10k"], 1):
            rate += text["adjusted"].format(value=fmt.number(adjusted, lang, 1))
        rows.append(
            [
                r["name"],
                fmt.number(r["messages"], lang),
                rate,
                fmt.change(absent(r["change_pct"]), lang),
                fmt.hours(absent(r["median_first_response_hours"]), lang),
                fmt.share(absent(r["overdue_share"]), lang),
                str(oktmo),
            ]
        )
    return rows


HOVER_TEXT = {
    "ru": {
        "template": "<b>%{customdata[0]}</b><br>Сообщений: %{customdata[1]}<br>На 10 000 жителей: %{customdata[2]}"
        "<br>К прошлому периоду: %{customdata[3]}<br>Медиана ответа: %{customdata[4]}"
        "<br>Просрочено из поступивших: %{customdata[5]}<extra></extra>",
        "no_population": "нет данных о населении",
        "stale": " (численность {year} г. — приблизительно)",
        "adjusted": " (с поправкой на малые числа: {value})",
        "low_count": "<br><i>Мало сообщений (меньше {count}): показатели сглажены к региону</i>",
        "low_count_note": "Бледнее — мало сообщений (меньше {count}): доли и частоты сглажены к региону",
        "no_data": "нет данных",
        "density": "плотность",
        "density_sample": "Плотность — по выборке: каждое {rate}-е сообщение с координатами",
        "not_covered": "Данные начинаются позже начала предыдущего периода: изменение не вычисляется",
    },
    "en": {
        "template": "<b>%{customdata[0]}</b><br>Messages: %{customdata[1]}<br>Per 10,000 residents: %{customdata[2]}"
        "<br>Vs previous period: %{customdata[3]}<br>Median response: %{customdata[4]}"
        "<br>Overdue, of the period's: %{customdata[5]}<extra></extra>",
        "no_population": "no population figure",
        "stale": " (population of {year}: approximate)",
        "adjusted": " (adjusted for small numbers: {value})",
        "low_count": "<br><i>Few messages (under {count}): figures drawn toward the region</i>",
        "low_count_note": "Paler: few messages (under {count}); shares and rates drawn toward the region",
        "no_data": "no data",
        "density": "density",
        "density_sample": "Density from a sample: every {rate}th message with coordinates",
        "not_covered": "The data begins after the previous period began: no change is computed",
    },
}


def shown_column(frame: pd.DataFrame, metric: str) -> str:
    """The column a metric is coloured and ranked by: its shrunk version where the frame has one."""
    adjusted = RANKED_BY.get(metric)
    return adjusted if adjusted in frame else metric


def map_title(frame: pd.DataFrame, metric: str, lang: str) -> str:
    """The metric as a map of ``frame`` shows it: «На 10 000 жителей (с поправкой на малые числа)» where it colours
    by the shrunk value — as the page's ranking names it."""
    name = METRICS[metric][lang]
    return f"{name} ({t('adjusted', lang)})" if shown_column(frame, metric) != metric else name


def colour_range(values: pd.Series, metric: str) -> tuple[float, float]:
    """The colour scale's ends: tension 0–100, change symmetric around zero (±10…±300 %), otherwise the data's
    range — from zero when the values are all alike (one region with data), not ticks «180, 180, 180»."""
    present = pd.Series(values, dtype=float).dropna()
    if metric == "tension":
        return 0.0, 100.0
    if metric == "change_pct":
        bound = float(present.abs().max()) if not present.empty else 100.0
        bound = min(max(bound, 10.0), 300.0)
        return -bound, bound
    if present.empty:
        return 0.0, 1.0
    low, high = float(present.min()), float(present.max())
    if high - low < 0.05 * max(abs(high), 1.0):
        return min(0.0, low), high if high > 0 else 1.0
    return low, high


def text_alternative(
    metric: str, lang: str, names: Sequence[str] | None = None, values: Sequence[float | None] | None = None
) -> dict:
    """What a screen reader is given for a map (``layout.meta.a11y``, read by assets/a11y.js): a row per
    municipality — its name and the value the map colours it by, none where it has no data — highest first.

    With ``names`` and ``values`` the rows are here; without, the browser reads them off the traces marked
    ``meta: "a11y"`` (name: ``customdata[0]``, value: ``z``) and ``"a11y-none"`` (no data): the interactive maps
    carry each name once, in their hover data, not twice."""
    spec = METRICS[metric]
    said = {"kind": "map", "columns": [t("municipality", lang), f"{spec[lang]}, {spec['unit'][lang]}"]}
    if names is None or values is None:
        return said
    value = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce")
    shown = pd.DataFrame({"name": [str(n) for n in names], "value": value})
    shown = shown.sort_values("value", ascending=False, na_position="last")
    rows = [[name, None if pd.isna(value) else round(float(value), 1)] for name, value in shown.itertuples(False)]
    return {**said, "rows": rows}


def map_figure(
    frame: pd.DataFrame,
    geometry: RegionGeometry,
    metric: str = DEFAULT_METRIC,
    density: pd.DataFrame | None = None,
    selected: str | None = None,
    labels: list[tuple[str, float, float]] | None = None,
    attribution: str = "",
    tile_url: str | None = None,
    lang: str = "ru",
    size: tuple[int, int] = (1000, 640),
    theme: str = "light",
    type_scale: float | None = None,
) -> dict:
    """Choropleth of ``frame`` (one row per municipality, index OKTMO) coloured by ``metric`` — by its shrunk value
    where small numbers are shrunk (``small_numbers.RANKED_BY``), places with few messages (``low_count``) paler.

    ``type_scale`` multiplies the map's type (labels, legend); by default ×1.7 on maps 1800 px wide or more.

    Returns a plain figure dict (plotly's validation of every property is not needed here). The shapes are not
    in it: its traces name their URL (``RegionGeometry.url``), which the browser fetches once per page.
    """
    spec = METRICS[metric]
    big = type_scale or (1.7 if size[0] >= 1800 else 1.0)  # 4K: the page zooms its other panels alike
    values = frame[shown_column(frame, metric)].astype(float)
    if metric == "overdue_share":
        values = values * 100
    custom = _hover(frame, lang)
    has = values.notna().to_numpy()
    few = np.zeros(len(frame), dtype=bool)
    if "low_count" in frame and metric not in ("tension", "messages"):  # a count is small honestly; a rate is not
        few = frame["low_count"].to_numpy(dtype=bool)
    colours = THEMES[theme]
    line = {"color": colours["border"], "width": 1}
    features = geometry.url("features")  # every trace draws its ``locations`` of the shapes the browser holds
    traces: list[dict] = []
    if (~has).any():
        missing = [str(k) for k in frame.index[~has]]
        traces.append(
            {
                "type": "choroplethmap",
                "geojson": features,
                "locations": missing,
                "z": [0] * len(missing),
                "colorscale": [[0, colours["no_data"]], [1, colours["no_data"]]],
                "showscale": False,
                "customdata": [c for c, h in zip(custom, has, strict=True) if not h],
                "hovertemplate": HOVER_TEXT[lang]["template"],
                "marker": {"line": line},
                "name": HOVER_TEXT[lang]["no_data"],
                "meta": "a11y-none",
            }
        )
    solid = has & ~few
    present = [str(k) for k in frame.index[solid]]
    opacity = 0.55 if density is not None else 0.9
    coloured = {
        "type": "choroplethmap",
        "geojson": features,
        "locations": present,
        "z": [round(float(v), 3) for v in values[solid]],
        "customdata": [c for c, h in zip(custom, solid, strict=True) if h],
        "hovertemplate": HOVER_TEXT[lang]["template"],
        "marker": {"line": line, "opacity": opacity},
        # resolved here: plotly.js's own "YlOrRd" runs the other way
        "colorscale": (TENSION_SCALE if theme == "light" else TENSION_SCALE_DARK)
        if metric == "tension"
        else get_colorscale(spec["scale"]),
        "colorbar": {
            "title": {
                "text": f"{spec[lang]}<br>({spec['unit'][lang]})",
                "side": "top",
                "font": {"size": round(13 * big)},
            },
            "thickness": round(14 * big),
            "len": 0.8,
            "tickfont": {"size": round(12 * big)},
            "tickformat": ",.0f" if metric == "tension" or not has.any() or np.nanmax(np.abs(values)) >= 20 else ",.1f",
        },
        "name": spec[lang],
        "meta": "a11y",  # its places and values are the map's table for screen readers (``text_alternative``)
    }
    low, high = colour_range(values, metric)
    coloured.update(zmin=low, zmax=high, **({"zmid": 0} if metric == "change_pct" else {}))
    if (has & few).any():  # the same scale, paler: a figure on few messages is not news
        faded = [str(k) for k in frame.index[has & few]]
        note = HOVER_TEXT[lang]["low_count"].format(count=LOW_COUNT)
        traces.append(
            {
                **{k: v for k, v in coloured.items() if k != "colorbar"},
                "locations": faded,
                "z": [round(float(v), 3) for v in values[has & few]],
                "customdata": [c for c, h in zip(custom, has & few, strict=True) if h],
                "hovertemplate": HOVER_TEXT[lang]["template"].replace("<extra>", note + "<extra>"),
                "marker": {"line": line, "opacity": opacity * 0.4},
                "showscale": False,
                "name": HOVER_TEXT[lang]["low_count_note"].format(count=LOW_COUNT),
            }
        )
    traces.append(coloured)
    if selected and selected in frame.index:
        traces.append(
            {
                "type": "choroplethmap",
                "geojson": features,
                "locations": [selected],
                "z": [0],
                "colorscale": TRANSPARENT,
                "showscale": False,
                "hoverinfo": "skip",
                "marker": {"line": {"color": colours["ink"], "width": 3}},
            }
        )
    if density is not None and len(density):
        traces.append(
            {
                "type": "densitymap",
                "lat": density["lat"].round(5).tolist(),
                "lon": density["lon"].round(5).tolist(),
                "z": density["count"].tolist(),
                "radius": 14,
                "colorscale": DENSITY_SCALE,
                "showscale": False,
                "hoverinfo": "skip",
                "opacity": 0.75,
                "name": HOVER_TEXT[lang]["density"],
            }
        )
    traces.append(
        {
            "type": "choroplethmap",
            "geojson": geometry.url("outline"),
            "locations": [OUTLINE_ID],
            "z": [0],
            "colorscale": TRANSPARENT,
            "showscale": False,
            "hoverinfo": "skip",
            "marker": {"line": {"color": colours["outline"], "width": 2}},
            "showlegend": False,
        }
    )
    if labels:
        traces.append(
            {
                "type": "scattermap",
                "lon": [lon for _, lon, _ in labels],
                "lat": [lat for _, _, lat in labels],
                "mode": "markers+text",
                "marker": {"size": round(6 * big), "color": colours["ink"]},
                "text": [name for name, _, _ in labels],
                "textposition": "top center",
                "textfont": {"size": round(13 * big), "color": colours["ink"], "weight": 600},
                "hoverinfo": "skip",
                "showlegend": False,
            }
        )
    centre, zoom = geometry.view(*size)
    layout = {
        "map": {"style": offline_style(tile_url, colours["background"]), "center": centre, "zoom": zoom},
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "autosize": True,
        "separators": ", " if lang == "ru" else ".,",
        "showlegend": False,
        "hoverlabel": {"font": {"size": round(13 * big)}},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "font": {"color": colours["ink"]},
        "annotations": [
            {
                "text": attribution,
                "showarrow": False,
                "xref": "paper",
                "yref": "paper",
                "x": 1,
                "y": 0,
                "xanchor": "right",
                "yanchor": "bottom",
                "font": {"size": round(10 * big), "color": colours["note"]},
                "bgcolor": "rgba(255,255,255,0.7)" if theme == "light" else "rgba(0,0,0,0.5)",
            }
        ],
        "uirevision": "map",
        "meta": {"a11y": text_alternative(metric, lang)},  # its rows: the traces marked "a11y"
    }
    notes = []
    if metric == "change_pct" and frame.attrs.get("previous_covered") is False:  # why the map is all grey
        notes.append(HOVER_TEXT[lang]["not_covered"])
    if (has & few).any():
        notes.append(HOVER_TEXT[lang]["low_count_note"].format(count=LOW_COUNT))
    sample = density.attrs.get("sample", 1) if density is not None else 1
    if sample > 1:  # the layer is binned from a sample (queries.sample_rate): say so where the reader looks
        notes.append(HOVER_TEXT[lang]["density_sample"].format(rate=sample))
    if notes:  # top left: the page's «grey: no data» note sits at the bottom left
        layout["annotations"].append(
            {
                **layout["annotations"][0],
                "text": "<br>".join(notes),
                "align": "left",
                "x": 0,
                "y": 1,
                "xanchor": "left",
                "yanchor": "top",
                "font": {"size": round(11 * big), "color": colours["ink"]},
            }
        )
    return {"data": traces, "layout": layout}
