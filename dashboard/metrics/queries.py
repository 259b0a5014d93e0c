"""Queries: one function per figure's data. They read rollups; raw messages only where unavoidable.

Two overdue figures, each with one name everywhere (docs/response-times.md):
* ``overdue_now`` — «Просрочено сейчас»: open messages without an answer whose target has passed at this moment,
  whatever day they came in (the filters' sectors, municipalities and channels apply, the period does not);
* ``overdue_of_period`` — «Просрочено из поступивших за период»: the same, of the period's messages only; the
  overdue shares (map, tables, tension) are of this count.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Engine, Integer, and_, case, func, select, text

from dashboard.catalog import OPEN_STATUSES
from dashboard.filters import Filters
from dashboard.frames import counts_frame, rows_frame
from dashboard.masking import mask
from dashboard.metrics import percentiles
from dashboard.metrics.small_numbers import count_change, count_changes, low_count, shrunk_rates, shrunk_shares
from dashboard.region import Region
from dashboard.runtime.memo import once
from dashboard.store import cube
from dashboard.store.schema import messages, municipalities, rollups
from geo.federal import federal_regions, region_of

SAMPLE_RATES = (8, 64, 1024)  # covering partial indexes hold every 8th, 64th and 1024th message with a point
EXACT_POINTS = 60_000  # the density layer bins at most this many messages (or samples)…
SCAN_LIMIT = 150_000  # …and reads at most this many sample index entries to find them


def _where(table, filters: Filters, date_from=None, date_to=None):
    c = table.c
    clauses = [c.day >= (date_from or filters.date_from), c.day <= (date_to or filters.date_to)]
    clauses += [c[name].in_(values) for name, values in filters.by_column().items() if values]
    return and_(*clauses)


COUNTED = ["messages", "answered", "answered_in_sla"]  # read with the first response's blobs


def _first_response(
    engine: Engine, filters: Filters, now: datetime, by: tuple[str, ...] = (), key=lambda group: group
) -> percentiles.Grouped:
    """The groups of ``by`` (or of ``key`` of them) with their ``COUNTED`` counts and first-response estimates at
    ``now``."""
    with engine.connect() as conn:
        rows = cube.read_stored(conn, filters, [*COUNTED, *percentiles.columns("first")], by=by)
    return percentiles.grouped(rows, len(by), len(COUNTED), now, key)


def _hours(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 2)


RECENT_KEYS = ["day", "sector", "oktmo", "agency", "source"]  # recent_unanswered's rows: the unanswered index's order


def overdue_by(
    engine: Engine, filters: Filters, now: datetime, region: Region, key: str | tuple[str, ...] = ()
) -> pd.Series:
    """``overdue_of_period``: messages of the period still unanswered past their SLA target at ``now``, optionally
    per ``key`` (sector, oktmo or agency, or several of them for a MultiIndex; with no key, one value under
    "all")."""
    keys = (key,) if isinstance(key, str) else tuple(key)
    counts = overdue_counts(engine, filters, now, region, keys)
    if not keys:
        return pd.Series({"all": sum(counts.values())}, dtype="int64")
    ordered = sorted(counts)
    index = (
        pd.Index([group[0] for group in ordered], dtype=object, name=keys[0])
        if len(keys) == 1
        else pd.MultiIndex.from_tuples(ordered, names=list(keys))
    )
    return pd.Series([counts[group] for group in ordered], index=index, dtype="int64", name="overdue")


def overdue_counts(
    engine: Engine, filters: Filters, now: datetime, region: Region, keys: tuple[str, ...]
) -> dict[tuple, int]:
    """``overdue_by`` as a dict from each group of ``keys`` (a tuple) to its count; groups may hold zeros.

    Days that ended at least the longest SLA ago are read from rollups (every open message there is
    overdue); the last few days are counted by the database against each message's own target (``due_at``),
    through the index of unanswered messages — once per request (``recent_unanswered``). Summed in a dict: a few
    hundred groups, where concatenating and grouping frames cost 3 – 6 ms a call.
    """
    if not set(keys) <= set(RECENT_KEYS[1:]):
        raise ValueError(f"overdue counts group by sector, oktmo and agency only, not {keys}")
    now_local = now.astimezone(region.timezone)
    cutoff = (now_local - timedelta(hours=region.catalog.sla.max_hours)).date()
    counts: dict[tuple, int] = {}
    if filters.date_from < cutoff:
        old_to = min(filters.date_to, cutoff - timedelta(days=1))
        with engine.connect() as conn:
            for *group, count in cube.read(conn, filters, ["open_unanswered"], by=keys, date_to=old_to):
                counts[tuple(group)] = int(count)  # the cube's rows are one a group
    if filters.date_to >= cutoff:
        first, last = max(filters.date_from, cutoff), filters.date_to
        places = set(filters.municipalities)
        at = [RECENT_KEYS.index(k) for k in keys]
        for row in _recent_rows(engine, filters, region, now):
            if first <= row[0] <= last and (not places or row[2] in places) and row[5]:
                group = tuple(row[i] for i in at)
                counts[group] = counts.get(group, 0) + row[5]
    return counts


def _recent_rows(engine: Engine, filters: Filters, region: Region, now: datetime) -> list[tuple]:
    """``recent_unanswered`` of the days since the longest SLA before ``now`` (the only days where a message may
    still be within its target)."""
    now_local = now.astimezone(region.timezone)
    cutoff = (now_local - timedelta(hours=region.catalog.sla.max_hours)).date()
    return recent_unanswered(engine, filters, (cutoff, now_local.date() + timedelta(days=1)), now)


def recent_unanswered(engine: Engine, filters: Filters, days: tuple[date, date], now: datetime) -> list[tuple]:
    """Unanswered open messages of ``days`` (the last few, to the day after today) as rows of (day, sector,
    municipality, agency, channel, overdue, pending) — past their target at ``now``, and not yet — ('' where missing,
    as in rollups) under the filters' sectors and channels. The upper bound keeps SQLite on a range of days (without it,
    under a sector filter, its planner skip-scanned every day: 21 ms, not 6).

    Read once per request for each sector and channel choice (``request_memo``): a wall refresh or a briefing asks
    for overdue counts four to six times — the KPIs, the map, the tension index — and they differ only in days and
    municipalities, which are applied to these rows. Within a request the first asker's ``now`` holds for all."""
    m = messages.c
    grouped = [m.day, m.sector, m.oktmo, m.agency, m.source]  # walked in index order: no sort
    columns = [m.day, m.sector, m.oktmo, func.coalesce(m.agency, "").label("agency"), m.source]  # '' and NULL add up
    late = case((m.due_at < now, 1), else_=0)

    def read() -> list[tuple]:
        where = [m.day >= days[0], m.day <= days[1], m.first_response_at.is_(None), m.status.in_(OPEN_STATUSES)]
        narrowed = (("sector", filters.sectors), ("source", filters.sources))
        where += [m[name].in_(values) for name, values in narrowed if values]
        counts = [func.sum(late), func.sum(1 - late)]
        with engine.connect() as conn:
            rows = conn.execute(select(*columns, *counts).where(*where).group_by(*grouped)).all()
        return [(*row[:5], int(row[5]), int(row[6])) for row in rows]

    return once(("recent_unanswered", engine.url, days, filters.sectors, filters.sources), read)


