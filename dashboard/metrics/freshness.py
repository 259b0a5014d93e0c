"""How fresh each channel's data is, and whether a channel has gone silent — judged against its own usual hours.

A channel (``source``) has an **hour-of-week profile**: its messages of the PROFILE_WEEKS weeks before its newest
message, counted by hour of the week in the region's time zone and divided by how often that hour occurred in those
weeks (the channel's own span, if shorter) — its usual rate λ(h) for each of the 168 hours of a week. Since its
newest message it would usually have sent E = Σ λ(h) over the hours passed (fractions at both ends). Were its
messages to arrive at random at those rates (Poisson), a gap with none would have probability e^−E:

- **silent** when e^−E < 0.001 (E ≥ 6.9): a gap so long at these hours happens by chance less than once in 1 000;
- **late** when e^−E < 0.01 (E ≥ 4.6) — not 0.05: eight channels judged every few minutes would otherwise show a
  late one by chance most hours (the demo, fresh from `make run`, did);
- **ok** otherwise — a channel quiet at night as it always is stays ok (its λ is near 0 at night, E stays small).

The profile ends at the newest message, so a silence never lowers the channel's own usual. A channel with less
than MIN_HISTORY_DAYS of messages before its gap, or fewer than MIN_MESSAGES in the profile, is not judged (ok,
usual unknown): its rhythm cannot be told yet. Limits: real arrivals come in bursts (a post shared, a storm), which
makes long gaps commoner than Poisson says, so a bursty channel reads "late" sooner than it should. The method:
docs/freshness.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import Engine, Integer, cast, func, select

from dashboard.catalog import SOURCES
from dashboard.filters import Filters
from dashboard.region import Region
from dashboard.store.schema import load_runs, messages

PROFILE_WEEKS = 8
HOURS_A_WEEK = 168
LATE_EXPECTED = -math.log(0.01)  # 4.6 messages usually sent in the gap
SILENT_EXPECTED = -math.log(0.001)  # 6.9
MIN_HISTORY_DAYS = 14
MIN_MESSAGES = 50
RECENT = timedelta(days=7)  # channels heard from within this are profiled from one shared read
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


def _hour_of(engine: Engine):
    """The SQL of a message's hour since the epoch (UTC): counts are grouped by it in the database."""
    m = messages.c
    if engine.dialect.name == "sqlite":
        return cast(func.strftime("%s", m.created_at), Integer).op("/")(3600).label("hour")  # integer division
    return cast(func.floor(func.extract("epoch", m.created_at) / 3600), Integer).label("hour")


