"""Vectorised point-in-polygon: which municipality holds each (lon, lat) point."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape


class PointLocator:
    def __init__(self, boundaries: dict) -> None:
        self.ids = np.array([str(f["id"]) for f in boundaries["features"]], dtype=object)
        self.geoms = np.array([shape(f["geometry"]) for f in boundaries["features"]], dtype=object)
        shapely.prepare(self.geoms)
        self.tree = shapely.STRtree(self.geoms)

    def locate(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """OKTMO for each point, None where the point is missing or outside every polygon."""
        lon = np.asarray(lon, dtype=float)
        lat = np.asarray(lat, dtype=float)
        result = np.full(lon.shape, None, dtype=object)
        valid = ~(np.isnan(lon) | np.isnan(lat))
        if not valid.any():
            return result
        idx = np.flatnonzero(valid)
        points = shapely.points(lon[idx], lat[idx])
        point_idx, poly_idx = self.tree.query(points, predicate="intersects")
        # a point on a shared border belongs to the first polygon found; keep the first hit
        order = np.argsort(point_idx, kind="stable")
        point_idx, poly_idx = point_idx[order], poly_idx[order]
        first = np.unique(point_idx, return_index=True)[1]
        result[idx[point_idx[first]]] = self.ids[poly_idx[first]]
        return result


@lru_cache(maxsize=8)
def locator_for(path: Path) -> PointLocator:
    return PointLocator(json.loads(Path(path).read_text(encoding="utf-8")))
