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


def percentile(counts: np.ndarray, q: float) -> float | None:
    """q-th quantile (0..1) of a histogram of bucket counts; None when empty."""
    counts = np.asarray(counts, dtype=float)
    total = counts.sum()
    if total <= 0:
        return None
    target = q * total
    cumulative = np.cumsum(counts)
    k = int(np.searchsorted(cumulative, target, side="left"))
    k = min(k, N_BUCKETS - 1)
    before = cumulative[k - 1] if k > 0 else 0.0
    inside = counts[k]
    fraction = 0.5 if inside == 0 else (target - before) / inside
    low, high = EDGES[k], EDGES[k + 1] if k + 1 < len(EDGES) else EDGES[k] * RATIO
    if low <= 0:
        return float(high * fraction)
    return float(low * (high / low) ** fraction)


def column_names(prefix: str) -> list[str]:
    return [f"{prefix}{i:02d}" for i in range(N_BUCKETS)]


FIRST_RESPONSE_COLUMNS = column_names("fr_")
RESOLUTION_COLUMNS = column_names("rs_")
