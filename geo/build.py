"""Derive a shipped region from a raw OpenStreetMap extract (run by a developer, never at run time).

    python -m geo.build --source ../shared/geo/regions/chuvashia-republic.geojson \
        --municipalities geo/regions/chuvashia/municipalities.csv \
        --out geo/regions/chuvashia/boundaries.geojson

Each raw feature is matched to a row of municipalities.csv by its ``osm_name`` (or by name stem),
the coverage is simplified topology-preservingly (shared borders stay shared), coordinates are
rounded to ~10 m and every feature gets ``id`` = OKTMO plus the official name.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import shapely
from shapely.geometry import mapping, shape

from dashboard.names import place_key

COORD_DECIMALS = 4


def resolve_overlaps(geoms: list) -> list:
    """Give any area claimed by two units to the one listed first, so the coverage has no overlaps.

    OpenStreetMap extracts have small slivers (in Chuvashia: Батыревский/Комсомольский, ~1.6 km²);
    the coverage simplification needs a valid coverage to keep shared borders shared.
    """
    fixed: list = []
    for geom in geoms:
        taken = [g for g in fixed if g.intersects(geom)]
        if taken:
            geom = shapely.make_valid(geom.difference(shapely.union_all(taken)))
            geom = shapely.get_parts(geom)
            geom = shapely.multipolygons([p for p in geom if p.geom_type == "Polygon" and p.area > 0])
            if len(geom.geoms) == 1:
                geom = geom.geoms[0]
        fixed.append(geom)
    return fixed


def build(source: Path, municipalities: Path, out: Path, tolerance: float) -> int:
    raw = json.loads(source.read_text(encoding="utf-8"))
    table = pd.read_csv(municipalities, dtype=str).fillna("")
    by_key = {place_key(row.osm_name or row.name): row for row in table.itertuples()}
    geoms, rows = [], []
    for feature in raw["features"]:
        key = place_key(feature["properties"]["name_ru"])
        row = by_key.get(key)
        if row is None:
            raise SystemExit(f"no municipality row for boundary {feature['properties']['name_ru']!r}")
        geoms.append(shapely.make_valid(shape(feature["geometry"])))
        rows.append(row)
    missing = set(table.oktmo) - {r.oktmo for r in rows}
    if missing:
        raise SystemExit(f"municipalities without a boundary: {sorted(missing)}")
    geoms = resolve_overlaps(geoms)
    simplified = shapely.coverage_simplify(geoms, tolerance) if tolerance > 0 else geoms
    features = []
    for geom, row in zip(simplified, rows, strict=True):
        geom = shapely.set_precision(geom, 10**-COORD_DECIMALS)
        features.append(
            {
                "type": "Feature",
                "id": row.oktmo,
                "properties": {"oktmo": row.oktmo, "name": row.name, "kind": row.kind},
                "geometry": mapping(geom),
            }
        )
    collection = {
        "type": "FeatureCollection",
        "attribution": "© участники OpenStreetMap, ODbL 1.0",
        "features": features,
    }
    out.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    return len(features)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--municipalities", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--tolerance", type=float, default=0.003, help="degrees; 0 keeps the source")
    args = parser.parse_args()
    count = build(args.source, args.municipalities, args.out, args.tolerance)
    print(f"{count} municipalities → {args.out} ({args.out.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
