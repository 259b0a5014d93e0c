"""Figure-ready geometry of a region, built once per process: GeoJSON, outline, labels, view."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import shapely
from shapely.geometry import shape


@dataclass(frozen=True)
class RegionGeometry:
    geojson: dict
    outline_lon: tuple[float | None, ...]
    outline_lat: tuple[float | None, ...]
    label_points: dict[str, tuple[float, float]]  # oktmo → (lon, lat) inside the polygon
    bounds: tuple[float, float, float, float]
    largest_first: tuple[int, ...]  # positions of the features by area, largest first (the print map's drawing order)

    def subset(self, ids: list[str]) -> dict:
        """A FeatureCollection of just these features (each trace ships only what it draws)."""
        wanted = set(ids)
        return {
            "type": "FeatureCollection",
            "features": [f for f in self.geojson["features"] if str(f["id"]) in wanted],
        }

    def view(self, width_px: int = 1000, height_px: int = 640) -> tuple[dict[str, float], float]:
        """Centre and zoom that fit the region into a map of the given size (web Mercator, MapLibre's 512 px
        world at zoom 0)."""
        minx, miny, maxx, maxy = self.bounds

        def merc(lat: float) -> float:
            return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))

        span_x = (maxx - minx) * 1.08
        span_y = (merc(maxy) - merc(miny)) * 1.08
        zoom = min(math.log2(width_px * 360 / (512 * span_x)), math.log2(height_px * 360 / (512 * span_y)))
        mid = (merc(miny) + merc(maxy)) / 2
        centre = {
            "lon": (minx + maxx) / 2,
            "lat": math.degrees(2 * math.atan(math.exp(math.radians(mid))) - math.pi / 2),
        }
        return centre, round(zoom, 2)


@lru_cache(maxsize=8)
def region_geometry(path: Path) -> RegionGeometry:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    geoms = [shape(f["geometry"]) for f in data["features"]]
    union = shapely.union_all(geoms)
    lon: list[float | None] = []
    lat: list[float | None] = []
    polygons = getattr(union, "geoms", [union])
    for polygon in polygons:
        xs, ys = polygon.exterior.coords.xy
        lon += [*xs, None]
        lat += [*ys, None]
    labels = {}
    for feature, geom in zip(data["features"], geoms, strict=True):
        point = geom.representative_point()
        labels[str(feature["id"])] = (point.x, point.y)
    slim = {  # only what plotly needs: the id it matches ``locations`` against, and the shape
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "id": str(f["id"]), "geometry": f["geometry"]} for f in data["features"]],
    }
    largest_first = tuple(sorted(range(len(geoms)), key=lambda i: -geoms[i].area))
    return RegionGeometry(slim, tuple(lon), tuple(lat), labels, tuple(union.bounds), largest_first)
