"""Dates of an export read in one convention per column, never two.

A numeric date ``01/02/2018`` is 1 February day first and 2 January month first. Each date field of a load gets one
convention, decided once from all its values, surveyed over the whole export before a row is written: a value that
only one order can read (``31/12/2017``: 31 is no month) decides it; dates written with dots (``03.04.2025``) are day
first, as in every Russian export; then what the export's other date fields showed; otherwise the mapping must say
(``[options] dayfirst``, or ``[formats] field = "%m/%d/%Y %I:%M:%S %p"``), and a load whose field could be read both
ways is refused with examples, instead of reading ``12/31/2017`` month first and ``01/02/2018`` day first in one
column (a real export's median first response came out 824.6 h instead of 99.7 h). A value that does not fit its
field's order is rejected with its row, never read the other way.

A date without a time is a date, and :meth:`DateRules.parse` says which values were: those written without a time
(``05.01.2018``, ``2018-01-05``), those whose stated format has no clock, and — in a field where no value the survey
saw had a time other than midnight, whatever its format — midnight ones (``01/05/2018 12:00:00 AM``). The validator
reads a same-day date-only answer or resolution as "that day", not "before the message" (dashboard/loader/validate.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pandas as pd

from dashboard.loader.errors import LoadError

_TZ_SUFFIX = r"\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$"  # a time, then Z, +03, +0300, +03:00
_NUMERIC = r"^(\d{1,2})([./-])(\d{1,2})[./-](?:\d{4}|\d{2})(?:\D|$)"  # 31.12.2017, 12/31/17 10:00, …
_DAYFIRST = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y")
_MONTHFIRST = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y")
_DATE_ONLY = r"^(?:\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2})$"  # 31.12.2017, 2017-12-31
_MIDNIGHT = r"(?:\s|T)(?:00:00(?::00(?:[.,]0+)?)?|12:00(?::00)?\s*[aA][mM])$"  # a clock at midnight and nothing after
_CLOCK = ("%H", "%I", "%M", "%S", "%X", "%c", "%T", "%R")  # a stated format with any of these has a time of day
_EARLIEST, _LATEST = pd.Timestamp("1990-01-01"), pd.Timestamp("2100-01-01")  # plausible message times
_EARLIEST_UTC, _LATEST_UTC = _EARLIEST.tz_localize("UTC"), _LATEST.tz_localize("UTC")
EXAMPLES = 3


@dataclass
class _Evidence:
    """What a date field's values say about its order, over every chunk surveyed."""

    day_first: list[str] = field(default_factory=list)  # examples only day first can read (31/12/2017)
    month_first: list[str] = field(default_factory=list)  # examples only month first can read (12/31/2017)
    two_ways: list[str] = field(default_factory=list)  # examples that read differently either way (01/02/2018)
    numeric: bool = False  # any numeric date at all
    dotted: bool = True  # every numeric date written with dots
    clock: bool = False  # any value with a time of day other than midnight

    def add(self, text: pd.Series, parts: pd.DataFrame) -> None:
        if not self.clock:  # one time of day settles it: later chunks cost nothing
            present = text[text != ""]
            dated = present.str.contains(_DATE_ONLY, regex=True) | present.str.contains(_MIDNIGHT, regex=True)
            self.clock = not bool(dated.all())
        if parts.empty:
            return
        self.numeric = True
        self.dotted = self.dotted and bool((parts["sep"] == ".").all())
        first, second = parts["first"], parts["second"]
        for examples, which in (
            (self.day_first, first > 12),
            (self.month_first, second > 12),
            (self.two_ways, (first != second) & (first <= 12) & (second <= 12)),
        ):
            if len(examples) < EXAMPLES and which.any():
                examples += [v for v in _examples(text, which) if v not in examples][: EXAMPLES - len(examples)]


class Dated(NamedTuple):
    """A date field's values read: UTC timestamps (NaT where empty or unreadable), and which were dates only."""

    at: pd.Series
    date_only: pd.Series  # bool: the value names a day, not a moment (its time reads as the day's start)


