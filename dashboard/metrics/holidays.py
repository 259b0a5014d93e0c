"""Public holidays for chart annotations (dashboard/defaults/holidays.toml: ТК РФ ст. 112 + yearly transfers)."""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

HOLIDAYS_FILE = Path(__file__).resolve().parent.parent / "defaults" / "holidays.toml"


@lru_cache(maxsize=1)
def _config() -> dict:
    with HOLIDAYS_FILE.open("rb") as fh:
        return tomllib.load(fh)


def holidays_between(first: date, last: date) -> dict[date, str]:
    """Days off by law (and by the year's transfer decree, where configured) in [first, last], with names."""
    config = _config()
    fixed = set(config.get("fixed", []))
    names = config.get("names", {})
    out: dict[date, str] = {}
    day = first
    while day <= last:
        key = day.strftime("%m-%d")
        if key in fixed:
            out[day] = names.get(key, names.get("01-01", "праздник") if day.month == 1 else "праздник")
        day += timedelta(days=1)
    for year, spec in config.get("transfers", {}).items():
        for text in spec.get("days_off", []):
            extra = date.fromisoformat(text)
            if first <= extra <= last and str(extra.year) == year:
                out.setdefault(extra, "перенесённый выходной")
    return dict(sorted(out.items()))


@lru_cache(maxsize=256)
def days_off(first: date, last: date) -> frozenset[date]:
    """The days of ``holidays_between`` (kept: the tension index asks for the same few spans on every request)."""
    return frozenset(holidays_between(first, last))
