"""Mapping of a foreign export onto the message contract (TOML or YAML file, plus built-in synonyms).

Example (TOML)::

    [columns]            # contract field = column name in the export
    external_id = "Номер"
    created_at = "Дата регистрации"
    sector = "Категория"

    [values.source]      # foreign value = contract value
    "ВК" = "vk"

    [defaults]           # used when the export has no such column
    source = "pos"

    [options]
    dayfirst = false     # 01/02/2018 is 2 January (said only where the export's dates cannot tell)

    [formats]            # or a date field's exact format (strptime)
    created_at = "%m/%d/%Y %I:%M:%S %p"
"""

from __future__ import annotations

import difflib
import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from dashboard.loader.errors import LoadError
from dashboard.names import normalize

CONTRACT_FIELDS = (
    "external_id",
    "source",
    "created_at",
    "first_response_at",
    "resolved_at",
    "status",
    "sector",
    "topic",
    "municipality",
    "lat",
    "lon",
    "text",
    "agency",
)
REQUIRED_ANY = ("external_id", "created_at")
SECTIONS = ("columns", "values", "defaults", "options", "formats")
DATE_FIELDS = ("created_at", "first_response_at", "resolved_at")
OPTIONS = ("dayfirst",)

SYNONYMS: dict[str, tuple[str, ...]] = {
    "external_id": (
        "id",
        "ид",
        "номер",
        "номер обращения",
        "№",
        "№ обращения",
        "message_id",
        "внешний id",
        "идентификатор",
        "unique key",
        "request id",
        "case id",
        "ticket id",
    ),
    "source": ("канал", "источник", "площадка", "соцсеть", "channel", "open data channel type", "source type"),
    "created_at": (
        "дата создания",
        "дата обращения",
        "дата поступления",
        "дата регистрации",
        "дата",
        "created",
        "date",
        "created_datetime",
        "created date",
        "date created",
        "open date",
    ),
    "first_response_at": ("дата ответа", "дата первого ответа", "первый ответ", "answered_at", "response_at"),
    "resolved_at": ("дата решения", "дата закрытия", "closed_at", "решено", "closed date", "close date", "date closed"),
    "status": ("статус", "состояние", "state"),
    "sector": ("отрасль", "сфера", "категория", "направление", "category"),
    "topic": ("тема", "подкатегория", "рубрика", "subcategory", "subject", "complaint type", "request type"),
    "municipality": (
        "муниципалитет",
        "муниципальное образование",
        "район",
        "мо",
        "октмо",
        "oktmo",
        "территория",
        "municipality_name",
        "borough",
        "city",
        "district",
    ),
    "lat": ("latitude", "широта"),
    "lon": ("lng", "long", "longitude", "долгота"),
    "text": ("текст", "текст обращения", "сообщение", "описание", "message", "description", "body", "descriptor"),
    "agency": ("ответственный", "исполнитель", "ответственный орган", "организация", "ведомство", "agency_responsible"),
}


