"""A done decision's effect: its cell's messages in the weeks after it against what the cell would have had without
it — its own baseline, corrected by how comparable spikes that got no decision went on by themselves.

Method and limits: docs/decisions-effect.md. In short:

* **Baseline.** The cell's messages over the ``BASELINE_DAYS`` before the evidence period, spread over the days after
  the decision by the region's weekday and holiday profile (the tension index's own model: ``weekday_profile``,
  ``day_types``) — ``E₀``, what the cell has in ordinary weeks.
* **Regression to the mean.** A decision is taken on a spike, and spikes fall by themselves. So the past spikes of
  every cell of the region that got no decision — a week at least ``SPIKE_RATIO`` times its own eight weeks before,
  with ``SPIKE_MIN`` messages — are followed over the same weeks after as the decision's (the same gap after the
  spike); the ``CONTROLS`` nearest in the spike's size give the natural course ``m``: their messages afterwards over
  their own baselines (a ratio of sums). Expected = ``E₀ · m``.
* **Estimate.** ``θ = k / (E₀ · m)`` for the ``k`` messages of the ``EFFECT_DAYS`` after the day it was done; the
  95 % interval by simulation: Jeffreys gamma draws of the cell's rate after and in its baseline, the controls
  resampled.
* **When to say it.** Nothing before ``EFFECT_DAYS`` have passed (``early``), nothing when fewer than ``MIN_EXPECTED``
  messages were expected or the cell had fewer than ``MIN_BASELINE`` in its ordinary weeks (``too_few``); a fall
  or a rise only when the whole interval is below or above zero,
  otherwise «эффект пока не виден» (``unclear``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from dashboard.i18n import t
from dashboard.metrics.tension import BASELINE_DAYS, EXPECTED_FLOOR_PER_WEEK, day_types, weekday_profile

EFFECT_DAYS = 28  # the weeks after a decision its effect is read over
SPIKE_RATIO = 2.0  # a control spike: a week at least twice its own eight weeks before…
SPIKE_MIN = 5  # …with at least this many messages
BASELINE_WEEKS = 8
CONTROLS = 30  # the past spikes nearest in size that give the natural course
MIN_CONTROLS = 10  # fewer: no correction for regression to the mean (said so)
MIN_EXPECTED = 5.0  # fewer expected messages after: too few to judge
MIN_BASELINE = 10  # fewer messages in the cell's own ordinary weeks: its level is unknown, too few to judge
DRAWS = 4000
VERDICTS = ("early", "too_few", "fell", "rose", "unclear")


@dataclass(frozen=True)
class Effect:
    verdict: str  # one of VERDICTS
    days_passed: int  # of EFFECT_DAYS
    observed: int | None = None  # messages in the weeks after
    expected: float | None = None  # E₀ · m
    ordinary: float | None = None  # E₀: the cell's own baseline over those days
    natural: float | None = None  # m: how comparable spikes went on without a decision
    controls: int = 0  # spikes m was read from (0: m = 1, no correction)
    change_pct: float | None = None
    low_pct: float | None = None
    high_pct: float | None = None

    @property
    def measured(self) -> bool:
        """A claim can be made: the whole interval on one side of zero."""
        return self.verdict in ("fell", "rose")

    def text(self, lang: str = "ru") -> str:
        if self.verdict == "early":
            return t("effect_early", lang, weeks=self.days_passed // 7, of=EFFECT_DAYS // 7)
        if self.verdict == "too_few":
            return t("effect_too_few", lang)
        interval = f"{_signed(self.low_pct)}…{_signed(self.high_pct)} %"
        if self.verdict == "unclear":
            return t("effect_unclear", lang, interval=interval)
        return t("effect_measured", lang, change=_pct(self.change_pct), interval=interval)

    def public(self, lang: str = "ru") -> dict:
        return {
            "verdict": self.verdict,
            "text": self.text(lang),
            "days_passed": self.days_passed,
            "observed": self.observed,
            "expected": None if self.expected is None else round(self.expected, 1),
            "ordinary": None if self.ordinary is None else round(self.ordinary, 1),
            "natural_course": None if self.natural is None else round(self.natural, 3),
            "controls": self.controls,
            "change_pct": self.change_pct,
            "interval_pct": None if self.low_pct is None else [self.low_pct, self.high_pct],
        }


def _signed(value: float | None) -> str:
    if value is None:
        return "—"
    rounded = round(value)
    return f"{'+' if rounded > 0 else '−' if rounded < 0 else ''}{abs(rounded)}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{_signed(value)} %"


def after_window(done: date) -> tuple[date, date]:
    """The days an effect is read over: from the day after the decision was done."""
    return done + timedelta(days=1), done + timedelta(days=EFFECT_DAYS)


def baseline_window(period_from: date) -> tuple[date, date]:
    """The cell's ordinary weeks: the BASELINE_DAYS before its evidence period."""
    return period_from - timedelta(days=BASELINE_DAYS), period_from - timedelta(days=1)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def control_spikes(weekly: pd.DataFrame, gap_weeks: int, last_week: date, decided: pd.DataFrame) -> pd.DataFrame:
    """Past spikes that got no decision, and how they went on: ``weekly`` — sector, oktmo, week (Monday), messages
    — of every cell; the weeks followed begin ``gap_weeks`` after the spike and must end by ``last_week``;
    ``decided`` — sector, oktmo, day — the cells' decisions (a spike with one in the weeks followed is no control).
    Returns ratio (the spike week over its baseline), after (messages in the weeks followed), ordinary (its
    baseline over them)."""
    columns = ["ratio", "after", "ordinary"]
    if weekly.empty:
        return pd.DataFrame(columns=columns)
    table = weekly.pivot_table(index=["sector", "oktmo"], columns="week", values="messages", aggfunc="sum")
    weeks = pd.date_range(min(table.columns), max(last_week, max(table.columns)), freq="7D").date
    table = table.reindex(columns=weeks, fill_value=0).fillna(0)
    counts = table.to_numpy(dtype=float)
    span = EFFECT_DAYS // 7
    found = []
    decided_at = {}
    for row in decided.itertuples():
        decided_at.setdefault((row.sector, row.oktmo), []).append(row.day)
    for w in range(BASELINE_WEEKS, len(weeks) - gap_weeks - span):
        first_after, last_after = w + 1 + gap_weeks, w + gap_weeks + span
        if weeks[last_after] > last_week:
            break
        base = np.maximum(counts[:, w - BASELINE_WEEKS : w].mean(axis=1), EXPECTED_FLOOR_PER_WEEK)
        spike = counts[:, w]
        hit = np.flatnonzero((spike >= SPIKE_MIN) & (spike >= SPIKE_RATIO * base))
        for i in hit:
            cell = table.index[i]
            until = weeks[last_after] + timedelta(days=6)
            if any(weeks[w] <= day <= until for day in decided_at.get(cell, ())):
                continue
            after = counts[i, first_after : last_after + 1].sum()
            found.append((spike[i] / base[i], after, base[i] * span))
    return pd.DataFrame(found, columns=columns)


