"""Queries: one function per figure's data. They read rollups; raw messages only where unavoidable."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, func, select

from dashboard.buckets import FIRST_RESPONSE_COLUMNS, percentile
from dashboard.catalog import OPEN_STATUSES, load_sla
from dashboard.filters import Filters
from dashboard.region import Region
from dashboard.store.schema import messages, rollup_daily


def _where(table, filters: Filters, date_from=None, date_to=None):
    c = table.c
    clauses = [c.day >= (date_from or filters.date_from), c.day <= (date_to or filters.date_to)]
    if filters.sectors:
        clauses.append(c.sector.in_(filters.sectors))
    if filters.municipalities:
        clauses.append(c.oktmo.in_(filters.municipalities))
    if filters.sources:
        clauses.append(c.source.in_(filters.sources))
    return and_(*clauses)


def _totals(engine: Engine, filters: Filters) -> dict:
    r = rollup_daily.c
    columns = [
        func.coalesce(func.sum(r.messages), 0),
        func.coalesce(func.sum(r.answered), 0),
        func.coalesce(func.sum(r.answered_in_sla), 0),
    ]
    columns += [func.coalesce(func.sum(r[name]), 0) for name in FIRST_RESPONSE_COLUMNS]
    with engine.connect() as conn:
        row = conn.execute(select(*columns).where(_where(rollup_daily, filters))).one()
    hist = np.array(row[3:], dtype=float)
    return {"messages": int(row[0]), "answered": int(row[1]), "answered_in_sla": int(row[2]), "hist": hist}


def overdue_count(engine: Engine, filters: Filters, now: datetime, region: Region) -> int:
    """Messages of the period still unanswered past their SLA target at ``now``.

    Days that ended at least the longest SLA ago are read from rollups (every open message there is
    overdue); the last few days are checked message by message against their own target.
    """
    now_local = now.astimezone(region.timezone)
    cutoff = (now_local - timedelta(hours=load_sla().max_hours)).date()
    total = 0
    with engine.connect() as conn:
        if filters.date_from < cutoff:
            old_to = min(filters.date_to, cutoff - timedelta(days=1))
            total += int(
                conn.execute(
                    select(func.coalesce(func.sum(rollup_daily.c.open_unanswered), 0)).where(
                        _where(rollup_daily, filters, date_to=old_to)
                    )
                ).scalar()
            )
        if filters.date_to >= cutoff:
            m = messages.c
            recent = conn.execute(
                select(m.created_at, m.sla_hours).where(
                    _where(messages, filters, date_from=max(filters.date_from, cutoff)),
                    m.first_response_at.is_(None),
                    m.status.in_(OPEN_STATUSES),
                )
            ).all()
            if recent:
                frame = pd.DataFrame(recent, columns=["created_at", "sla_hours"])
                created = pd.to_datetime(frame["created_at"], utc=True)
                deadline = created + pd.to_timedelta(frame["sla_hours"], unit="h")
                total += int((deadline < pd.Timestamp(now).tz_convert("UTC")).sum())
    return total


def _change(current: float | None, previous: float | None) -> float | None:
    if current is None or previous is None or previous == 0:
        return None
    return round((current - previous) / previous * 100, 1)


def summary(engine: Engine, filters: Filters, now: datetime, region: Region) -> dict:
    """KPI figures for the period and the previous equal period, with changes in percent."""
    result: dict = {
        "period": {"from": filters.date_from.isoformat(), "to": filters.date_to.isoformat(), "days": filters.days}
    }
    for key, f in (("current", filters), ("previous", filters.previous())):
        t = _totals(engine, f)
        median = percentile(t["hist"], 0.5)
        p90 = percentile(t["hist"], 0.9)
        result[key] = {
            "messages": t["messages"],
            "answered": t["answered"],
            "answered_share": round(t["answered"] / t["messages"], 4) if t["messages"] else None,
            "within_sla_share": round(t["answered_in_sla"] / t["messages"], 4) if t["messages"] else None,
            "median_first_response_hours": None if median is None else round(median, 2),
            "p90_first_response_hours": None if p90 is None else round(p90, 2),
            "overdue": overdue_count(engine, f, now, region),
        }
    cur, prev = result["current"], result["previous"]
    result["change_pct"] = {
        k: _change(cur[k], prev[k]) for k in ("messages", "answered_share", "median_first_response_hours", "overdue")
    }
    return result