def overdue_of_period(engine: Engine, filters: Filters, now: datetime, region: Region) -> int:
    return int(overdue_by(engine, filters, now, region).sum())


def overdue_now(
    engine: Engine, filters: Filters, now: datetime, region: Region, keys: tuple[str, ...] = ()
) -> dict[tuple, int]:
    """``overdue_now`` per group of ``keys``: open, unanswered and past the target at ``now``, whatever day the
    message came in (the period of ``filters`` does not apply). The overdue backlog's value at ``now``."""
    today = now.astimezone(region.timezone).date()
    since = min(first_day(engine) or today, today)
    return overdue_counts(engine, replace(filters, date_from=since, date_to=today), now, region, keys)


def pending(engine: Engine, filters: Filters, now: datetime, region: Region) -> int:
    """Messages of the period without an answer whose target is still ahead: their outcome (in time or late) is
    not known yet, so the within-target share leaves them out."""
    return pending_by(engine, filters, now, region).get((), 0)


def pending_by(
    engine: Engine, filters: Filters, now: datetime, region: Region, keys: tuple[str, ...] = ()
) -> dict[tuple, int]:
    """``pending`` per group of ``keys`` — any of day, week (its Monday), sector, oktmo, agency, source."""
    places = set(filters.municipalities)
    at = [RECENT_KEYS.index("day" if k == "week" else k) for k in keys]
    counts: dict[tuple, int] = {}
    for row in _recent_rows(engine, filters, region, now):
        if row[6] and filters.date_from <= row[0] <= filters.date_to and (not places or row[2] in places):
            group = tuple(cube.monday_of(row[i]) if k == "week" else row[i] for k, i in zip(keys, at, strict=True))
            counts[group] = counts.get(group, 0) + row[6]
    return counts


