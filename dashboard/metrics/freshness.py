"""How fresh each channel's data is, and whether a channel has gone silent — judged against its own usual hours.

A channel (``source``) has an **hour-of-week profile**: its messages of the PROFILE_WEEKS weeks before its newest
message, counted by hour of the week in the region's time zone and divided by how often that hour occurred in those
weeks (the channel's own span, if shorter) — its usual rate λ(h) for each of the 168 hours of a week. Since its
newest message it would usually have sent E = Σ λ(h) over the hours passed (fractions at both ends). Were its
messages to arrive at random at those rates (Poisson), a gap with none would have probability e^−E:

- **silent** when e^−E < 0.001 (E ≥ 6.9): a gap so long at these hours happens by chance less than once in 1 000;
- **late** when e^−E < 0.05 (E ≥ 3.0);
- **ok** otherwise — a channel quiet at night as it always is stays ok (its λ is near 0 at night, E stays small).

The profile ends at the newest message, so a silence never lowers the channel's own usual. A channel with less
than MIN_HISTORY_DAYS of messages before its gap, or fewer than MIN_MESSAGES in the profile, is not judged (ok,
usual unknown): its rhythm cannot be told yet. Limits: real arrivals come in bursts (a post shared, a storm), which
makes long gaps commoner than Poisson says, so a bursty channel reads "late" sooner than it should; "silent" asks
for twice the evidence of "late" for that reason. The method: docs/freshness.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, select

from dashboard.catalog import SOURCES
from dashboard.filters import Filters
from dashboard.region import Region
from dashboard.store.schema import load_runs, messages

PROFILE_WEEKS = 8
HOURS_A_WEEK = 168
LATE_EXPECTED = -math.log(0.05)  # 3.0 messages usually sent in the gap
SILENT_EXPECTED = -math.log(0.001)  # 6.9
MIN_HISTORY_DAYS = 14
MIN_MESSAGES = 50
LONGEST_GAP_COUNTED = timedelta(weeks=4)  # E over a longer gap is only larger: it is counted over its last 4 weeks
STATUSES = ("ok", "late", "silent")


@dataclass(frozen=True)
class ChannelFreshness:
    source: str
    last_message_at: datetime | None  # its newest message (within the reader's sectors)
    last_load_at: datetime | None  # when the load that brought that message finished
    last_24h: int  # its messages of the last 24 hours (after now − 24 h, to now)
    usual_24h: float | None  # what it usually sends in these 24 hours of the week (None: not judged)
    silent_hours: float | None  # hours since its newest message
    expected_in_gap: float | None  # messages it usually sends in a gap like this at these hours (E)
    status: str  # ok | late | silent

    @property
    def judged(self) -> bool:
        return self.usual_24h is not None


@dataclass(frozen=True)
class Freshness:
    data_at: datetime | None  # the newest message of any channel: «данные на …»
    loaded_at: datetime | None  # when the last load finished
    channels: tuple[ChannelFreshness, ...]

    def with_status(self, status: str) -> list[ChannelFreshness]:
        return [c for c in self.channels if c.status == status]


def _utc(value: datetime | None) -> datetime | None:
    """A stored time as an aware UTC datetime (SQLite hands them back naive)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def status_of(expected: float | None) -> str:
    if expected is None:
        return "ok"
    return "silent" if expected >= SILENT_EXPECTED else "late" if expected >= LATE_EXPECTED else "ok"


def hour_of_week(times: pd.DatetimeIndex, tz: ZoneInfo) -> np.ndarray:
    """0 = Monday 00:00–01:00 in the region's time zone, … 167 = Sunday 23:00–24:00."""
    local = times.tz_convert(tz)
    return np.asarray(local.day_of_week * 24 + local.hour, dtype=int)


