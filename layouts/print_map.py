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
from layouts.label_placement import place
from layouts.map_figure import METRICS, NO_DATA_COLOUR, TENSION_SCALE, colour_range, shown_column, text_alternative


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
    """``frame``: one row per municipality (index OKTMO) with the metric's column. Coloured by what the page's map
    colours by — the metric's shrunk value where the frame has it (``shown_column``) — so a place with few messages
    is not the darkest on paper while the screen calls it ordinary."""
    scale = _rgb_scale(TENSION_SCALE if metric == "tension" else get_colorscale(METRICS[metric]["scale"]))
    column = shown_column(frame, metric)
    values = pd.to_numeric(frame[column], errors="coerce") if column in frame else pd.Series(dtype=float)
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
        shown = _shown(value, metric, lang)
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
    frame_px = _Frame(geometry, size)
    if labels:
        traces += _label_traces(labels, frame_px)
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
                    "x": MAP_SHARE + 0.02,
                    "xanchor": "left",
                    # the sheet's heading names the metric: the bar names its unit
                    "title": {"text": spec["unit"][lang], "side": "top", "font": {"size": 12}},
                    "thickness": 12,
                    "len": 0.7,
                    "tickformat": ",.0f" if metric == "tension" or abs(high) >= 20 else ",.1f",
                },
            },
            "hoverinfo": "skip",
            "showlegend": False,
        }
    )
    axis = {"visible": False, "showgrid": False, "zeroline": False, "fixedrange": True}
    return {
        "data": traces,
        "layout": {
            "width": size[0],
            "height": size[1],
            "margin": {**MARGIN, "autoexpand": False},
            # ranges that fill the map's share of the figure at the region's own proportions (a degree of latitude
            # 1/cos(latitude) times a degree of longitude): pixels are known here, so labels can be placed
            "xaxis": {**axis, "range": frame_px.x_range, "domain": [0, MAP_SHARE]},
            "yaxis": {**axis, "range": frame_px.y_range},
            "paper_bgcolor": "#ffffff",
            "plot_bgcolor": "#ffffff",
            "separators": ", " if lang == "ru" else ".,",
            "hovermode": "closest",
            "meta": {
                "a11y": text_alternative(
                    metric,
                    lang,
                    [frame["name"].get(code, code) if "name" in frame else code for code in frame.index],
                    [
                        None if value is None else value * (100 if metric == "overdue_share" else 1)
                        for value in (known_values.get(str(code)) for code in frame.index)
                    ],
                )
            },
        },
    }


def _shown(value: float | None, metric: str, lang: str) -> str:
    """A municipality's value as its hover says it: a share in %, an index whole, a rate to one decimal."""
    if value is None:
        return "—"
    if metric == "overdue_share":
        return fmt.share(value, lang)
    return fmt.number(value, lang, 0 if metric == "tension" else 1)


MARGIN = {"l": 4, "r": 4, "t": 4, "b": 4}
MAP_SHARE = 0.8  # of the plotting width: the map; the colour bar sits to its right
LABEL_SIZE = 12
# a white halo around each name, so it reads on every colour of every scale
HALO = "0 0 3px #ffffff, 0 0 3px #ffffff, 0 0 2px #ffffff, 0 0 1px #ffffff"


class _Frame:
    """The map's pixels ↔ degrees: the region centred in the map's share of the figure, north up."""

    def __init__(self, geometry: RegionGeometry, size: tuple[int, int]) -> None:
        minx, miny, maxx, maxy = geometry.bounds
        self.width = (size[0] - MARGIN["l"] - MARGIN["r"]) * MAP_SHARE
        self.height = size[1] - MARGIN["t"] - MARGIN["b"]
        self.stretch = 1 / math.cos(math.radians((miny + maxy) / 2))
        self.scale = min(self.width / (maxx - minx), self.height / ((maxy - miny) * self.stretch))  # px a degree
        half_x = self.width / self.scale / 2
        half_y = self.height / (self.scale * self.stretch) / 2
        cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
        self.x_range = [cx - half_x, cx + half_x]
        self.y_range = [cy - half_y, cy + half_y]

    def pixels(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.x_range[0]) * self.scale, (self.y_range[1] - lat) * self.scale * self.stretch

    def degrees(self, x: float, y: float) -> tuple[float, float]:
        return self.x_range[0] + x / self.scale, self.y_range[1] - y / (self.scale * self.stretch)


def _label_traces(labels: list[tuple[str, float, float]], frame: _Frame) -> list[dict]:
    """The towns' points, their names placed clear of each other (``layouts.label_placement``) with a halo, and a
    leader line where a name had to move away from its point."""
    wanted = []
    for name, lon, lat in labels:
        x, y = frame.pixels(lon, lat)
        wanted.append((name, x, y, len(name) * LABEL_SIZE * 0.62 + 4, LABEL_SIZE * 1.35))
    placed = place(wanted, (0, 0, frame.width, frame.height), gap=4)
    centres = [frame.degrees((p.box[0] + p.box[2]) / 2, (p.box[1] + p.box[3]) / 2) for p in placed]
    leader_x: list[float | None] = []
    leader_y: list[float | None] = []
    for p in placed:
        if p.leader:
            near_x = min(max(p.point[0], p.box[0]), p.box[2])
            near_y = min(max(p.point[1], p.box[1]), p.box[3])
            for x, y in (p.point, (near_x, near_y)):
                lon, lat = frame.degrees(x, y)
                leader_x.append(lon)
                leader_y.append(lat)
            leader_x.append(None)
            leader_y.append(None)
    common = {"hoverinfo": "skip", "showlegend": False}
    return [
        *(
            [
                {
                    "type": "scatter",
                    "x": leader_x,
                    "y": leader_y,
                    "mode": "lines",
                    "line": {"color": "#1b2430", "width": 0.8},
                    **common,
                }
            ]
            if leader_x
            else []
        ),
        {
            "type": "scatter",
            "x": [lon for _, lon, _ in labels],
            "y": [lat for _, _, lat in labels],
            "mode": "markers",
            "marker": {"size": 5, "color": "#1b2430", "line": {"color": "#ffffff", "width": 1}},
            **common,
        },
        {
            "type": "scatter",
            "x": [lon for lon, _ in centres],
            "y": [lat for _, lat in centres],
            "text": [p.name for p in placed],
            "mode": "text",
            "textposition": "middle center",
            "textfont": {"size": LABEL_SIZE, "color": "#1b2430", "shadow": HALO},
            "meta": "labels",
            **common,
        },
    ]