def too_early(done: date, today: date) -> Effect | None:
    """«Too early» while the EFFECT_DAYS after ``done`` have not all passed (today is not over), else None."""
    if today <= after_window(done)[1]:
        return Effect("early", min(max((today - done).days - 1, 0), EFFECT_DAYS))
    return None


def estimate(
    cell_daily: pd.Series,
    totals: pd.Series,
    spike: tuple[date, date],
    done: date,
    today: date,
    controls: pd.DataFrame,
    seed: int = 0,
) -> Effect:
    """The effect of a decision done on ``done`` on a cell whose spike (the evidence period) was ``spike``:
    ``cell_daily`` — the cell's messages by day from its baseline on (missing days: none); ``totals`` — the region's
    by day over the baseline (the weekday profile); ``controls`` — ``control_spikes``."""
    waiting = too_early(done, today)
    if waiting is not None:
        return waiting
    a_from, a_to = after_window(done)
    b_from, b_to = baseline_window(spike[0])
    base_days, after_days, spike_days = _days(b_from, b_to), _days(a_from, a_to), _days(*spike)
    profile = weekday_profile(totals.reindex(base_days, fill_value=0))
    weight = lambda days: float(profile[day_types(days)].sum())  # noqa: E731
    daily = cell_daily.reindex(_days(b_from, a_to), fill_value=0)
    baseline = float(daily.loc[b_from:b_to].sum())
    observed = int(daily.loc[a_from:a_to].sum())
    floor = EXPECTED_FLOOR_PER_WEEK * len(base_days) / 7
    rate = max(baseline, floor) / weight(base_days)  # messages per unit of ordinary day
    ordinary = rate * weight(after_days)
    spike_ratio = float(daily.loc[spike[0] : spike[1]].sum()) / max(rate * weight(spike_days), 1e-9)
    near = _nearest(controls, spike_ratio)
    corrected = len(near) >= MIN_CONTROLS
    natural = float(near["after"].sum() / near["ordinary"].sum()) if corrected else 1.0
    used = len(near) if corrected else 0
    expected = ordinary * natural
    if expected < MIN_EXPECTED or baseline < MIN_BASELINE:  # a level made of the floor is no level
        return Effect("too_few", EFFECT_DAYS, observed, expected, ordinary, natural, used)
    rng = np.random.default_rng(seed)
    after_rate = rng.gamma(observed + 0.5, 1.0, DRAWS)
    base_rate = rng.gamma(baseline + 0.5, 1.0, DRAWS) / baseline  # the real count's uncertainty, relative to E₀
    if corrected:
        picks = rng.integers(0, len(near), (DRAWS, len(near)))
        after, ordinary_c = near["after"].to_numpy(float), near["ordinary"].to_numpy(float)
        natural_draws = after[picks].sum(axis=1) / ordinary_c[picks].sum(axis=1)
    else:
        natural_draws = np.ones(DRAWS)
    theta = after_rate / (ordinary * base_rate * natural_draws)
    low, high = np.percentile(theta, [2.5, 97.5])
    change, low_pct, high_pct = (round((v - 1) * 100, 1) for v in (observed / expected, low, high))
    verdict = "fell" if high < 1 else "rose" if low > 1 else "unclear"
    return Effect(verdict, EFFECT_DAYS, observed, expected, ordinary, natural, used, change, low_pct, high_pct)


def _nearest(controls: pd.DataFrame, ratio: float) -> pd.DataFrame:
    """The CONTROLS spikes nearest ``ratio`` in size (on a log scale)."""
    if controls.empty or not math.isfinite(ratio) or ratio <= 0:
        return controls.iloc[0:0]
    distance = np.abs(np.log(controls["ratio"].to_numpy(float)) - math.log(ratio))
    return controls.iloc[np.argsort(distance, kind="stable")[:CONTROLS]]