@dataclass
class DateRules:
    """How a load reads its date fields: what the mapping stated, and each field's order once decided — from a
    survey of the whole export before a row is written (:meth:`survey`, :meth:`settle`)."""

    dayfirst: bool | None = None  # [options] dayfirst, None when the mapping does not say
    formats: dict[str, str] = field(default_factory=dict)  # [formats]: a field's exact strptime format
    decided: dict[str, bool] = field(default_factory=dict)  # field → day first
    _seen: dict[str, _Evidence] = field(default_factory=dict)

    def survey(self, fields: dict[str, pd.Series]) -> None:
        """Take note of what these values of each date field say about its order and precision (call for every
        chunk)."""
        for name, values in fields.items():
            text = _texts(values)
            self._seen.setdefault(name, _Evidence()).add(text, _numeric(text) if name not in self.formats else text[:0])

    def settle(self) -> None:
        """Decide each surveyed field's order: the mapping's; else the field's own values that only one order can
        read; else day first for dotted dates; else what the export's other date fields showed; else day first
        where every date reads the same both ways. Raises LoadError (nothing is written yet) where a field mixes
        both orders, the fields disagree, or nothing tells."""
        fields = {
            name: seen
            for name, seen in self._seen.items()
            if seen.numeric and name not in self.decided and name not in self.formats
        }
        if self.dayfirst is not None:
            self.decided.update(dict.fromkeys(fields, self.dayfirst))
            return
        told = {}
        for name, seen in fields.items():
            if seen.day_first and seen.month_first:
                raise LoadError(
                    f"поле {name}: даты записаны в двух порядках сразу — {_listed(seen.day_first)} (день первым) и "
                    f"{_listed(seen.month_first)} (месяц первым); ничего не загружено. Укажите порядок в [options] "
                    f'dayfirst = true|false или точный формат в [formats], например {name} = "%m/%d/%Y %I:%M:%S %p": '
                    "даты другого порядка будут отклонены со своими строками"
                )
            if seen.day_first or seen.month_first:
                told[name] = bool(seen.day_first)
        if len(set(told.values())) > 1:
            raise LoadError(
                "даты выгрузки записаны в разных порядках: "
                + ", ".join(f"{n} — {'день' if d else 'месяц'} первым" for n, d in told.items())
                + "; ничего не загружено. Укажите [formats] для каждого поля даты в сопоставлении"
            )
        shown = next(iter(told.values()), None)
        for name, seen in fields.items():
            if name in told:
                self.decided[name] = told[name]
            elif seen.dotted:
                self.decided[name] = True  # 03.04.2025: dots mean day first
            elif shown is not None:
                self.decided[name] = shown  # the export's other date fields told
            elif not seen.two_ways:
                self.decided[name] = True  # 01/01/2018 reads the same either way
            else:
                raise LoadError(
                    f"поле {name}: даты вроде {_listed(seen.two_ways)} читаются двояко (01/02/2018 — 1 февраля, если "
                    "первым день, и 2 января, если месяц), и ни одна дата выгрузки не решает; ничего не загружено. "
                    "Укажите в сопоставлении [options] dayfirst = true|false или "
                    f'[formats] {name} = "%m/%d/%Y %I:%M:%S %p"'
                )

    def parse(self, fields: dict[str, pd.Series], tz: ZoneInfo) -> dict[str, Dated]:
        """Each date field's values read (name → :class:`Dated`); naive values are in the region's time zone; NaT
        where a value is empty, unparseable or not in its field's order. A field with numeric dates that no survey
        decided is surveyed and settled on these values (loads of contract-shaped frames)."""
        texts = {name: _texts(values) for name, values in fields.items()}
        numeric = {name: _numeric(text) for name, text in texts.items() if name not in self.formats}
        if any(not parts.empty and name not in self.decided for name, parts in numeric.items()):
            self.survey(fields)
            self.settle()
        read = {}
        for name, text in texts.items():
            at = self._parse(name, text, numeric.get(name), tz)
            read[name] = Dated(at, at.notna() & self._date_only(name, text))
        return read

    def _date_only(self, name: str, text: pd.Series) -> pd.Series:
        """Which values name a day without a time of day."""
        stated = self.formats.get(name)
        if stated is not None and not any(code in stated for code in _CLOCK):
            return pd.Series(True, index=text.index)
        only = text.str.contains(_DATE_ONLY, regex=True)
        seen = self._seen.get(name)
        if seen is not None and not seen.clock:  # a field of midnights only holds dates
            only |= text.str.contains(_MIDNIGHT, regex=True)
        return only

    def _parse(self, name: str, text: pd.Series, parts: pd.DataFrame | None, tz: ZoneInfo) -> pd.Series:
        result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
        present = text != ""
        if not present.any():
            return result
        stated = self.formats.get(name)
        aware = present & text.str.contains(_TZ_SUFFIX, regex=True) if stated is None else present & False
        if aware.any():
            stamps = pd.to_datetime(text[aware], errors="coerce", utc=True, format="ISO8601")
            result[aware] = stamps.where((stamps >= _EARLIEST_UTC) & (stamps <= _LATEST_UTC))
        naive = present & ~aware
        if naive.any():
            parsed = self._naive(name, text[naive], parts, stated)
            parsed = parsed.where((parsed >= _EARLIEST) & (parsed <= _LATEST))  # year 1 from a stray number
            result[naive] = parsed.dt.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward").dt.tz_convert("UTC")
        return result

    def _naive(self, name: str, text: pd.Series, parts: pd.DataFrame | None, stated: str | None) -> pd.Series:
        if stated is not None:
            return pd.to_datetime(text, errors="coerce", format=stated)
        dayfirst = self.decided.get(name, True)
        parsed = pd.to_datetime(text, errors="coerce", format="ISO8601")
        missing = parsed.isna()
        for fmt in _DAYFIRST if dayfirst else _MONTHFIRST:
            if not missing.any():
                break
            parsed[missing] = pd.to_datetime(text[missing], errors="coerce", format=fmt)
            missing = parsed.isna()
        if missing.any():
            parsed[missing] = pd.to_datetime(text[missing], errors="coerce", format="mixed", dayfirst=dayfirst)
        if parts is not None and not parts.empty:  # never the other way: 31/12 is no date of a month-first column
            other_way = parts["second"] > 12 if dayfirst else parts["first"] > 12
            wrong = other_way[other_way].index.intersection(parsed.index)
            parsed[wrong] = pd.NaT
        return parsed


