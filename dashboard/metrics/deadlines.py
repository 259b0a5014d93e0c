"""«Истекает срок в ближайшие 24 ч»: the open messages not answered yet whose answer deadline falls within the next
hours — the ones an agency can still answer in time.

A message's deadline is its ``due_at``: its creation plus its first-response target (docs/response-times.md: calendar
hours, or working days by the production calendar), fixed when it was loaded. "Open and not answered" is the overdue
figure's rule (no first response, status new or in progress); a message answered or closed leaves the radar. The
period of a page does not apply — this is a figure of the moment — its sectors, places and channels do.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import Engine, func, select

from dashboard.catalog import OPEN_STATUSES
from dashboard.filters import Filters
from dashboard.frames import rows_frame
from dashboard.region import Region
from dashboard.store.schema import messages

WINDOW_HOURS = 24
COLUMNS = ["id", "external_id", "source", "sector", "agency", "oktmo", "created_at", "due_at", "hours_left"]


def due_soon(
    engine: Engine, filters: Filters, now: datetime, region: Region, hours: int = WINDOW_HOURS
) -> pd.DataFrame:
    """The open unanswered messages due in (now, now + hours], soonest first, with the hours left."""
    m = messages.c
    tz = region.timezone
    oldest = (now - timedelta(hours=region.catalog.sla.max_hours)).astimezone(tz).date() - timedelta(days=1)
    newest = (now + timedelta(days=1)).astimezone(tz).date()  # a message may carry a time a little ahead
    where = [
        m.first_response_at.is_(None),
        m.status.in_(OPEN_STATUSES),
        m.day >= oldest,  # a message due after now came in at most the longest target ago
        m.day <= newest,
        m.due_at > now,
        m.due_at <= now + timedelta(hours=hours),
        *(m[name].in_(values) for name, values in filters.by_column().items() if values),
    ]
    query = (
        select(m.id, m.external_id, m.source, m.sector, func.coalesce(m.agency, ""), m.oktmo, m.created_at, m.due_at)
        .where(*where)
        .order_by(m.due_at, m.id)
        .with_hint(messages, "INDEXED BY ix_messages_unanswered", "sqlite")
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    frame = rows_frame(rows, columns=COLUMNS[:-1])
    for column in ("created_at", "due_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    frame["hours_left"] = (frame["due_at"] - pd.Timestamp(now)).dt.total_seconds() / 3600
    return frame


def by_agency(due: pd.DataFrame) -> pd.DataFrame:
    """The messages due soon by agency and sector: how many, and the soonest one's hours left; the most first."""
    if due.empty:
        return pd.DataFrame(columns=["agency", "sector", "messages", "soonest_hours"])
    grouped = due.groupby(["agency", "sector"], as_index=False).agg(
        messages=("id", "size"), soonest_hours=("hours_left", "min")
    )
    return grouped.sort_values(["messages", "soonest_hours"], ascending=[False, True], ignore_index=True)
