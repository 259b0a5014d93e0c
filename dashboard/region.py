"""The configured region: municipalities with OKTMO, population, boundaries, time zone — and the catalogues of
sectors and answer targets it is run with."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pandas as pd

from dashboard.catalog import Catalog
from dashboard.names import place_key

if TYPE_CHECKING:
    from dashboard.settings import Settings

SHIPPED_REGIONS = Path(__file__).resolve().parent.parent / "geo" / "regions"

STALE_POPULATION_BEFORE = 2020  # a population figure older than this (the 2010 census) is named wherever a rate uses it


def stale_population(year: object) -> bool:
    """A population figure of this year makes a rate per resident approximate: said beside the rate."""
    return year is not None and not pd.isna(year) and int(year) < STALE_POPULATION_BEFORE


@dataclass
class Region:
    id: str
    name_ru: str
    name_en: str
    timezone: ZoneInfo
    capital: str
    folder: Path
    municipalities: pd.DataFrame  # index: oktmo; columns: name, name_en, kind, population, ...
    attribution: str
    catalog: Catalog = field(default_factory=Catalog.read)  # sectors and answer targets (the shipped ones unless told)

    @property
    def boundaries_path(self) -> Path:
        return self.folder / "boundaries.geojson"

    def name_of(self, oktmo: str, lang: str = "ru") -> str:
        row = self.municipalities.loc[oktmo]
        return str(row["name_en"] if lang == "en" and row["name_en"] else row["name"])

    def matcher(self) -> MunicipalityMatcher:
        return MunicipalityMatcher(self.municipalities)


class MunicipalityMatcher:
    """Resolves an OKTMO code (current or legacy, 8 or 11 digits) or a tolerant name to an OKTMO."""

    def __init__(self, municipalities: pd.DataFrame) -> None:
        self._codes: dict[str, str] = {}
        self._names: dict[str, str] = {}
        self._shown: dict[str, str] = {str(oktmo): str(row["name"]) for oktmo, row in municipalities.iterrows()}
        for oktmo, row in municipalities.iterrows():
            self._codes[str(oktmo)] = str(oktmo)
            legacy = str(row.get("legacy_oktmo") or "")
            if legacy:
                self._codes[legacy] = str(oktmo)
            for name in (row["name"], row.get("osm_name"), row.get("name_en")):
                if name:
                    self._names[place_key(str(name))] = str(oktmo)

    def name(self, oktmo: str) -> str:
        """The municipality's name, for messages about a row."""
        return self._shown.get(oktmo, oktmo)

    def resolve(self, value: str) -> str | None:
        text = str(value).strip()
        digits = text.replace(" ", "")
        if digits.isascii() and digits.isdigit():
            if len(digits) == 11:
                digits = digits[:5] + "000" if digits[5:8] == "000" else digits[:8]
            return self._codes.get(digits[:8]) or self._codes.get(digits[:5] + "000")
        return self._names.get(place_key(text))


def load_region(region_id: str, regions_dir: Path, catalog: Catalog | None = None) -> Region:
    folder = regions_dir / region_id
    config_path = folder / "region.toml"
    if not config_path.exists():
        raise FileNotFoundError(f"region {region_id!r}: {config_path} not found")
    with config_path.open("rb") as fh:
        config = tomllib.load(fh)
    table = pd.read_csv(
        folder / config.get("municipalities", "municipalities.csv"), dtype={"oktmo": str, "legacy_oktmo": str}
    )
    table["population"] = pd.to_numeric(table["population"], errors="coerce")
    table["population_year"] = pd.to_numeric(table["population_year"], errors="coerce")
    table = table.fillna({"name_en": "", "legacy_oktmo": "", "osm_name": ""}).set_index("oktmo")
    return Region(
        id=config["id"],
        name_ru=config["name_ru"],
        name_en=config.get("name_en", config["name_ru"]),
        timezone=ZoneInfo(config.get("timezone", "Europe/Moscow")),
        capital=str(config.get("capital", "")),
        folder=folder,
        municipalities=table,
        attribution=config.get("attribution", "© участники OpenStreetMap, ODbL 1.0"),
        catalog=catalog or Catalog.read(),
    )


@lru_cache(maxsize=8)
def get_region(
    region_id: str,
    regions_dir: Path = SHIPPED_REGIONS,
    sectors_file: Path | None = None,
    sla_file: Path | None = None,
    glossary_file: Path | None = None,
) -> Region:
    """The region ``region_id`` of ``regions_dir`` with the catalogues of these files (None: the shipped ones),
    read once a process."""
    return load_region(region_id, regions_dir, Catalog.read(sectors_file, sla_file, glossary_file))


def region_of(settings: Settings) -> Region:
    """The region an entry point's settings name, with their catalogues."""
    return get_region(
        settings.region, settings.regions_dir, settings.sectors_file, settings.sla_file, settings.glossary_file
    )
