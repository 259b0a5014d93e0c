"""The federal overview: Russia by region, each region keyed by the OKTMO prefix of its municipalities."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

FEDERAL_MAP = Path(__file__).resolve().parent / "russia" / "regions.geojson"


@lru_cache(maxsize=1)
def federal_regions(path: Path = FEDERAL_MAP) -> pd.DataFrame:
    """Index: OKTMO prefix; columns: name, name_en, slug."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    rows = [{"prefix": str(f["id"]), **f["properties"]} for f in data["features"]]
    return pd.DataFrame(rows).set_index("prefix")


def region_of(oktmo: pd.Series, prefixes: list[str]) -> pd.Series:
    """The federal region of each municipality code: the longest matching prefix (118 before 11)."""
    known = set(prefixes)
    lengths = sorted({len(p) for p in known}, reverse=True)

    def longest(code: str) -> object:
        return next((code[:n] for n in lengths if code[:n] in known), pd.NA)

    return pd.Series([longest(str(code)) for code in oktmo], index=oktmo.index, dtype="object")
