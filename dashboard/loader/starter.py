"""``tsur mapping init``: a starter mapping written from an export's headers and values, for the analyst to edit.

Each contract field gets the column the built-in Russian and English synonyms find (or a commented line to fill);
the values of the coded fields (channel, status, sector, municipality) that the catalogues do not know are listed,
most frequent first, with a guess where one is close — a commented line where none is; and a date field whose
values read both ways says so where its order is set.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pandas as pd

from dashboard.catalog import SOURCE_ALIASES, SOURCES, STATUS_ALIASES, STATUSES, SectorCatalog
from dashboard.loader.dates import DateRules
from dashboard.loader.errors import LoadError
from dashboard.loader.export import resolvers
from dashboard.loader.mapping import CONTRACT_FIELDS, DATE_FIELDS, REQUIRED_ANY, Mapping
from dashboard.loader.readers import ROW, detect_format, prepare_open311, read_chunks
from dashboard.names import normalize
from dashboard.region import Region

MOST_VALUES = 30  # unknown values listed per field, most frequent first
SAMPLE_ROWS = 20_000  # rows of the export read for the starter


def starter_mapping(path: Path, region: Region, fmt: str = "auto") -> str:
    """The TOML text of a starter mapping for the export at ``path``."""
    fmt = detect_format(path) if fmt == "auto" else fmt
    first = next(read_chunks(path, fmt, SAMPLE_ROWS), None)
    if first is None or not len(first.frame):
        raise LoadError(f"в файле нет строк с данными: {path}")
    frame = prepare_open311(first.frame.copy()) if fmt == "open311" else first.frame
    frame = frame.drop(columns=[ROW])
    found = Mapping()
    columns = [str(c) for c in frame.columns]
    lines = [
        f"# Сопоставление для {path.name} ({fmt}, по первым {len(frame)} строкам): проверьте, заполните «?»,",
        "# затем: tsur check ФАЙЛ --mapping ЭТОТ_ФАЙЛ",
        "",
        "[columns]  # поле контракта = столбец выгрузки",
    ]
    matched: dict[str, str] = {}
    for name in CONTRACT_FIELDS:
        column = found.column_of(name, columns)
        if column is not None:
            matched[name] = column
            lines.append(f"{name} = {json.dumps(column, ensure_ascii=False)}")
        else:
            need = " (обязательно)" if name in REQUIRED_ANY else ""
            lines.append(f'# {name} = "?"{need}')
    unmatched = [c for c in columns if c not in matched.values()]
    if unmatched:
        lines.append(f"# не сопоставлены: {', '.join(unmatched[:20])}")
    known = resolvers(region)
    targets = _targets(region.catalog.sectors)
    for name in ("source", "status", "sector", "municipality"):
        column = matched.get(name)
        if column is None:
            continue
        counts = frame[column].astype(str).str.strip().value_counts()
        unknown = [v for v in counts.index if v and known[name](v) is None][:MOST_VALUES]
        if not unknown:
            continue
        lines += ["", f"[values.{name}]  # значения выгрузки, которых справочник не знает (частые первыми)"]
        for value in unknown:
            guess = _guess(value, targets.get(name, {}))
            key = json.dumps(value, ensure_ascii=False)
            lines.append(f'{key} = "{guess}"' if guess else f'# {key} = "?"  # строк: {counts[value]}')
    lines += _date_lines(frame, found, matched)
    return "\n".join(lines) + "\n"


def _targets(sectors: SectorCatalog) -> dict[str, dict[str, str]]:
    """A coded field's names and aliases (normalised) → its code, to guess from."""
    return {
        "source": {**{normalize(n): c for c, names in SOURCES.items() for n in names}, **SOURCE_ALIASES},
        "status": {**{normalize(n): c for c, names in STATUSES.items() for n in names}, **STATUS_ALIASES},
        "sector": {normalize(s.name(lang)): s.code for s in sectors.sectors for lang in ("ru", "en")},
    }


def _guess(value: str, names: dict[str, str]) -> str | None:
    close = difflib.get_close_matches(normalize(value), list(names), n=1, cutoff=0.75)
    return names[close[0]] if close else None


def _date_lines(frame: pd.DataFrame, found: Mapping, matched: dict[str, str]) -> list[str]:
    rules = DateRules()
    rules.survey({name: found.values_of(name, frame) for name in DATE_FIELDS if name in matched})
    try:
        rules.settle()
    except LoadError as exc:
        said = str(exc).replace("; ничего не загружено", "")
        return ["", "[options]", f"# {said}", "# dayfirst = true  # или false; либо [formats] для поля"]
    return []
