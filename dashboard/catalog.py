"""Configurable catalogues: sectors (with name variants and inference rules), channels, statuses, SLA."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.metrics.holidays import holidays_between
from dashboard.names import normalize

DEFAULTS = Path(__file__).resolve().parent / "defaults"

SOURCES: dict[str, tuple[str, str]] = {
    "vk": ("ВКонтакте", "VK"),
    "ok": ("Одноклассники", "OK"),
    "telegram": ("Telegram", "Telegram"),
    "pos": ("ПОС «Госуслуги. Решаем вместе»", "Feedback platform (POS)"),
    "gosuslugi_widget": ("Виджет Госуслуг", "Gosuslugi widget"),
    "email": ("Электронная почта", "E-mail"),
    "phone": ("Телефон", "Phone"),
    "other": ("Другое", "Other"),
}


def source_name(code: str, lang: str = "ru") -> str:
    names = SOURCES.get(code)
    return code if names is None else names[0 if lang == "ru" else 1]


SOURCE_ALIASES: dict[str, str] = {
    "вконтакте": "vk",
    "вк": "vk",
    "vkontakte": "vk",
    "одноклассники": "ok",
    "ок": "ok",
    "телеграм": "telegram",
    "тг": "telegram",
    "tg": "telegram",
    "пос": "pos",
    "платформа обратной связи": "pos",
    "госуслуги. решаем вместе": "pos",
    "решаем вместе": "pos",
    "виджет": "gosuslugi_widget",
    "виджет госуслуг": "gosuslugi_widget",
    "widget": "gosuslugi_widget",
    "e-mail": "email",
    "почта": "email",
    "электронная почта": "email",
    "телефон": "phone",
    "звонок": "phone",
    "горячая линия": "phone",
    "другое": "other",
    "прочее": "other",
}

STATUSES: dict[str, tuple[str, str]] = {
    "new": ("Новое", "New"),
    "in_progress": ("В работе", "In progress"),
    "answered": ("Дан ответ", "Answered"),
    "resolved": ("Решено", "Resolved"),
    "rejected": ("Отклонено", "Rejected"),
}
STATUS_ALIASES: dict[str, str] = {
    "новое": "new",
    "новый": "new",
    "открыто": "new",
    "open": "new",
    "зарегистрировано": "new",
    "в работе": "in_progress",
    "на рассмотрении": "in_progress",
    "in progress": "in_progress",
    "accepted": "in_progress",
    "ответ дан": "answered",
    "дан ответ": "answered",
    "отвечено": "answered",
    "решено": "resolved",
    "решен": "resolved",
    "закрыто": "resolved",
    "выполнено": "resolved",
    "closed": "resolved",
    "отклонено": "rejected",
    "отказано": "rejected",
    "спам": "rejected",
}
OPEN_STATUSES = ("new", "in_progress")


@dataclass(frozen=True)
class Sector:
    code: str
    name_ru: str
    name_en: str
    aliases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()

    def name(self, lang: str = "ru") -> str:
        return self.name_en if lang == "en" else self.name_ru


@dataclass
class SectorCatalog:
    sectors: list[Sector]
    _lookup: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for sector in self.sectors:
            for variant in (sector.code, sector.name_ru, sector.name_en, *sector.aliases):
                self._lookup[normalize(variant)] = sector.code

    @property
    def codes(self) -> list[str]:
        return [s.code for s in self.sectors]

    def only(self, codes: tuple[str, ...]) -> SectorCatalog:
        """The catalogue cut to these sectors (what a restricted account may pick); all for none."""
        return SectorCatalog([s for s in self.sectors if s.code in codes]) if codes else self

    def get(self, code: str) -> Sector:
        return next(s for s in self.sectors if s.code == code)

    def name_of(self, code: str, lang: str = "ru") -> str:
        """Display name of a sector code; the code itself for one no longer in the catalogue."""
        sector = next((s for s in self.sectors if s.code == code), None)
        return sector.name(lang) if sector else code

    def resolve(self, value: str) -> str | None:
        """Sector code for a code or a Russian/English name in any case; None when unknown."""
        return self._lookup.get(normalize(value))

    def infer(self, *texts: str) -> str | None:
        """First sector whose keyword occurs in the topic or text."""
        haystack = normalize(" ".join(t for t in texts if t))
        if not haystack:
            return None
        for sector in self.sectors:
            if any(keyword in haystack for keyword in sector.keywords):
                return sector.code
        return None


@dataclass(frozen=True)
class Target:
    """A response target: ``amount`` calendar hours (unit "h") or working days (unit "wd")."""

    amount: float
    unit: str = "h"

    @classmethod
    def parse(cls, value: object) -> Target:
        """24 or "24h" → 24 calendar hours; "1wd" → by the end of the next working day (production calendar)."""
        text = str(value).strip().lower()
        if text.endswith("wd"):
            return cls(float(text[:-2]), "wd")
        return cls(float(text.removesuffix("h")), "h")

    @property
    def longest_hours(self) -> float:
        """An upper bound in hours (working days may stretch over the ten-day New Year holidays)."""
        return self.amount if self.unit == "h" else (self.amount + 12) * 24


@dataclass(frozen=True)
class SlaTable:
    default: Target
    sector: dict[str, Target]
    channel: dict[str, Target]

    def target(self, sector: str, source: str) -> Target:
        """A channel override wins over the sector's target, which wins over the default."""
        if source in self.channel:
            return self.channel[source]
        return self.sector.get(sector, self.default)

    def hours(self, sector: str, source: str) -> float:
        """Calendar-hour target (for working-day targets use ``deadline_hours``)."""
        return self.target(sector, source).longest_hours

    @property
    def max_hours(self) -> float:
        return max(t.longest_hours for t in [self.default, *self.sector.values(), *self.channel.values()])

    def deadline_hours(self, created_local: pd.Series, sector: pd.Series, source: pd.Series) -> pd.Series:
        """Hours from creation to the deadline of each message, working days following the production calendar.

        "N wd" means by the end of the N-th working day after the day the message came in (a message of a
        Saturday or a holiday counts from the working day before it, so "1wd" is still the next working day).
        """
        pairs = sector.astype(str) + "\x1f" + source.astype(str)
        table = {pair: self.target(*pair.split("\x1f")) for pair in pairs.unique()}
        targets = pairs.map(table)
        hours = targets.map(lambda t: t.amount if t.unit == "h" else np.nan).astype(float)
        working = targets.map(lambda t: t.unit == "wd").astype(bool)
        if working.any():
            created = created_local[working]
            days = created.dt.tz_localize(None).dt.normalize().to_numpy(dtype="datetime64[D]")
            first, last = days.min().astype(object), days.max().astype(object)
            off = np.array(sorted(holidays_between(first, last + timedelta(days=60))), dtype="datetime64[D]")
            counts = targets[working].map(lambda t: int(t.amount)).to_numpy()
            due = np.busday_offset(days, counts, roll="backward", holidays=off) + np.timedelta64(1, "D")
            end = pd.DatetimeIndex(due).tz_localize(created.dt.tz)
            hours[working] = (end - pd.DatetimeIndex(created)).total_seconds() / 3600
        return hours


