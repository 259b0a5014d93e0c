"""Durations stored in the cube so that a group's percentiles are exact while it is small and within 0.5 % beyond.

A cube row keeps, for each measure (hours to the first response, hours to resolution), two blobs:

* its **durations**: 8-byte little-endian elements, sorted. An element is either an exact duration (the float64
  itself: non-negative, so its top bit is 0) or a histogram bin (bit 63 set, the bin in bits 32–62, its count in
  bits 0–31). A row keeps its exact durations while it holds at most ``EXACT_LIMIT`` of them and no bin; past that,
  every duration is counted in its bin. Elements describe themselves, so rows merge by concatenation and
  re-normalising (``merged_durations``), and a read sums any rows it likes the same way.
* the **creation times of its messages still open** (not answered, or not resolved, yet: censored): uint32 seconds
  since 1970, sorted, so their age at any moment is exact.

Bins are log-spaced, as in DDSketch: edges ``e_j = 24 h · γ^(j − DAY_BIN)``; bin j ≥ 1 holds (e_{j−1}, e_j] and
reports ``2·e_j / (γ + 1)``, which is within ``(γ − 1)/(γ + 1)`` < 0.5 % of every duration in it. γ is chosen so that
24 h is an edge (``e_DAY_BIN``) and 1 s is ``e_0``; bin 0 holds [0, 1 s] and reports 0.5 s (absolute error ≤ 0.5 s).
The last bin also takes anything beyond its edge (~22 years).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

N_BINS = 2048
DAY_BIN = 1143  # 24 h = e_DAY_BIN exactly: «answered within 24 h» is a sum of whole bins
GAMMA = 86_400.0 ** (1 / DAY_BIN)  # 1 s · γ^DAY_BIN = 24 h; γ ≈ 1.00999
RELATIVE_ERROR = (GAMMA - 1) / (GAMMA + 1)  # ≈ 0.497 %
EDGES = 24.0 * GAMMA ** (np.arange(N_BINS) - DAY_BIN)  # hours; EDGES[DAY_BIN] == 24.0, EDGES[0] ≈ 1 s
REPRESENTATIVE = np.concatenate([[EDGES[0] / 2], 2 * EDGES[1:] / (GAMMA + 1)])
EXACT_LIMIT = 64  # a row keeps up to this many exact durations (see docs/decisions.md for the choice)

_TAG = np.uint64(1 << 63)
_LOW = np.uint64(0xFFFF_FFFF)
_SHIFT = np.uint64(32)
DURATION = np.dtype("<u8")  # an element of a durations blob
SECONDS = np.dtype("<u4")  # an element of an open-times blob


def bin_of(hours: np.ndarray) -> np.ndarray:
    """The bin of each duration in hours (int64): the first edge at or above it."""
    return np.minimum(np.searchsorted(EDGES, hours, side="left"), N_BINS - 1)


def decode(blobs: Sequence[bytes], dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """Every element of ``blobs`` (one blob a row) with the row it came from: (rows, elements)."""
    sizes, elements = decode_sized(blobs, dtype)
    return np.repeat(np.arange(len(blobs)), sizes), elements


def decode_sized(blobs: Sequence[bytes], dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """Every element of ``blobs``, and how many each blob holds: (sizes, elements)."""
    sizes = np.fromiter(map(len, blobs), dtype=np.int64, count=len(blobs)) // dtype.itemsize
    return sizes, np.frombuffer(b"".join(blobs), dtype=dtype)


def encode(rows: np.ndarray, elements: np.ndarray, n: int) -> list[bytes]:
    """One blob for each of ``n`` rows: its elements, sorted."""
    order = np.lexsort((elements, rows))
    counts = np.bincount(rows, minlength=n)
    buffer = elements[order].tobytes()
    ends = np.cumsum(counts) * elements.dtype.itemsize
    starts = ends - counts * elements.dtype.itemsize
    return [buffer[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]


def is_bin(elements: np.ndarray) -> np.ndarray:
    return elements >= _TAG


def counts_of(elements: np.ndarray) -> np.ndarray:
    """How many durations each element stands for (int64): one, or its bin's count."""
    return np.where(is_bin(elements), elements & _LOW, 1).astype(np.int64)


def bins_of(elements: np.ndarray) -> np.ndarray:
    """The bin of each element (int64): a bin element's own, an exact duration's by ``bin_of``."""
    binned = is_bin(elements)
    out = np.empty(len(elements), dtype=np.int64)
    out[binned] = ((elements[binned] & ~_TAG) >> _SHIFT).astype(np.int64)
    out[~binned] = bin_of(elements[~binned].view(np.float64))
    return out


def _bin_elements(bins: np.ndarray, counts: np.ndarray) -> np.ndarray:
    return _TAG | (bins.astype(np.uint64) << _SHIFT) | counts.astype(np.uint64)


def normalised(rows: np.ndarray, elements: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The elements of each of ``n`` rows in their stored form: exact while a row holds at most EXACT_LIMIT
    durations and no bin, else one bin element per non-empty bin."""
    counts = counts_of(elements)
    total = np.bincount(rows, weights=counts, minlength=n)
    binned = (total > EXACT_LIMIT) | (np.bincount(rows[is_bin(elements)], minlength=n) > 0)
    to_bin = binned[rows]
    if not to_bin.any():
        return rows, elements
    keys = rows[to_bin] * N_BINS + bins_of(elements[to_bin])
    unique, inverse = np.unique(keys, return_inverse=True)
    summed = np.bincount(inverse, weights=counts[to_bin]).astype(np.int64)
    rows_out = np.concatenate([rows[~to_bin], unique // N_BINS])
    return rows_out, np.concatenate([elements[~to_bin], _bin_elements(unique % N_BINS, summed)])


def durations(hours: np.ndarray, rows: np.ndarray, n: int) -> list[bytes]:
    """The durations blobs of ``n`` rows from each message's duration in hours (NaN: none) and row."""
    hours = np.asarray(hours, dtype=np.float64)
    present = ~np.isnan(hours)
    values = np.where(hours[present] > 0, hours[present], 0.0)  # never a negative zero: its top bit marks a bin
    return encode(*normalised(rows[present], values.view(DURATION), n), n)


def merged_durations(blobs: Sequence[bytes], rows: np.ndarray, n: int) -> list[bytes]:
    """The durations blobs of ``n`` rows, each the union of the ``blobs`` that ``rows`` assigns to it."""
    source, elements = decode(blobs, DURATION)
    return encode(*normalised(rows[source], elements, n), n)


def open_times(created_seconds: np.ndarray, rows: np.ndarray, n: int) -> list[bytes]:
    """The open-times blobs of ``n`` rows from each message's creation time in seconds since 1970 (NaN: not
    open)."""
    created = np.asarray(created_seconds, dtype=np.float64)
    present = ~np.isnan(created)
    return encode(rows[present], created[present].astype(SECONDS), n)


def merged_open_times(blobs: Sequence[bytes], rows: np.ndarray, n: int) -> list[bytes]:
    source, elements = decode(blobs, SECONDS)
    return encode(rows[source], elements, n)
