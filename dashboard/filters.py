"""Filters shared by the dashboard, the API and the URL: period, sectors, municipalities, channels."""

from __future__ import annotations

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
    raise FilterError(f"дата не распознана: «{value}» (ожидается ГГГГ-ММ-ДД или ДД.ММ.ГГГГ)")


def _within(day: date) -> date:
    if not EARLIEST <= day <= LATEST:
        first, last = EARLIEST.isoformat(), LATEST.isoformat()
        raise FilterError(t("dates_outside", first=first, last=last), "dates_outside", first=first, last=last)
    return day


def build_filters(
    date_from: str | None,
    date_to: str | None,
    sectors: list[str],
    municipalities: list[str],
    sources: list[str],
    today: date,
    known_sectors: set[str],
    known_oktmo: set[str],
    known_sources: set[str],
) -> Filters:
    """Validated filters; unknown codes raise FilterError with a message for the user."""
    end = _within(parse_date(date_to) if date_to else today)
    start = _within(parse_date(date_from) if date_from else end - timedelta(days=PRESETS[DEFAULT_PRESET] - 1))
    if start > end:
        raise FilterError("начало периода позже его конца")
    if (end - start).days > 3 * 366:
        raise FilterError("период длиннее трёх лет")
    for values, known, what in (
        (sectors, known_sectors, "неизвестная отрасль"),
        (municipalities, known_oktmo, "неизвестный муниципалитет (ОКТМО)"),
        (sources, known_sources, "неизвестный канал"),
    ):
        unknown = [v for v in values if v not in known]
        if unknown:
            raise FilterError(f"{what}: {', '.join(unknown)}")
    return Filters(
        start, end, tuple(sorted(set(sectors))), tuple(sorted(set(municipalities))), tuple(sorted(set(sources)))
    )
