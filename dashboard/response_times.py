"""Response-time figures: trends of median and p90, SLA share, overdue backlog, oldest overdue, tables.

Percentiles come from the cube's log-bucket histograms (dashboard/buckets.py), summed over whatever the chart
groups by; the backlog comes from late events (dashboard/late.py); only the oldest-overdue list reads messages,
through the index of unanswered ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from dashboard import cube
from dashboard.buckets import FIRST_RESPONSE_COLUMNS, N_BUCKETS, RESOLUTION_COLUMNS, percentiles
from dashboard.catalog import OPEN_STATUSES
from dashboard.filters import Filters
from dashboard.frames import rows_frame
from dashboard.masking import mask
from dashboard.queries import _where, first_day, overdue_by
from dashboard.region import Region
from dashboard.store.schema import messages

MEASURES = {"first": FIRST_RESPONSE_COLUMNS, "resolution": RESOLUTION_COLUMNS}
SPLITS = ("none", "source", "sector")
WEEKLY_AFTER_DAYS = 62  # longer periods are drawn by week, shorter by day
TABLE_COLUMNS = ["key", "messages", "median_hours", "p90_hours", "within_sla_share", "overdue_of_period"]
NO_AGENCY = "не указано"


def granularity(filters: Filters) -> str:
    return "week" if filters.days > WEEKLY_AFTER_DAYS else "day"


SUMMED = ["messages", "answered", "answered_in_sla"]  # then a histogram's buckets
WIDTH = len(SUMMED) + N_BUCKETS


def _sums(rows: Sequence[Sequence], keys: int) -> tuple[list[tuple], np.ndarray]:
    """A cube read's rows — one per group: ``keys`` key columns, then the ``SUMMED`` counts and a histogram —
    as their keys and one int64 matrix of the counts."""
    groups = [tuple(row[:keys]) for row in rows]
    counts = np.array([row[keys:] for row in rows], dtype=np.int64).reshape(len(rows), WIDTH)
    return groups, counts


def _summaries(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Per row of ``_sums``' counts: messages, answered, median, p90 (from the histogram), within-SLA share.

    Plain arrays: the cube has summed every group already, and grouping, reindexing and building frames of ~60
    columns in pandas cost ~10 ms a trend where the read takes one."""
    messages = counts[:, 0]
    histogram = counts[:, len(SUMMED) :].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(messages > 0, np.round(counts[:, 2] / messages, 4), np.nan)
    return {
        "messages": messages,
        "answered": counts[:, 1],
        "median_hours": _nullable(np.round(percentiles(histogram, 0.5), 2)),
        "p90_hours": _nullable(np.round(percentiles(histogram, 0.9), 2)),
        "within_sla_share": _nullable(share),
    }


def _grouped(engine: Engine, filters: Filters, key: str) -> pd.DataFrame:
    """One row per value of ``key`` with messages over the whole period, in key order: messages, median, p90,
    within-SLA share."""
    with engine.connect() as conn:
        rows = cube.read(conn, filters, [*SUMMED, *FIRST_RESPONSE_COLUMNS], by=[key])
    groups, counts = _sums(sorted((row for row in rows if row[1] > 0), key=lambda row: row[0]), 1)
    summary = _summaries(counts)
    del summary["answered"]
    return pd.DataFrame(summary, index=pd.Index([g[0] for g in groups], dtype=object, name="key"))


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
    step = granularity(filters)
    by = [step] if split == "none" else [step, split]
    with engine.connect() as conn:  # a week's rows are dated its Monday
        rows = cube.read(conn, filters, [*SUMMED, *MEASURES[measure]], by=by)
    starts = [filters.date_from + timedelta(days=i) for i in range(filters.days)]
    if step == "week":
        starts = sorted({d - timedelta(days=d.weekday()) for d in starts})
    groups, counts = _sums(rows, len(by))
    keys = sorted({g[1] for g in groups}) if split != "none" and groups else ["all"]
    at = {(start, key): i * len(keys) + j for i, start in enumerate(starts) for j, key in enumerate(keys)}
    placed = np.zeros((len(at), WIDTH), dtype=np.int64)
    for group, row in zip(groups, counts, strict=True):
        i = at.get((group[0], group[1] if split != "none" else "all"))
        if i is not None:
            placed[i] = row
    return pd.DataFrame(
        {
            "period_start": pd.DatetimeIndex(np.repeat(np.array(starts, dtype="datetime64[D]"), len(keys))),
            "key": pd.Series(keys * len(starts), dtype=object),
            **_summaries(placed),
        }
    )


def totals(engine: Engine, filters: Filters, measure: str = "first") -> dict:
    with engine.connect() as conn:
        rows = cube.read(conn, filters, [*SUMMED, *MEASURES[measure]])
    summary = _summaries(_sums(rows, 0)[1])
    return {
        name: (value[0].item() if isinstance(value[0], np.generic) else value[0]) for name, value in summary.items()
    }


def oldest_overdue(engine: Engine, filters: Filters, now: datetime, region: Region, limit: int = 10) -> pd.DataFrame:
    """The oldest of ``overdue_now``: open unanswered messages past their target now, whatever day they came in (the
    filters' sectors, municipalities and channels apply, the period does not), oldest first; texts masked."""
    m = messages.c
    today = now.astimezone(region.timezone).date()
    scope = replace(filters, date_from=min(first_day(engine) or today, today), date_to=today)
    with engine.connect() as conn:
        rows = conn.execute(
            select(m.created_at, m.sla_hours, m.sector, m.source, m.oktmo, m.agency, m.text)
            .where(
                _where(messages, scope),
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
    overdue = overdue_by(engine, filters, now, region, key=key).reindex(out.index, fill_value=0)
    out["overdue_of_period"] = overdue.astype(int)
    out["messages"] = out["messages"].astype(int)
    return out.rename_axis("key").reset_index().sort_values(["messages", "key"], ascending=[False, True])
