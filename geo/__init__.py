"""Boundaries: loading, validation, simplification, point-in-polygon and figure-ready GeoJSON."""
