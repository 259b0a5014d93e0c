"""The rollup cube: message aggregates by day and by month over chosen subsets of the dimensions.

Table ``rollups`` holds, for every day a load touched, the aggregates grouped by all dimensions (municipality,
sector, channel, agency) — the *base slice* — and the same figures summed over fewer dimensions (a slice is a bit
mask of the dimensions it keeps; a dropped dimension holds ''), by day, by calendar week (Monday to Sunday, rows
dated the Monday) and by whole month.

A query names what it filters and groups by; ``slice_for`` picks the smallest materialised slice that keeps those
dimensions and ``spans`` cuts the period into whole months, whole weeks and the days around them. So a figure reads
about (months + weeks + edge days) × (values of its dimensions) rows — a year of the region's map is 26 × ~20 rows —
whatever the number of messages.

Besides its sums, a message-cube row keeps each measure's durations and the creation times of its messages still open
as blobs (dashboard/store/histograms.py), merged as the rows are summed; ``read_stored`` returns rows as stored for
them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, Connection, Date, Float, LargeBinary, Row, Table, bindparam, column, text
from sqlalchemy.sql.selectable import TextualSelect

from dashboard.catalog import SOURCES
from dashboard.filters import Filters
from dashboard.store import histograms
from dashboard.store.schema import rollups, topic_rollups

DAY, MONTH, WEEK = 0, 1, 2  # grains: a month row is dated its 1st, a week row its Monday
FILTERED = ("oktmo", "sector", "source")  # the dimensions the dashboard's filters name
COUNTS = ["messages", "answered", "resolved", "open_unanswered", "answered_in_sla", "response_hours_sum"]
# each measure's durations (hours) and the creation times of its messages still open: blobs (store/histograms.py)
DURATIONS = {"first": ("fr_hours", "fr_open"), "resolution": ("rs_hours", "rs_open")}
Merge = Callable[[Sequence[bytes], np.ndarray, int], list[bytes]]  # blobs, the group of each, groups → merged blobs


@dataclass(frozen=True, eq=False)  # hashed by identity: a statement cache key
class Cube:
    """A rollup table: its dimensions (bit i of a slice mask keeps dimension i), the slices it materialises —
    smallest first, the order ``slice_for`` tries them in — each with the slice it is summed from (None: from
    messages), its measures (sums), its blobs with the function that merges each, and keys every row keeps (a
    topic)."""

    table: Table
    dimensions: tuple[str, ...]
    parents: dict[int, int | None]
    measures: tuple[str, ...]
    keys: tuple[str, ...] = ()
    blobs: tuple[tuple[str, Merge], ...] = ()

    def bit(self, name: str) -> int:
        return 1 << self.dimensions.index(name)

    @property
    def base(self) -> int:
        return (1 << len(self.dimensions)) - 1

    @property
    def slices(self) -> list[int]:
        return list(self.parents)

    def mask_of(self, dimensions: set[str]) -> int:
        unknown = dimensions - set(self.dimensions)
        if unknown:
            raise ValueError(f"not a cube dimension: {', '.join(sorted(unknown))}")
        return sum(self.bit(d) for d in dimensions)

    def slice_for(self, dimensions: set[str]) -> int:
        """The smallest materialised slice that keeps every one of ``dimensions``."""
        wanted = self.mask_of(dimensions)
        return next(s for s in self.slices if s & wanted == wanted)

    def kept(self, mask: int) -> list[str]:
        return [d for d in self.dimensions if mask & self.bit(d)]


MESSAGE_DIMENSIONS = ("oktmo", "sector", "source", "agency")  # the topic cube's first three are the same bits


def _bits(*names: str) -> int:
    return sum(1 << MESSAGE_DIMENSIONS.index(n) for n in names)


ALL = _bits(*MESSAGE_DIMENSIONS)


MESSAGES = Cube(
    table=rollups,
    dimensions=MESSAGE_DIMENSIONS,
    parents={
        0: _bits("sector"),
        _bits("source"): _bits("sector", "source"),
        _bits("sector"): _bits("oktmo", "sector"),
        _bits("oktmo"): _bits("oktmo", "sector"),
        _bits("agency"): _bits("agency", "sector"),
        _bits("sector", "source"): ALL,
        _bits("agency", "sector"): ALL,
        _bits("oktmo", "source"): ALL,
        _bits("oktmo", "sector"): ALL,
        ALL: None,  # from messages; it also serves municipality × sector × channel (agencies are few per sector)
    },
    measures=tuple(COUNTS),
    blobs=tuple(
        (name, merge)
        for durations, opened in DURATIONS.values()
        for name, merge in ((durations, histograms.merged_durations), (opened, histograms.merged_open_times))
    ),
)
# topic counts: municipality × sector (the tension index, the card) and with the channel (a card under a channel filter)
TOPICS = Cube(
    table=topic_rollups,
    dimensions=("oktmo", "sector", "source"),
    parents={_bits("oktmo", "sector"): _bits(*FILTERED), _bits(*FILTERED): None},
    measures=("messages",),
    keys=("topic",),
)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def monday_of(day: date) -> date:
    """The Monday that starts ``day``'s calendar week (the day a week-grain row is dated)."""
    return day - timedelta(days=day.weekday())


