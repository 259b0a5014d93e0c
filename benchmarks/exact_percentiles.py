"""Exact response-time percentiles from raw messages, as an independent reference for the cube's (bench_response.py).

Kaplan–Meier written out plainly, one message at a time, with the quantile convention of docs/response-times.md: an
answer's mass is S over the number at risk, its position for q is F before it plus q times its mass, and q is read
between positions. It uses nothing of dashboard/metrics/survival.py or the cube, so it also measures stores of other
versions (the percentiles before 0013: docs/benchmarks.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import case, select

from dashboard.catalog import OPEN_STATUSES
from dashboard.filters import Filters
from dashboard.store.schema import messages

QUANTILES = (0.5, 0.9)


def raw_year(engine, year: Filters, now) -> pd.DataFrame:
    """The year's messages: place, sector, both durations, whether each is still open, its age now in hours."""
    m = messages.c
    still_open = case((m.status.in_(OPEN_STATUSES), 1), else_=0)
    with engine.connect() as conn:
        rows = conn.execute(
            select(m.oktmo, m.sector, m.response_hours, m.resolution_hours, still_open, m.created_at).where(
                m.day >= year.date_from, m.day <= year.date_to
            )
        ).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=["oktmo", "sector", "first", "resolution", "open", "at"])
    created = pd.to_datetime(frame["at"], utc=True)
    frame["age"] = (pd.Timestamp(now) - created).dt.total_seconds() / 3600
    return frame


def km_quantiles(answered: np.ndarray, ages: np.ndarray) -> list[float]:
    """Kaplan–Meier quantiles with numpy's linear convention (docs/response-times.md), one message at a time: each
    answer's mass is S over the number at risk, its position for q is F before it plus q times its mass, and q is
    read between positions; NaN where no answer's position reaches q."""
    times = np.concatenate([answered, ages])
    answer = np.r_[np.ones(len(answered), dtype=bool), np.zeros(len(ages), dtype=bool)]
    order = np.lexsort((~answer, times))  # at one time, answers before open messages
    survival, at_risk, points = 1.0, len(times), []
    for moment, is_answer in zip(times[order], answer[order], strict=True):
        if is_answer:
            mass = survival / at_risk
            points.append((1.0 - survival, mass, moment))
            survival -= mass
        at_risk -= 1
    out = []
    for q in QUANTILES:
        positions = [before + q * mass for before, mass, _ in points]
        i = next((k for k, p in enumerate(positions) if p >= q - 1e-12), None)
        if i is None:
            out.append(float("nan"))
        elif i == 0 or positions[i] <= q:
            out.append(float(points[i][2]))
        else:
            low, high = positions[i - 1], positions[i]
            out.append(points[i - 1][2] + (q - low) / (high - low) * (points[i][2] - points[i - 1][2]))
    return out
