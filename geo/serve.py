"""The maps' shapes over HTTP: ``/geo/<digest>/<shape>.geojson``, fetched once by the browser and kept for good.

The address holds a digest of the content (``RegionGeometry.digest``), so it can be cached as immutable: new
boundaries are a new address. Only the geometries the app was built with are served; any other address is 404.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from flask import Blueprint, Response, abort

from geo.figure import SHAPES, URL_PREFIX, RegionGeometry, region_geometry

YEAR = 365 * 24 * 3600


def boundaries(paths: Iterable[Path]) -> Blueprint:
    """A blueprint serving the shapes of the geometries built from ``paths`` (each built on its first request)."""
    paths = tuple(paths)
    blueprint = Blueprint("boundaries", __name__)

    def find(digest: str) -> RegionGeometry | None:
        return next((g for g in map(region_geometry, paths) if g.digest == digest), None)

    @blueprint.route(f"{URL_PREFIX}<digest>/<shape_name>.geojson")
    def shape(digest: str, shape_name: str) -> Response:
        geometry = find(digest)
        if geometry is None or shape_name not in SHAPES:
            abort(404)
        # GeoJSON is JSON: served as such so the app compresses it (flask-compress knows no application/geo+json)
        response = Response(geometry.served[shape_name], mimetype="application/json")
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        return response

    return blueprint
