"""Numbers, shares, durations and dates formatted for the interface language (Russian by default)."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

NBSP = "\u00a0"


def number(value: float | None, lang: str = "ru", digits: int = 0) -> str:
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}"
    if lang == "ru":
        text = text.replace(",", NBSP).replace(".", ",")
    return text


def share(value: float | None, lang: str = "ru", digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{number(value * 100, lang, digits)}{NBSP}%"


def hours(value: float | None, lang: str = "ru") -> str:
    """4.4 → «4,4 ч»; 0.5 → «30 мин»; 50 → «2,1 сут»."""
    if value is None:
        return "—"
    h, m, d = ("ч", "мин", "сут") if lang == "ru" else ("h", "min", "d")
    if value < 1:
        return f"{round(value * 60)}{NBSP}{m}"
    if value >= 48:
        return f"{number(value / 24, lang, 1)}{NBSP}{d}"
    return f"{number(value, lang, 1)}{NBSP}{h}"


def change(value: float | None, lang: str = "ru") -> str:
    if value is None:
        return "—"
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return f"{sign}{number(abs(value), lang, 1)}{NBSP}%"


def day(value: date, lang: str = "ru") -> str:
    return value.strftime("%d.%m.%Y") if lang == "ru" else value.isoformat()


def day_time(value: datetime, lang: str = "ru") -> str:
    """A moment within the year on the page: «22.11 14:05» / «11-22 14:05»."""
    return value.strftime("%d.%m %H:%M") if lang == "ru" else value.strftime("%m-%d %H:%M")


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula («=HYPERLINK(…)» in an agency's name) get a leading
    apostrophe, so they show as text in Excel/LibreOffice (CSV/formula injection); numbers stay numbers."""
    out = frame.copy()
    for name in out.columns:
        if pd.api.types.is_string_dtype(out[name]) or out[name].dtype == object:
            out[name] = out[name].map(lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else v)
    return out
