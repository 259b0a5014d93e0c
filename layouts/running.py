"""The last step of a trend that holds today is still running: its median counts only the messages answered so
far (the quick ones), its count only part of a day. Such a point is drawn hollow at the end of a dotted segment."""

from __future__ import annotations

from dashboard.i18n import t


def with_running_tail(trace: dict, running: bool, lang: str = "ru") -> list[dict]:
    """``trace`` (a line of a scatter figure) as is, or, when its last point is still running, with that point split
    off into a dotted segment from the point before it, hollow, its hover saying so."""
    x, y = list(trace["x"]), list(trace["y"])
    if not running or len(x) < 2:
        return [trace]
    hover = trace.get("hovertemplate") or "%{y}"
    hover = hover if "<extra>" in hover else hover + "<extra></extra>"
    tail = {
        **trace,
        "x": x[-2:],
        "y": y[-2:],
        "mode": "lines+markers",
        "line": {**trace.get("line", {}), "dash": "dot"},
        "marker": {**trace.get("marker", {}), "symbol": "circle-open"},
        "showlegend": False,
        "hovertemplate": hover.replace("<extra>", f" · {t('running_step', lang)}<extra>", 1),
    }
    return [{**trace, "y": [*y[:-1], None]}, tail]