def _read_toml(path: Path) -> dict:
    with path.open("rb") as fh:
        return tomllib.load(fh)


@lru_cache(maxsize=4)
def load_sectors(path: Path | None = None) -> SectorCatalog:
    """The sectors of ``path`` (None: the shipped catalogue)."""
    raw = _read_toml(path or DEFAULTS / "sectors.toml")["sector"]
    return SectorCatalog(
        [
            Sector(
                code=item["code"],
                name_ru=item["name_ru"],
                name_en=item.get("name_en", item["name_ru"]),
                aliases=tuple(item.get("aliases", ())),
                keywords=tuple(normalize(k) for k in item.get("keywords", ())),
            )
            for item in raw
        ]
    )


@lru_cache(maxsize=4)
def load_sla(path: Path | None = None) -> SlaTable:
    """The answer targets of ``path`` (None: the shipped table)."""
    raw = _read_toml(path or DEFAULTS / "sla.toml")
    return SlaTable(
        default=Target.parse(raw.get("default_hours", 24)),
        sector={k: Target.parse(v) for k, v in raw.get("sector_hours", {}).items()},
        channel={k: Target.parse(v) for k, v in raw.get("channel_hours", {}).items()},
    )


@dataclass(frozen=True)
class Catalog:
    """The sectors, answer targets and English names a deployment runs with — read by its entry point (the app, the
    CLI) from its settings and handed to the region it serves (``Region.catalog``); the core never looks them up
    itself."""

    sectors: SectorCatalog
    sla: SlaTable
    glossary: Glossary = field(default_factory=lambda: load_glossary())

    @classmethod
    def read(
        cls, sectors_file: Path | None = None, sla_file: Path | None = None, glossary_file: Path | None = None
    ) -> Catalog:
        """The catalogues of these files, each None for the shipped one."""
        return cls(load_sectors(sectors_file), load_sla(sla_file), load_glossary(glossary_file))


@dataclass(frozen=True)
class Glossary:
    """English names of the topics and agencies the data carries in Russian (the shipped glossary.toml): an English
    page shows them where known, the name as given where not; exports and the API keep the data's own."""

    topics: dict[str, str]  # normalised Russian name → English
    agencies: dict[str, str]

    def topic(self, name: str, lang: str = "ru") -> str:
        return self.topics.get(normalize(name), name) if lang == "en" and name else name

    def agency(self, name: str, lang: str = "ru") -> str:
        return self.agencies.get(normalize(name), name) if lang == "en" and name else name


@lru_cache(maxsize=4)
def load_glossary(path: Path | None = None) -> Glossary:
    """The English names of ``path`` (None: the shipped glossary)."""
    raw = _read_toml(path or DEFAULTS / "glossary.toml")
    return Glossary(
        {normalize(ru): en for ru, en in raw.get("topic", {}).items()},
        {normalize(ru): en for ru, en in raw.get("agency", {}).items()},
    )


def resolve_source(value: str) -> str | None:
    key = normalize(value)
    if key in SOURCES:
        return key
    return SOURCE_ALIASES.get(key)


def resolve_status(value: str) -> str | None:
    key = normalize(value).replace("_", " ")
    if key.replace(" ", "_") in STATUSES:
        return key.replace(" ", "_")
    return STATUS_ALIASES.get(key)