def change_pct(current: float | None, previous: float | None) -> float | None:
    """Change in percent, one decimal; None when either side is missing or the previous value is zero."""
    if current is None or previous is None or pd.isna(current) or pd.isna(previous) or previous == 0:
        return None
    return round((current - previous) / previous * 100, 1)


def first_day(engine: Engine) -> date | None:
    """The first day the store holds messages of (None: no messages); read once per request."""
    r = rollups.c

    def read() -> date | None:
        with engine.connect() as conn:
            # the slice of no dimensions holds '' as its channel: pinned, the first day is the key's first entry
            where = (r.grain == cube.DAY, r.dims == 0, r.source == "")
            return conn.execute(select(func.min(r.day)).where(*where)).scalar()

    return once(("first_day", engine.url), read)


def covers_previous(engine: Engine, filters: Filters) -> bool:
    """Whether the data reaches back over the whole previous period: a change against a period the data begins
    in the middle of (the year view of a store that holds one year) is an artefact, not a change."""
    first = first_day(engine)
    return first is not None and first <= filters.previous().date_from


def _drop_uncovered_change(engine: Engine, filters: Filters, frame: pd.DataFrame) -> None:
    """Blank a map's ``change_pct`` where the data does not cover the previous period; ``attrs`` tell the figure why."""
    frame.attrs["previous_covered"] = covers_previous(engine, filters)
    if not frame.attrs["previous_covered"]:
        frame["change_pct"] = np.nan


def period_figures(engine: Engine, filters: Filters, now: datetime, region: Region) -> dict:
    """The KPI figures of one period: messages, answered share, within-target share of the messages whose outcome is
    known (answered, or unanswered past the target), median and p90 first response (Kaplan–Meier at ``now``;
    ``median_provisional``: either can still move), the share answered within 24 h on equal terms (1 − S(24 h);
    None until the data reach 24 h), ``overdue_of_period``."""
    groups = _first_response(engine, filters, now)
    messages, answered, in_sla = (int(v) for v in groups.counts[0]) if groups.keys else (0, 0, 0)
    estimates = groups.estimates
    known = bool(groups.keys)
    share_24h = estimates.share_by[0] if known else np.nan
    decided = messages - pending(engine, filters, now, region)
    return {
        "messages": messages,
        "answered": answered,
        "answered_share": round(answered / messages, 4) if messages else None,
        "within_sla_share": round(in_sla / decided, 4) if decided > 0 else None,
        "median_first_response_hours": _hours(estimates.quantiles[0.5][0]) if known else None,
        "p90_first_response_hours": _hours(estimates.quantiles[0.9][0]) if known else None,
        "median_provisional": bool(estimates.provisional[0]) if known else False,
        "answered_24h_share": None if np.isnan(share_24h) else round(float(share_24h), 4),
        "overdue_of_period": overdue_of_period(engine, filters, now, region),
    }


