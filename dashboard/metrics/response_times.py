"""Response-time figures: trends of median and p90, SLA share, overdue backlog, oldest overdue, tables.

Percentiles are Kaplan–Meier estimates from the cube's stored durations and open messages
(dashboard/metrics/percentiles.py), added up over whatever the chart groups by: exact for small groups, within 0.5 %
beyond, and flagged ``provisional`` while messages still open can move them. The backlog comes from late events
(dashboard/store/late.py); only the oldest-overdue list reads messages, through the index of unanswered ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from dashboard.catalog import OPEN_STATUSES
from dashboard.filters import Filters
from dashboard.frames import rows_frame
from dashboard.masking import mask
from dashboard.metrics import percentiles
from dashboard.metrics.queries import _where, first_day, overdue_by, pending_by
from dashboard.region import Region
from dashboard.store import cube
from dashboard.store.schema import messages

MEASURES = tuple(cube.DURATIONS)  # "first" (response), "resolution"
SPLITS = ("none", "source", "sector")
WEEKLY_AFTER_DAYS = 62  # longer periods are drawn by week, shorter by day
TABLE_COLUMNS = ["key", "messages", "median_hours", "p90_hours", "within_sla_share", "provisional", "overdue_of_period"]
NO_AGENCY = "не указано"


def granularity(filters: Filters) -> str:
    return "week" if filters.days > WEEKLY_AFTER_DAYS else "day"


SUMMED = ["messages", "answered", "answered_in_sla"]  # then the measure's blobs


def _estimated(
    engine: Engine, filters: Filters, now: datetime, measure: str, by: Sequence[str] = ()
) -> percentiles.Grouped:
    """The groups of ``by`` with their ``SUMMED`` counts and ``measure``'s estimates at ``now``."""
    with engine.connect() as conn:
        rows = cube.read_stored(conn, filters, [*SUMMED, *percentiles.columns(measure)], by=by)
    return percentiles.grouped(rows, len(by), len(SUMMED), now)


def _summaries(groups: percentiles.Grouped, pending: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Per group: messages, answered, median, p90, within-SLA share of the messages whose outcome is known (all but
    the ``pending`` ones, unanswered with their target ahead), answered within 24 h, provisional.

    Plain arrays: a read returns a few hundred groups, where grouping, reindexing and building frames in pandas
    cost milliseconds each."""
    messages, answered, in_sla = groups.counts.T
    decided = messages - (pending if pending is not None else 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(decided > 0, np.round(in_sla / decided, 4), np.nan)
    return {
        "messages": messages,
        "answered": answered,
        "median_hours": _nullable(groups.rounded(0.5)),
        "p90_hours": _nullable(groups.rounded(0.9)),
        "within_sla_share": _nullable(share),
        "answered_24h_share": _nullable(np.round(groups.estimates.share_by, 4)),
        "provisional": groups.estimates.provisional,
    }


def _pending(
    engine: Engine, filters: Filters, now: datetime, region: Region, groups: percentiles.Grouped, by: Sequence[str]
) -> np.ndarray:
    """``queries.pending_by`` of each group (their outcome is not known yet)."""
    counts = pending_by(engine, filters, now, region, tuple(by))
    return np.array([counts.get(tuple(key), 0) for key in groups.keys], dtype=np.int64)


def _grouped(engine: Engine, filters: Filters, now: datetime, region: Region, key: str) -> pd.DataFrame:
    """One row per value of ``key`` with messages over the whole period, in key order: messages, median, p90,
    within-SLA share, provisional."""
    groups = _estimated(engine, filters, now, "first", [key])
    order = sorted(range(len(groups.keys)), key=lambda i: groups.keys[i][0])
    pending = _pending(engine, filters, now, region, groups, [key])
    summary = {name: values[order] for name, values in _summaries(groups, pending).items()}
    del summary["answered"], summary["answered_24h_share"]
    return pd.DataFrame(summary, index=pd.Index([groups.keys[i][0] for i in order], dtype=object, name="key"))


def _nullable(values: np.ndarray) -> np.ndarray:
    """Floats with None for the missing ones (JSON null, as the API and the figures expect)."""
    out = values.astype(object)
    out[np.isnan(values)] = None
    return out


def trend(
    engine: Engine, filters: Filters, now: datetime, region: Region, split: str = "none", measure: str = "first"
) -> pd.DataFrame:
    """One row per (period_start, key): messages, answered, median, p90, within-SLA share, answered within 24 h and
    ``provisional`` (the median or p90 can still move: messages still open are younger than what they rest on);
    days or weeks by period length. Estimates are taken at ``now``.

    Empty days and weeks are kept (messages 0, no percentiles), so lines show gaps honestly.
    """
    if split not in SPLITS or measure not in MEASURES:
        raise ValueError(f"unknown split {split!r} or measure {measure!r}")
    step = granularity(filters)
    by = [step] if split == "none" else [step, split]
    groups = _estimated(engine, filters, now, measure, by)  # a week's rows are dated its Monday
    starts = [filters.date_from + timedelta(days=i) for i in range(filters.days)]
    if step == "week":
        starts = sorted({d - timedelta(days=d.weekday()) for d in starts})
    keys = sorted({g[1] for g in groups.keys}) if split != "none" and groups.keys else ["all"]
    at = {(start, key): i * len(keys) + j for i, start in enumerate(starts) for j, key in enumerate(keys)}
    placed = [at.get((g[0], g[1] if split != "none" else "all"), -1) for g in groups.keys]
    found = np.array([i for i in placed if i >= 0], dtype=np.int64)
    inside = np.array([i >= 0 for i in placed], dtype=bool)
    columns = {}
    for name, values in _summaries(groups, _pending(engine, filters, now, region, groups, by)).items():
        empty = {"messages": 0, "answered": 0, "provisional": False}.get(name)
        column = np.full(len(at), empty, dtype=values.dtype if empty is not None else object)
        column[found] = values[inside]
        columns[name] = column
    return pd.DataFrame(
        {
            "period_start": pd.DatetimeIndex(np.repeat(np.array(starts, dtype="datetime64[D]"), len(keys))),
            "key": pd.Series(keys * len(starts), dtype=object),
            **columns,
        }
    )


def totals(engine: Engine, filters: Filters, now: datetime, region: Region, measure: str = "first") -> dict:
    """The period's messages, answered, median, p90, within-SLA share, answered within 24 h and ``provisional``."""
    groups = _estimated(engine, filters, now, measure)
    summary = _summaries(groups, _pending(engine, filters, now, region, groups, ()))
    if not len(summary["messages"]):  # nothing in the period
        return {"messages": 0, "answered": 0, **dict.fromkeys(list(summary)[2:]), "provisional": False}
    return {name: (v.item() if isinstance(v := values[0], np.generic) else v) for name, values in summary.items()}


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
    out = _grouped(engine, filters, now, region, key)
    if out.empty:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    overdue = overdue_by(engine, filters, now, region, key=key).reindex(out.index, fill_value=0)
    out["overdue_of_period"] = overdue.astype(int)
    out["messages"] = out["messages"].astype(int)
    return out.rename_axis("key").reset_index().sort_values(["messages", "key"], ascending=[False, True])
