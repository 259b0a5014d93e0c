"""A decision's effect read from the store: its cell's messages by day, the region's for the weekday profile, and the
region's past spikes that got no decision (dashboard/decisions/effect.py computes from them)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
from sqlalchemy import Engine, select

from dashboard.decisions.effect import (
    BASELINE_WEEKS,
    EFFECT_DAYS,
    Effect,
    after_window,
    baseline_window,
    estimate,
    too_early,
)
from dashboard.decisions.effect import control_spikes as spikes_of
from dashboard.decisions.records import Decision
from dashboard.filters import Filters, today_in
from dashboard.frames import rows_frame
from dashboard.metrics.queries import first_day
from dashboard.region import Region
from dashboard.store import cube
from dashboard.store.schema import decisions


def effect(engine: Engine, region: Region, decision: Decision, today: date) -> Effect | None:
    """The effect of a done decision on its cell; None when it has none to measure (not done, or no cell)."""
    cell = decision.cell
    if decision.status != "done" or decision.done_at is None or not cell.located or cell.period_from is None:
        return None
    done = today_in(region.timezone, decision.done_at)
    waiting = too_early(done, today)
    if waiting is not None:
        return waiting
    a_from, a_to = after_window(done)
    b_from, b_to = baseline_window(cell.period_from)
    cell_filters = Filters(b_from, a_to, sectors=(cell.sector,), municipalities=(cell.oktmo,))
    with engine.connect() as conn:
        if cell.topic:
            rows = cube.read(conn, cell_filters, ["messages"], by=["topic", "day"], cube=cube.TOPICS)
            frame = rows_frame(rows, ["topic", "day", "messages"])
            frame = frame[frame["topic"] == cell.topic]
        else:
            frame = rows_frame(cube.read(conn, cell_filters, ["messages"], by=["day"]), ["day", "messages"])
        totals = rows_frame(cube.read(conn, Filters(b_from, b_to), ["messages"], by=["day"]), ["day", "messages"])
    daily = frame.groupby("day")["messages"].sum() if len(frame) else pd.Series(dtype="int64")
    gap_weeks = max((a_from - cell.period_to - timedelta(days=1)).days, 0) // 7
    controls = control_spikes(engine, region, gap_weeks, today)
    return estimate(daily, totals.set_index("day")["messages"], (cell.period_from, cell.period_to), done, today,
                    controls, seed=decision.id)  # fmt: skip


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def control_spikes(engine: Engine, region: Region, gap_weeks: int, today: date) -> pd.DataFrame:
    """Every cell's past spikes that got no decision, followed ``gap_weeks`` on over weeks that have ended."""
    with engine.connect() as conn:
        start = first_day(engine)
        if start is None:
            return pd.DataFrame(columns=["ratio", "after", "ordinary"])
        last_week = cube.monday_of(today) - timedelta(days=7)  # the last whole week
        first_week = cube.monday_of(start)
        if (last_week - first_week).days < 7 * (BASELINE_WEEKS + EFFECT_DAYS // 7):
            return pd.DataFrame(columns=["ratio", "after", "ordinary"])
        rows = cube.read(
            conn, Filters(first_week, last_week + timedelta(days=6)), ["messages"], by=["sector", "oktmo", "week"]
        )
        weekly = rows_frame(rows, ["sector", "oktmo", "week", "messages"])
        decided = rows_frame(
            conn.execute(select(decisions.c.sector, decisions.c.oktmo, decisions.c.created_at)).all(),
            ["sector", "oktmo", "created_at"],
        )
    decided["day"] = [today_in(region.timezone, _utc(moment)) for moment in decided["created_at"]]
    return spikes_of(weekly, gap_weeks, last_week, decided[["sector", "oktmo", "day"]])
