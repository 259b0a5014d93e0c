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
        return Headline(t("headline_volume_uncompared", lang, messages=current), "briefing_summary")
    change = round(float(row["change"]), 1)  # as the table shows it: «±0,0 %» is no rise and no fall
    same = "_same" if change == 0 else ""
    text = t(
        ("headline_volume_running" if running else "headline_volume") + same,
        lang,
        messages=current,
        change=fmt.number(abs(change), lang, 1),
        direction=t("headline_more" if change > 0 else "headline_less", lang),
        previous=fmt.number(row["previous"], lang),
    )
    return Headline(text, "briefing_summary")


def _rises(points: pd.DataFrame, lang: str) -> Headline:
    """The points above normal that rose most against their baseline (the table's «к базовому уровню»)."""
    if points.empty:
        return Headline(t("briefing_no_points", lang) + ".", "tension_points")
    change = pd.to_numeric(points["change"], errors="coerce")
    rising = points.assign(change=change)[change > 0].sort_values("change", ascending=False, kind="stable")
    if rising.empty:
        return Headline(t("headline_no_rises", lang), "tension_points")
    named = [
        t(
            "headline_rise_item",
            lang,
            sector=row["sector"],
            place=row["municipality"],
            messages=_messages(row["observed"], lang) if pd.notna(row["observed"]) else "—",
            change=fmt.change(row["change"], lang),
        )
        for _, row in rising.head(RISES_NAMED).iterrows()
    ]
    return Headline(t("headline_rises", lang, items="; ".join(named)), "tension_points")


def _critical(critical: int, handled: int | None, lang: str) -> Headline:
    """Critical points of the period's tension index (the table's level «критично»), and how many of them have an
    open decision."""
    if critical == 0:
        return Headline(t("headline_no_critical", lang), "tension_points")
    text = t("headline_critical", lang, count=critical)
    if handled is None:
        return Headline(text, "tension_points")
    if handled == 0:
        key = "headline_critical_unhandled_one" if critical == 1 else "headline_critical_unhandled"
    elif handled == critical:
        key = "headline_critical_all_one" if critical == 1 else "headline_critical_all"
    else:
        key = "headline_critical_handled_one" if handled == 1 else "headline_critical_handled"
    return Headline(f"{text} {t(key, lang, handled=handled, count=critical)}", "tension_points")


def _overdue(summary: pd.DataFrame, running: bool, lang: str) -> Headline | None:
    """Unanswered past their target: now against the period's start while it runs; at its end against its start
    once it is over (what came later is not the period's)."""
    end = _row(summary, t("kpi_overdue" if running else "overdue_at_end", lang))
    start = _row(summary, t("overdue_at_start", lang))
    if end is None or pd.isna(end["current"]):
        return None
    text = t(
        "headline_overdue" if running else "headline_overdue_ended", lang, messages=_messages(end["current"], lang)
    )
    if start is None or pd.isna(start["current"]):
        return Headline(text + ".", "briefing_summary")
    was, is_ = int(start["current"]), int(end["current"])
    trend = "headline_overdue_up" if is_ > was else "headline_overdue_down" if is_ < was else "headline_overdue_same"
    return Headline(text + t(trend, lang, start=fmt.number(was, lang)), "briefing_summary")


def _agencies(agencies: pd.DataFrame, lang: str) -> Headline | None:
    """The fastest and the slowest agency by median first answer, among those with enough messages to rank; said to
    be preliminary where either median can still move (messages still open are younger than it)."""
    ranked = agencies[(agencies["messages"] >= AGENCY_MIN_MESSAGES) & agencies["median_hours"].notna()]
    named = ranked["named"] if "named" in ranked else ranked["agency"] != NO_AGENCY
    ranked = ranked[named].sort_values(["median_hours", "agency"])
    if len(ranked) < 2:
        return None
    best, worst = ranked.iloc[0], ranked.iloc[-1]
    best_hours, worst_hours = fmt.hours(best["median_hours"], lang), fmt.hours(worst["median_hours"], lang)
    if best_hours == worst_hours:  # alike as shown: nobody is faster
        return None
    provisional = "provisional" in ranked and bool(best.get("provisional") or worst.get("provisional"))
    return Headline(
        t(
            "headline_agencies",
            lang,
            best=best["agency"],
            best_hours=best_hours,
            worst=worst["agency"],
            worst_hours=worst_hours,
            least=AGENCY_MIN_MESSAGES,
        )
        + (" " + t("headline_preliminary", lang) if provisional else ""),
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
        _overdue(summary, running, lang),
        _agencies(agencies, lang),
    )
    return tuple(h for h in found if h is not None)
