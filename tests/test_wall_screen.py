"""The wall's figures read from five metres: «норма» stands out from the black, text grows with the screen, the
median's axis has round ticks of its own."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from layouts.map_figure import TENSION_SCALE_DARK, THEMES
from layouts.wall import wall_trend_figure


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_normal_is_told_from_the_walls_background():
    background = THEMES["dark"]["background"]
    normal = [colour for position, colour in TENSION_SCALE_DARK if position < 0.3]
    assert min(_contrast(colour, background) for colour in normal) >= 3.0  # WCAG 1.4.11, graphical objects


def _frames(days: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    first = date(2026, 11, 13)
    steps = [first + timedelta(days=i) for i in range(days)]
    daily = pd.DataFrame({"day": steps, "messages": [20, 25, 18, 30, 22, 27, 24][:days]})
    response = pd.DataFrame(
        {
            "period_start": pd.to_datetime(steps),
            "median_hours": [5.32, 4.43, 5.1, 4.9, 5.6, 4.7, 5.0][:days],
            "provisional": [False] * (days - 1) + [True],
        }
    )
    return daily, response


def test_the_trend_grows_with_the_screen_and_has_round_ticks():
    daily, response = _frames()
    hd, uhd = wall_trend_figure(daily, response, height=1080), wall_trend_figure(daily, response, height=2160)
    assert hd["layout"]["font"]["size"] == 26 and uhd["layout"]["font"]["size"] == 52
    assert uhd["layout"]["legend"]["font"]["size"] == 52 and uhd["layout"]["xaxis"]["tickfont"]["size"] == 52
    right = hd["layout"]["yaxis2"]
    assert right["tickmode"] == "auto" and right["tickformat"] == ",.1~f"  # its own nice ticks, not the bars' grid
    assert len(hd["data"][0]["x"]) == 7  # the days it is given: the header's period, not a window of its own
