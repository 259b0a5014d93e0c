"""The Kaplan–Meier engine: a hand-computed example, numpy's quantiles on complete samples, the flags."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.metrics.survival import Observations, estimate


def observations(*groups: tuple[list[float], list[float]]) -> Observations:
    """Groups of (answered after these hours, still open at these ages) as the engine takes them."""
    times = np.unique(np.concatenate([np.r_[answered, still_open] for answered, still_open in groups] or [[]]))
    columns: list[list] = [[] for _ in range(6)]
    for group, (answered, still_open) in enumerate(groups):
        for at, values in ((0, answered), (3, still_open)):
            distinct, counts = np.unique(np.asarray(values, dtype=float), return_counts=True)
            for column, value in zip(
                columns[at : at + 3], ([group] * len(distinct), np.searchsorted(times, distinct), counts), strict=True
            ):
                column.extend(value)
    kept = (np.asarray(c, dtype=np.int64) for c in columns)
    return Observations(*kept, times.astype(float), np.zeros(1, dtype=np.int64), len(groups))


def test_a_hand_computed_example_with_ties_and_censoring():
    """Answered after 1, 2, 2, 4 and 7 h; open at 3, 5 and 9 h (eight messages).

    at risk  answered  S                      each answer's mass  its median position F(t−) + m/2
    1 h: 8   1         7/8                    1/8                 1/16
    2 h: 7   2         7/8 · 5/7 = 5/8        1/8                 3/16, 5/16
    3 h: one open message leaves: 4 at risk
    4 h: 4   1         5/8 · 3/4 = 15/32      5/32                3/8 + 5/64 = 29/64
    5 h: one open message leaves: 2 at risk
    7 h: 2   1         15/32 · 1/2 = 15/64    15/64               17/32 + 15/128 = 83/128
    9 h: the last open message leaves; S stays 15/64

    The median (level 1/2) lies between the positions of 4 h (29/64) and 7 h (83/128): 6/25 of the way, 4.72 h.
    For p90 the last answer's position is 17/32 + 0.9 · 15/64 ≈ 0.742 < 0.9: not known yet. 1 − S(4 h) = 17/32;
    1 − S(24 h) is beyond the follow-up (9 h) with messages open: not known. Open messages younger than where the
    estimates rest (p90: nowhere yet): provisional."""
    result = estimate(observations(([1, 2, 2, 4, 7], [3, 5, 9])), at=4.0)
    assert result.quantiles[0.5][0] == pytest.approx(4.72)
    assert np.isnan(result.quantiles[0.9][0])
    assert result.share_by[0] == pytest.approx(17 / 32)
    assert np.isnan(estimate(observations(([1, 2, 2, 4, 7], [3, 5, 9]))).share_by[0])
    assert result.provisional[0]


def test_complete_samples_and_what_can_still_move():
    result = estimate(
        observations(
            ([3, 1, 2, 10], []),  # all answered: numpy's median 2.5 and p90 3 + 0.7 · 7
            ([float(h) for h in range(1, 11)], [100]),  # open at 100 h, older than the p90 (10 h): settled
            ([float(h) for h in range(1, 11)], [5]),  # open at 5 h, younger than it: can still move
            ([], [2]),  # nothing answered yet
            ([], []),  # nothing at all
        )
    )
    median, p90 = result.quantiles[0.5], result.quantiles[0.9]
    assert median[0] == 2.5 and p90[0] == pytest.approx(7.9) and result.share_by[0] == 1.0
    # eleven messages, each answer's mass 1/11: positions (i − 1 + q)/11 reach 1/2 at the 6th, 0.9 at the 10th
    assert median[1] == pytest.approx(6.0) and p90[1] == pytest.approx(10.0)
    assert result.provisional.tolist() == [False, False, True, True, False]
    assert np.isnan(median[3]) and np.isnan(median[4]) and np.isnan(result.share_by[4])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(st.floats(0.0, 10_000.0, allow_nan=False).map(lambda h: round(h, 2)), min_size=1, max_size=40),
        min_size=1,
        max_size=6,
    )
)
def test_once_every_message_is_answered_the_estimates_are_numpys_quantiles(samples):
    """Ties and all: the median of an even count is the mean of the two middle values, the p90 numpy's linear one."""
    result = estimate(observations(*[(sample, []) for sample in samples]))
    for q in (0.5, 0.9):
        np.testing.assert_allclose(result.quantiles[q], [np.quantile(s, q) for s in samples], rtol=1e-9, atol=1e-9)
    assert not result.provisional.any()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0.01, 1000.0), min_size=1, max_size=30),
    st.lists(st.floats(0.01, 1000.0), min_size=1, max_size=10),
)
def test_censoring_only_ever_moves_a_quantile_up_from_the_answered_ones(answered, still_open):
    """An open message may still take long: the estimate is never below the quantile of the answers alone, and is
    known only where the survival has fallen far enough."""
    result = estimate(observations((answered, still_open)))
    for q in (0.5, 0.9):
        value = result.quantiles[q][0]
        assert np.isnan(value) or value >= np.quantile(answered, q) * (1 - 1e-12)
