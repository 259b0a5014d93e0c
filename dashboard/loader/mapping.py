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
    dayfirst = true      # 03.04.2025 is 3 April
"""

from __future__ import annotations

import tomllib
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
    ),
    "source": ("канал", "источник", "площадка", "соцсеть", "channel"),
    "created_at": (
        "дата создания",
        "дата обращения",
        "дата поступления",
        "дата регистрации",
        "дата",
        "created",
        "date",
        "created_datetime",
    ),
    "first_response_at": ("дата ответа", "дата первого ответа", "первый ответ", "answered_at", "response_at"),
    "resolved_at": ("дата решения", "дата закрытия", "closed_at", "решено"),
    "status": ("статус", "состояние", "state"),
    "sector": ("отрасль", "сфера", "категория", "направление", "category"),
    "topic": ("тема", "подкатегория", "рубрика", "subcategory", "subject"),
    "municipality": (
        "муниципалитет",
        "муниципальное образование",
        "район",
        "мо",
        "октмо",
        "oktmo",
        "территория",
        "municipality_name",
    ),
    "lat": ("latitude", "широта"),
    "lon": ("lng", "long", "longitude", "долгота"),
    "text": ("текст", "текст обращения", "сообщение", "описание", "message", "description", "body"),
    "agency": ("ответственный", "исполнитель", "ответственный орган", "организация", "ведомство", "agency_responsible"),
}


@dataclass
class Mapping:
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    dayfirst: bool = True

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
        raw = raw or {}
        unknown = set(raw.get("columns", {})) - set(CONTRACT_FIELDS)
        if unknown:
            raise LoadError(f"в сопоставлении неизвестные поля: {', '.join(sorted(unknown))}")
        return cls(
            columns={k: str(v) for k, v in raw.get("columns", {}).items()},
            values={k: {str(a): str(b) for a, b in v.items()} for k, v in raw.get("values", {}).items()},
            defaults={k: str(v) for k, v in raw.get("defaults", {}).items()},
            dayfirst=bool(raw.get("options", {}).get("dayfirst", True)),
        )

    def merged(self, other: dict[str, dict[str, str]]) -> Mapping:
        """This mapping on top of format defaults (e.g. Open311 column names)."""
        columns = {**other.get("columns", {}), **self.columns}
        values = {**other.get("values", {}), **self.values}
        return Mapping(columns, values, {**other.get("defaults", {}), **self.defaults}, self.dayfirst)

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

    def recognised(self, columns: list[str]) -> list[str]:
        frame = pd.DataFrame(columns=columns)
        by_norm = {normalize(c): c for c in columns}
        return [name for name in CONTRACT_FIELDS if self._find(name, frame, by_norm) is not None]
