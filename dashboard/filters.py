"""Filters shared by the dashboard, the API and the URL: period, sectors, municipalities, channels."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dashboard.i18n import t

PRESETS: dict[str, int | None] = {"today": 1, "7d": 7, "30d": 30, "quarter": 91, "year": 365, "custom": None}
DEFAULT_PRESET = "30d"
# the dates a filter may name: far enough from the calendar's ends that what is computed from a period (the previous
# one, the tension index's eight-week baseline, whole weeks) stays inside it
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


class FilterError(ValueError):
    """A filter value the user sent cannot be understood; ``key`` names its text in dashboard.i18n, if it has one."""

    def __init__(self, message: str, key: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.key, self.params = key, params

    def in_language(self, lang: str) -> str:
        return t(self.key, lang, **self.params) if self.key else str(self)


@dataclass(frozen=True)
class Filters:
    date_from: date
    date_to: date
    sectors: tuple[str, ...] = ()
    municipalities: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    def by_column(self) -> dict[str, tuple[str, ...]]:
        """The chosen values by the column they filter (messages' and rollups' column names alike)."""
        return {"oktmo": self.municipalities, "sector": self.sectors, "source": self.sources}

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def previous(self) -> Filters:
        """The equal-length period right before this one."""
        return replace(
            self, date_from=self.date_from - timedelta(days=self.days), date_to=self.date_from - timedelta(days=1)
        )

    @property
    def key(self) -> str:
        """The cache key of this choice: period and codes, nothing else (``2026-11-01..2026-11-30|zhkh||vk``)."""
        codes = "|".join(",".join(values) for values in (self.sectors, self.municipalities, self.sources))
        return f"{self.date_from.isoformat()}..{self.date_to.isoformat()}|{codes}"

    def describe(self, lang: str, name: Callable[[str, str, str], str]) -> str:
        """What the choice is narrowed to, in words: «ЖКХ; Новочебоксарск» or «все обращения». ``name(kind, code,
        lang)`` names a sector, municipality or source code."""
        chosen = (("sector", self.sectors), ("municipality", self.municipalities), ("source", self.sources))
        parts = [", ".join(name(kind, code, lang) for code in codes) for kind, codes in chosen]
        return "; ".join(p for p in parts if p) or t("all_messages", lang)


def today_in(tz: ZoneInfo, now: datetime | None = None) -> date:
    return (now or datetime.now(tz)).astimezone(tz).date()


def preset_range(preset: str, today: date) -> tuple[date, date]:
    days = PRESETS.get(preset) or PRESETS[DEFAULT_PRESET]
    return today - timedelta(days=days - 1), today


def parse_date(value: str) -> date:
    value = value.strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise FilterError(t("bad_date", value=value), "bad_date", value=value)


def _within(day: date) -> date:
    if not EARLIEST <= day <= LATEST:
        first, last = EARLIEST.isoformat(), LATEST.isoformat()
        raise FilterError(t("dates_outside", first=first, last=last), "dates_outside", first=first, last=last)
    return day


@dataclass(frozen=True)
class Known:
    """What a filter may name: the sector, municipality (OKTMO) and channel codes of the deployment."""

    sectors: frozenset[str]
    municipalities: frozenset[str]
    sources: frozenset[str]


Query = Mapping[str, "str | Sequence[str] | None"]  # an address's query (parse_qs), an API's args, the wall's settings
SECTOR_PATH = "/sector/"


def sector_of_path(path: str | None) -> str | None:
    """The sector code of a minister's page ``/sector/<code>``, else None."""
    path = (path or "").rstrip("/")
    return path[len(SECTOR_PATH) :] or None if path.startswith(SECTOR_PATH) else None


def _values(query: Query, key: str) -> list[str]:
    """The non-empty values of ``key`` (``sector=`` chooses nothing, on a page as in the API)."""
    value = query.get(key)
    if value is None:
        return []
    return [v for v in ([value] if isinstance(value, str) else value) if isinstance(v, str) and v != ""]


def _first(query: Query, key: str) -> str | None:
    values = _values(query, key)
    return values[0] if values else None


def read_period(query: Query, today: date) -> tuple[str, date, date]:
    """The period an address names, as (preset, first day, last day) — what the figures cover and what the period
    controls show, read by this one rule:

    ``period=<preset>`` (today, 7d, 30d, quarter, year) is that many days to ``today``; with ``period=custom``, or
    no period, an address naming ``from`` or ``to`` (ISO or ДД.ММ.ГГГГ) is ``custom``: ``to`` defaults to today and
    ``from`` to 30 days before ``to``; naming neither, it is the default preset. Any other period is an error."""
    asked = _first(query, "period")
    if asked is not None and asked not in PRESETS:
        raise FilterError(t("unknown_period", value=asked), "unknown_period", value=asked)
    preset = preset_of(query)
    if preset != "custom":
        first, last = preset_range(preset, today)
        return preset, first, last
    start, end = _first(query, "from"), _first(query, "to")
    last = _within(parse_date(end) if end else today)
    first = _within(parse_date(start) if start else last - timedelta(days=PRESETS[DEFAULT_PRESET] - 1))
    if first > last:
        raise FilterError(t("period_reversed"), "period_reversed")
    if (last - first).days > 3 * 366:
        raise FilterError(t("period_too_long"), "period_too_long")
    return preset, first, last


def preset_of(query: Query) -> str:
    """The period control an address selects: its preset; ``custom`` where it names dates without one (or with
    ``period=custom``); else the default. An unknown period selects the default (the figures refuse it)."""
    asked = _first(query, "period")
    if asked in PRESETS and asked != "custom":
        return asked
    return "custom" if _first(query, "from") or _first(query, "to") else DEFAULT_PRESET


def read_filters(query: Query, today: date, known: Known, path: str | None = None, principal=None) -> Filters:
    """The one entrance: an address's query (page, API, briefing, wall settings) and path, for a principal, as
    validated and scoped Filters — or FilterError (in the user's language) / access.AccessDenied.

    - the period: :func:`read_period`;
    - ``sector``, ``municipality``, ``source``: codes, each repeatable; an unknown one is an error, not ignored (an
      empty one chooses nothing);
    - a minister's page ``/sector/<code>`` fixes the sector, whatever the query says;
    - a principal limited to sectors gets them (access.scope): asking for another is AccessDenied.
    """
    from dashboard.access import scope  # access needs Filters: imported where used

    _, first, last = read_period(query, today)
    sector = sector_of_path(path)
    chosen = {
        "sector": [sector] if sector else _values(query, "sector"),
        "municipality": _values(query, "municipality"),
        "source": _values(query, "source"),
    }
    for key, allowed in (("sector", known.sectors), ("municipality", known.municipalities), ("source", known.sources)):
        unknown = [v for v in chosen[key] if v not in allowed]
        if unknown:
            codes = ", ".join(unknown)
            raise FilterError(t(f"unknown_{key}", codes=codes), f"unknown_{key}", codes=codes)
    filters = Filters(
        first,
        last,
        tuple(sorted(set(chosen["sector"]))),
        tuple(sorted(set(chosen["municipality"]))),
        tuple(sorted(set(chosen["source"]))),
    )
    return scope(filters, principal)
