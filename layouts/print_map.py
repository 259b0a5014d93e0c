"""A print map: the municipalities as filled SVG polygons on plain axes.

The dashboard's map is drawn by MapLibre in WebGL, which prints blank and needs a live browser. The briefing
uses this one instead: vector shapes that print sharply, export to PNG from the chart's own button and need
nothing from outside. Colours and their ranges follow the dashboard's map (``layouts.map_figure``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from plotly.colors import get_colorscale, hex_to_rgb, sample_colorscale

from dashboard import formatting as fmt
from geo.figure import RegionGeometry
from layouts.map_figure import METRICS, NO_DATA_COLOUR, TENSION_SCALE, colour_range


def _rgb_scale(scale: list) -> list:
    """A colour scale with every colour as ``rgb(…)`` (what ``sample_colorscale`` interpolates)."""
    return [[pos, f"rgb{hex_to_rgb(c)}" if c.startswith("#") else c] for pos, c in scale]


def _rings(geometry: dict) -> tuple[list[float | None], list[float | None]]:
    """Outer rings of a (multi)polygon as one path with gaps; inner rings are covered by the smaller
    municipalities drawn on top."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    xs: list[float | None] = []
    ys: list[float | None] = []
    for polygon in polygons:
        ring = polygon[0]
        xs += [p[0] for p in ring] + [None]
        ys += [p[1] for p in ring] + [None]
    return xs, ys


@dataclass(frozen=True)
class Fills:
    """Each municipality's colour for one metric, as the dashboard's map colours it."""

    low: float
    high: float
    scale: list  # [[position, "rgb(…)"], …]
    values: dict[str, float]  # oktmo → value, where known
    colours: dict[str, str]  # oktmo → "rgb(r, g, b)", where known (the rest: NO_DATA_COLOUR)

    def colour_at(self, value: float) -> str:
        position = (value - self.low) / ((self.high - self.low) or 1.0)
        return sample_colorscale(self.scale, [min(max(position, 0.0), 1.0)])[0]


def fill_colours(frame: pd.DataFrame, metric: str) -> Fills:
    """``frame``: one row per municipality (index OKTMO) with the metric's column."""
    scale = _rgb_scale(TENSION_SCALE if metric == "tension" else get_colorscale(METRICS[metric]["scale"]))
    values = pd.to_numeric(frame[metric], errors="coerce") if metric in frame else pd.Series(dtype=float)
    low, high = colour_range(values, metric)
    known = {str(code): float(value) for code, value in values.dropna().items()}
    positions = [min(max((value - low) / ((high - low) or 1.0), 0.0), 1.0) for value in known.values()]
    # every colour in one call: sample_colorscale validates the whole scale each time it is called
    colours = dict(zip(known, sample_colorscale(scale, positions) if positions else [], strict=True))
    return Fills(low, high, scale, known, colours)


def print_map(
    frame: pd.DataFrame,
    geometry: RegionGeometry,
    metric: str = "per_10k",
    labels: list[tuple[str, float, float]] | None = None,
    lang: str = "ru",
    size: tuple[int, int] = (520, 560),
) -> dict:
    """``frame``: one row per municipality (index OKTMO) with ``name`` and the metric's column."""
    spec = METRICS[metric]
    fills = fill_colours(frame, metric)
    low, high, scale, known_values, colour_of = fills.low, fills.high, fills.scale, fills.values, fills.colours
    features = [geometry.geojson["features"][i] for i in geometry.largest_first]
    traces: list[dict] = []
    for feature in features:
        oktmo = str(feature["id"])
        value = known_values.get(oktmo)
        colour = colour_of.get(oktmo, NO_DATA_COLOUR)
        name = frame["name"].get(oktmo, oktmo) if "name" in frame else oktmo
        xs, ys = _rings(feature["geometry"])
        shown = fmt.number(value, lang, 0 if metric == "tension" else 1) if value is not None else "—"
        traces.append(
            {
                "type": "scatter",
                "x": xs,
                "y": ys,
                "mode": "lines",
                "fill": "toself",
                "fillcolor": colour,
                "line": {"color": "#ffffff", "width": 0.8},
                "hoveron": "fills",
                "hoverinfo": "text",
                "text": f"{name}: {shown}",
                "showlegend": False,
            }
        )
    traces.append(
        {
            "type": "scatter",
            "x": list(geometry.outline_lon),
            "y": list(geometry.outline_lat),
            "mode": "lines",
            "line": {"color": "#1b2430", "width": 1.4},
            "hoverinfo": "skip",
            "showlegend": False,
        }
    )
    if labels:
        traces.append(
            {
                "type": "scatter",
                "x": [lon for _, lon, _ in labels],
                "y": [lat for _, _, lat in labels],
                "text": [name for name, _, _ in labels],
                "mode": "markers+text",
                "textposition": "top center",
                "marker": {"size": 5, "color": "#1b2430"},
                "textfont": {"size": 12, "color": "#1b2430"},
                "hoverinfo": "skip",
                "showlegend": False,
            }
        )
    traces.append(  # carries the colour bar: one invisible point
        {
            "type": "scatter",
            "x": [geometry.bounds[0]],
            "y": [geometry.bounds[1]],
            "mode": "markers",
            "marker": {
                "size": 0.1,
                "opacity": 0,
                "color": [low],
                "cmin": low,
                "cmax": high,
                "colorscale": scale,
                "showscale": True,
                "colorbar": {
                    "title": {"text": f"{spec[lang]}<br>({spec['unit'][lang]})", "side": "top", "font": {"size": 12}},
                    "thickness": 12,
                    "len": 0.7,
                    "tickformat": ",.0f" if metric == "tension" or abs(high) >= 20 else ",.1f",
                },
            },
            "hoverinfo": "skip",
            "showlegend": False,
        }
    )
    mid_lat = (geometry.bounds[1] + geometry.bounds[3]) / 2
    axis = {"visible": False, "showgrid": False, "zeroline": False, "fixedrange": True}
    return {
        "data": traces,
        "layout": {
            "width": size[0],
            "height": size[1],
            "margin": {"l": 4, "r": 4, "t": 4, "b": 4},
            "xaxis": {**axis, "constrain": "domain"},
            # a degree of latitude is 1/cos(latitude) times longer on the ground than one of longitude
            "yaxis": {**axis, "scaleanchor": "x", "scaleratio": 1 / math.cos(math.radians(mid_lat))},
            "paper_bgcolor": "#ffffff",
            "plot_bgcolor": "#ffffff",
            "separators": ", " if lang == "ru" else ".,",
            "hovermode": "closest",
        },
    }