Piece = tuple[int, date, date, int]  # grain, from, to (a week's Monday, a month's 1st), sign: +1 adds, −1 takes away
CALENDAR = frozenset({"day", "week"})  # groupings of the day column: read at day (and, for weeks, week) grain
_WEEK = timedelta(days=7)


# the Monday that starts a day's calendar week, in each store's own date arithmetic (SQLite: six days back, then
# forward to the next Monday, or that very day when it is one)
WEEK_START = {"sqlite": "date({}, '-6 days', 'weekday 1')", "postgresql": "CAST(date_trunc('week', {}) AS DATE)"}


def _days(a: date, b: date) -> int:
    return (b - a).days + 1


def _by_weeks(a: date, b: date, sign: int) -> list[Piece]:
    """[a, b] as whole calendar weeks and days: a week with at least four of its days inside is read as the week
    less the days outside (sums subtract exactly), so no week costs more than four rows."""
    pieces: list[Piece] = []
    monday = monday_of(a)
    while monday <= b:
        sunday = monday + timedelta(days=6)
        x, y = max(a, monday), min(b, sunday)
        inside = _days(x, y)
        if inside * 2 > 7:
            pieces.append((WEEK, monday, monday, sign))
            if x > monday:
                pieces.append((DAY, monday, x - timedelta(days=1), -sign))
            if y < sunday:
                pieces.append((DAY, y + timedelta(days=1), sunday, -sign))
        else:
            pieces.append((DAY, x, y, sign))
        monday += _WEEK
    return pieces


def _rows(pieces: list[Piece]) -> int:
    """Rows a cover of single months, weeks and runs of days reads per value of its dimensions."""
    return sum(_days(a, b) if grain == DAY else 1 for grain, a, b, _ in pieces)


def spans(first: date, last: date, months: bool = True) -> list[Piece]:
    """Pieces covering [first, last]: whole months at month grain, whole weeks at week grain, the rest at day grain
    — a partial month or week read as the whole one less the days outside it where that reads fewer rows. So the
    last 30 days are a month and two days, a quarter three months and a few days; ``months=False`` (a grouping by
    week) covers with weeks and days only."""
    if not months:
        return _merged(_by_weeks(first, last, 1))
    pieces: list[Piece] = []
    month = month_start(first)
    while month <= last:
        end = next_month(month) - timedelta(days=1)
        a, b = max(first, month), min(last, end)
        inside = _by_weeks(a, b, 1)
        whole = [(MONTH, month, month, 1)]
        if a > month:
            whole += _by_weeks(month, a - timedelta(days=1), -1)
        if b < end:
            whole += _by_weeks(b + timedelta(days=1), end, -1)
        pieces += whole if _rows(whole) < _rows(inside) else inside
        month = next_month(month)
    return _merged(pieces)