_CANDIDATES = (  # formats an export's dates are seen in, tried in this order by guess_format
    *_DAYFIRST,
    *_MONTHFIRST,
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
    "%d.%m.%Y %H.%M",
    "%d.%m.%y %H:%M",
    "%d.%m.%y",
    "%d %b %Y %H:%M",
    "%d %b %Y",
    "%d-%b-%Y %H:%M:%S",
    "%d-%b-%Y",
    "%b %d %Y %I:%M%p",
    "%Y%m%d%H%M%S",
    "%Y%m%d",
)
# a rejection a [formats] line may cure, and its field
DATE_REJECTIONS = {
    "bad_created_at": "created_at",
    "bad_first_response_at": "first_response_at",
    "bad_resolved_at": "resolved_at",
}


def guess_format(values: list[str]) -> str | None:
    """The first known strptime format that reads every one of ``values`` (a rejected field's frequent values), for
    a ``[formats]`` line the analyst can paste; None when none does."""
    texts = [v.strip() for v in values if v and v.strip()]
    for fmt in _CANDIDATES if texts else ():
        parsed = pd.to_datetime(pd.Series(texts), errors="coerce", format=fmt)
        if parsed.notna().all() and ((parsed >= _EARLIEST) & (parsed <= _LATEST)).all():
            return fmt
    return None


def format_lines(found: dict[str, list[str]]) -> list[str]:
    """TOML lines of a mapping's ``[formats]`` that would read the dates ``found`` rejected, by rejection code.
    Dates either order reads (31/12/2025) are left out: their field's order rejected them, and a format of the
    other order would only reject the rest of the field."""
    lines = []
    for code, values in found.items():
        field_name = DATE_REJECTIONS.get(code)
        values = [v for v in values if not _in_an_order(v)]
        fmt = guess_format(values) if field_name and values else None
        if fmt is not None:
            lines.append(f'{field_name} = "{fmt}"  # {", ".join(values[:2])}')
    return ["[formats]", *lines] if lines else []


def _in_an_order(value: str) -> bool:
    """Whether a day-first or a month-first format reads this value."""
    return any(pd.notna(pd.to_datetime(value.strip(), errors="coerce", format=f)) for f in (*_DAYFIRST, *_MONTHFIRST))


def _numeric(text: pd.Series) -> pd.DataFrame:
    """The leading numbers and separator of values that are numeric dates (31.12.2017, 12/31/17 10:00…)."""
    parts = text.str.extract(_NUMERIC).dropna()
    parts.columns = ["first", "sep", "second"]
    return parts.assign(first=parts["first"].astype(int), second=parts["second"].astype(int))


def _texts(values: pd.Series) -> pd.Series:
    return values.fillna("").astype(str).str.strip()


def _examples(text: pd.Series, which: pd.Series) -> list[str]:
    return text[which[which].index].drop_duplicates().head(EXAMPLES).tolist()


def _listed(examples: list[str]) -> str:
    return ", ".join(f"«{v}»" for v in examples)
