"""What the cubes are built from: per message its day, dimensions, topic, flags, response and resolution times and,
where it is open, its creation time.

They are read from the store (``read``), or kept by a load from its own batches (``Inserted``): rebuilding the days
a first load filled then reads none of its rows back — that read was a sixth of a 10-million-row load into SQLite.
The kept rows of a day are used only when the store proves they are all of it (``Inserted.frame``).
"""

from __future__ import annotations

import copy
from collections import Counter
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, Connection, case, cast, func, select
from sqlalchemy.types import BigInteger

from dashboard.catalog import OPEN_STATUSES
from dashboard.frames import rows_frame
from dashboard.store import cube
from dashboard.store.schema import messages

COLUMNS = ["day", *cube.MESSAGES.dimensions, "topic", "answered", "resolved", "open_unanswered", "open_unresolved"]
COLUMNS += ["in_sla", "response_hours", "resolution_hours", "created_s"]
_KEYS = ["day", *cube.MESSAGES.dimensions, "topic"]  # kept as categories: a batch holds few distinct values
_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")


def _epoch_seconds(dialect: str) -> ColumnElement:
    """``created_at`` as whole seconds since 1970, in each store's own date arithmetic."""
    m = messages.c
    if dialect == "sqlite":  # SQLAlchemy stores naive UTC text, which strftime reads as UTC
        return cast(func.strftime("%s", m.created_at), BigInteger)
    return cast(func.floor(func.extract("epoch", m.created_at)), BigInteger)


def read(conn: Connection, days: list[date]) -> pd.DataFrame:
    """The cube inputs of the stored messages of ``days``, flags computed by the database."""
    m = messages.c
    flag = lambda cond: case((cond, 1), else_=0)  # noqa: E731
    still_open = m.status.in_(OPEN_STATUSES)
    open_unanswered = m.first_response_at.is_(None) & still_open
    open_unresolved = m.resolved_at.is_(None) & still_open
    query = select(
        m.day,
        m.oktmo,
        m.sector,
        m.source,
        func.coalesce(m.agency, ""),
        m.topic,
        flag(m.first_response_at.is_not(None)),
        flag(m.resolved_at.is_not(None)),
        flag(open_unanswered),
        flag(open_unresolved),
        flag(m.answered_in_sla.is_(True)),
        m.response_hours,
        m.resolution_hours,
        case((open_unanswered | open_unresolved, _epoch_seconds(conn.dialect.name))),  # ages of open ones only
    ).where(m.day.in_(days))
    frame = rows_frame(conn.execute(query), columns=COLUMNS)
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    for name in ("response_hours", "resolution_hours", "created_s"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
    return frame


def of_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The cube inputs of validated message rows (the loader's columns), as ``read`` computes them in SQL."""
    answered = rows["first_response_at"].notna()
    still_open = rows["status"].isin(OPEN_STATUSES)
    return pd.DataFrame(
        {
            "day": rows["day"],
            **{name: rows[name] for name in ("oktmo", "sector", "source")},
            "agency": rows["agency"].fillna(""),
            "topic": rows["topic"],
            "answered": answered.to_numpy(dtype=np.int8),
            "resolved": rows["resolved_at"].notna().to_numpy(dtype=np.int8),
            "open_unanswered": (~answered & still_open).to_numpy(dtype=np.int8),
            "open_unresolved": (rows["resolved_at"].isna() & still_open).to_numpy(dtype=np.int8),
            "in_sla": rows["answered_in_sla"].eq(True).to_numpy(dtype=np.int8),
            "response_hours": rows["response_hours"].to_numpy(dtype=float),
            "resolution_hours": rows["resolution_hours"].to_numpy(dtype=float),
            "created_s": ((rows["created_at"] - _EPOCH) // pd.Timedelta(seconds=1)).to_numpy(dtype=float),
        },
        index=rows.index,
    ).astype({key: "category" for key in _KEYS})


class Inserted:
    """The cube inputs of the rows one load inserted, by month, up to ``limit`` rows (~35 bytes a row; past it the
    rest of the rows' days are read back as before).

    A day's kept rows stand for the day only when the store holds exactly them: as many messages that day as this
    load inserted and kept, every one of them last written by this load, and none of this load's updates touching
    the day. Anything else on it — messages from before, a concurrent load's change, an update — and the day is
    read from the store."""

    def __init__(self, load_id: int, limit: int) -> None:
        self.load_id = load_id
        self.limit = limit
        self.kept = 0
        self._months: dict[date, list[pd.DataFrame]] = {}
        self._inserted: Counter[date] = Counter()  # rows inserted per day
        self._held: Counter[date] = Counter()  # of them, kept here
        self._updated: set[date] = set()  # days an update of this load left or reached

    def snapshot(self) -> Inserted:
        """A copy to rebuild from while the load goes on: ``frame`` hands its rows out month by month (to free
        them), and a copy's use leaves this one whole for the rebuilds after it."""
        copied = copy.copy(self)
        copied._months = dict(self._months)
        return copied

    def add(self, inserted: pd.DataFrame, updated_days: set[date]) -> None:
        """Record one committed batch: its inserted rows (validated message rows) and the days its updates touched."""
        self._updated |= updated_days
        if inserted.empty:
            return
        self._inserted.update(inserted["day"].tolist())
        room = self.limit - self.kept
        if room <= 0:
            return
        inputs = of_rows(inserted.iloc[:room])
        self.kept += len(inputs)
        self._held.update(inputs["day"].tolist())
        months = inputs["day"].map(cube.month_start)
        for month, part in inputs.groupby(months.astype(object), observed=True, sort=False):
            self._months.setdefault(month, []).append(part)

    def frame(self, conn: Connection, month: date, days: list[date]) -> pd.DataFrame:
        """The cube inputs of ``days`` (of one ``month``): the kept rows of the days they are all of, the rest read."""
        held, inserted, updated = self._held, self._inserted, self._updated
        candidates = [d for d in days if held[d] and held[d] == inserted[d] and d not in updated]
        whole = set(self._whole(conn, candidates))
        kept = self._months.pop(month, [])
        parts = [part[part["day"].isin(whole)] for part in kept] if whole else []
        rest = [d for d in days if d not in whole]
        if rest:
            parts.append(read(conn, rest))
        frame = pd.concat(parts, ignore_index=True)
        return frame.astype({key: object for key in _KEYS})

    def _whole(self, conn: Connection, days: list[date]) -> list[date]:
        """Those of ``days`` whose stored messages are exactly the rows this load inserted on them."""
        if not days:
            return []
        m = messages.c
        mine = func.sum(case((m.load_id == self.load_id, 1), else_=0))
        rows = conn.execute(select(m.day, func.count(), mine).where(m.day.in_(days)).group_by(m.day)).all()
        return [day for day, stored, written in rows if stored == written == self._inserted[day]]