def comparable_until(filters: Filters, now: datetime, region: Region) -> datetime | None:
    """The moment of the previous equal period that matches ``now`` in this one, when this period has not ended
    (it runs to today or later) — its messages are counted up to there, «к этому же времени»; None for a period
    that is over."""
    local = now.astimezone(region.timezone)
    return local - timedelta(days=filters.days) if local.date() <= filters.date_to else None


COMPARABLE_KEYS = ("oktmo", "sector", "source")


def previous_messages(
    engine: Engine, filters: Filters, now: datetime, region: Region, keys: tuple[str, ...] = ()
) -> dict[tuple, int]:
    """Messages of the previous equal period per group of ``keys``; while this period is not over, only those that
    came in by ``comparable_until`` — a running day is compared with the same hours of its counterpart, not with a
    whole day. The messages after that moment are counted from the store (at most a day of them, by index)."""
    if not set(keys) <= set(COMPARABLE_KEYS):
        raise ValueError(f"previous counts group by {COMPARABLE_KEYS}, not {keys}")
    previous = filters.previous()
    with engine.connect() as conn:
        counts = {tuple(row[:-1]): int(row[-1]) for row in cube.read(conn, previous, ["messages"], by=list(keys))}
    until = comparable_until(filters, now, region)
    if until is None:
        return counts
    m = messages.c
    later = [_where(messages, previous, date_from=max(previous.date_from, until.date())), m.created_at >= until]
    grouped = [m[k] for k in keys]
    with engine.connect() as conn:
        for *group, n in conn.execute(select(*grouped, func.count()).where(*later).group_by(*grouped)):
            counts[tuple(group)] = counts.get(tuple(group), 0) - int(n)
    return {group: n for group, n in counts.items() if n}


def summary(engine: Engine, filters: Filters, now: datetime, region: Region) -> dict:
    """KPI figures for the period and the previous equal period (its messages counted to the same moment while this
    one runs: ``compared_until``), with changes in percent (None where the data does not cover the previous period:
    ``previous_covered``; no change of two tiny counts), and ``overdue_now``, which no period bounds."""
    covered = covers_previous(engine, filters)
    until = comparable_until(filters, now, region)
    current = period_figures(engine, filters, now, region)
    previous = period_figures(engine, filters.previous(), now, region)
    previous["messages"] = previous_messages(engine, filters, now, region).get((), 0)
    changes = {
        "messages": count_change(current["messages"], previous["messages"]),
        "answered_24h_share": change_pct(current["answered_24h_share"], previous["answered_24h_share"]),
        "median_first_response_hours": change_pct(
            current["median_first_response_hours"], previous["median_first_response_hours"]
        ),
    }
    return {
        "period": {"from": filters.date_from.isoformat(), "to": filters.date_to.isoformat(), "days": filters.days},
        "previous_covered": covered,
        "compared_until": None if until is None else until.isoformat(),
        "current": current,
        "previous": previous,
        "overdue_now": sum(overdue_now(engine, filters, now, region).values()),
        "change_pct": {k: v if covered else None for k, v in changes.items()},
    }


def _by_municipality(engine: Engine, filters: Filters) -> pd.DataFrame:
    counts = ["messages", "answered"]
    with engine.connect() as conn:
        return counts_frame(cube.read(conn, filters, counts, by=["oktmo"]), "oktmo", counts)


def _medians(groups: percentiles.Grouped, codes: pd.Index, key=lambda group: group[0]) -> list[float | None]:
    """The median first response of each of ``codes`` (a group's ``key``) to the hundredth of an hour (None:
    not known: nothing answered, or not enough yet)."""
    median = dict(zip(map(key, groups.keys), groups.rounded(0.5), strict=True))
    return [_hours(median.get(code, np.nan)) for code in codes]