def rates_by_hour_of_week(
    hours: pd.Series, counts: pd.Series, start: datetime, last: datetime, tz: ZoneInfo
) -> np.ndarray:
    """The hour-of-week profile from counts by hour since the epoch, over the whole hours from ``start`` to the hour of
    ``last`` (that hour, holding the newest message, left out)."""
    first, end = int(start.timestamp() // 3600) + 1, int(last.timestamp() // 3600)
    if end <= first:
        return np.zeros(HOURS_A_WEEK)
    span = pd.DatetimeIndex(pd.to_datetime(np.arange(first, end, dtype=np.int64) * 3600, unit="s", utc=True))
    exposure = np.bincount(hour_of_week(span, tz), minlength=HOURS_A_WEEK).astype(float)
    inside = (hours >= first) & (hours < end)
    at = pd.DatetimeIndex(pd.to_datetime(hours[inside].to_numpy(dtype=np.int64) * 3600, unit="s", utc=True))
    sums = np.bincount(hour_of_week(at, tz), weights=counts[inside].to_numpy(dtype=float), minlength=HOURS_A_WEEK)
    return np.divide(sums, exposure, out=np.zeros(HOURS_A_WEEK), where=exposure > 0)


def _judged(
    source: str,
    counted: pd.DataFrame,
    first: datetime,
    last: datetime,
    last_24h: int,
    now: datetime,
    tz: ZoneInfo,
    loaded: datetime | None,
) -> ChannelFreshness:
    """A channel's freshness from its messages counted by hour (``counted``: hour, messages — at least the
    PROFILE_WEEKS before its newest), its first and newest messages' times."""
    start = max(first, last - timedelta(weeks=PROFILE_WEEKS))
    history = counted[(counted["hour"] > start.timestamp() // 3600) & (counted["hour"] < last.timestamp() // 3600)]
    judged = last - start >= timedelta(days=MIN_HISTORY_DAYS) and history["messages"].sum() >= MIN_MESSAGES
    rates = rates_by_hour_of_week(counted["hour"], counted["messages"], start, last, tz) if judged else None
    since = now - timedelta(hours=24)
    gap = expected(rates, last, now, tz) if rates is not None else None
    return ChannelFreshness(
        source=source,
        last_message_at=last,
        last_load_at=_utc(loaded),
        last_24h=last_24h,
        usual_24h=round(expected(rates, since, now, tz), 1) if rates is not None else None,
        silent_hours=max(0.0, (now - last).total_seconds() / 3600),
        expected_in_gap=round(gap, 2) if gap is not None else None,
        status=status_of(gap),
    )


def _loaded(conn, where: list, last: datetime) -> datetime | None:
    """When the load that brought the channel's newest message finished."""
    m = messages.c
    return conn.execute(
        select(load_runs.c.finished_at)
        .select_from(messages.join(load_runs, load_runs.c.id == m.load_id))
        .where(*where, m.created_at == last)
        .limit(1)
    ).scalar()


def freshness(engine: Engine, filters: Filters, now: datetime, region: Region) -> Freshness:
    """Every channel's freshness at ``now`` under the filters' sectors (the channels and places are not narrowed:
    a channel is judged whole); channels that never sent anything are left out.

    The database counts the messages of the last PROFILE_WEEKS + RECENT by channel and hour (from the index of
    messages by time, which carries the channel): that serves every channel heard from within RECENT; a channel
    quiet for longer is counted alone, over the weeks before its newest message."""
    m = messages.c
    scope = _sector_filter(filters)
    tz = region.timezone
    hour = _hour_of(engine)
    window = now - timedelta(weeks=PROFILE_WEEKS) - RECENT
    in_window = [m.created_at > window, m.created_at <= now, *scope]
    since = now - timedelta(hours=24)
    channels = []
    with engine.connect() as conn:
        counted = pd.DataFrame(
            conn.execute(
                select(m.source, hour, func.count(), func.min(m.created_at), func.max(m.created_at))
                .where(*in_window)
                .group_by(m.source, hour)
            ).all(),
            columns=["source", "hour", "messages", "first", "last"],
        )
        ends = {
            source: (_utc(group["first"].min()), _utc(group["last"].max()))
            for source, group in counted.groupby("source")
        }
        recent = dict(
            conn.execute(
                select(m.source, func.count())
                .where(m.created_at > since, m.created_at <= now, *scope)
                .group_by(m.source)
            ).all()
        )
        for source in SOURCES:
            where = [m.source == source, *scope]
            if source in ends and ends[source][1] > now - RECENT:  # its weeks before its newest are in the window
                earliest, last = ends[source]
                first = earliest if earliest > window + timedelta(days=1) else window  # its history may go further
                mine = counted[counted["source"] == source]
            else:
                last = _utc(conn.execute(select(func.max(m.created_at)).where(*where, m.created_at <= now)).scalar())
                if last is None:
                    continue  # it never sent anything here
                first = _utc(conn.execute(select(func.min(m.created_at)).where(*where)).scalar())
                begin = max(first, last - timedelta(weeks=PROFILE_WEEKS)) - timedelta(hours=1)
                rows = conn.execute(
                    select(hour, func.count()).where(*where, m.created_at > begin, m.created_at <= last).group_by(hour)
                ).all()
                mine = pd.DataFrame(rows, columns=["hour", "messages"])
            loaded = _loaded(conn, where, last)
            channels.append(_judged(source, mine, first, last, int(recent.get(source, 0)), now, tz, loaded))
        loaded = conn.execute(select(func.max(load_runs.c.finished_at)).where(load_runs.c.status == "done")).scalar()
    newest = max((c.last_message_at for c in channels if c.last_message_at), default=None)
    return Freshness(newest, _utc(loaded), tuple(channels))
