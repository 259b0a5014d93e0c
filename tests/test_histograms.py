"""Durations as the cube stores them: bins within 0.5 %, 24 h an edge, rows that merge, estimates from blobs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.metrics import percentiles
from dashboard.store import histograms

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
HOURS = st.floats(1 / 3600 * (1 + 1e-9), 100_000.0)  # above one second: below it the error is absolute (≤ 0.5 s)


def test_bins_cover_a_second_to_decades_within_half_a_percent():
    assert histograms.RELATIVE_ERROR < 0.005
    assert histograms.EDGES[histograms.DAY_BIN] == 24.0  # «answered within 24 h» is a whole number of bins
    assert histograms.bin_of(np.array([24.0]))[0] == histograms.DAY_BIN
    assert histograms.bin_of(np.array([np.nextafter(24.0, 25.0)]))[0] == histograms.DAY_BIN + 1
    assert histograms.EDGES[0] == pytest.approx(1 / 3600) and histograms.EDGES[-1] > 20 * 365 * 24
    assert histograms.bin_of(np.array([0.0, 1e9])).tolist() == [0, histograms.N_BINS - 1]


@given(st.lists(HOURS, min_size=1, max_size=50))
def test_every_duration_is_within_the_bound_of_its_bins_value(hours):
    values = np.array(hours)
    represented = histograms.REPRESENTATIVE[histograms.bin_of(values)]
    assert np.all(np.abs(represented - values) <= histograms.RELATIVE_ERROR * values * (1 + 1e-12))


def blobs(samples: list[list[float]]) -> list[bytes]:
    """One durations blob per sample, as the cube stores a row."""
    rows = np.repeat(np.arange(len(samples)), [len(s) for s in samples])
    return histograms.durations(np.concatenate([np.array(s, dtype=float) for s in samples]), rows, len(samples))


def estimates_of(durations: list[bytes], groups: list[int], opened: list[bytes] | None = None) -> percentiles.Grouped:
    rows = [(g, 1, d, o) for g, d, o in zip(groups, durations, opened or [b""] * len(durations), strict=True)]
    return percentiles.grouped(rows, 1, 1, NOW)


@settings(max_examples=300, deadline=None)
@given(st.lists(HOURS, min_size=1, max_size=400), st.integers(1, 5))
def test_percentiles_of_rows_are_exact_while_small_and_within_the_bound_beyond(hours, pieces):
    """A sample split over ``pieces`` rows (as a period is read from months, weeks and days) against numpy: exact
    while every row keeps its durations, within (γ − 1)/(γ + 1) once any row holds bins."""
    samples = [list(part) for part in np.array_split(np.array(hours), pieces) if len(part)]
    stored = blobs(samples)
    grouped = estimates_of(stored, [0] * len(stored))
    exact = all(len(sample) <= histograms.EXACT_LIMIT for sample in samples)
    for q in (0.5, 0.9):
        truth, value = np.quantile(hours, q), grouped.estimates.quantiles[q][0]
        tolerance = 1e-9 if exact else histograms.RELATIVE_ERROR * (1 + 1e-9)
        assert abs(value - truth) <= tolerance * truth, (q, value, truth, exact)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(HOURS, min_size=0, max_size=120), min_size=1, max_size=6))
def test_merged_rows_equal_the_row_of_all_their_durations(samples):
    """Rows merge by concatenating and re-normalising: the same bytes as a row built from every duration at once."""
    stored = blobs(samples)
    merged = histograms.merged_durations(stored, np.zeros(len(stored), dtype=np.int64), 1)
    assert merged == blobs([[h for sample in samples for h in sample]])
    kept = histograms.decode(merged, histograms.DURATION)[1]
    total = sum(len(s) for s in samples)
    assert histograms.counts_of(kept).sum() == total
    assert histograms.is_bin(kept).any() == (total > histograms.EXACT_LIMIT)


def test_open_messages_are_censored_at_their_age_now():
    """Answered after 1, 3 and 4 h; open since 2 h ago and since 30 h ago. S: 4/5 after 1 h; at 3 h three at risk,
    each answer's mass (4/5)/3 = 4/15, S 8/15; at 4 h two at risk, mass 4/15, S 4/15. Median positions 1/10, 1/3,
    9/15: the median lies 5/8 of the way from 3 h to 4 h."""
    created = np.array([(NOW - timedelta(hours=2)).timestamp(), (NOW - timedelta(hours=30)).timestamp()])
    opened = histograms.open_times(created, np.zeros(2, dtype=np.int64), 1)
    grouped = estimates_of(blobs([[1.0, 3.0, 4.0]]), [0], opened)
    assert grouped.estimates.quantiles[0.5][0] == pytest.approx(3.625)
    assert np.isnan(grouped.estimates.quantiles[0.9][0]) and grouped.estimates.provisional[0]
    assert grouped.estimates.share_by[0] == pytest.approx(11 / 15)  # followed past 24 h by the open one