@dataclass
class Mapping:
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    dayfirst: bool | None = None  # None: each date field's values tell (dashboard/loader/dates.py)
    formats: dict[str, str] = field(default_factory=dict)  # a date field's exact strptime format

    @classmethod
    def load(cls, path: Path | None) -> Mapping:
        if path is None:
            return cls()
        if not path.exists():
            raise LoadError(f"файл сопоставления не найден: {path}")
        text = path.read_text(encoding="utf-8")
        try:
            raw = yaml.safe_load(text) if path.suffix.lower() in (".yaml", ".yml") else tomllib.loads(text)
        except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
            raise LoadError(f"файл сопоставления {path} не разобран: {exc}") from exc
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise LoadError(f"файл сопоставления {path}: ожидались разделы [columns], [values], [defaults]…")
        raw = {key: {} if body is None else body for key, body in raw.items()}  # an empty YAML section
        problems = _unknown_keys(raw)
        values = raw.get("values", {})
        if isinstance(values, dict):
            problems += [f"[values.{k}]: нужна таблица значений" for k, v in values.items() if not isinstance(v, dict)]
        options = raw.get("options", {})
        if isinstance(options, dict) and not isinstance(options.get("dayfirst", True), bool):
            problems.append(f"[options] dayfirst = {options['dayfirst']!r}: нужно true или false без кавычек")
        if problems:
            raise LoadError(f"файл сопоставления {path}: " + "; ".join(problems))
        return cls(
            columns={k: str(v) for k, v in raw.get("columns", {}).items()},
            values={k: {str(a): str(b) for a, b in v.items()} for k, v in values.items()},
            defaults={k: str(v) for k, v in raw.get("defaults", {}).items()},
            dayfirst=options.get("dayfirst"),
            formats={k: str(v) for k, v in raw.get("formats", {}).items()},
        )

    def merged(self, other: dict[str, dict[str, str]]) -> Mapping:
        """This mapping on top of format defaults (e.g. Open311 column names)."""
        columns = {**other.get("columns", {}), **self.columns}
        values = {**other.get("values", {}), **self.values}
        defaults = {**other.get("defaults", {}), **self.defaults}
        return Mapping(columns, values, defaults, self.dayfirst, self.formats)

    def apply(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A frame with exactly the contract columns (missing ones empty) and values translated."""
        by_norm = {normalize(c): c for c in frame.columns}
        out = pd.DataFrame(index=frame.index)
        for name in CONTRACT_FIELDS:
            column = self._find(name, frame, by_norm)
            if column is not None:
                out[name] = frame[column].astype(str).str.strip()
            else:
                out[name] = self.defaults.get(name, "")
        for name, table in self.values.items():
            if name in out and table:
                lookup = {normalize(k): v for k, v in table.items()}
                normalized = out[name].map(normalize)
                out[name] = normalized.map(lookup).fillna(out[name])
        return out

    def of_record(self, record: dict) -> dict:
        """One record's contract fields, each from the first of its names (the mapping's column, the field's own,
        its synonyms) that this record holds with a value — records need not share their keys, so a batch where one
        names its channel «source» and another «канал» reads both."""
        by_norm: dict[str, str] = {}
        for key in record:
            if isinstance(key, str):
                by_norm.setdefault(normalize(key), key)
        found = {}
        for name in CONTRACT_FIELDS:
            explicit = self.columns.get(name)
            for candidate in (explicit,) if explicit is not None else (name, *SYNONYMS.get(name, ())):
                key = candidate if candidate in record else by_norm.get(normalize(candidate))
                if key is not None and record[key] not in (None, ""):
                    found[name] = record[key]
                    break
        return found

    def _find(self, name: str, frame: pd.DataFrame, by_norm: dict[str, str]) -> str | None:
        explicit = self.columns.get(name)
        if explicit is not None:
            if explicit in frame.columns:
                return explicit
            return by_norm.get(normalize(explicit))
        for candidate in (name, *SYNONYMS.get(name, ())):
            if candidate in frame.columns:
                return candidate
            found = by_norm.get(normalize(candidate))
            if found is not None:
                return found
        return None

    def check(
        self, columns: list[str], resolvers: dict[str, Callable[[str], str | None]], every_column: bool = True
    ) -> None:
        """Before a row is read: every column the mapping names is in the file, and every value it maps a field's
        values to is a known code (``resolvers``: a field's value → its code, None when unknown). All problems are
        reported at once; a mapping that names a missing column was silently ignored before, and its field stayed
        empty (7 877 resolved messages of a real export lost their resolution dates)."""
        by_norm = {normalize(c): c for c in columns}
        problems = []
        for name, column in self.columns.items() if every_column else ():
            if column in columns or normalize(column) in by_norm:
                continue
            close = difflib.get_close_matches(column, columns, n=3, cutoff=0.5) or difflib.get_close_matches(
                normalize(column), list(by_norm), n=3, cutoff=0.5
            )
            close = [by_norm.get(c, c) for c in close]
            shown = close or columns[:15]
            hint = f"; {'похожие' if close else 'в файле'}: {', '.join(f'«{c}»' for c in shown)}"
            problems.append(f"[columns] {name} = «{column}»: такого столбца в файле нет{hint}")
        for name, table in self.values.items():
            resolve = resolvers.get(name)
            if resolve is None:
                continue
            unknown = sorted({code for code in table.values() if resolve(code) is None})
            if unknown:
                problems.append(f"[values.{name}]: неизвестные коды {', '.join(f'«{c}»' for c in unknown)}")
        for name, value in self.defaults.items():
            resolve = resolvers.get(name)
            if resolve is not None and value and resolve(value) is None:
                problems.append(f"[defaults] {name} = «{value}»: неизвестный код")
        if problems:
            raise LoadError("сопоставление не подходит к файлу, ничего не загружено: " + "; ".join(problems))

    def column_of(self, name: str, columns: list[str]) -> str | None:
        """The export's column that holds contract field ``name``, if any."""
        return self._find(name, pd.DataFrame(columns=columns), {normalize(c): c for c in columns})

    def values_of(self, name: str, frame: pd.DataFrame) -> pd.Series:
        """The values of contract field ``name`` in ``frame`` (empty where the export has no such column)."""
        column = self._find(name, frame, {normalize(c): c for c in frame.columns})
        return frame[column] if column is not None else pd.Series("", index=frame.index)

    def recognised(self, columns: list[str]) -> list[str]:
        frame = pd.DataFrame(columns=columns)
        by_norm = {normalize(c): c for c in columns}
        return [name for name in CONTRACT_FIELDS if self._find(name, frame, by_norm) is not None]


def _unknown_keys(raw: dict) -> list[str]:
    """Sections, fields and options the mapping format does not have (a typo would otherwise be ignored)."""
    problems = [f"неизвестный раздел [{k}]" for k in raw if k not in SECTIONS]
    for section in ("columns", "values", "defaults"):
        body = raw.get(section, {})
        if not isinstance(body, dict):
            problems.append(f"раздел [{section}] должен быть таблицей")
            continue
        unknown = sorted(set(body) - set(CONTRACT_FIELDS))
        if unknown:
            problems.append(f"[{section}]: неизвестные поля {', '.join(unknown)} (есть: {', '.join(CONTRACT_FIELDS)})")
    formats = raw.get("formats", {})
    unknown = sorted(set(formats) - set(DATE_FIELDS)) if isinstance(formats, dict) else ["formats"]
    if unknown:
        problems.append(f"[formats]: не поля даты {', '.join(unknown)} (есть: {', '.join(DATE_FIELDS)})")
    options = raw.get("options", {})
    unknown = sorted(set(options) - set(OPTIONS)) if isinstance(options, dict) else ["options"]
    if unknown:
        problems.append(f"[options]: неизвестные параметры {', '.join(unknown)} (есть: {', '.join(OPTIONS)})")
    return problems


MAPPED_BY_VALUES = {  # a rejection a [values.…] line of the mapping cures, and the field it maps
    "unknown_source": "source",
    "unknown_status": "status",
    "unknown_sector": "sector",
    "unknown_municipality": "municipality",
}


def values_lines(found: dict[str, list[str]], codes: dict[str, list[str]]) -> list[str]:
    """TOML lines of a mapping that would accept the values ``found`` rejected, by rejection code (a
    ``[values.field]`` table each, the target code left to choose among ``codes`` of the field)."""
    lines = []
    for code, values in found.items():
        name = MAPPED_BY_VALUES.get(code)
        if name is None or not values:
            continue
        target = "|".join(codes.get(name, [])) or "ОКТМО или название"
        lines.append(f"[values.{name}]")
        lines += [f'{json.dumps(value, ensure_ascii=False)} = "<{target}>"' for value in values]
    return lines
