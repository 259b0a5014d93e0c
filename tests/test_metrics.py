"""Percentiles from log-spaced histogram buckets agree with exact percentiles; formatting."""

import numpy as np
import pytest

from dashboard import formatting as fmt
from dashboard.buckets import N_BUCKETS, bucket_of, percentile


@pytest.mark.parametrize("q", [0.5, 0.9])
@pytest.mark.parametrize(("median", "sigma"), [(2.5, 1.0), (18.0, 0.9), (0.4, 1.2)])
def test_histogram_percentile_close_to_exact(q, median, sigma):
    rng = np.random.default_rng(1)
    hours = median * np.exp(sigma * rng.standard_normal(50_000))
    counts = np.bincount(bucket_of(hours).astype(int), minlength=N_BUCKETS)
    exact = np.quantile(hours, q)
    assert abs(percentile(counts, q) - exact) / exact < 0.05


def test_empty_histogram_has_no_percentile():
    assert percentile(np.zeros(N_BUCKETS), 0.5) is None


def test_missing_durations_stay_missing():
    assert np.isnan(bucket_of(np.array([np.nan]))[0])


def test_russian_number_formatting():
    assert fmt.number(1234567) == "1\u00a0234\u00a0567"
    assert fmt.share(0.958) == "95,8\u00a0%"
    assert fmt.hours(0.5) == "30\u00a0мин"
    assert fmt.hours(4.43) == "4,4\u00a0ч"
    assert fmt.hours(50) == "2,1\u00a0сут"
    assert fmt.change(-3.7) == "−3,7\u00a0%"
    assert fmt.number(None) == "—"


def reference_percentile(counts, q):
    """The interpolation of dashboard/buckets.py written out for one histogram, bucket by bucket."""
    from dashboard.buckets import EDGES, RATIO

    total = float(sum(counts))
    if total <= 0:
        return None
    target, running = q * total, 0.0
    for k, n in enumerate(counts):
        if running + n >= target or k == len(counts) - 1:
            low, high = EDGES[k], EDGES[k + 1] if k + 1 < len(EDGES) else EDGES[k] * RATIO
            fraction = 0.5 if n == 0 else (target - running) / n
            return high * fraction if low <= 0 else low * (high / low) ** fraction
        running += n
    return None


def test_row_wise_percentiles_follow_the_interpolation_of_each_histogram():
    from dashboard.buckets import N_BUCKETS, percentiles

    rng = np.random.default_rng(3)
    hists = rng.poisson(rng.uniform(0, 5, (50, N_BUCKETS)) * (rng.random((50, N_BUCKETS)) < 0.3))
    hists[0] = 0  # an empty row
    hists[1] = 0
    hists[1, 0] = 4  # everything in the first bucket
    for q in (0.1, 0.5, 0.9, 1.0):
        rows = percentiles(hists, q)
        expected = [reference_percentile(h, q) for h in hists]
        assert np.isnan(rows[0]) and expected[0] is None
        np.testing.assert_allclose(rows[1:], np.array(expected[1:], dtype=float), rtol=1e-9)