def additive_spans(first: date, last: date, months: bool = True) -> list[Piece]:
    """Pieces covering [first, last] with whole months, whole weeks and days inside it only, each added: for rows
    that cannot be taken away from one another (``read_stored``). The months inside the period (``months``), then
    each end that is left as whole weeks and the days around them — a year at most 30 rows a group, a quarter 22,
    30 days 12 (checked on random periods in ``tests/test_cube.py``)."""
    ends = [(first, last)]
    pieces: list[Piece] = []
    if months:
        month = first if first.day == 1 else next_month(first)
        inside = month
        while next_month(inside) - timedelta(days=1) <= last:
            inside = next_month(inside)
        if inside > month:  # the months from ``month`` to before ``inside`` lie wholly inside the period
            pieces.append((MONTH, month, month_start(inside - timedelta(days=1)), 1))
            ends = [(first, month - timedelta(days=1)), (inside, last)]
    for a, b in ends:
        pieces += _weeks_inside(a, b)
    return _merged(pieces)


def _weeks_inside(a: date, b: date) -> list[Piece]:
    """[a, b] (possibly empty) as the whole calendar weeks inside it and the days before and after them."""
    monday = a + timedelta(days=-a.weekday() % 7)
    weeks = max(0, (b - monday).days + 1) // 7
    if not weeks:
        return [(DAY, a, b, 1)] if a <= b else []
    after = monday + weeks * _WEEK
    pieces: list[Piece] = [(WEEK, monday, after - _WEEK, 1)]
    if a < monday:
        pieces.append((DAY, a, monday - timedelta(days=1), 1))
    if after <= b:
        pieces.append((DAY, after, b, 1))
    return pieces


@lru_cache(maxsize=4096)
def _cover(first: date, last: date, months: bool, additive: bool = False) -> tuple[Piece, ...]:
    """``spans`` (or ``additive_spans``) of a period, worked out once: a request's reads ask for the same few
    periods again and again."""
    return tuple((additive_spans if additive else spans)(first, last, months))


def _merged(pieces: list[Piece]) -> list[Piece]:
    """The pieces with days counted once (a day added and taken away is not read at all) and runs of one grain and
    sign that continue each other as one piece each."""
    net: dict[date, int] = {}
    coarse: list[Piece] = []
    for grain, a, b, sign in pieces:
        if grain != DAY:
            coarse.append((grain, a, b, sign))
            continue
        for i in range(_days(a, b)):
            day = a + timedelta(days=i)
            net[day] = net.get(day, 0) + sign
    days = [(DAY, d, d, n) for d, n in sorted(net.items()) if n]
    out: list[Piece] = []
    for grain, a, b, sign in sorted(coarse + days, key=lambda p: (p[0], p[3], p[1])):
        if out and out[-1][0] == grain and out[-1][3] == sign:
            step = {DAY: out[-1][2] + timedelta(days=1), WEEK: out[-1][2] + _WEEK}.get(grain) or next_month(out[-1][2])
            if a == step:
                out[-1] = (grain, out[-1][1], b, sign)
                continue
        out.append((grain, a, b, sign))
    return out


def read(
    conn: Connection,
    filters: Filters,
    measures: Sequence[str],
    by: Sequence[str] = (),
    date_from: date | None = None,
    date_to: date | None = None,
    cube: Cube = MESSAGES,
) -> Sequence[Row]:
    """``SELECT <by>, SUM(<measure>)…`` over the filters' period (or the given dates) from ``cube``.

    ``by`` may hold "day" (read at day grain) or "week" (the Monday a day's calendar week starts on: read through
    whole weeks and the days around them), the cube's dimensions and keys. Without ``by`` the result is one row,
    zeros when nothing matches."""
    return _read(conn, filters, measures, by, date_from, date_to, cube, stored=False)


