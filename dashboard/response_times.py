"""Response-time figures: trends of median and p90, SLA share, overdue backlog, oldest overdue, tables.

Percentiles come from the rollups' log-bucket histograms (dashboard/buckets.py), summed over whatever the
chart groups by; only the backlog, the oldest-overdue list and the per-agency table read raw messages.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, func, or_, select

from dashboard.buckets import FIRST_RESPONSE_COLUMNS, RESOLUTION_COLUMNS, percentile
from dashboard.catalog import OPEN_STATUSES
from dashboard.filters import Filters
from dashboard.masking import mask
from dashboard.queries import _where, overdue_by
from dashboard.region import Region
from dashboard.store.schema import messages, rollup_daily

MEASURES = {"first": FIRST_RESPONSE_COLUMNS, "resolution": RESOLUTION_COLUMNS}
SPLITS = ("none", "source", "sector")
WEEKLY_AFTER_DAYS = 62  # longer periods are drawn by week, shorter by day


def granularity(filters: Filters) -> str:
    return "week" if filters.days > WEEKLY_AFTER_DAYS else "day"


def _daily(engine: Engine, filters: Filters, split: str, measure: str) -> pd.DataFrame:
    r = rollup_daily.c
    keys = [r.day] + ([r[split]] if split != "none" else [])
    hist = MEASURES[measure]
    columns = [*keys, func.sum(r.messages), func.sum(r.answered), func.sum(r.answered_in_sla)]
    columns += [func.sum(r[name]) for name in hist]
    with engine.connect() as conn:
        rows = conn.execute(select(*columns).where(_where(rollup_daily, filters)).group_by(*keys)).all()
    names = ["day"] + (["key"] if split != "none" else []) + ["messages", "answered", "in_sla", *hist]
    frame = pd.DataFrame(rows, columns=names)
    if split == "none":
        frame["key"] = "all"
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


def _summarise(group: pd.DataFrame, hist: list[str]) -> pd.Series:
    counts = group[hist].to_numpy(dtype=float).sum(axis=0)
    messages = int(group["messages"].sum())
    median, p90 = percentile(counts, 0.5), percentile(counts, 0.9)
    return pd.Series(
        {
            "messages": messages,
            "answered": int(group["answered"].sum()),
            "median_hours": None if median is None else round(median, 2),
            "p90_hours": None if p90 is None else round(p90, 2),
            "within_sla_share": round(group["in_sla"].sum() / messages, 4) if messages else None,
        }
    )


def trend(engine: Engine, filters: Filters, split: str = "none", measure: str = "first") -> pd.DataFrame:
    """One row per (period_start, key): messages, median, p90, within-SLA share; days or weeks by period length.

    Empty days and weeks are kept (messages 0, no percentiles), so lines show gaps honestly.
    """
    if split not in SPLITS or measure not in MEASURES:
        raise ValueError(f"unknown split {split!r} or measure {measure!r}")
    hist = MEASURES[measure]
    frame = _daily(engine, filters, split, measure)
    step = granularity(filters)
    starts = pd.date_range(filters.date_from, filters.date_to, freq="D")
    if step == "week":
        frame["period_start"] = frame["day"] - pd.to_timedelta(frame["day"].dt.day_of_week, unit="D")
        starts = pd.DatetimeIndex(sorted({d - timedelta(days=d.weekday()) for d in starts}))
    else:
        frame["period_start"] = frame["day"]
    keys = sorted(frame["key"].unique()) or ["all"]
    grid = pd.MultiIndex.from_product([starts, keys], names=["period_start", "key"])
    if frame.empty:
        out = pd.DataFrame(index=grid).assign(
            messages=0, answered=0, median_hours=None, p90_hours=None, within_sla_share=None
        )
        return out.reset_index()
    summary = frame.groupby(["period_start", "key"]).apply(_summarise, hist, include_groups=False)
    out = summary.reindex(grid)
    out["messages"] = out["messages"].fillna(0).astype(int)
    out["answered"] = out["answered"].fillna(0).astype(int)
    return out.reset_index()


def totals(engine: Engine, filters: Filters, measure: str = "first") -> dict:
    frame = _daily(engine, filters, "none", measure)
    return (
        _summarise(frame, MEASURES[measure]).to_dict()
        if len(frame)
        else {
            "messages": 0,
            "answered": 0,
            "median_hours": None,
            "p90_hours": None,
            "within_sla_share": None,
        }
    )


def backlog(engine: Engine, filters: Filters, now: datetime, region: Region) -> pd.DataFrame:
    """Overdue backlog at the end of each day of the period: created before, unanswered then, past target then.

    Messages closed without an answer (rejected, spam) are left out: their closing time is unknown.
    """
    tz = region.timezone
    start = datetime.combine(filters.date_from, datetime.min.time(), tz)
    end = min(datetime.combine(filters.date_to + timedelta(days=1), datetime.min.time(), tz), now.astimezone(tz))
    m = messages.c
    scope = replace(filters, date_from=filters.date_from - timedelta(days=3650))
    condition = and_(
        _where(messages, scope, date_to=filters.date_to),
        or_(m.first_response_at.is_not(None), m.status.in_(OPEN_STATUSES)),
        or_(m.first_response_at.is_(None), m.first_response_at > start),
    )
    with engine.connect() as conn:
        rows = conn.execute(select(m.created_at, m.first_response_at, m.sla_hours).where(condition)).all()
    days = pd.date_range(filters.date_from, filters.date_to, freq="D")
    ends = pd.DatetimeIndex([min(pd.Timestamp(d, tz=tz) + pd.Timedelta(days=1), pd.Timestamp(end)) for d in days])
    if not rows:
        return pd.DataFrame({"day": days.date, "overdue": 0})
    frame = pd.DataFrame(rows, columns=["created_at", "first_response_at", "sla_hours"])
    deadline = pd.to_datetime(frame["created_at"], utc=True) + pd.to_timedelta(frame["sla_hours"], unit="h")
    answered = pd.to_datetime(frame["first_response_at"], utc=True)
    dl = deadline.to_numpy(dtype="datetime64[ns]")
    ans = answered.to_numpy(dtype="datetime64[ns]")
    ends_np = ends.tz_convert("UTC").tz_localize(None).to_numpy(dtype="datetime64[ns]")
    dl = dl.astype("datetime64[ns]")
    late = dl[None, :] < ends_np[:, None]
    waiting = np.isnat(ans)[None, :] | (ans[None, :] > ends_np[:, None])
    return pd.DataFrame({"day": days.date, "overdue": (late & waiting).sum(axis=1).astype(int)})


def oldest_overdue(engine: Engine, filters: Filters, now: datetime, region: Region, limit: int = 10) -> pd.DataFrame:
    """Open unanswered messages past their target now, oldest first; texts masked."""
    m = messages.c
    scope = replace(filters, date_from=filters.date_from - timedelta(days=3650))
    with engine.connect() as conn:
        rows = conn.execute(
            select(m.created_at, m.sla_hours, m.sector, m.source, m.oktmo, m.agency, m.text)
            .where(
                _where(messages, scope, date_to=filters.date_to),
                m.first_response_at.is_(None),
                m.status.in_(OPEN_STATUSES),
            )
            .order_by(m.created_at)
            .limit(limit * 20)
        ).all()
    frame = pd.DataFrame(rows, columns=["created_at", "sla_hours", "sector", "source", "oktmo", "agency", "text"])
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    now_ts = pd.Timestamp(now).tz_convert("UTC")
    frame = frame[frame["created_at"] + pd.to_timedelta(frame["sla_hours"], unit="h") < now_ts].head(limit)
    frame["age_hours"] = ((now_ts - frame["created_at"]).dt.total_seconds() / 3600).round(1)
    frame["created_at"] = frame["created_at"].dt.tz_convert(region.timezone)
    frame["municipality"] = frame["oktmo"].map(region.municipalities["name"]).fillna(frame["oktmo"])
    frame["text"] = frame["text"].map(mask)
    return frame.reset_index(drop=True)


def table_by_sector(engine: Engine, filters: Filters, now: datetime, region: Region) -> pd.DataFrame:
    frame = _daily(engine, filters, "sector", "first")
    if frame.empty:
        return pd.DataFrame(columns=["key", "messages", "median_hours", "p90_hours", "within_sla_share", "overdue_now"])
    out = frame.groupby("key").apply(_summarise, FIRST_RESPONSE_COLUMNS, include_groups=False)
    out["overdue_now"] = overdue_by(engine, filters, now, region, key="sector").reindex(out.index, fill_value=0)
    out["messages"] = out["messages"].astype(int)
    return out.drop(columns="answered").reset_index().sort_values("messages", ascending=False)


def table_by_agency(engine: Engine, filters: Filters, now: datetime, limit: int = 50) -> pd.DataFrame:
    """Per agency from raw messages (agencies are not in the rollups): exact percentiles."""
    m = messages.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(m.agency, m.created_at, m.response_hours, m.answered_in_sla, m.sla_hours, m.status).where(
                _where(messages, filters)
            )
        ).all()
    frame = pd.DataFrame(rows, columns=["agency", "created_at", "response_hours", "in_sla", "sla_hours", "status"])
    if frame.empty:
        return pd.DataFrame(columns=["key", "messages", "median_hours", "p90_hours", "within_sla_share", "overdue_now"])
    frame["agency"] = frame["agency"].fillna("не указано")
    created = pd.to_datetime(frame["created_at"], utc=True)
    frame["overdue"] = (
        frame["response_hours"].isna()
        & frame["status"].isin(OPEN_STATUSES)
        & (created + pd.to_timedelta(frame["sla_hours"], unit="h") < pd.Timestamp(now).tz_convert("UTC"))
    )
    grouped = frame.groupby("agency")
    out = pd.DataFrame(
        {
            "messages": grouped.size(),
            "median_hours": grouped["response_hours"].median().round(2),
            "p90_hours": grouped["response_hours"].quantile(0.9).round(2),
            "within_sla_share": (grouped["in_sla"].apply(lambda s: (s == True).sum()) / grouped.size()).round(4),  # noqa: E712
            "overdue_now": grouped["overdue"].sum().astype(int),
        }
    )
    return out.reset_index(names="key").sort_values("messages", ascending=False).head(limit)
