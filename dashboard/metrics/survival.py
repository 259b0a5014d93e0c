"""Kaplan–Meier estimates of many groups at once: quantiles, the survival at a time, whether they can still move.

A group's observations are its answers (events) — runs of equal times, in increasing order — and its messages still
open (censored) at their ages. An answer and an open message at the same time: the answer comes first (the usual
convention: a message still open at t was at risk of being answered at t).

**Quantiles.** The Kaplan–Meier estimate gives each answer a mass ``m = S(t−) / n(t)`` (one over the number at
risk, scaled by the survival so far); in a complete sample every mass is 1/n. Each answer occupies the interval
[F(t−), F(t−) + m] of the distribution function, and its *position* for the quantile q is ``F(t−) + q·m`` — for a
complete sample of n values (i − 1 + q)/n for the i-th, so that linear interpolation between positions at level q
gives exactly numpy's default ``linear`` quantile (Hyndman–Fan type 7; the median of an even count is the mean of
the two middle values, R survfit's midpoint of a flat S = 0.5). With censoring the masses grow after each open
message, the positions move with them, and the same interpolation applies. A quantile is **not known** (NaN) while
q lies beyond the last answer's position: S has not fallen far enough within the follow-up, or only the last answer
reaches it and the interpolation needs the next one.

**How.** Between two open messages every answer has the same mass (S and the number at risk fall together), so the
positions are affine in an answer's rank there. The estimate works on these *spans* — one per open message and group,
few — and finds the rank at which a quantile is reached by arithmetic, then its time by a search of the answers'
cumulative counts: no pass over every answer beyond one running sum.

**Provisional.** An estimate can still move while some open message is younger than the upper of the two answers it
is interpolated between (or the answer it sits on): that message's answer, or only its growing age, changes the
survival at times below. A quantile not known yet of a group that still holds open messages can become known.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_TOLERANCE = 1e-12  # positions are sums of products: a level met up to rounding is met


@dataclass(frozen=True)
class Observations:
    """Answers and open messages as runs: one per group and distinct time, sorted by group then ``key`` — the index
    of their time in ``time``, increasing with it within a group — with how many (an open message with an answer's
    key was open at that answer's time). ``groups``: how many groups."""

    answer_group: np.ndarray  # int64
    answer_key: np.ndarray  # int64
    answer_count: np.ndarray  # int64, ≥ 1
    open_group: np.ndarray  # int64
    open_key: np.ndarray  # int64
    open_count: np.ndarray  # int64, ≥ 1
    time: np.ndarray  # float64, hours: increasing runs that begin at ``runs``; one group's keys lie in one run
    runs: np.ndarray  # int64
    groups: int


@dataclass(frozen=True)
class Estimates:
    """Per group: the quantiles asked for (NaN: not known yet), 1 − S(at) (NaN: not known yet), and whether any of
    the quantiles can still move (``provisional``)."""

    quantiles: dict[float, np.ndarray]
    share_by: np.ndarray
    provisional: np.ndarray

    def of(self, groups: np.ndarray) -> Estimates:
        """The estimates of ``groups`` (numbers of these groups), in that order."""
        return Estimates(
            {q: v[groups] for q, v in self.quantiles.items()}, self.share_by[groups], self.provisional[groups]
        )


def _firsts(group: np.ndarray) -> np.ndarray:
    """The index of each run's first element in an array of group numbers whose runs are the groups."""
    return np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if len(group) else np.zeros(0, dtype=np.int64)


def _composite(group: np.ndarray, key: np.ndarray, width: int) -> np.ndarray:
    return group * width + key


@dataclass(frozen=True)
class _Spans:
    """The stretches of each group between its open messages, in order — open messages with no answer between them
    end one stretch together, so a group has at most one more than it has answer times: answers before the span
    (``before``), in it (``answers``), survival at its start and each answer's mass in it."""

    group: np.ndarray
    before: np.ndarray
    answers: np.ndarray
    survival: np.ndarray
    mass: np.ndarray
    cumulative: np.ndarray  # the answers' running count over all groups (``Observations`` order)
    offset: np.ndarray  # per group: the running count before its first answer
    keys: np.ndarray  # the answers' (group, key) as one number, increasing
    width: int  # of ``keys``: group × width + key


def _spans(obs: Observations) -> _Spans:
    n = obs.groups
    width = len(obs.time)
    cumulative = np.cumsum(obs.answer_count)
    answered = np.bincount(obs.answer_group, weights=obs.answer_count, minlength=n).astype(np.int64)
    waiting = np.bincount(obs.open_group, weights=obs.open_count, minlength=n).astype(np.int64)
    offset = np.cumsum(answered) - answered  # answers of the groups before (they come in group order)
    # answers of its group at or before each open message (the answers of its own time come first)
    keys = _composite(obs.answer_group, obs.answer_key, width)
    after = np.searchsorted(keys, _composite(obs.open_group, obs.open_key, width), "right")
    answered_by = np.maximum(np.r_[0, cumulative][after] - offset[obs.open_group], 0)
    # open messages with no answer between them leave together: one boundary each run, with how many left
    run = _firsts(_composite(obs.open_group, answered_by, int(answered.max(initial=0)) + 1))
    left = run_sums(obs.open_count, run)
    boundary_group, boundary_answers = obs.open_group[run], answered_by[run]
    boundaries = np.bincount(boundary_group, minlength=n)
    left_before = np.r_[0, np.cumsum(left)]  # open messages before each boundary, over all groups
    boundary_answers, left_before = np.r_[boundary_answers, 0], left_before  # padded: past the end reads 0
    # span j of group g ends at its j-th boundary (or at the group's end); spans are grouped and in order
    group = np.repeat(np.arange(n), boundaries + 1)
    first_span = np.cumsum(boundaries + 1) - (boundaries + 1)
    j = np.arange(len(group)) - first_span[group]
    first_boundary = (np.cumsum(boundaries) - boundaries)[group]
    closing = first_boundary + j  # the boundary that ends the span, if any
    end = np.where(j < boundaries[group], boundary_answers[np.minimum(closing, len(run))], answered[group])
    before = np.where(j > 0, boundary_answers[np.maximum(closing - 1, 0)], 0)
    answers = end - before
    gone = left_before[np.minimum(closing, len(run))] - left_before[np.minimum(first_boundary, len(run))]
    at_risk = answered[group] + waiting[group] - before - gone
    remaining = at_risk - answers
    # S falls by remaining/at_risk over a span; only a group's last span can empty it (nobody is left after)
    logs = np.log(np.where((remaining > 0) & (at_risk > 0), remaining / np.maximum(at_risk, 1), 1.0))
    running = np.cumsum(logs) - logs
    survival = np.exp(running - running[first_span][group])
    mass = np.where(at_risk > 0, survival / np.maximum(at_risk, 1), 0.0)
    return _Spans(group, before, answers, survival, mass, cumulative, offset, keys, width)


def run_sums(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The sum of each run of ``values`` that begins at ``starts`` (several times quicker than ``np.add.reduceat``)."""
    if not len(starts):
        return values[:0]
    ends = np.cumsum(values)[np.r_[starts[1:], len(values)] - 1]
    return np.diff(ends, prepend=0)


def _time_of(obs: Observations, spans: _Spans, group: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """The time of each group's ``rank``-th answer (1-based)."""
    return obs.time[obs.answer_key[np.searchsorted(spans.cumulative, spans.offset[group] + rank, "left")]]


def _quantile(obs: Observations, spans: _Spans, q: float) -> tuple[np.ndarray, np.ndarray]:
    """The q-quantile of each group (NaN: not known) and the answer time it rests on (inf: none yet)."""
    s = spans
    last_position = 1.0 - s.survival + (s.answers - 1 + q) * s.mass
    reached = np.flatnonzero((s.answers > 0) & (last_position >= q - _TOLERANCE))
    span = reached[_firsts(s.group[reached])]  # each group's first span that reaches q
    group = s.group[span]
    start = 1.0 - s.survival[span]
    mass = s.mass[span]
    step = np.clip(np.ceil((q - start) / mass - q - _TOLERANCE), 0, s.answers[span] - 1)
    position = start + (step + q) * mass
    rank = s.before[span] + step + 1
    # the answer before it: in the same span, or the last of the span before that has answers
    with_answers = np.where(s.answers > 0, np.arange(len(s.group)), -1)
    earlier = np.r_[-1, np.maximum.accumulate(with_answers)[:-1]][span]
    earlier_position = np.where(earlier >= 0, last_position[np.maximum(earlier, 0)], 0.0)
    previous_position = np.where(step > 0, position - mass, earlier_position)
    has_previous = rank > 1
    time = _time_of(obs, s, group, rank)
    previous_time = np.where(has_previous, _time_of(obs, s, group, np.maximum(rank - 1, 1)), time)
    gap = np.where(has_previous & (position > q), position - previous_position, 0.0)
    fraction = np.where(gap > 0, (q - previous_position) / np.where(gap > 0, gap, 1.0), 1.0)
    value = np.full(obs.groups, np.nan)
    value[group] = _lerp(previous_time, time, np.clip(fraction, 0.0, 1.0))
    upper = np.full(obs.groups, np.inf)
    upper[group] = time
    return value, upper


def _lerp(low: np.ndarray, high: np.ndarray, fraction: np.ndarray) -> np.ndarray:
    """Linear interpolation as numpy's quantile computes it: exact at both ends."""
    return np.where(fraction < 0.5, low + (high - low) * fraction, high - (high - low) * (1.0 - fraction))


def _share_by(obs: Observations, spans: _Spans, at: float) -> np.ndarray:
    """1 − S(at) per group; NaN where the follow-up ends before ``at`` with some messages still open (or nothing)."""
    n = obs.groups
    s = spans
    # answers at or before ``at``: up to the last key with a time ≤ at in the run of the group's keys
    runs_end = np.r_[obs.runs[1:], len(obs.time)]
    last_key = np.array(
        [np.searchsorted(obs.time[a:b], at, "right") + a - 1 for a, b in zip(obs.runs, runs_end, strict=True)]
    )
    first = _firsts(obs.answer_group)
    first_key = np.zeros(n, dtype=np.int64)
    first_key[obs.answer_group[first]] = obs.answer_key[first]
    threshold = last_key[np.searchsorted(obs.runs, first_key, "right") - 1]
    upto = np.searchsorted(s.keys, _composite(np.arange(n), threshold, s.width), "right")
    counted = np.maximum(np.r_[0, s.cumulative][upto] - s.offset, 0)
    ends = s.before + s.answers
    width = int(ends.max(initial=0)) + 1
    span = np.searchsorted(_composite(s.group, ends, width), _composite(np.arange(n), counted, width), "left")
    span = np.minimum(span, len(s.group) - 1)
    survival = s.survival[span] - (counted - s.before[span]) * s.mass[span]
    latest = np.maximum(
        _last_per_group(obs.answer_group, obs.answer_key, obs.time, n),
        _last_per_group(obs.open_group, obs.open_key, obs.time, n),
    )
    last_span = np.cumsum(np.bincount(s.group, minlength=n)) - 1
    emptied = s.survival[last_span] - s.answers[last_span] * s.mass[last_span] <= _TOLERANCE
    followed = (latest >= at) | (emptied & np.isfinite(latest))
    return np.where(followed, 1.0 - np.maximum(survival, 0.0), np.nan)


def _last_per_group(group: np.ndarray, key: np.ndarray, time: np.ndarray, n: int) -> np.ndarray:
    """Each group's latest time of observations sorted by group and key; −inf for none."""
    out = np.full(n, -np.inf)
    if len(group):
        last = np.r_[_firsts(group)[1:], len(group)] - 1
        out[group[last]] = time[key[last]]
    return out


def estimate(obs: Observations, quantiles: tuple[float, ...] = (0.5, 0.9), at: float = 24.0) -> Estimates:
    """Kaplan–Meier quantiles, 1 − S(``at``) and the provisional flag of every group of ``obs``."""
    spans = _spans(obs)
    values, uppers = {}, []
    for q in quantiles:
        values[q], upper = _quantile(obs, spans, q)
        uppers.append(upper)
    youngest = np.full(obs.groups, np.inf)
    first = _firsts(obs.open_group)  # in key order: a group's first open message is its youngest
    youngest[obs.open_group[first]] = obs.time[obs.open_key[first]]
    provisional = (youngest <= np.max(uppers, axis=0)) & np.isfinite(youngest)
    return Estimates(values, _share_by(obs, spans, at), provisional)
