"""A decision's effect on synthetic cells whose truth is known: a real drop is found with an interval holding it; no
drop reads as none; a spike that falls (or stays up) by itself is not taken for the decision's doing."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from dashboard.decisions.effect import EFFECT_DAYS, control_spikes, estimate

WEEK0 = date(2025, 1, 6)  # a Monday
BASE_PER_DAY = 3.0
SPIKE = 3.0  # the spike week, times the ordinary


def weekly_controls(natural: float, cells: int = 150, seed: int = 1) -> pd.DataFrame:
    """Cells with ordinary weeks, one spike week (week 20) and then ``natural`` times the ordinary for ten weeks."""
    rng = np.random.default_rng(seed)
    rows = []
    for cell in range(cells):
        for w in range(34):
            rate = BASE_PER_DAY * 7 * (SPIKE if w == 20 else natural if 20 < w <= 30 else 1.0)
            rows.append(("zhkh", f"{cell:08d}", WEEK0 + timedelta(weeks=w), int(rng.poisson(rate))))
    return pd.DataFrame(rows, columns=["sector", "oktmo", "week", "messages"])


def decided_cell(after_factor: float, seed: int = 2) -> tuple[pd.Series, tuple[date, date], date, date]:
    """A cell: 56 ordinary days, a spike week, done the day after it, then ``after_factor`` times the ordinary."""
    rng = np.random.default_rng(seed)
    start = date(2026, 3, 2)
    spike = (start + timedelta(days=56), start + timedelta(days=62))
    done = spike[1]
    days = [start + timedelta(days=i) for i in range(56 + 7 + EFFECT_DAYS + 5)]
    rates = [BASE_PER_DAY * (SPIKE if spike[0] <= d <= spike[1] else after_factor if d > done else 1.0) for d in days]
    daily = pd.Series(rng.poisson(rates), index=days)
    return daily, spike, done, done + timedelta(days=EFFECT_DAYS + 2)


def totals(daily: pd.Series) -> pd.Series:
    return pd.Series(1000, index=daily.index)


def controls_for(natural: float) -> pd.DataFrame:
    weekly = weekly_controls(natural)
    return control_spikes(weekly, 0, WEEK0 + timedelta(weeks=33), pd.DataFrame(columns=["sector", "oktmo", "day"]))


def test_the_controls_are_the_spikes_and_how_they_went_on():
    controls = controls_for(1.5)
    assert len(controls) >= 140  # one spike per cell, few chance ones
    assert controls["ratio"].median() == pytest.approx(SPIKE, rel=0.15)
    assert controls["after"].sum() / controls["ordinary"].sum() == pytest.approx(1.5, rel=0.05)


def test_a_real_drop_is_found_and_its_interval_holds_the_truth():
    """Spikes stay at 1.5× by themselves; the decided cell went to 0.9×: the truth is 0.9 / 1.5 − 1 = −40 %."""
    daily, spike, done, today = decided_cell(0.9)
    effect = estimate(daily, totals(daily), spike, done, today, controls_for(1.5))
    assert effect.verdict == "fell"
    assert effect.low_pct <= -40 <= effect.high_pct
    assert effect.natural == pytest.approx(1.5, rel=0.06) and effect.controls == 30
    assert "к ожидаемому" in effect.text("ru") and effect.text("ru").startswith("после решения: −")


def test_no_drop_reads_as_no_effect():
    daily, spike, done, today = decided_cell(1.5)
    effect = estimate(daily, totals(daily), spike, done, today, controls_for(1.5))
    assert effect.verdict == "unclear" and effect.low_pct < 0 < effect.high_pct
    assert effect.text("ru").startswith("эффект пока не виден")


def test_a_spike_falling_by_itself_is_not_the_decisions_doing():
    """Spikes fall back to the ordinary by themselves, and so did this cell: compared with the spike it fell by two
    thirds, compared with what spikes do it did nothing."""
    daily, spike, done, today = decided_cell(1.0)
    effect = estimate(daily, totals(daily), spike, done, today, controls_for(1.0))
    assert effect.verdict == "unclear"
    spike_level = daily.loc[spike[0] : spike[1]].mean()
    after_level = daily.loc[done + timedelta(days=1) : done + timedelta(days=EFFECT_DAYS)].mean()
    assert after_level / spike_level < 0.5  # what a naive before/after would have called a success


def test_staying_up_by_itself_is_not_a_rise_either():
    """Without the controls, 1.5× the ordinary would read as «+50 %»: spikes stay up for weeks by themselves."""
    daily, spike, done, today = decided_cell(1.5)
    with_controls = estimate(daily, totals(daily), spike, done, today, controls_for(1.5))
    without = estimate(daily, totals(daily), spike, done, today, controls_for(1.5).iloc[0:0])
    assert with_controls.verdict == "unclear"
    assert without.verdict == "rose" and without.controls == 0


def test_nothing_is_said_before_the_weeks_have_passed_or_on_few_messages():
    daily, spike, done, _ = decided_cell(0.5)
    early = estimate(daily, totals(daily), spike, done, done + timedelta(days=15), controls_for(1.0))
    assert early.verdict == "early" and early.days_passed == 14
    assert early.text("ru") == "рано судить об эффекте: прошло 2 из 4 недель"
    sparse = (daily * 0).astype(int)
    sparse.iloc[::20] = 1
    few = estimate(sparse, totals(daily), spike, done, done + timedelta(days=40), controls_for(1.0))
    assert few.verdict == "too_few"


def test_a_decision_on_a_cell_takes_its_spike_out_of_the_controls():
    weekly = weekly_controls(1.5, cells=20)
    decided = pd.DataFrame({"sector": ["zhkh"], "oktmo": ["00000003"], "day": [WEEK0 + timedelta(weeks=21)]})
    empty = pd.DataFrame(columns=["sector", "oktmo", "day"])
    last = WEEK0 + timedelta(weeks=33)
    assert len(control_spikes(weekly, 0, last, decided)) == len(control_spikes(weekly, 0, last, empty)) - 1


def test_a_cell_with_no_ordinary_messages_is_too_few_to_judge():
    """Its level would be made of the floor (half a message a week): «−100 %» on nothing is no finding."""
    daily, spike, done, today = decided_cell(1.0)
    empty = daily * 0
    empty.loc[spike[0] : spike[1]] = 2
    found = estimate(empty, totals(daily), spike, done, today, controls_for(3.0))
    assert found.verdict == "too_few"
