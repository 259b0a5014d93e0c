"""Log-spaced histogram buckets for response times, so percentiles can be read from rollups.

Bucket 0 holds [0, FIRST_EDGE); bucket k ≥ 1 holds [FIRST_EDGE·RATIO^(k-1), FIRST_EDGE·RATIO^k);
the last bucket is open-ended. Percentiles interpolate geometrically inside a bucket, so the error
is a small fraction of the bucket width (RATIO − 1 = 20 % at the very worst, ~1–2 % on smooth data).
"""

from __future__ import annotations

import numpy as np

N_BUCKETS = 60
FIRST_EDGE = 0.05  # hours (3 minutes)
RATIO = 1.2
EDGES = np.concatenate([[0.0], FIRST_EDGE * RATIO ** np.arange(N_BUCKETS)])  # N_BUCKETS + 1 edges


def bucket_of(hours: np.ndarray) -> np.ndarray:
    """Bucket index for each duration in hours (NaN stays NaN)."""
    hours = np.asarray(hours, dtype=float)
    idx = np.searchsorted(EDGES, hours, side="right") - 1
    idx = np.clip(idx, 0, N_BUCKETS - 1).astype(float)
    idx[np.isnan(hours)] = np.nan
    return idx


def percentiles(counts: np.ndarray, q: float) -> np.ndarray:
    """q-th quantile (0..1) of each row of a 2-D array of bucket counts; NaN for empty rows."""
    counts = np.atleast_2d(np.asarray(counts, dtype=float))
    total = counts.sum(axis=1)
    target = q * total
    cumulative = np.cumsum(counts, axis=1)
    k = np.minimum((cumulative < target[:, None]).sum(axis=1), N_BUCKETS - 1)  # first bucket reaching the target
    rows = np.arange(len(counts))
    before = np.where(k > 0, cumulative[rows, np.maximum(k - 1, 0)], 0.0)
    inside = counts[rows, k]
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(inside == 0, 0.5, (target - before) / inside)
        low = EDGES[k]
        high = np.where(k + 1 < len(EDGES), EDGES[np.minimum(k + 1, len(EDGES) - 1)], EDGES[k] * RATIO)
        value = np.where(low <= 0, high * fraction, low * (high / low) ** fraction)
    return np.where(total > 0, value, np.nan)


def percentile(counts: np.ndarray, q: float) -> float | None:
    """q-th quantile (0..1) of a histogram of bucket counts; None when empty."""
    value = percentiles(np.asarray(counts, dtype=float)[None, :], q)[0]
    return None if np.isnan(value) else float(value)


def column_names(prefix: str) -> list[str]:
    return [f"{prefix}{i:02d}" for i in range(N_BUCKETS)]


FIRST_RESPONSE_COLUMNS = column_names("fr_")
RESOLUTION_COLUMNS = column_names("rs_")
