"""«данные на ЧЧ:ММ» and the warning naming a late or silent channel — for the page's header and the wall."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from dash import html

from dashboard import formatting as fmt
from dashboard.catalog import source_name
from dashboard.i18n import t
from dashboard.metrics.freshness import ChannelFreshness, Freshness


def data_at(found: Freshness, tz: ZoneInfo, today: date, lang: str = "ru") -> html.Span:
    """The newest message's time — the hour alone today, with its day otherwise; the last load in its tooltip."""
    if found.data_at is None:
        return html.Span(t("data_none", lang), className="data-at")
    local = found.data_at.astimezone(tz)
    at = local.strftime("%H:%M") if local.date() == today else fmt.day_time(local, lang)
    loaded = fmt.day_time(found.loaded_at.astimezone(tz), lang) if found.loaded_at else "—"
    return html.Span(t("data_at", lang, at=at), title=t("data_at_title", lang, loaded=loaded), className="data-at")


def _sentence(channel: ChannelFreshness, lang: str) -> str:
    return t(
        f"channel_{channel.status}",
        lang,
        name=source_name(channel.source, lang),
        gap=fmt.hours(channel.silent_hours, lang),
        usual=fmt.number(channel.expected_in_gap, lang),
    )


def _troubled(found: Freshness) -> list[ChannelFreshness]:
    return [*found.with_status("silent"), *found.with_status("late")]


def channel_warnings(found: Freshness, lang: str = "ru") -> list[html.Div]:
    """The wall's strip: a sentence for each silent channel, then each late one; nothing when all keep their rhythm."""
    return [html.Div(_sentence(c, lang), className=f"channel-{c.status}") for c in _troubled(found)]


def channel_badges(found: Freshness, lang: str = "ru") -> list[html.Span]:
    """The page's header: a short badge for each silent, then each late channel — «молчит «Телефон» · 5 ч» — the
    whole sentence (what it usually sends in such a gap) in its tooltip; the first screen keeps its height."""
    return [
        html.Span(
            t(f"channel_{c.status}_short", lang, name=source_name(c.source, lang), gap=fmt.hours(c.silent_hours, lang)),
            title=_sentence(c, lang),
            className=f"channel-badge {c.status}",
        )
        for c in _troubled(found)
    ]
