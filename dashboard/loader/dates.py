"""Dates of an export read in one convention per column, never two.

A numeric date ``01/02/2018`` is 1 February day first and 2 January month first. Each date field of a load gets one
convention, decided once from its values: a value that can only be read one way (``31/12/2017``: 31 is no month)
decides it; dates written with dots (``03.04.2025``) are day first, as in every Russian export; otherwise the
mapping must say (``[options] dayfirst``, or ``[formats] field = "%m/%d/%Y %I:%M:%S %p"``), and a load whose
column could be read both ways is refused with examples, instead of reading ``12/31/2017`` month first and
``01/02/2018`` day first in one column (a real export's median first response came out 824.6 h instead of 99.7 h).
A value that does not fit its column's convention is rejected with its row, never read the other way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pandas as pd

from dashboard.loader.errors import LoadError

_TZ_SUFFIX = r"(?:[zZ]|[+-]\d{2}:?\d{2})$"
_NUMERIC = r"^(\d{1,2})([./-])(\d{1,2})[./-](?:\d{4}|\d{2})(?:\D|$)"  # 31.12.2017, 12/31/17 10:00, …
_DAYFIRST = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y")
_MONTHFIRST = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y")
_EARLIEST, _LATEST = pd.Timestamp("1990-01-01"), pd.Timestamp("2100-01-01")  # plausible message times
_EARLIEST_UTC, _LATEST_UTC = _EARLIEST.tz_localize("UTC"), _LATEST.tz_localize("UTC")
EXAMPLES = 3


@dataclass
class DateRules:
    """How a load reads its date fields: what the mapping stated, and each field's convention once decided."""

    dayfirst: bool | None = None  # [options] dayfirst, None when the mapping does not say
    formats: dict[str, str] = field(default_factory=dict)  # [formats]: a field's exact strptime format
    decided: dict[str, bool] = field(default_factory=dict)  # field → day first, from the first values that tell

    def parse(self, fields: dict[str, pd.Series], tz: ZoneInfo) -> dict[str, pd.Series]:
        """UTC timestamps of each date field (name → its values); naive values are in the region's time zone; NaT
        where a value is empty, unparseable or not in its field's convention. Raises LoadError when a convention
        cannot be told or a field mixes both."""
        texts = {name: values.fillna("").astype(str).str.strip() for name, values in fields.items()}
        numeric = {name: _numeric(text) for name, text in texts.items() if name not in self.formats}
        self._decide(texts, numeric)
        return {name: self._parse(name, text, numeric.get(name), tz) for name, text in texts.items()}

    def _decide(self, texts: dict[str, pd.Series], numeric: dict[str, pd.DataFrame]) -> None:
        """Each field's convention, once per load: the mapping's; else the field's own values that can be read only
        one way; else what the load's other date fields showed; else day first for dotted dates and dates that
        read the same both ways; else LoadError."""
        told: dict[str, bool] = {}
        for name, parts in numeric.items():
            if parts.empty or name in self.decided:
                continue
            only_day, only_month = parts["first"] > 12, parts["second"] > 12
            if self.dayfirst is None and only_day.any() and only_month.any():
                raise LoadError(
                    f"поле {name}: даты записаны в двух порядках сразу — {_examples(texts[name], only_day)} (день "
                    f"первым) и {_examples(texts[name], only_month)} (месяц первым); ничего не загружено. Укажите "
                    "порядок в [options] dayfirst = true|false или точный формат в [formats], например "
                    f'{name} = "%m/%d/%Y %I:%M:%S %p": даты другого порядка будут отклонены со своими строками'
                )
            if only_day.any() or only_month.any():
                told[name] = bool(only_day.any())
        if self.dayfirst is None and len(set(told.values()) | set(self.decided.values())) > 1:
            raise LoadError(
                "даты выгрузки записаны в разных порядках: "
                + ", ".join(f"{n} — {'день' if d else 'месяц'} первым" for n, d in {**self.decided, **told}.items())
                + "; ничего не загружено. Укажите [formats] для каждого поля даты в сопоставлении"
            )
        shown = next(iter({**self.decided, **told}.values()), None)
        for name, parts in numeric.items():
            if parts.empty or name in self.decided:
                continue
            if self.dayfirst is not None:
                self.decided[name] = self.dayfirst
            elif name in told:
                self.decided[name] = told[name]
            elif shown is not None:
                self.decided[name] = shown  # the export's other date fields told
            elif (parts["sep"] == ".").all() or (parts["first"] == parts["second"]).all():
                self.decided[name] = True  # 03.04.2025: dots mean day first; 01/01/2018 reads the same either way
            else:
                two_ways = parts["first"] != parts["second"]
                raise LoadError(
                    f"поле {name}: даты вроде {_examples(texts[name], two_ways)} читаются двояко (01/02/2018 — "
                    "1 февраля, если первым день, и 2 января, если месяц), и ни одна дата выгрузки не решает; ничего "
                    "не загружено. Укажите в сопоставлении [options] dayfirst = true|false или "
                    f'[formats] {name} = "%m/%d/%Y %I:%M:%S %p"'
                )

    def _parse(self, name: str, text: pd.Series, parts: pd.DataFrame | None, tz: ZoneInfo) -> pd.Series:
        result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
        present = text != ""
        if not present.any():
            return result
        stated = self.formats.get(name)
        aware = present & text.str.contains(_TZ_SUFFIX, regex=True) if stated is None else present & False
        if aware.any():
            stamps = pd.to_datetime(text[aware], errors="coerce", utc=True, format="ISO8601")
            result[aware] = stamps.where(
                (stamps >= _EARLIEST.tz_localize("UTC")) & (stamps <= _LATEST.tz_localize("UTC"))
            )
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


def _numeric(text: pd.Series) -> pd.DataFrame:
    """The leading numbers and separator of values that are numeric dates (31.12.2017, 12/31/17 10:00…)."""
    parts = text.str.extract(_NUMERIC).dropna()
    parts.columns = ["first", "sep", "second"]
    return parts.assign(first=parts["first"].astype(int), second=parts["second"].astype(int))


def _examples(text: pd.Series, which: pd.Series) -> str:
    values = text[which[which].index].drop_duplicates().head(EXAMPLES)
    return ", ".join(f"«{v}»" for v in values)
