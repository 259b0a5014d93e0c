"""The naive baseline of bench_callbacks.py: every message in one pandas DataFrame, each callback's figures computed
by filtering and grouping it (exact percentiles, no rollups). Data only: no figure is built and nothing is
serialised, so the comparison flatters the baseline."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta

import pandas as pd
from sqlalchemy import Engine, select

from callbacks.urlstate import parse_page, query_of
from dashboard.catalog import OPEN_STATUSES
from dashboard.filters import Filters
from dashboard.store.schema import messages

COLUMNS = ["created_at", "day", "sector", "oktmo", "source", "agency", "topic", "status", "lat", "lon"]
COLUMNS += ["first_response_at", "response_hours", "sla_hours", "answered_in_sla"]


def all_messages(engine: Engine, chunk: int = 500_000) -> pd.DataFrame:
    m = messages.c
    parts = []
    with engine.connect().execution_options(stream_results=True, yield_per=chunk) as conn:
        for rows in conn.execute(select(*[m[c] for c in COLUMNS])).partitions():
            parts.append(pd.DataFrame([tuple(r) for r in rows], columns=COLUMNS))
    frame = pd.concat(parts, ignore_index=True)
    frame["day"] = pd.to_datetime(frame["day"])
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    frame["deadline"] = frame["created_at"] + pd.to_timedelta(frame["sla_hours"], unit="h")
    frame["open"] = frame["first_response_at"].isna() & frame["status"].isin(OPEN_STATUSES)
    for name in ("sector", "oktmo", "source", "agency", "topic", "status"):
        frame[name] = frame[name].astype("category")
    return frame


def rows(frame: pd.DataFrame, f: Filters) -> pd.DataFrame:
    mask = (frame["day"] >= pd.Timestamp(f.date_from)) & (frame["day"] <= pd.Timestamp(f.date_to))
    for column, values in (("sector", f.sectors), ("oktmo", f.municipalities), ("source", f.sources)):
        if values:
            mask &= frame[column].isin(values)
    return frame[mask]


def _figures(part: pd.DataFrame, now: pd.Timestamp) -> dict:
    hours = part["response_hours"].dropna()
    return {
        "messages": len(part),
        "answered": len(hours),
        "median": hours.median(),
        "p90": hours.quantile(0.9),
        "overdue": int((part["open"] & (part["deadline"] < now)).sum()),
    }


def kpis(frame, f, now):
    return _figures(rows(frame, f), now), _figures(rows(frame, f.previous()), now)


def heatmap(frame, f, now):
    wide = replace(f, municipalities=())
    part = rows(frame, wide)
    grouped = part.groupby("oktmo", observed=True)
    out = pd.DataFrame({"messages": grouped.size(), "median": grouped["response_hours"].median()})
    out["previous"] = rows(frame, wide.previous()).groupby("oktmo", observed=True).size()
    out["overdue"] = (part["open"] & (part["deadline"] < now)).groupby(part["oktmo"], observed=True).sum()
    return out


def density(frame, f):
    part = rows(frame, replace(f, municipalities=())).dropna(subset=["lat", "lon"])
    return part.groupby([(part["lon"] / 0.01).astype(int), (part["lat"] / 0.01).astype(int)]).size()


def tension(frame, f):
    """The tension index's inputs: daily cell counts over the eight-week baseline and the period, topic counts."""
    start = f.date_from - timedelta(days=max(56, f.days))
    part = rows(frame, replace(f, municipalities=(), date_from=start))
    daily = part.groupby(["day", "sector", "oktmo"], observed=True).size()
    in_period = part["day"] >= pd.Timestamp(f.date_from)
    topics = part.groupby([in_period, "sector", "oktmo", "topic"], observed=True).size()
    return daily, topics


def trend(frame, f, split):
    part = rows(frame, f)
    keys = [part["day"].dt.to_period("W") if f.days > 62 else part["day"]]
    if split != "none":
        keys.append(part[split])
    grouped = part.groupby(keys, observed=True)
    return grouped["response_hours"].quantile([0.5, 0.9]), grouped["answered_in_sla"].mean()


def table(frame, f, key, now):
    part = rows(frame, f)
    grouped = part.groupby(key, observed=True)
    overdue = (part["open"] & (part["deadline"] < now)).groupby(part[key], observed=True).sum()
    return grouped["response_hours"].quantile([0.5, 0.9]), grouped.size(), overdue


def time_callbacks(frame: pd.DataFrame, combo: dict, service) -> dict[str, float]:
    state = parse_page(combo["search"], "/")
    f = service.read_filters(query_of(combo["search"]), "/")
    now = pd.Timestamp(service.now())
    wall = Filters(*_wall_dates(combo["wall_period"], service.today()))
    work = {
        "kpis": lambda: kpis(frame, f, now),
        "map": lambda: (heatmap(frame, f, now), density(frame, f) if state.density else None),
        "tension": lambda: tension(frame, f),
        "response_trend": lambda: (trend(frame, f, combo["split"]), trend(frame, f.previous(), "none")),
        "response_table": lambda: table(frame, f, combo["table_by"], now),
        "wall": lambda: (
            kpis(frame, wall, now),
            heatmap(frame, wall, now),
            tension(frame, wall),
            trend(frame, wall, "none"),
        ),
        "briefing": lambda: (
            kpis(frame, f, now),
            heatmap(frame, f, now),
            tension(frame, f),
            table(frame, f, "sector", now),
        ),
    }
    out = {}
    for name, run in work.items():
        started = time.perf_counter()
        run()
        out[name] = time.perf_counter() - started
    return out


def _wall_dates(period: str, today):
    days = {"today": 1, "7d": 7, "30d": 30}[period]
    return today - timedelta(days=days - 1), today