def profile(times: pd.DatetimeIndex, start: datetime, end: datetime, tz: ZoneInfo) -> np.ndarray:
    """Messages per hour for each hour of the week: ``times`` (within [start, end)) counted by hour of the week and
    divided by how many of each hour [start, end) holds."""
    hours = pd.date_range(pd.Timestamp(start).floor("h"), pd.Timestamp(end), freq="h", inclusive="left")
    exposure = np.bincount(hour_of_week(hours, tz), minlength=HOURS_A_WEEK).astype(float)
    counts = np.bincount(hour_of_week(times, tz), minlength=HOURS_A_WEEK).astype(float)
    return np.divide(counts, exposure, out=np.zeros(HOURS_A_WEEK), where=exposure > 0)


def expected(rates: np.ndarray, start: datetime, end: datetime, tz: ZoneInfo) -> float:
    """Messages usually sent in [start, end): the hour-of-week rates summed over it, part hours in part."""
    if end <= start:
        return 0.0
    start = max(start, end - LONGEST_GAP_COUNTED)
    first = pd.Timestamp(start).floor("h")
    hours = pd.date_range(first, pd.Timestamp(end), freq="h", inclusive="left")
    if len(hours) == 0:
        hours = pd.DatetimeIndex([first])
    begins = hours.to_numpy(dtype="datetime64[ns]")
    lo = np.maximum(begins, np.datetime64(pd.Timestamp(start).tz_convert(None)))
    hi = np.minimum(begins + np.timedelta64(1, "h"), np.datetime64(pd.Timestamp(end).tz_convert(None)))
    weights = np.clip((hi - lo) / np.timedelta64(1, "h"), 0, 1)
    return float(np.sum(weights * rates[hour_of_week(hours, tz)]))


def _sector_filter(filters: Filters) -> list:
    return [messages.c.sector.in_(filters.sectors)] if filters.sectors else []


def channel(engine: Engine, source: str, filters: Filters, now: datetime, region: Region) -> ChannelFreshness | None:
    """One channel's freshness at ``now`` (None: it never sent anything here)."""
    m = messages.c
    where = [m.source == source, m.created_at <= now, *_sector_filter(filters)]  # as of now
    with engine.connect() as conn:
        last = _utc(conn.execute(select(func.max(m.created_at)).where(*where)).scalar())
        if last is None:
            return None
        first = _utc(conn.execute(select(func.min(m.created_at)).where(*where)).scalar())
        start = max(first, last - timedelta(weeks=PROFILE_WEEKS))
        times = conn.execute(select(m.created_at).where(*where, m.created_at >= start, m.created_at < last)).scalars()
        stamps = pd.DatetimeIndex(pd.to_datetime(list(times), utc=True))
        since = now - timedelta(hours=24)
        last_24h = conn.execute(select(func.count()).where(*where, m.created_at > since)).scalar()
        loaded = conn.execute(
            select(load_runs.c.finished_at)
            .select_from(messages.join(load_runs, load_runs.c.id == m.load_id))
            .where(*where, m.created_at == last)
            .limit(1)
        ).scalar()
    tz = region.timezone
    judged = last - start >= timedelta(days=MIN_HISTORY_DAYS) and len(stamps) >= MIN_MESSAGES
    rates = profile(stamps, start, last, tz) if judged else None
    gap = expected(rates, last, now, tz) if rates is not None else None
    return ChannelFreshness(
        source=source,
        last_message_at=last,
        last_load_at=_utc(loaded),
        last_24h=int(last_24h or 0),
        usual_24h=round(expected(rates, since, now, tz), 1) if rates is not None else None,
        silent_hours=max(0.0, (now - last).total_seconds() / 3600),
        expected_in_gap=round(gap, 2) if gap is not None else None,
        status=status_of(gap),
    )


def freshness(engine: Engine, filters: Filters, now: datetime, region: Region) -> Freshness:
    """Every channel's freshness at ``now`` under the filters' sectors (the channels and places are not narrowed:
    a channel is judged whole); channels that never sent anything are left out."""
    channels = [c for c in (channel(engine, s, filters, now, region) for s in SOURCES) if c is not None]
    with engine.connect() as conn:
        loaded = conn.execute(select(func.max(load_runs.c.finished_at)).where(load_runs.c.status == "done")).scalar()
    newest = max((c.last_message_at for c in channels if c.last_message_at), default=None)
    return Freshness(newest, _utc(loaded), tuple(channels))
