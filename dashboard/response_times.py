"""Response-time figures: trends of median and p90, SLA share, overdue backlog, oldest overdue, tables.

Percentiles come from the cube's log-bucket histograms (dashboard/buckets.py), summed over whatever the chart
groups by; the backlog comes from late events (dashboard/late.py); only the oldest-overdue list reads messages,
through the index of unanswered ones.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from dashboard import cube
from dashboard.buckets import FIRST_RESPONSE_COLUMNS, RESOLUTION_COLUMNS, percentiles
from dashboard.catalog import OPEN_STATUSES
from dashboard.filters import Filters
from dashboard.frames import rows_frame
from dashboard.masking import mask
from dashboard.queries import _where, overdue_by
from dashboard.region import Region
from dashboard.store.schema import messages

MEASURES = {"first": FIRST_RESPONSE_COLUMNS, "resolution": RESOLUTION_COLUMNS}
SPLITS = ("none", "source", "sector")
WEEKLY_AFTER_DAYS = 62  # longer periods are drawn by week, shorter by day
TABLE_COLUMNS = ["key", "messages", "median_hours", "p90_hours", "within_sla_share", "overdue_now"]
NO_AGENCY = "не указано"


def granularity(filters: Filters) -> str:
    return "week" if filters.days > WEEKLY_AFTER_DAYS else "day"


def _steps(engine: Engine, filters: Filters, split: str, measure: str, step: str | None) -> pd.DataFrame:
    """The period's sums (histograms included) per ``step`` ("day", "week": the database groups the days into
    calendar weeks; None: the whole period in one row) and ``split`` value, the step's first day as ``day``."""
    keys = ([step] if step else []) + ([split] if split != "none" else [])
    hist = MEASURES[measure]
    with engine.connect() as conn:
        rows = cube.read(conn, filters, ["messages", "answered", "answered_in_sla", *hist], by=keys)
    names = (["day"] if step else []) + (["key"] if split != "none" else []) + ["messages", "answered", "in_sla", *hist]
    frame = rows_frame(rows, columns=names)
    if split == "none":
        frame["key"] = "all"
    if step:
        frame["day"] = pd.to_datetime(frame["day"])
    return frame


def _grouped(engine: Engine, filters: Filters, key: str) -> pd.DataFrame:
    """One row per value of ``key`` over the whole period: messages, median, p90, within-SLA share."""
    hist = FIRST_RESPONSE_COLUMNS
    with engine.connect() as conn:
        rows = cube.read(conn, filters, ["messages", "answered", "answered_in_sla", *hist], by=[key])
    frame = rows_frame(rows, columns=["key", "messages", "answered", "in_sla", *hist])
    frame = frame[frame["messages"] > 0]
    if frame.empty:
        return pd.DataFrame(columns=TABLE_COLUMNS[:-1]).set_index("key")
    return _summaries(frame, ["key"], hist).drop(columns="answered")


