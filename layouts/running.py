"""Steps of a trend whose figures can still move are drawn apart: a count of today holds only part of a day, and a
median or p90 of the last days is provisional while their messages still wait for answers (``provisional`` of
``response_times.trend``). Such points are drawn hollow on a dotted segment that starts at the last settled point,
their hover saying why, with one legend entry «предварительно» per figure."""

from __future__ import annotations

from collections.abc import Sequence

from dashboard.i18n import t


def running_flags(points: int, running: bool) -> list[bool]:
    """Only the last point can move: it is today, still running."""
    return [False] * (points - 1) + [running] if points else []


def with_provisional_tail(
    trace: dict, provisional: Sequence[bool], lang: str = "ru", note: str = "provisional_step", legend: bool = False
) -> list[dict]:
    """``trace`` (a line of a scatter figure) as is, or, from its first provisional point on, split off into a dotted
    segment joined to the point before it, hollow markers, the hover saying ``note`` (an i18n key); ``legend``: this
    tail carries the figure's one legend entry «предварительно»."""
    x, y = list(trace["x"]), list(trace["y"])
    flags = list(provisional)
    if not any(flags) or len(x) < 2:
        return [trace]
    first = flags.index(True)
    start = max(first - 1, 0)
    hover = trace.get("hovertemplate") or "%{y}"
    hover = hover if "<extra>" in hover else hover + "<extra></extra>"
    tail = {
        **trace,
        "x": x[start:],
        "y": y[start:],
        "mode": "lines+markers",
        "line": {**trace.get("line", {}), "dash": "dot"},
        "marker": {**trace.get("marker", {}), "symbol": "circle-open", "size": 7},
        "name": t("provisional_legend", lang),
        "legendgroup": "provisional",
        "showlegend": legend,
        "hovertemplate": hover.replace("<extra>", f" · {t(note, lang)}<extra>", 1),
    }
    settled = {**trace, "y": [*y[:first], *[None] * (len(y) - first)]}
    return [settled, tail]


def with_running_tail(trace: dict, running: bool, lang: str = "ru") -> list[dict]:
    """``with_provisional_tail`` where only the last point — today — is still running."""
    return with_provisional_tail(trace, running_flags(len(trace["x"]), running), lang, "running_step")
