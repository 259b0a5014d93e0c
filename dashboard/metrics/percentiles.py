"""Response-time estimates of cube groups: the rows of a stored read (``cube.read_stored``) added up per group —
counts summed, durations and open messages merged — and turned into Kaplan–Meier estimates
(dashboard/metrics/survival.py).

A group whose rows all hold exact durations is estimated from them (exact); a group with any binned row from its
bins, every duration at its bin's value (within ``histograms.RELATIVE_ERROR``). A message still open is censored at
its age at ``now``, exactly: its creation time is stored. In a binned group the ages are binned alike, and an open
message counts as at risk for the answers of its own bin (the KM convention for ties).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from dashboard.metrics import survival
from dashboard.store import histograms
from dashboard.store.cube import DURATIONS

QUANTILES = (0.5, 0.9)
SHARE_WITHIN_HOURS = 24.0  # ``answered_24h_share``: an edge of the bins, so binned groups count it exactly


def columns(measure: str) -> list[str]:
    """The blob columns a read of ``measure`` ("first" or "resolution") asks for, after its counts."""
    return list(DURATIONS[measure])


@dataclass(frozen=True)
class Grouped:
    """Per group (in order of first appearance): its key, its summed counts and its estimates."""

    keys: list[Hashable]
    counts: np.ndarray  # int64 (groups × counts)
    estimates: survival.Estimates

    def rounded(self, q: float, digits: int = 2) -> np.ndarray:
        """The q-quantile of every group rounded, NaN where not known."""
        return np.round(self.estimates.quantiles[q], digits)


def grouped(
    rows: Sequence[Sequence],
    keys: int,
    counts: int,
    now: datetime,
    key: Callable[[tuple], Hashable] = lambda k: k,
) -> Grouped:
    """``rows`` of (``keys`` key columns, ``counts`` counts, durations blob, open-times blob) added up by
    ``key(the key columns)``."""
    rows = [tuple(row) for row in rows]  # slicing a plain tuple is several times quicker than a Row
    index: dict[Hashable, int] = {}
    ids = np.fromiter((index.setdefault(key(row[:keys]), len(index)) for row in rows), dtype=np.int64, count=len(rows))
    summed = np.zeros((len(index), counts), dtype=np.int64)
    if rows:
        np.add.at(summed, ids, np.array([row[keys : keys + counts] for row in rows], dtype=np.int64))
    durations = [row[keys + counts] for row in rows]
    opened = [row[keys + counts + 1] for row in rows]
    observed, numbered = observations(durations, opened, ids, len(index), now)
    estimates = survival.estimate(observed, QUANTILES, SHARE_WITHIN_HOURS)
    return Grouped(list(index), summed, estimates.of(numbered))


def observations(
    durations: Sequence[bytes], opened: Sequence[bytes], groups: np.ndarray, n: int, now: datetime
) -> tuple[survival.Observations, np.ndarray]:
    """The KM observations of ``n`` groups from rows' durations and open-times blobs (``groups``: each row's), and
    the number each group has in them: the exact groups are numbered first, the binned ones after.

    A group with any binned row is read by bins: its answers counted per bin at the bin's value, its open messages'
    ages binned alike (key = bin). A group of exact rows keeps its durations and ages (key = rank of the time). The
    rows are read in the order exact groups' rows, binned groups' binned rows, binned groups' exact rows, so that
    each kind is one slice of the elements."""
    row_binned = np.fromiter((len(b) > 0 and b[-1] >= 0x80 for b in durations), dtype=bool, count=len(durations))
    binned = np.zeros(n, dtype=bool)  # a stored row is all exact or all bins, bins last: its last byte tells
    binned[groups[row_binned]] = True
    numbered = np.empty(n, dtype=np.int64)
    numbered[np.argsort(binned, kind="stable")] = np.arange(n)
    kind = np.where(binned[groups], np.where(row_binned, 1, 2), 0)
    order = np.argsort(kind, kind="stable")
    sizes, elements = histograms.decode_sized([durations[i] for i in order], histograms.DURATION)
    open_sizes, created = histograms.decode_sized([opened[i] for i in order], histograms.SECONDS)
    row_group = numbered[groups[order]]
    answered_in, open_in = np.repeat(row_group, sizes), np.repeat(row_group, open_sizes)
    ages = np.maximum(int(now.timestamp()) - created.astype(np.int64), 0) / 3600.0
    rows = np.searchsorted(kind[order], [1, 2])  # where the binned groups' binned, then exact, rows begin
    a, b = (int(x) for x in np.r_[0, np.cumsum(sizes)][rows])
    o = int(open_sizes[: rows[0]].sum())
    # keys index one table of times: the bins' values, then the exact groups' distinct times
    times, exact = _exact(answered_in[:a], elements[:a].view(np.float64), open_in[:o], ages[:o])
    in_order = bool(np.all(np.diff(row_group[rows[0] : rows[1]]) > 0)) and b == len(elements)
    first = int(np.count_nonzero(~binned))  # the binned groups' numbers follow the exact ones'
    stored, small = (answered_in[a:b], elements[a:b]), (answered_in[b:], elements[b:].view(np.float64))
    coarse = _binned((first, n - first), stored, small, in_order, open_in[o:], ages[o:])
    parts = [_joined(x, y) for x, y in zip(exact, coarse, strict=True)]
    table = np.concatenate([histograms.REPRESENTATIVE, times])
    return survival.Observations(*parts, table, np.array([0, histograms.N_BINS]), n), numbered


def _joined(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """``first`` then ``second``, copied only when both hold something (a read is mostly one kind)."""
    return np.concatenate([first, second]) if len(first) and len(second) else first if len(first) else second


Parts = tuple[np.ndarray, ...]  # answers' group, key, count; open messages' group, key, count


def _exact(
    answered_in: np.ndarray, hours: np.ndarray, open_in: np.ndarray, ages: np.ndarray
) -> tuple[np.ndarray, Parts]:
    """Exact groups: equal durations of a group counted together, keyed after the bins by rank among all their
    times (returned: those times)."""
    times, rank = np.unique(np.concatenate([hours, ages]), return_inverse=True)
    width = len(times) + 1
    answer_keys, counts = np.unique(answered_in * width + rank[: len(hours)], return_counts=True)
    answer_group, answer_key = np.divmod(answer_keys, width)
    open_keys, open_counts = np.unique(open_in * width + rank[len(hours) :], return_counts=True)
    open_group, open_key = np.divmod(open_keys, width)
    keyed = (answer_key + histograms.N_BINS, open_key + histograms.N_BINS)
    return times, (answer_group, keyed[0], counts, open_group, keyed[1], open_counts)


def _binned(
    groups: tuple[int, int],
    stored: tuple[np.ndarray, np.ndarray],
    exact: tuple[np.ndarray, np.ndarray],
    in_order: bool,
    open_in: np.ndarray,
    ages: np.ndarray,
) -> Parts:
    """Binned groups (``groups``: the first one's number and how many): answers counted per group and bin (key = bin)
    from their rows' bin elements (``stored``: the group of each, the element) and the exact durations of their
    small rows (``exact``: group, hours); open messages' ages binned and counted alike.

    One stored row a group, in group order (``in_order``: a trend's steps), is taken as it is; several are merged
    (``_cells``)."""
    group, elements = stored
    first, span = groups
    open_cells, open_counts = _cells((open_in - first) * histograms.N_BINS + histograms.bin_of(ages), None, span)
    waiting = (*np.divmod(open_cells, histograms.N_BINS), open_counts)
    words = elements.view(np.uint32).reshape(-1, 2)  # little-endian halves: the count, then tag and bin
    bins = (words[:, 1] & np.uint32(histograms.N_BINS - 1)).astype(np.int64)
    if in_order:
        return group, bins, words[:, 0].astype(np.int64), waiting[0] + first, waiting[1], waiting[2]
    bins += (group - first) * histograms.N_BINS
    small = histograms.bin_of(exact[1]) + (exact[0] - first) * histograms.N_BINS
    ones = np.ones(len(small), dtype=np.uint32)
    cells, counts = _cells(np.concatenate([bins, small]), np.concatenate([words[:, 0], ones]), span)
    answer_group, answer_bins = np.divmod(cells, histograms.N_BINS)
    return answer_group + first, answer_bins, counts, waiting[0] + first, waiting[1], waiting[2]


def _cells(cell: np.ndarray, counts: np.ndarray | None, groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Each distinct cell (group × N_BINS + bin) of ``groups`` groups once, in order, with its count summed (one
    each when ``counts`` is None): by one count over every cell where they are few beside the elements (a year of
    the map: 26 groups of ~30 rows), else by a sort."""
    if groups * histograms.N_BINS < 2 * len(cell):
        summed = np.bincount(cell, weights=counts, minlength=groups * histograms.N_BINS)
        filled = np.flatnonzero(summed)
        return filled, summed[filled].astype(np.int64)
    order = np.argsort(cell, kind="stable")
    cell = cell[order]
    starts = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]]) if len(cell) else cell
    counted = np.ones(len(cell), dtype=np.int64) if counts is None else counts[order]
    return cell[starts], survival.run_sums(counted, starts)
