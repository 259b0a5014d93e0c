"""Figure-ready geometry of a region, built once per process: GeoJSON, outline, labels, view.

The dashboard's maps do not carry the shapes in their figures: each trace names the shapes' URL
(``RegionGeometry.url``), which the browser fetches once per page and keeps (``geo.serve`` answers it, cacheable for
good: the URL holds a digest of the content). A map's answer then holds only its values.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape

URL_PREFIX = "/geo/"
SHAPES = ("features", "outline")  # every municipality (feature id = OKTMO); the region's outline (id "outline")
OUTLINE_ID = "outline"


@dataclass(frozen=True)
class RegionGeometry:
    geojson: dict
    outline_lon: tuple[float | None, ...]
    outline_lat: tuple[float | None, ...]
    label_points: dict[str, tuple[float, float]]  # oktmo → (lon, lat) inside the polygon
    bounds: tuple[float, float, float, float]
    largest_first: tuple[int, ...]  # positions of the features by area, largest first (the print map's drawing order)
    served: dict[str, bytes]  # SHAPES → compact GeoJSON, as ``geo.serve`` sends it
    digest: str  # of ``served``: part of the URLs, so a changed boundary file is a new address

    def url(self, shape_name: str) -> str:
        """Where the browser fetches one of ``SHAPES`` (``geo.serve``)."""
        return f"{URL_PREFIX}{self.digest}/{shape_name}.geojson"

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
    exteriors = [shapely.Polygon(polygon.exterior) for polygon in getattr(union, "geoms", [union])]
    for polygon in exteriors:
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
    outline = {
        "type": "FeatureCollection",
        # the outer rings only, as the print map draws it: the slivers between units are no border
        "features": [{"type": "Feature", "id": OUTLINE_ID, "geometry": mapping(shapely.MultiPolygon(exteriors))}],
    }
    served = {name: _compact(value) for name, value in zip(SHAPES, (slim, outline), strict=True)}
    digest = hashlib.sha256(b"".join(served[name] for name in SHAPES)).hexdigest()[:16]
    return RegionGeometry(slim, tuple(lon), tuple(lat), labels, tuple(union.bounds), largest_first, served, digest)


def _compact(value: dict) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