def read_stored(
    conn: Connection,
    filters: Filters,
    measures: Sequence[str],
    by: Sequence[str] = (),
    date_from: date | None = None,
    date_to: date | None = None,
    cube: Cube = MESSAGES,
) -> Sequence[Row]:
    """``SELECT <by>, <measure>…`` of the rows that hold the period, as stored: a group may come in several rows,
    for the caller to add up — blobs, which SQL cannot sum. The period is covered by whole months, weeks and days
    inside it only (``additive_spans``): a group's rows hold its messages and no others, so a small group is read
    from small rows. Nothing matching: no rows."""
    return _read(conn, filters, measures, by, date_from, date_to, cube, stored=True)


def _read(
    conn: Connection,
    filters: Filters,
    measures: Sequence[str],
    by: Sequence[str],
    date_from: date | None,
    date_to: date | None,
    cube: Cube,
    stored: bool,
) -> Sequence[Row]:
    first, last = date_from or filters.date_from, date_to or filters.date_to
    values = filters.by_column()
    filtered = tuple(name for name in FILTERED if values[name])
    mask = cube.slice_for({k for k in by if k not in CALENDAR and k not in cube.keys} | set(filtered))
    pieces = [(DAY, first, last, 1)] if "day" in by else _cover(first, last, "week" not in by, stored)
    params = {f"v_{name}": list(values[name]) for name in filtered}
    for i, (_, a, b, _) in enumerate(pieces):
        params[f"a{i}"], params[f"b{i}"] = a, b
    grains = tuple((grain, sign) for grain, _, _, sign in pieces)
    statement = _statement(cube, mask, grains, tuple(by), tuple(measures), filtered, conn.dialect.name, stored)
    return conn.execute(statement, params).all()


def _every_channel(kept: int) -> str:
    """The condition that pins the channel when no filter names it. Tables are keyed by grain, slice, channel, day
    (schema.py): so that a read seeks its days, every read pins the channel — a slice without it holds '', and one
    with it holds catalogue channels only (the loader rejects any other), so the catalogue's list reads it all."""
    if not kept:
        return " AND source = ''"
    listed = ", ".join("'" + code.replace("'", "''") + "'" for code in sorted(SOURCES))  # SQL string literals
    return f" AND source IN ({listed})"