def heatmap(engine: Engine, filters: Filters, now: datetime, region: Region) -> pd.DataFrame:
    """One row per municipality of the region (zeros included) with the map's metrics: raw values, their shrunk
    versions (``small_numbers.RANKED_BY``) and ``low_count`` (dashboard/metrics/small_numbers.py)."""
    table = region.municipalities
    first_response = _first_response(engine, filters, now, ("oktmo",))
    counted = dict(zip((k[0] for k in first_response.keys), first_response.counts.tolist(), strict=True))
    current = pd.DataFrame(
        [counted.get(code, [0, 0, 0])[:2] for code in table.index], index=table.index, columns=["messages", "answered"]
    )
    before = previous_messages(engine, filters, now, region, ("oktmo",))
    previous = np.array([before.get((code,), 0) for code in table.index], dtype=np.int64)
    overdue = overdue_by(engine, filters, now, region, key="oktmo").reindex(table.index, fill_value=0).to_numpy()
    population = table["population"].to_numpy(dtype=float)
    count = current["messages"].to_numpy()
    some = np.where(count > 0, count, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        columns = {
            "name": table["name"],
            "population": table["population"],
            "population_year": table["population_year"],
            "messages": count,
            "low_count": low_count(count),
            "per_10k": (count / population * 10_000).round(2),
            "per_10k_adjusted": (shrunk_rates(count, population) * 10_000).round(2),
            "previous_messages": previous,
            "change_pct": count_changes(count, previous),
            "answered_share": (current["answered"].to_numpy() / some).round(4),
            "median_first_response_hours": _medians(first_response, table.index),
            "overdue_of_period": overdue,
            "overdue_share": (overdue / some).round(4),
            "overdue_share_adjusted": shrunk_shares(overdue, count).round(4),
        }
    out = pd.DataFrame(columns, index=table.index.rename("oktmo"))
    _drop_uncovered_change(engine, filters, out)
    return out


def point_density(
    engine: Engine, filters: Filters, bounds: tuple[float, float, float, float], max_cells: int = 20_000
) -> pd.DataFrame:
    """Messages with coordinates binned on the server into a grid of at most ``max_cells`` cells.

    Returns cell centres and counts, so the browser gets a bounded number of marks whatever the data size. A period
    with more than EXACT_POINTS messages is binned from a sample (``sample_rate``), scaled back — the layer shows
    relative density, and a sample of tens of thousands draws the same picture; ``attrs["sample"]`` says which.
    """
    minx, miny, maxx, maxy = bounds
    step = max(((maxx - minx) * (maxy - miny) / max_cells) ** 0.5, 1e-4)
    m = messages.c
    # shifted to positive values so CAST truncation equals floor on both SQLite and PostgreSQL
    gx = func.cast((m.lon + 180.0) / step, Integer).label("gx")
    gy = func.cast((m.lat + 90.0) / step, Integer).label("gy")
    with engine.connect() as conn:
        matched = cube.read(conn, filters, ["messages"])[0][0]
        scanned = cube.read(conn, replace(filters, sectors=(), sources=()), ["messages"])[0][0]
        rate = sample_rate(matched, scanned)
        where = [_where(messages, filters), m.lat.is_not(None), m.lon.is_not(None)]
        if rate > 1:
            where.append(sample_predicate(rate))
        rows = conn.execute(select(gx, gy, func.count().label("n")).where(*where).group_by(gx, gy)).all()
    frame = rows_frame(rows, columns=["gx", "gy", "count"])
    frame["lon"] = (frame["gx"] + 0.5) * step - 180.0
    frame["lat"] = (frame["gy"] + 0.5) * step - 90.0
    frame["count"] *= rate
    out = frame[["lat", "lon", "count"]]
    out.attrs["sample"] = rate
    return out


def sample_rate(matched: int, scanned: int) -> int:
    """Every message when the period is small; else the smallest sample that bins at most EXACT_POINTS of the
    ``matched`` messages and reads at most SCAN_LIMIT index entries of the period's ``scanned`` ones (a rare channel
    in a long period: a sample fine enough to draw it, without reading the period's every message)."""
    if scanned <= EXACT_POINTS:
        return 1
    fits = (r for r in SAMPLE_RATES if matched <= EXACT_POINTS * r and scanned <= SCAN_LIMIT * r)
    return next(fits, SAMPLE_RATES[-1])


def sample_predicate(rate: int):
    """Every ``rate``-th message with coordinates: literal SQL, the same text as the partial index's condition
    (a bound parameter would keep SQLite from using that index)."""
    return text(f"messages.id % {rate} = 0")


def by_sector(engine: Engine, filters: Filters) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = cube.read(conn, filters, ["messages"], by=["sector"])
    frame = rows_frame(rows, columns=["sector", "messages"])
    return frame.sort_values(["messages", "sector"], ascending=[False, True], kind="stable").reset_index(drop=True)


def daily_counts(engine: Engine, filters: Filters) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = cube.read(conn, filters, ["messages"], by=["day"])
    days = pd.date_range(filters.date_from, filters.date_to, freq="D").date
    series = pd.Series({pd.Timestamp(d).date(): int(n) for d, n in rows}, dtype="int64")
    return pd.DataFrame({"day": days, "messages": series.reindex(days, fill_value=0).to_numpy()})


def top_topics(engine: Engine, filters: Filters, limit: int = 5) -> pd.DataFrame:
    """The most frequent topics of the filters' messages, from the topic cube."""
    with engine.connect() as conn:
        rows = cube.read(conn, filters, ["messages"], by=["topic"], cube=cube.TOPICS)
    frame = rows_frame(rows, columns=["topic", "messages"]).astype({"messages": "int64"})
    ordered = frame.sort_values(["messages", "topic"], ascending=[False, True], kind="stable")
    return ordered.head(limit).reset_index(drop=True)


def latest_messages(engine: Engine, filters: Filters, region: Region, limit: int = 8) -> pd.DataFrame:
    """The newest messages of the filter in the region's time, text masked (personal data never leaves the
    server)."""
    m = messages.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(m.created_at, m.source, m.sector, m.topic, m.status, m.text)
            .where(_where(messages, filters))
            .order_by(m.day.desc(), m.created_at.desc())  # the municipality index's order (day follows created_at)
            .limit(limit)
        ).all()
    frame = rows_frame(rows, columns=["created_at", "source", "sector", "topic", "status", "text"])
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True).dt.tz_convert(region.timezone)
    frame["text"] = frame["text"].map(mask)
    return frame


