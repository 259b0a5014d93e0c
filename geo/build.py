"""Build a region folder from files alone: boundaries (GeoJSON) + a table of the municipalities' facts.

``tsur region init NAME --boundaries FILE.geojson --population FILE.csv`` calls :func:`build_region`. Each boundary
is matched to a row of the table by name (its status words aside: «Цивильский район» is the row «Цивильский
муниципальный округ»), the coverage is made valid, its overlaps given to one unit and simplified
topology-preservingly (shared borders stay shared), coordinates rounded to ~10 m, and every feature gets ``id`` =
OKTMO. What cannot be a region is an error (nothing written): a boundary with no row, a row with no boundary, a
missing, malformed or repeated OKTMO, a figure without its source. What is only missing — a population, its year,
an English name — is listed and written as empty: the dashboard shows such a unit grey, never a guessed rate.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import shapely
from shapely.geometry import mapping, shape

from dashboard.names import place_key

COORD_DECIMALS = 4
ATTRIBUTION = "© участники OpenStreetMap, ODbL 1.0"
NAME_FIELDS = ("name_ru", "name", "NAME", "name:ru")  # looked for in this order when --name-field is not given
COLUMNS = [
    "oktmo",
    "name",
    "name_en",
    "kind",
    "population",
    "population_year",
    "population_source",
    "legacy_oktmo",
    "osm_name",
    "lat",
    "lon",
]
KINDS = ("city", "district", "okrug")
_WANTED = (("численность", "population"), ("английское название", "name_en"))  # listed where empty


@dataclass
class RegionReport:
    """What a build found: ``errors`` stop it; ``missing`` (unit → what it lacks) are written empty."""

    folder: Path
    units: int = 0
    errors: list[str] = field(default_factory=list)
    missing: dict[str, list[str]] = field(default_factory=dict)
    kib: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


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


def guess_kind(name: str) -> str:
    """city | district | okrug from a name's status words; a bare name is a town (its city okrug)."""
    text = name.lower()
    if "район" in text:
        return "district"
    if "округ" in text and not text.startswith(("город", "г.")):
        return "okrug"
    return "city"


def read_table(path: Path) -> pd.DataFrame:
    """The municipalities' facts: ``name`` and ``oktmo`` required (ValueError without them); the other COLUMNS
    optional (empty if absent). Comma or semicolon separated, UTF-8."""
    table = pd.read_csv(path, dtype=str, encoding="utf-8-sig", sep=None, engine="python").fillna("")
    table.columns = [c.strip() for c in table.columns]
    if not {"name", "oktmo"} <= set(table.columns):
        raise ValueError(f"{path}: нужны столбцы name и oktmo (есть: {', '.join(table.columns)})")
    for column in COLUMNS:
        if column not in table:
            table[column] = ""
    return table.apply(lambda c: c.str.strip())


def _boundary_name(feature: dict, name_field: str | None) -> str:
    props = feature.get("properties") or {}
    for key in (name_field,) if name_field else NAME_FIELDS:
        if props.get(key):
            return str(props[key]).strip()
    return ""


def _check_table(table: pd.DataFrame, report: RegionReport) -> None:
    for row in table.itertuples():
        label = row.name or f"строка {row.Index + 2}"
        if not re.fullmatch(r"\d{8}", row.oktmo):
            report.errors.append(f"{label}: ОКТМО «{row.oktmo}» — нужны 8 цифр (муниципальное образование)")
        if row.legacy_oktmo and not re.fullmatch(r"\d{8}", row.legacy_oktmo):
            report.errors.append(f"{label}: прежний ОКТМО «{row.legacy_oktmo}» — нужны 8 цифр")
        if row.kind and row.kind not in KINDS:
            report.errors.append(f"{label}: kind «{row.kind}» — одно из {', '.join(KINDS)}")
        if row.population:
            if not row.population.replace(" ", "").isdigit():
                report.errors.append(f"{label}: численность «{row.population}» — не целое число")
            if not row.population_source:
                report.errors.append(f"{label}: численность {row.population} без источника (population_source)")
        if row.population and not row.population_year:
            report.errors.append(f"{label}: численность {row.population} без года (population_year)")
        lacks = [what for what, value in _WANTED if not getattr(row, value)]
        if lacks:
            report.missing[label] = lacks
    for code in table.loc[table["oktmo"].duplicated() & table["oktmo"].ne(""), "oktmo"].unique():
        report.errors.append(f"ОКТМО {code} повторяется в таблице")
    names = table["name"].map(place_key)
    for name in table.loc[names.duplicated() & table["name"].ne(""), "name"]:
        report.errors.append(f"название «{name}» повторяется в таблице (без слов о статусе)")


