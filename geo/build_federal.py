"""Derive the shipped federal overview map (Russia by region) from the raw extract (developer tool).

    python -m geo.build_federal --source ../shared/geo/russia_regions.geojson \
        --regions geo/russia/regions.csv --out geo/russia/regions.geojson

Each region gets ``id`` = the OKTMO prefix of its municipalities (two digits; three for the autonomous
okrugs inside another subject: 118 Nenets, 718 Khanty-Mansi, 719 Yamal-Nenets), so messages are counted
per region by their municipality's OKTMO. Holes (Moscow, St Petersburg, Sevastopol, Sakha, Krasnoyarsk
are not in the extract) stay holes and are drawn as "no data".
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping, shape

from geo.build import resolve_overlaps


def _east_of_antimeridian(coords):
    """Chukotka crosses 180°: longitudes west of −100° become 180°…200° so Russia is one shape, not two."""
    coords = coords.copy()
    coords[:, 0] = np.where(coords[:, 0] < -100, coords[:, 0] + 360, coords[:, 0])
    return coords


def build(source: Path, regions: Path, out: Path, tolerance: float, decimals: int) -> int:
    raw = json.loads(source.read_text(encoding="utf-8"))
    table = pd.read_csv(regions, dtype=str).set_index("slug")
    geoms, rows = [], []
    for feature in raw["features"]:
        slug = feature["properties"]["slug"]
        if slug not in table.index:
            raise SystemExit(f"no OKTMO prefix for region {slug!r} in {regions}")
        geoms.append(shapely.make_valid(shape(feature["geometry"])))
        rows.append(table.loc[slug])
    geoms = [shapely.transform(g, _east_of_antimeridian) for g in geoms]
    geoms = shapely.coverage_simplify(resolve_overlaps(geoms), tolerance)
    features = [
        {
            "type": "Feature",
            "id": row["oktmo_prefix"],
            "properties": {"name": row["name_ru"], "name_en": row["name_en"], "slug": row.name},
            "geometry": mapping(shapely.set_precision(geom, 10**-decimals)),
        }
        for geom, row in zip(geoms, rows, strict=True)
    ]
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
    parser.add_argument("--regions", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--tolerance", type=float, default=0.05, help="degrees")
    parser.add_argument("--decimals", type=int, default=2)
    args = parser.parse_args()
    count = build(args.source, args.regions, args.out, args.tolerance, args.decimals)
    print(f"{count} regions → {args.out} ({args.out.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