@lru_cache(maxsize=2048)
def _statement(
    cube: Cube,
    mask: int,
    grains: tuple[tuple[int, int], ...],
    by: tuple[str, ...],
    measures: tuple[str, ...],
    filtered: tuple[str, ...],
    dialect: str,
    stored: bool = False,
) -> TextualSelect:
    """The SQL of one shape of read, written out once: a UNION ALL branch per piece (a piece taken away sums
    negated), summed again over the branches when there are several — or, ``stored``, every branch's rows as they
    are.

    Plain text, not SQLAlchemy expressions: with 126 SUM()s a branch, building and compiling an expression cost
    20–100 ms per new shape — more than running it — and every period alignment, filter and grouping is a shape."""
    table = cube.table.name

    def key(name: str, grain: int) -> str:
        if name == "week":  # a week row is dated its Monday already
            return "day" if grain == WEEK else WEEK_START.get(dialect, WEEK_START["postgresql"]).format("day")
        return name

    # with pieces taken away, a group they cancel out sums to zero messages: it is left out, as if never read
    subtracts = any(sign < 0 for _, sign in grains)
    summed = (*measures, "messages") if subtracts and by and "messages" not in measures else measures
    conditions = "".join(f" AND {name} IN :v_{name}" for name in filtered)
    if "source" not in filtered:
        conditions += _every_channel(mask & cube.bit("source"))

    def branch(i: int, grain: int, sign: int, grouped: bool) -> str:
        """One piece's rows: summed by the keys (``grouped``, a read of one piece), or as stored, signed, for the
        outer sum — one sort of the pieces' rows instead of one per piece and another of their sums (a month of
        the topic cube by municipality and sector: 11 ms instead of 14 on SQLite)."""
        keys = [f"{key(k, grain)} AS {k}" for k in by]
        minus = "" if sign > 0 else "-"
        values = [f"{minus}SUM({m}) AS {m}" if grouped else f"{minus}{m} AS {m}" for m in summed]
        group = f" GROUP BY {', '.join(key(k, grain) for k in by)}" if grouped and by else ""
        return (
            f"SELECT {', '.join([*keys, *values])} FROM {table} "
            f"WHERE grain = {grain} AND dims = {mask} AND day >= :a{i} AND day <= :b{i}{conditions}{group}"
        )

    def kind(name: str) -> type:
        declared = cube.table.c[name].type
        return next((t for t in (Float, LargeBinary) if isinstance(declared, t)), BigInteger)

    # one piece at the grain of the calendar key, grouped by every dimension its slice keeps: each stored row is a
    # group already (a tension cell's week, a sector's day), so it is read as stored, with nothing to sum
    calendar = {"day": DAY, "week": WEEK}
    as_stored = (
        len(grains) == 1
        and not subtracts
        and any(calendar.get(k) == grains[0][0] for k in by)
        and set(cube.kept(mask)) | set(cube.keys) <= set(by)
    )
    if stored:
        sql = " UNION ALL ".join(branch(i, *g, grouped=False) for i, g in enumerate(grains))
    elif as_stored:
        sql = branch(0, *grains[0], grouped=False)
    elif len(grains) == 1 and by and not subtracts:
        sql = branch(0, *grains[0], grouped=True)
    else:
        # PostgreSQL sums bigints into numeric: cast back, so every store returns ints (and floats) alike
        totals = [
            f"CAST(COALESCE(SUM({m}), 0) AS {'FLOAT' if kind(m) is Float else 'BIGINT'}) AS {m}" for m in measures
        ]
        parts = " UNION ALL ".join(branch(i, *g, grouped=False) for i, g in enumerate(grains))
        group = f" GROUP BY {', '.join(by)}" if by else ""
        having = " HAVING SUM(messages) != 0" if subtracts and by else ""
        sql = f"SELECT {', '.join([*by, *totals])} FROM ({parts}) AS parts{group}{having}"
    params = [bindparam(f"v_{name}", expanding=True) for name in filtered]
    params += [bindparam(f"{end}{i}", type_=Date()) for i in range(len(grains)) for end in "ab"]
    typed = [column(k, Date() if k in CALENDAR else cube.table.c[k].type) for k in by]
    typed += [column(m, kind(m)()) for m in measures]
    return text(sql).bindparams(*params).columns(*typed)


# ---------------------------------------------------------------- building
# Sums are taken in numpy, not in SQL: SQLite spends ~0.1 µs on every aggregate step, and a day of the cube is
# 126 sums over each parent row of each slice.


