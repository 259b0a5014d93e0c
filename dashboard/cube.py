"""The rollup cube: message aggregates by day and by month over chosen subsets of the dimensions.

Table ``rollups`` holds, for every day a load touched, the aggregates grouped by all dimensions (municipality,
sector, channel, agency) — the *base slice* — and the same figures summed over fewer dimensions (a slice is a bit
mask of the dimensions it keeps; a dropped dimension holds ''), by day and by whole month.

A query names what it filters and groups by; ``slice_for`` picks the smallest materialised slice that keeps those
dimensions and ``spans`` cuts the period into whole months and the days around them. So a figure reads about
(months + edge days) × (values of its dimensions) rows — a year of the region's map is 26 × ~70 rows — whatever
the number of messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import Connection, Select, and_, delete, func, insert, literal, select, union_all

from dashboard.buckets import FIRST_RESPONSE_COLUMNS, RESOLUTION_COLUMNS
from dashboard.filters import Filters
from dashboard.store.schema import rollups

DAY, MONTH = 0, 1  # grains
DIMENSIONS = ("oktmo", "sector", "source", "agency")
BIT = {name: 1 << i for i, name in enumerate(DIMENSIONS)}
BASE = sum(BIT.values())
COUNTS = ["messages", "answered", "resolved", "open_unanswered", "answered_in_sla", "response_hours_sum"]
MEASURES = [*COUNTS, *FIRST_RESPONSE_COLUMNS, *RESOLUTION_COLUMNS]

# materialised slices, smallest first (the order ``slice_for`` tries them in), each with the slice it is summed from
PARENTS: dict[int, int | None] = {
    0: BIT["sector"],
    BIT["source"]: BIT["sector"] | BIT["source"],
    BIT["sector"]: BIT["oktmo"] | BIT["sector"],
    BIT["oktmo"]: BIT["oktmo"] | BIT["sector"],
    BIT["agency"]: BIT["agency"] | BIT["sector"],
    BIT["sector"] | BIT["source"]: BIT["oktmo"] | BIT["sector"] | BIT["source"],
    BIT["agency"] | BIT["sector"]: BASE,
    BIT["oktmo"] | BIT["source"]: BIT["oktmo"] | BIT["sector"] | BIT["source"],
    BIT["oktmo"] | BIT["sector"]: BIT["oktmo"] | BIT["sector"] | BIT["source"],
    BIT["oktmo"] | BIT["sector"] | BIT["source"]: BASE,
    BASE: None,  # summed from messages
}
SLICES = list(PARENTS)


def mask_of(dimensions: set[str]) -> int:
    unknown = dimensions - set(DIMENSIONS)
    if unknown:
        raise ValueError(f"not a cube dimension: {', '.join(sorted(unknown))}")
    return sum(BIT[d] for d in dimensions)


def slice_for(dimensions: set[str]) -> int:
    """The smallest materialised slice that keeps every one of ``dimensions``."""
    wanted = mask_of(dimensions)
    return next(s for s in SLICES if s & wanted == wanted)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def spans(first: date, last: date) -> list[tuple[int, date, date]]:
    """(grain, from, to) pieces covering [first, last]: whole months at month grain (rows dated the 1st), the days
    before and after them at day grain."""
    months_from = first if first.day == 1 else _next_month(first)
    months_until = last + timedelta(days=1) if (last + timedelta(days=1)).day == 1 else _month_start(last)
    if months_from >= months_until:
        return [(DAY, first, last)]
    pieces = []
    if first < months_from:
        pieces.append((DAY, first, months_from - timedelta(days=1)))
    last_month = _month_start(months_until - timedelta(days=1))
    pieces.append((MONTH, months_from, last_month))
    if months_until <= last:
        pieces.append((DAY, months_until, last))
    return pieces


def filter_dimensions(filters: Filters) -> set[str]:
    return {
        name
        for name, values in (
            ("oktmo", filters.municipalities),
            ("sector", filters.sectors),
            ("source", filters.sources),
        )
        if values
    }


def sums(
    filters: Filters,
    measures: Sequence[str],
    by: Sequence[str] = (),
    date_from: date | None = None,
    date_to: date | None = None,
) -> Select:
    """``SELECT <by>, SUM(<measure>)…`` over the filters' period (or the given dates) from the cube.

    ``by`` may hold "day" (then every row is read at day grain) and any of DIMENSIONS. Without ``by`` the result is
    one row, zeros when nothing matches."""
    first, last = date_from or filters.date_from, date_to or filters.date_to
    keys = [k for k in by if k != "day"]
    mask = slice_for(set(keys) | filter_dimensions(filters))
    r = rollups.c
    pieces = [(DAY, first, last)] if "day" in by else spans(first, last)
    conditions = [r.dims == mask]
    if filters.municipalities:
        conditions.append(r.oktmo.in_(filters.municipalities))
    if filters.sectors:
        conditions.append(r.sector.in_(filters.sectors))
    if filters.sources:
        conditions.append(r.source.in_(filters.sources))

    def branch(grain: int, a: date, b: date) -> Select:
        where = and_(r.grain == grain, r.day >= a, r.day <= b, *conditions)
        columns = [r[k] for k in by] + [func.sum(r[m]).label(m) for m in measures]
        return select(*columns).where(where).group_by(*[r[k] for k in by])

    if len(pieces) == 1 and by:
        return branch(*pieces[0])
    parts = union_all(*[branch(*p) for p in pieces]).subquery() if len(pieces) > 1 else branch(*pieces[0]).subquery()
    return select(
        *[parts.c[k] for k in by], *[func.coalesce(func.sum(parts.c[m]), 0).label(m) for m in measures]
    ).group_by(*[parts.c[k] for k in by])


# ---------------------------------------------------------------- building


def _kept(mask: int, source_columns) -> list:
    return [
        (source_columns[d] if mask & BIT[d] else literal("")).label(d) for d in DIMENSIONS
    ]  # a dropped dimension holds ''


def build_days(conn: Connection, days: list[date], base: Select) -> None:
    """Replace the day-grain rows of ``days``: the base slice from ``base`` (a select of day, DIMENSIONS, MEASURES
    from messages), every other slice summed from its parent."""
    r = rollups.c
    target = [r.grain, r.dims, r.day, *[r[d] for d in DIMENSIONS], *[r[m] for m in MEASURES]]
    conn.execute(delete(rollups).where(r.grain == DAY, r.day.in_(days)))
    conn.execute(insert(rollups).from_select(target, base))
    for mask in sorted(PARENTS, key=lambda m: -m.bit_count()):  # a parent keeps more dimensions: built first
        parent = PARENTS[mask]
        if parent is None:
            continue
        kept = _kept(mask, r)
        conn.execute(
            insert(rollups).from_select(
                target,
                select(literal(DAY), literal(mask), r.day, *kept, *[func.sum(r[m]) for m in MEASURES])
                .where(r.grain == DAY, r.dims == parent, r.day.in_(days))
                .group_by(r.day, *[r[d] for d in DIMENSIONS if mask & BIT[d]]),
            )
        )


def build_months(conn: Connection, days: list[date]) -> None:
    """Re-sum the month-grain rows of every month that holds one of ``days`` from its day-grain rows."""
    r = rollups.c
    target = [r.grain, r.dims, r.day, *[r[d] for d in DIMENSIONS], *[r[m] for m in MEASURES]]
    for month in sorted({_month_start(d) for d in days}):
        conn.execute(delete(rollups).where(r.grain == MONTH, r.day == month))
        conn.execute(
            insert(rollups).from_select(
                target,
                select(
                    literal(MONTH),
                    r.dims,
                    literal(month),
                    *[r[d] for d in DIMENSIONS],
                    *[func.sum(r[m]) for m in MEASURES],
                )
                .where(r.grain == DAY, r.day >= month, r.day < _next_month(month))
                .group_by(r.dims, *[r[d] for d in DIMENSIONS]),
            )
        )
