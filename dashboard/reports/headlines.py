"""«Главное»: the briefing's opening sentences, written from its own tables.

Each sentence names the table it is read from (``Headline.table``, a table's title key), so the page can link it
and a reader can check every figure below; a sentence whose figures are missing or too small to mean anything is
left out rather than said vaguely. The page, the PDF (the page printed), the workbook and the deck all take these.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard import formatting as fmt
from dashboard.i18n import t
from dashboard.metrics.response_times import NO_AGENCY

RISES_NAMED = 2  # the biggest rises named in one sentence
AGENCY_MIN_MESSAGES = 30  # an agency with fewer messages in the period is not called fastest or slowest


@dataclass(frozen=True)
class Headline:
    text: str
    table: str  # the title key of the table the figures come from


def _messages(n: float, lang: str) -> str:
    """«1 234 сообщения» with the noun agreeing with the number."""
    count = int(n)
    if lang != "ru":
        return f"{fmt.number(count, lang)} message{'' if count == 1 else 's'}"
    last, last_two = count % 10, count % 100
    noun = (
        "сообщение"
        if last == 1 and last_two != 11
        else "сообщения"
        if 2 <= last <= 4 and not 12 <= last_two <= 14
        else "сообщений"
    )
    return f"{fmt.number(count, lang)}{fmt.NBSP}{noun}"


def _row(table: pd.DataFrame, label: str) -> pd.Series | None:
    found = table[table["indicator"] == label]
    return None if found.empty else found.iloc[0]


def _volume(summary: pd.DataFrame, running: bool, lang: str) -> Headline | None:
    row = _row(summary, t("kpi_messages", lang))
    if row is None or pd.isna(row["current"]):
        return None
    current = _messages(row["current"], lang)
    if row["change"] is None or pd.isna(row["change"]):
        key = "headline_volume_uncompared"
        text = t(key, lang, messages=current)
    else:
        key = "headline_volume_running" if running else "headline_volume"
        direction = t("headline_more" if row["change"] > 0 else "headline_less", lang)
        text = t(
            key,
            lang,
            messages=current,
            change=fmt.number(abs(row["change"]), lang, 1),
            direction=direction,
            previous=fmt.number(row["previous"], lang),
        )
    return Headline(text, "briefing_summary")


def _rises(points: pd.DataFrame, lang: str) -> Headline:
    rising = points[pd.to_numeric(points["change"], errors="coerce") > 0].head(RISES_NAMED)
    if rising.empty:
        return Headline(t("headline_no_rises", lang), "tension_points")
    named = [
        t(
            "headline_rise_item",
            lang,
            sector=row["sector"],
            place=row["municipality"],
            messages=_messages(row["observed"], lang),
            change=fmt.change(row["change"], lang),
        )
        for _, row in rising.iterrows()
    ]
    return Headline(t("headline_rises", lang, items="; ".join(named)), "tension_points")


def _critical(critical: int, handled: int | None, lang: str) -> Headline:
    if critical == 0:
        return Headline(t("headline_no_critical", lang), "tension_points")
    text = t("headline_critical", lang, count=critical)
    if handled == 0:
        text += " " + t("headline_critical_unhandled_one" if critical == 1 else "headline_critical_unhandled", lang)
    elif handled is not None:
        text += " " + t("headline_critical_handled", lang, handled=handled, count=critical)
    return Headline(text, "tension_points")


def _overdue(summary: pd.DataFrame, lang: str) -> Headline | None:
    now, start = _row(summary, t("kpi_overdue", lang)), _row(summary, t("overdue_at_start", lang))
    if now is None or pd.isna(now["current"]):
        return None
    text = t("headline_overdue", lang, messages=_messages(now["current"], lang))
    if start is None or pd.isna(start["current"]):
        return Headline(text + ".", "briefing_summary")
    was, is_ = int(start["current"]), int(now["current"])
    trend = "headline_overdue_up" if is_ > was else "headline_overdue_down" if is_ < was else "headline_overdue_same"
    return Headline(text + t(trend, lang, start=fmt.number(was, lang)), "briefing_summary")


def _agencies(agencies: pd.DataFrame, lang: str) -> Headline | None:
    """The fastest and the slowest agency by median first answer, among those with enough messages to rank."""
    ranked = agencies[(agencies["messages"] >= AGENCY_MIN_MESSAGES) & agencies["median_hours"].notna()]
    ranked = ranked[ranked["agency"] != NO_AGENCY].sort_values(["median_hours", "agency"])
    if len(ranked) < 2:
        return None
    best, worst = ranked.iloc[0], ranked.iloc[-1]
    return Headline(
        t(
            "headline_agencies",
            lang,
            best=best["agency"],
            best_hours=fmt.hours(best["median_hours"], lang),
            worst=worst["agency"],
            worst_hours=fmt.hours(worst["median_hours"], lang),
            least=AGENCY_MIN_MESSAGES,
        ),
        "briefing_agencies",
    )


def headlines(
    summary: pd.DataFrame,
    points: pd.DataFrame,
    agencies: pd.DataFrame,
    critical: int,
    critical_handled: int | None,
    running: bool,
    lang: str = "ru",
) -> tuple[Headline, ...]:
    """The sentences, in the order a head reads a situation: how much, where it rose, what is critical, what is
    late, who answers. ``summary``, ``points`` and ``agencies`` are the briefing's tables' rows (in ``lang``)."""
    found = (
        _volume(summary, running, lang),
        _rises(points, lang),
        _critical(critical, critical_handled, lang),
        _overdue(summary, lang),
        _agencies(agencies, lang),
    )
    return tuple(h for h in found if h is not None)