def _match(features: list[dict], table: pd.DataFrame, name_field: str | None, report: RegionReport) -> list:
    """Each boundary's row index (None where none matched), with the errors of both sides recorded."""
    by_key: dict[str, int] = {}
    for i, row in table.iterrows():
        for name in (row["osm_name"], row["name"]):
            if name:
                by_key.setdefault(place_key(name), int(i))
    matched: list[int | None] = []
    for number, feature in enumerate(features, start=1):
        name = _boundary_name(feature, name_field)
        if not name:
            fields = ", ".join(sorted((feature.get("properties") or {}).keys())) or "нет свойств"
            report.errors.append(f"граница №{number}: нет названия (укажите --name-field; свойства: {fields})")
            matched.append(None)
            continue
        found = by_key.get(place_key(name))
        if found is None:
            close = difflib.get_close_matches(place_key(name), list(by_key), n=2, cutoff=0.6)
            hint = f"; похожие строки: {', '.join(table.loc[by_key[c], 'name'] for c in close)}" if close else ""
            report.errors.append(f"граница «{name}»: нет строки в таблице{hint}")
        matched.append(found)
    taken = [i for i in matched if i is not None]
    for i in sorted(set(taken)):
        if taken.count(i) > 1:
            report.errors.append(f"строка «{table.loc[i, 'name']}»: ей подошли {taken.count(i)} границы")
    for i in sorted(set(table.index) - set(taken)):
        report.errors.append(f"строка «{table.loc[i, 'name']}» ({table.loc[i, 'oktmo']}): нет границы")
    return matched


def build_region(
    region_id: str,
    boundaries: Path,
    population: Path,
    out: Path,
    *,
    name_ru: str,
    name_en: str = "",
    timezone: str = "Europe/Moscow",
    capital: str = "",
    name_field: str | None = None,
    tolerance: float = 0.003,
    attribution: str = ATTRIBUTION,
) -> RegionReport:
    """Validate and write ``out`` (region.toml, municipalities.csv, boundaries.geojson); nothing is written when
    the report has errors."""
    report = RegionReport(folder=out)
    raw = json.loads(boundaries.read_text(encoding="utf-8"))
    features = [f for f in raw.get("features", []) if f.get("geometry")]
    if not features:
        report.errors.append(f"{boundaries}: нет ни одной границы (ожидается GeoJSON FeatureCollection)")
        return report
    try:
        table = read_table(population)
    except ValueError as exc:
        report.errors.append(str(exc))
        return report
    _check_table(table, report)
    matched = _match(features, table, name_field, report)
    geoms = [shapely.make_valid(shape(f["geometry"])) for f in features]
    for geom, i in zip(geoms, matched, strict=True):
        if i is not None and (geom.is_empty or geom.area == 0):
            report.errors.append(f"граница «{table.loc[i, 'name']}»: пустая геометрия")
    if capital and capital not in set(table["oktmo"]):
        report.errors.append(f"столица {capital}: такого ОКТМО нет в таблице")
    if report.errors:
        return report

    order = [i for i in matched if i is not None]
    geoms = resolve_overlaps(geoms)
    simplified = shapely.coverage_simplify(geoms, tolerance) if tolerance > 0 else geoms
    table.loc[order, "osm_name"] = [_boundary_name(f, name_field) for f in features]
    table["kind"] = [row.kind or guess_kind(row.name) for row in table.itertuples()]
    collection = {"type": "FeatureCollection", "attribution": attribution, "features": []}
    for geom, i in zip(simplified, order, strict=True):
        row = table.loc[i]
        geom = shapely.set_precision(geom, 10**-COORD_DECIMALS)
        if row["kind"] == "city" and not (row["lat"] and row["lon"]):  # a town's label sits inside it
            point = geom.point_on_surface()
            table.loc[i, ["lat", "lon"]] = [f"{point.y:.4f}", f"{point.x:.4f}"]
        collection["features"].append(
            {
                "type": "Feature",
                "id": row["oktmo"],
                "properties": {"oktmo": row["oktmo"], "name": row["name"], "kind": row["kind"]},
                "geometry": mapping(geom),
            }
        )
    if not capital:  # the most populous town
        towns = table[table["kind"] == "city"]
        people = pd.to_numeric(towns["population"].str.replace(" ", ""), errors="coerce")
        capital = towns.loc[people.idxmax(), "oktmo"] if people.notna().any() else table.loc[order[0], "oktmo"]
    out.mkdir(parents=True, exist_ok=True)
    (out / "boundaries.geojson").write_text(
        json.dumps(collection, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
    table["population"] = table["population"].str.replace(" ", "")
    table[COLUMNS].to_csv(out / "municipalities.csv", index=False)  # in the table's own order
    config = {
        "id": region_id,
        "name_ru": name_ru,
        "name_en": name_en or name_ru,
        "timezone": timezone,
        "capital": capital,
        "boundaries": "boundaries.geojson",
        "municipalities": "municipalities.csv",
        "attribution": attribution,
    }
    (out / "region.toml").write_text(
        "# Region folder written by `tsur region init`: edit municipalities.csv and run it again.\n"
        + "".join(f"{key} = {json.dumps(value, ensure_ascii=False)}\n" for key, value in config.items()),
        encoding="utf-8",
    )
    tomllib.loads((out / "region.toml").read_text(encoding="utf-8"))  # what was written reads back
    report.units = len(order)
    report.kib = (out / "boundaries.geojson").stat().st_size // 1024
    return report