def _int_or_none(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def municipality_card(engine: Engine, filters: Filters, now: datetime, region: Region) -> dict:
    """Everything the drill-down card shows for one municipality (``filters`` holds exactly one)."""
    (oktmo,) = filters.municipalities
    reg = period_figures(engine, replace(filters, municipalities=()), now, region)  # the region: this period only
    own = summary(engine, filters, now, region)
    population = region.municipalities["population"]
    own_population = population.get(oktmo)
    total_population = population.sum(min_count=1)

    def per_10k(count: int, people: float | None) -> float | None:
        return None if people is None or pd.isna(people) or not people else round(count / people * 10_000, 2)

    def overdue_share(block: dict) -> float | None:
        return round(block["overdue_of_period"] / block["messages"], 4) if block["messages"] else None

    cur = own["current"]
    # the region's rate uses only municipalities with a known population, so both sides compare alike
    with engine.connect() as conn:
        rows = cube.read(conn, replace(filters, municipalities=()), ["messages"], by=["oktmo"])
    counts = rows_frame(rows, columns=["oktmo", "messages"]).set_index("oktmo")["messages"]
    region_known = counts.reindex(population.dropna().index, fill_value=0).sum()
    return {
        "oktmo": oktmo,
        "name": region.name_of(oktmo),
        "name_en": region.name_of(oktmo, "en"),
        "population": None if own_population is None or pd.isna(own_population) else int(own_population),
        "population_year": _int_or_none(region.municipalities["population_year"].get(oktmo)),
        "population_source": str(region.municipalities["population_source"].get(oktmo) or "") or None,
        "summary": own,
        "region": {
            "messages": reg["messages"],
            "per_10k": per_10k(int(region_known), total_population),
            "median_first_response_hours": reg["median_first_response_hours"],
            "overdue_share": overdue_share(reg),
            "answered_share": reg["answered_share"],
        },
        "own": {
            "messages": cur["messages"],
            "per_10k": per_10k(cur["messages"], own_population),
            "median_first_response_hours": cur["median_first_response_hours"],
            "overdue_share": overdue_share(cur),
            "answered_share": cur["answered_share"],
            "share_of_region": round(cur["messages"] / reg["messages"], 4) if reg["messages"] else None,
            "low_count": bool(low_count(cur["messages"])),
        },
        "sectors": by_sector(engine, filters).head(5),
        "topics": top_topics(engine, filters, limit=5),
        "daily": daily_counts(engine, filters),
        "latest": latest_messages(engine, filters, region, limit=6),
    }


def federal(engine: Engine, filters: Filters, now: datetime, region: Region) -> pd.DataFrame:
    """One row per region of the federal map (zeros included) with the same metrics as the municipal map.

    A message belongs to the region whose OKTMO prefix its municipality's code starts with; the rate per
    10 000 uses the population of the municipalities loaded with a known figure.
    """
    regions = federal_regions()
    current = _by_municipality(engine, filters)
    before = previous_messages(engine, filters, now, region, ("oktmo",))
    previous = pd.Series({code: n for (code,), n in before.items()}, dtype="int64")
    overdue = overdue_by(engine, filters, now, region, key="oktmo")
    with engine.connect() as conn:
        people = rows_frame(
            conn.execute(select(municipalities.c.oktmo, municipalities.c.population)),
            columns=["oktmo", "population"],
        ).set_index("oktmo")["population"]
    codes = current.index.union(previous.index).union(people.index)
    per_unit = pd.DataFrame(index=codes)
    per_unit["messages"] = current["messages"].reindex(codes, fill_value=0)
    per_unit["answered"] = current["answered"].reindex(codes, fill_value=0)
    per_unit["previous"] = previous.reindex(codes, fill_value=0)
    per_unit["overdue"] = overdue.reindex(codes, fill_value=0)
    per_unit["population"] = pd.to_numeric(people.reindex(codes), errors="coerce")
    per_unit["counted"] = per_unit["messages"].where(per_unit["population"].notna(), 0)
    keys = region_of(pd.Series(codes, index=codes), list(regions.index))
    per_unit = per_unit[keys.notna()]
    keys = keys.dropna()
    grouped = per_unit.groupby(keys).sum(min_count=1).reindex(regions.index)
    prefix = keys.to_dict()
    by_region = _first_response(engine, filters, now, ("oktmo",), key=lambda group: prefix.get(group[0]))
    out = pd.DataFrame(index=regions.index)
    out["name"] = regions["name"]
    out["messages"] = grouped["messages"].fillna(0).astype(int)
    out["population"] = grouped["population"]
    out["per_10k"] = (grouped["counted"] / grouped["population"] * 10_000).round(2)
    out["low_count"] = low_count(out["messages"].to_numpy())
    out["per_10k_adjusted"] = (
        shrunk_rates(grouped["counted"].fillna(0).to_numpy(), grouped["population"].to_numpy()) * 10_000
    ).round(2)
    out["previous_messages"] = grouped["previous"].fillna(0).astype(int)
    out["change_pct"] = count_changes(out["messages"].to_numpy(), out["previous_messages"].to_numpy())
    _drop_uncovered_change(engine, filters, out)
    out["answered_share"] = (grouped["answered"] / out["messages"].where(out["messages"] > 0)).round(4)
    out["median_first_response_hours"] = _medians(by_region, regions.index, key=lambda group: group)
    out["overdue_of_period"] = grouped["overdue"].fillna(0).astype(int)
    out["overdue_share"] = (out["overdue_of_period"] / out["messages"].where(out["messages"] > 0)).round(4)
    out["overdue_share_adjusted"] = shrunk_shares(out["overdue_of_period"], out["messages"]).round(4)
    out.index.name = "prefix"
    return out
