"""Rollups: the cube of dashboard/cube.py (and day × municipality × sector × topic counts for the tension index),
rebuilt for the days a load touched.

A load marks days dirty in the same transaction that changes messages, so a crash never leaves a
rollup silently stale: the next load (or ``tsur rollups``) rebuilds every dirty day.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import date

from sqlalchemy import Connection, Engine, case, delete, func, insert, literal, select

from dashboard import cube
from dashboard.buckets import FIRST_RESPONSE_COLUMNS, N_BUCKETS, RESOLUTION_COLUMNS
from dashboard.catalog import OPEN_STATUSES
from dashboard.store.schema import messages, meta, rollup_dirty, rollup_topic_daily, rollups

DAYS_PER_STATEMENT = 64


def mark_dirty(conn: Connection, days: Iterable[date]) -> None:
    days = set(days)
    if not days:
        return
    known = {r.day for r in conn.execute(select(rollup_dirty.c.day).where(rollup_dirty.c.day.in_(days)))}
    fresh = [{"day": d} for d in sorted(days - known)]
    if fresh:
        conn.execute(insert(rollup_dirty), fresh)


def _base(days: list[date]):
    """The cube's base slice of ``days`` from messages: day, every dimension, every measure."""
    m = messages.c
    count_if = lambda cond: func.sum(case((cond, 1), else_=0))  # noqa: E731
    agency = func.coalesce(m.agency, "")
    columns = [
        literal(cube.DAY),
        literal(cube.BASE),
        m.day,
        m.oktmo,
        m.sector,
        m.source,
        agency,
        func.count(),
        func.count(m.first_response_at),
        func.count(m.resolved_at),
        count_if(m.first_response_at.is_(None) & m.status.in_(OPEN_STATUSES)),
        count_if(m.answered_in_sla.is_(True)),
        func.coalesce(func.sum(m.response_hours), literal(0.0)),
    ]
    columns += [count_if(m.response_bucket == k).label(FIRST_RESPONSE_COLUMNS[k]) for k in range(N_BUCKETS)]
    columns += [count_if(m.resolution_bucket == k).label(RESOLUTION_COLUMNS[k]) for k in range(N_BUCKETS)]
    return select(*columns).where(m.day.in_(days)).group_by(m.day, m.oktmo, m.sector, m.source, agency)


def _topic_counts(days: list[date]):
    m = messages.c
    return (
        select(m.day, m.oktmo, m.sector, m.topic, func.count())
        .where(m.day.in_(days), m.topic.is_not(None))
        .group_by(m.day, m.oktmo, m.sector, m.topic)
    )


def rebuild_days(conn: Connection, days: list[date]) -> None:
    for start in range(0, len(days), DAYS_PER_STATEMENT):
        part = days[start : start + DAYS_PER_STATEMENT]
        cube.build_days(conn, part, _base(part))
        conn.execute(delete(rollup_topic_daily).where(rollup_topic_daily.c.day.in_(part)))
        t = rollup_topic_daily.c
        conn.execute(
            insert(rollup_topic_daily).from_select([t.day, t.oktmo, t.sector, t.topic, t.messages], _topic_counts(part))
        )
        conn.execute(delete(rollup_dirty).where(rollup_dirty.c.day.in_(part)))
    cube.build_months(conn, days)


def refresh(engine: Engine) -> int:
    """Rebuild every dirty day; returns how many days were rebuilt."""
    with engine.begin() as conn:
        days = [r.day for r in conn.execute(select(rollup_dirty.c.day).order_by(rollup_dirty.c.day))]
        if days:
            rebuild_days(conn, days)
            bump_data_version(conn)
    return len(days)


def rebuild_all(engine: Engine) -> int:
    with engine.begin() as conn:
        days = [r.day for r in conn.execute(select(messages.c.day).distinct())]
        conn.execute(delete(rollups))
        conn.execute(delete(rollup_topic_daily))
        conn.execute(delete(rollup_dirty))
        rebuild_days(conn, sorted(days))
        bump_data_version(conn)
    return len(days)


def bump_data_version(conn: Connection) -> str:
    version = str(time.time_ns())
    updated = conn.execute(meta.update().where(meta.c.key == "data_version").values(value=version)).rowcount
    if not updated:
        conn.execute(insert(meta).values(key="data_version", value=version))
    return version
