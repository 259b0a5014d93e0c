"""The overdue backlog by day from late events: a message that ran late is +1 on the local day its target passed
and −1 on the day it was answered (never, while it is open), so the backlog at the end of a day is the sum of all
events up to that day — a few rows per day and cell instead of every late message.

Events are kept per day and slice of (municipality, sector, channel), like the cube (dashboard/store/cube.py). The
loader adds the events of new messages and swaps those of changed ones in the same transaction that writes them, so the
table is exact after every batch; ``rebuild`` recomputes it from messages (``tsur rollups --full``, migrations).
Messages closed without an answer (rejected, spam) are never late: their closing time is unknown.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import combinations
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Connection, Engine, and_, delete, func, or_, select

from dashboard.catalog import OPEN_STATUSES
from dashboard.filters import Filters
from dashboard.frames import rows_frame
from dashboard.region import Region
from dashboard.store.bulk import add_frame, insert_frame
from dashboard.store.schema import FUTURE_TOLERANCE, messages, meta, rollup_late

DIMENSIONS = ("oktmo", "sector", "source")
BIT = {name: 1 << i for i, name in enumerate(DIMENSIONS)}
SLICES = [sum(BIT[d] for d in kept) for n in range(len(DIMENSIONS) + 1) for kept in combinations(DIMENSIONS, n)]
EVENT_COLUMNS = ["created_at", "sla_hours", "first_response_at", "response_hours", "status", *DIMENSIONS]
REBUILD_FLAG = "late_events_rebuild"  # meta key: the table must be recomputed from messages (set by migrations)
CHUNK = 200_000


def events(frame: pd.DataFrame, tz: ZoneInfo) -> pd.DataFrame:
    """Late events of messages (EVENT_COLUMNS; times in UTC), summed per day and cell: starts, ends."""
    if frame.empty:
        return pd.DataFrame(columns=["day", *DIMENSIONS, "starts", "ends"])
    created = pd.to_datetime(frame["created_at"], utc=True)
    first = pd.to_datetime(frame["first_response_at"], utc=True)
    due = created + pd.to_timedelta(frame["sla_hours"].astype(float), unit="h")
    waiting = first.isna() & frame["status"].isin(OPEN_STATUSES)
    answered_late = first.notna() & (frame["response_hours"].astype(float) > frame["sla_hours"].astype(float))
    late = waiting | answered_late
    keys = frame[list(DIMENSIONS)]
    starts = keys[late].assign(day=due[late].dt.tz_convert(tz).dt.date, starts=1, ends=0)
    # answered at a day's very end (midnight) already counts as answered at that day's end
    closed_on = (first[answered_late] - pd.Timedelta(1, "ns")).dt.tz_convert(tz).dt.date
    ends = keys[answered_late].assign(day=closed_on, starts=0, ends=1)
    both = pd.concat([starts, ends], ignore_index=True)
    return both.groupby(["day", *DIMENSIONS], sort=False)[["starts", "ends"]].sum().reset_index()


def _slices(summed: pd.DataFrame) -> pd.DataFrame:
    parts = []
    for mask in SLICES:
        kept = [d for d in DIMENSIONS if mask & BIT[d]]
        part = summed.groupby(["day", *kept], sort=False)[["starts", "ends"]].sum().reset_index()
        parts.append(part.assign(**{d: "" for d in DIMENSIONS if d not in kept}, dims=mask))
    return pd.concat(parts, ignore_index=True)


def apply(conn: Connection, delta: pd.DataFrame) -> None:
    """Add a frame of signed events (``events`` of new rows minus those of the rows they replace) to the table."""
    delta = delta[(delta["starts"] != 0) | (delta["ends"] != 0)]
    if delta.empty:
        return
    rows = _slices(delta)
    rows = rows[(rows["starts"] != 0) | (rows["ends"] != 0)]
    add_frame(
        conn, rollup_late, rows.astype({"starts": int, "ends": int}), ["dims", "day", *DIMENSIONS], ["starts", "ends"]
    )
    if (delta["starts"] < 0).any() or (delta["ends"] < 0).any():
        r = rollup_late.c
        conn.execute(delete(rollup_late).where(r.starts == 0, r.ends == 0, r.day.in_(set(rows["day"]))))


def rebuild(conn: Connection, tz: ZoneInfo) -> None:
    """Recompute every event from the messages that ever ran late."""
    m = messages.c
    conn.execute(delete(rollup_late))
    late = or_(
        and_(m.first_response_at.is_(None), m.status.in_(OPEN_STATUSES)),
        and_(m.first_response_at.is_not(None), m.response_hours > m.sla_hours),
    )
    result = conn.execute(select(*[m[c] for c in EVENT_COLUMNS]).where(late)).yield_per(CHUNK)
    parts = [events(rows_frame(chunk, columns=EVENT_COLUMNS), tz) for chunk in result.partitions()]
    if parts:
        summed = pd.concat(parts, ignore_index=True).groupby(["day", *DIMENSIONS], sort=False).sum().reset_index()
        insert_frame(conn, rollup_late, _slices(summed)[["dims", "day", *DIMENSIONS, "starts", "ends"]])
    conn.execute(delete(meta).where(meta.c.key == REBUILD_FLAG))


def needs_rebuild(conn: Connection) -> bool:
    return conn.execute(select(meta.c.value).where(meta.c.key == REBUILD_FLAG)).scalar() is not None


def backlog(engine: Engine, filters: Filters, now: datetime, region: Region) -> pd.DataFrame:
    """Overdue and unanswered at the end of each day of the period (at ``now`` for today and later days)."""
    tz = region.timezone
    r = rollup_late.c
    chosen = {name: values for name, values in filters.by_column().items() if values}
    where = [r.dims == sum(BIT[name] for name in chosen), *[r[name].in_(values) for name, values in chosen.items()]]
    net = func.coalesce(func.sum(r.starts - r.ends), 0)
    days = pd.date_range(filters.date_from, filters.date_to, freq="D").date
    with engine.connect() as conn:
        before = conn.execute(select(net).where(*where, r.day < filters.date_from)).scalar()
        rows = conn.execute(
            select(r.day, net).where(*where, r.day >= filters.date_from, r.day <= filters.date_to).group_by(r.day)
        ).all()
        pending = _due_later_today(conn, filters, now, tz, region.catalog.sla.max_hours)
    change = pd.Series({d: int(n) for d, n in rows}, dtype="int64").reindex(days, fill_value=0)
    overdue = int(before) + change.cumsum()
    # the events date a start by its target's day; from today on the day's end is not there yet: targets still
    # ahead of ``now`` (open questions only — nothing is answered in the future) do not count
    today = now.astimezone(tz).date()
    for day in days:
        if day >= today:
            overdue[day] -= int((pending <= day).sum())
    return pd.DataFrame({"day": days, "overdue": overdue.to_numpy(dtype=int)})


def _due_later_today(
    conn: Connection, filters: Filters, now: datetime, tz: ZoneInfo, longest_target_hours: float
) -> pd.Series:
    """Local target days of open unanswered messages whose target is still ahead of ``now`` (none can be further
    ahead than the longest answer target).

    Read through the index of unanswered messages, between the last days and the latest day a message may carry
    (the loader refuses later ones): left to itself, SQLite's planner skip-scanned every day of that index under a
    sector filter (12 – 45 ms instead of 5) and went through the municipality index and the table under a
    municipality filter (43 ms)."""
    m = messages.c
    recent = (now.astimezone(tz) - timedelta(hours=longest_target_hours)).date() - timedelta(days=1)
    latest = (now + FUTURE_TOLERANCE).astimezone(tz).date()
    where = [m.first_response_at.is_(None), m.status.in_(OPEN_STATUSES), m.day >= recent, m.day <= latest]
    where += [m.due_at >= now, *(m[name].in_(values) for name, values in filters.by_column().items() if values)]
    query = select(m.due_at).where(*where).with_hint(messages, "INDEXED BY ix_messages_unanswered", "sqlite")
    due = pd.to_datetime(pd.Series([r[0] for r in conn.execute(query)]), utc=True)
    return due.dt.tz_convert(tz).dt.date.reset_index(drop=True)