def _summaries(frame: pd.DataFrame, keys: list[str], hist: list[str]) -> pd.DataFrame:
    """Per group of ``keys``: messages, answered, median, p90 (from the summed histograms), within-SLA share.
    Vectorised over the groups: a groupby-apply cost ~3 ms a group, a year by day and channel ~0.6 s."""
    sums = frame.groupby(keys)[["messages", "answered", "in_sla", *hist]].sum()
    counts = sums[hist].to_numpy(dtype=float)
    messages = sums["messages"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(messages > 0, np.round(sums["in_sla"].to_numpy(dtype=float) / messages, 4), np.nan)
    out = pd.DataFrame(
        {
            "messages": sums["messages"].astype(int),
            "answered": sums["answered"].astype(int),
            "median_hours": _nullable(np.round(percentiles(counts, 0.5), 2)),
            "p90_hours": _nullable(np.round(percentiles(counts, 0.9), 2)),
            "within_sla_share": _nullable(share),
        },
        index=sums.index,
    )
    return out


def _nullable(values: np.ndarray) -> np.ndarray:
    """Floats with None for the missing ones (JSON null, as the API and the figures expect)."""
    out = values.astype(object)
    out[np.isnan(values)] = None
    return out


def trend(engine: Engine, filters: Filters, split: str = "none", measure: str = "first") -> pd.DataFrame:
    """One row per (period_start, key): messages, median, p90, within-SLA share; days or weeks by period length.

    Empty days and weeks are kept (messages 0, no percentiles), so lines show gaps honestly.
    """
    if split not in SPLITS or measure not in MEASURES:
        raise ValueError(f"unknown split {split!r} or measure {measure!r}")
    hist = MEASURES[measure]
    step = granularity(filters)
    frame = _steps(engine, filters, split, measure, step)
    frame["period_start"] = frame["day"]
    starts = pd.date_range(filters.date_from, filters.date_to, freq="D")
    if step == "week":
        starts = pd.DatetimeIndex(sorted({d - timedelta(days=d.weekday()) for d in starts}))
    keys = sorted(frame["key"].unique()) or ["all"]
    grid = pd.MultiIndex.from_product([starts, keys], names=["period_start", "key"])
    if frame.empty:
        out = pd.DataFrame(index=grid).assign(
            messages=0, answered=0, median_hours=None, p90_hours=None, within_sla_share=None
        )
        return out.reset_index()
    summary = _summaries(frame, ["period_start", "key"], hist)
    out = summary.reindex(grid)
    out["messages"] = out["messages"].fillna(0).astype(int)
    out["answered"] = out["answered"].fillna(0).astype(int)
    return out.reset_index()


def totals(engine: Engine, filters: Filters, measure: str = "first") -> dict:
    frame = _steps(engine, filters, "none", measure, None)
    if not frame["messages"].sum():
        return {"messages": 0, "answered": 0, "median_hours": None, "p90_hours": None, "within_sla_share": None}
    row = _summaries(frame, ["key"], MEASURES[measure]).iloc[0]
    return {name: (value.item() if isinstance(value, np.generic) else value) for name, value in row.items()}


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
                m.due_at < now,
            )
            .order_by(m.day, m.created_at)  # the order of the unanswered index: day follows created_at
            .limit(limit)
        ).all()
    frame = rows_frame(rows, columns=["created_at", "sla_hours", "sector", "source", "oktmo", "agency", "text"])
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    now_ts = pd.Timestamp(now).tz_convert("UTC")
    frame["age_hours"] = ((now_ts - frame["created_at"]).dt.total_seconds() / 3600).round(1)
    frame["created_at"] = frame["created_at"].dt.tz_convert(region.timezone)
    frame["municipality"] = frame["oktmo"].map(region.municipalities["name"]).fillna(frame["oktmo"])
    frame["text"] = frame["text"].map(mask)
    return frame.reset_index(drop=True)


def table_by_sector(engine: Engine, filters: Filters, now: datetime, region: Region) -> pd.DataFrame:
    return _table(engine, filters, now, region, "sector")


def table_by_agency(engine: Engine, filters: Filters, now: datetime, region: Region, limit: int = 50) -> pd.DataFrame:
    """Per agency, the busiest ``limit``; messages without an agency under «не указано»."""
    table = _table(engine, filters, now, region, "agency").head(limit)
    table["key"] = table["key"].replace("", NO_AGENCY)
    return table


def _table(engine: Engine, filters: Filters, now: datetime, region: Region, key: str) -> pd.DataFrame:
    out = _grouped(engine, filters, key)
    if out.empty:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    out["overdue_now"] = overdue_by(engine, filters, now, region, key=key).reindex(out.index, fill_value=0)
    out["messages"] = out["messages"].astype(int)
    out["overdue_now"] = out["overdue_now"].astype(int)
    return out.rename_axis("key").reset_index().sort_values(["messages", "key"], ascending=[False, True])
