"""Small numbers are not headlines: rates and shares of places with few messages shrunk toward the region, a
flag below a documented count, and no percentage change between two tiny counts.

* Rates per resident — Marshall's global empirical-Bayes estimator (Marshall 1991, *Applied Statistics* 40:283):
  each place's rate is pulled toward the region's rate by the weight ``A / (A + m / n_i)``, where ``m`` is the
  region's rate, ``n_i`` the place's population and ``A`` the variance of the true rates between places,
  estimated from the data (the observed spread less the part Poisson noise explains). A big place keeps its own
  rate; a small one with a handful of messages is drawn to the region's.
* Shares (overdue of the period's messages) — ``SHARE_PRIOR`` pseudo-messages at the region's share are added to
  each place's own: 2 of 3 overdue reads as (2 + 10·p) / 13, not 67 %.
* ``LOW_COUNT`` — below this many messages a place's figures are flagged (``low_count``): drawn faded on the map,
  marked in the ranking, and a change in percent between two counts both below it is not shown at all.

Method and thresholds: docs/small-numbers.md.
"""

from __future__ import annotations

import numpy as np

LOW_COUNT = 10  # fewer messages than this: the figure is flagged and not ranked on its own
SHARE_PRIOR = 10.0  # pseudo-messages at the region's share added to every place's share
# the value a map metric colours and ranks by: small places' rates and shares shrunk toward the region
RANKED_BY = {"per_10k": "per_10k_adjusted", "overdue_share": "overdue_share_adjusted"}


def low_count(counts: np.ndarray) -> np.ndarray:
    return np.asarray(counts, dtype=float) < LOW_COUNT


def shrunk_rates(counts: np.ndarray, exposure: np.ndarray) -> np.ndarray:
    """Empirical-Bayes rates per unit of ``exposure`` (population); NaN where the exposure is unknown or zero.

    Marshall's moment estimator: m = Σy / Σn; s² = Σ n (r − m)² / Σ n; A = max(s² − m / n̄, 0) with n̄ the mean
    exposure; each rate is m + C (r − m) with C = A / (A + m / n)."""
    y = np.asarray(counts, dtype=float)
    n = np.asarray(exposure, dtype=float)
    known = np.isfinite(n) & (n > 0)
    out = np.full(len(y), np.nan)
    if not known.any():
        return out
    y_k, n_k = y[known], n[known]
    m = y_k.sum() / n_k.sum()
    rate = y_k / n_k
    spread = (n_k * (rate - m) ** 2).sum() / n_k.sum()
    between = max(spread - m / n_k.mean(), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(between > 0, between / (between + m / n_k), 0.0)
    out[known] = m + weight * (rate - m)
    return out


def shrunk_shares(hits: np.ndarray, totals: np.ndarray, prior_share: float | None = None) -> np.ndarray:
    """Shares pulled toward ``prior_share`` (by default the pooled share of all rows) by ``SHARE_PRIOR``
    pseudo-messages; NaN where a row has no messages."""
    x = np.asarray(hits, dtype=float)
    n = np.asarray(totals, dtype=float)
    if prior_share is None:
        prior_share = float(x.sum() / n.sum()) if n.sum() > 0 else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, (x + SHARE_PRIOR * prior_share) / (n + SHARE_PRIOR), np.nan)


def count_changes(current: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """Change of counts in percent, one decimal; NaN where the previous count is zero or both are below LOW_COUNT
    (1 → 3 is not «+200 %»)."""
    cur = np.asarray(current, dtype=float)
    prev = np.asarray(previous, dtype=float)
    tiny = (cur < LOW_COUNT) & (prev < LOW_COUNT)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.round((cur - prev) / np.where(prev > 0, prev, np.nan) * 100, 1)
    return np.where(tiny, np.nan, change)


def count_change(current: int | None, previous: int | None) -> float | None:
    """``count_changes`` of one pair; None where it is not shown."""
    if current is None or previous is None:
        return None
    value = count_changes(np.array([current]), np.array([previous]))[0]
    return None if np.isnan(value) else float(value)