def _group(frame: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Group number of every row and the groups' key values (one row per group)."""
    factors = [pd.factorize(frame[k], sort=True, use_na_sentinel=False) for k in keys]
    shape = [max(len(uniques), 1) for _, uniques in factors]
    flat = np.ravel_multi_index([codes for codes, _ in factors], shape)
    groups, inverse = np.unique(flat, return_inverse=True)
    positions = np.unravel_index(groups, shape)
    table = pd.DataFrame(
        {k: np.asarray(u, dtype=object)[p] for k, (_, u), p in zip(keys, factors, positions, strict=True)}
    )
    return inverse, table


def aggregate(messages: pd.DataFrame) -> pd.DataFrame:
    """The base slice of a frame of messages: one row per (day, every dimension) with every measure.

    ``messages`` holds day, DIMENSIONS (agency '' when missing), the flags answered, resolved, open_unanswered,
    open_unresolved and in_sla, response_hours and resolution_hours (NaN when none) and created_s (seconds since
    1970; needed where a message is open)."""
    ids, keys = _group(messages, ["day", *MESSAGES.dimensions])
    n = len(keys)
    created = messages["created_s"].to_numpy(dtype=float)

    def open_times(flag: str) -> list[bytes]:
        return histograms.open_times(np.where(messages[flag].to_numpy(dtype=bool), created, np.nan), ids, n)

    def count(flag: str) -> np.ndarray:
        return np.bincount(ids, weights=messages[flag].to_numpy(dtype=float), minlength=n).astype(np.int64)

    columns: dict[str, np.ndarray] = {
        "messages": np.bincount(ids, minlength=n),
        "answered": count("answered"),
        "resolved": count("resolved"),
        "open_unanswered": count("open_unanswered"),
        "answered_in_sla": count("in_sla"),
        "response_hours_sum": np.bincount(
            ids, weights=np.nan_to_num(messages["response_hours"].to_numpy(dtype=float)), minlength=n
        ),
    }
    measures = pd.DataFrame(columns)
    for (durations, opened), hours, flag in zip(
        DURATIONS.values(), ("response_hours", "resolution_hours"), ("open_unanswered", "open_unresolved"), strict=True
    ):
        measures[durations] = histograms.durations(messages[hours].to_numpy(dtype=float), ids, n)
        measures[opened] = open_times(flag)
    return pd.concat([keys, measures], axis=1).assign(grain=DAY, dims=MESSAGES.base)


def topic_counts(messages: pd.DataFrame) -> pd.DataFrame:
    """The topic cube's base slice: messages per (day, municipality, sector, channel, topic)."""
    named = messages[messages["topic"].notna()]
    keys = ["day", *TOPICS.dimensions, "topic"]
    counted = named.groupby(keys, sort=True).size().rename("messages").reset_index()
    return counted.assign(grain=DAY, dims=TOPICS.base)


def _summed(frame: pd.DataFrame, cube: Cube, keys: list[str], **constants: object) -> pd.DataFrame:
    """Measures summed and blobs merged by ``keys``, with ``constants`` as further columns."""
    grouped = frame.groupby(keys, sort=False)
    summed = grouped[list(cube.measures)].sum()
    labels = summed.index.to_frame(index=False)
    extra = pd.DataFrame(constants, index=labels.index)
    ids = grouped.ngroup().to_numpy()  # numbered in the order the sums are (first seen)
    blobs = pd.DataFrame(
        {name: merge(frame[name].tolist(), ids, len(labels)) for name, merge in cube.blobs}, index=labels.index
    )
    return pd.concat([labels, extra, summed.reset_index(drop=True), blobs], axis=1)


def slices(base: pd.DataFrame, cube: Cube = MESSAGES) -> pd.DataFrame:
    """Every materialised slice at day grain, the base included."""
    built = {cube.base: base}
    for mask in sorted(cube.parents, key=lambda m: -m.bit_count()):  # a parent keeps more dimensions: built first
        parent = cube.parents[mask]
        if parent is None or built[parent].empty:
            continue
        kept = cube.kept(mask)
        dropped = {d: "" for d in cube.dimensions if d not in kept}
        built[mask] = _summed(built[parent], cube, ["day", *kept, *cube.keys], **dropped, grain=DAY, dims=mask)
    return pd.concat(built.values(), ignore_index=True)


def months(day_rows: pd.DataFrame, cube: Cube = MESSAGES) -> pd.DataFrame:
    """Month-grain rows (dated the 1st) from the day-grain rows of whole months."""
    if day_rows.empty:
        return day_rows
    month = pd.to_datetime(day_rows["day"]).dt.to_period("M").dt.start_time.dt.date
    keys = ["dims", "day", *cube.dimensions, *cube.keys]
    return _summed(day_rows.assign(day=month), cube, keys, grain=MONTH)


def weeks(day_rows: pd.DataFrame, cube: Cube = MESSAGES) -> pd.DataFrame:
    """Week-grain rows (dated the Monday) from day-grain rows: whole weeks, or the part of a week they hold (the
    parts of a week split by a month's end add up)."""
    if day_rows.empty:
        return day_rows
    monday = day_rows["day"].map({d: monday_of(d) for d in day_rows["day"].unique()})
    keys = ["dims", "day", *cube.dimensions, *cube.keys]
    return _summed(day_rows.assign(day=monday), cube, keys, grain=WEEK)
