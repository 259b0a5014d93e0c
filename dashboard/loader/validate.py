"""Vectorised validation of one chunk against the message contract.

Every row ends either in ``good`` (typed, normalised, with derived columns) or in ``rejected``
with every rule it broke; the counts always add up to the chunk's length.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from dashboard.catalog import SectorCatalog, SlaTable, resolve_source, resolve_status
from dashboard.loader.dates import Dated, DateRules
from dashboard.loader.errors import MAX_VALUE_SHOWN, REASONS
from dashboard.loader.mapping import DATE_FIELDS
from dashboard.region import MunicipalityMatcher
from dashboard.store.schema import FUTURE_TOLERANCE
from geo.locate import PointLocator

DATE_ONLY_BITS = {"created_at": 1, "first_response_at": 2, "resolved_at": 4}  # messages.date_only: fields given as days
TRUNCATED = " … [обрезано]"  # ends a text cut to the longest a load keeps


@dataclass
class Context:
    matcher: MunicipalityMatcher
    locator: PointLocator
    sectors: SectorCatalog
    sla: SlaTable
    timezone: ZoneInfo
    now: datetime
    dates: DateRules = field(default_factory=DateRules)  # the load's date conventions, decided once per field
    max_text_chars: int = 10_000  # a longer text is cut to this and marked TRUNCATED
    # the channels the load may write (a feed account's); empty: any. With one, a row that names none is of it
    sources: tuple[str, ...] = ()


@dataclass
class Checked:
    good: pd.DataFrame
    rejected: pd.DataFrame  # columns: row, reason_code (the first broken rule), reason, broken (every one), raw
    truncated: int = 0  # good rows whose text was cut to the longest kept
    notes: dict[str, pd.Series] = field(default_factory=dict)  # contradictions of good rows: NOTES code → values


def _lookup(values: pd.Series, resolve) -> pd.Series:
    """Apply a per-value resolver once per distinct value (exports repeat the same few values)."""
    table = {v: (resolve(v) if v else None) for v in values.unique()}
    return values.map(table)


def _to_float(values: pd.Series) -> pd.Series:
    text = values.fillna("").astype(str).str.strip().str.replace(",", ".", regex=False)
    return pd.to_numeric(text.where(text != "", None), errors="coerce")


def truncate_texts(texts: pd.Series, most: int) -> tuple[pd.Series, np.ndarray]:
    """Texts longer than ``most`` characters cut to it and marked TRUNCATED, and which were."""
    long = (texts.str.len() > most).to_numpy(dtype=bool)
    if not long.any():
        return texts, long
    return texts.where(~long, texts.str.slice(0, most) + TRUNCATED), long


def check(mapped: pd.DataFrame, rows: pd.Series, raw: pd.DataFrame, ctx: Context) -> Checked:
    n = len(mapped)
    # cut first: the sector's keywords are looked for in the text, and every later reader masks it
    texts, cut = truncate_texts(mapped["text"], ctx.max_text_chars)
    mapped = mapped.assign(text=texts)
    reason = np.full(n, None, dtype=object)  # a row's first broken rule: its code in rejected_rows
    broken: list[tuple[str, np.ndarray, np.ndarray]] = []  # every broken rule: code, rows, offending values

    def flag(mask: pd.Series | np.ndarray, code: str, values: pd.Series | np.ndarray | str = "") -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            reason[mask & pd.isna(reason)] = code
            values = np.full(n, values, dtype=object) if isinstance(values, str) else np.asarray(values, dtype=object)
            broken.append((code, mask, values))

    ext = mapped["external_id"].astype(str).str.strip()
    flag(ext.eq("").to_numpy(), "missing_external_id")

    named = mapped["source"]
    if len(ctx.sources) == 1:  # a feed of one channel: a row that names none is of it
        named = named.where(named.astype(str).str.strip() != "", ctx.sources[0])
    source = _lookup(named, resolve_source)
    flag(source.isna().to_numpy(), "unknown_source", named.to_numpy())
    if ctx.sources:
        flag((source.notna() & ~source.isin(ctx.sources)).to_numpy(), "foreign_source", named.to_numpy())

    dates = ctx.dates.parse({name: mapped[name] for name in DATE_FIELDS}, ctx.timezone)
    created, first, resolved = (dates[name].at for name in DATE_FIELDS)
    # a date without a time on the message's own day is "that day", not "before the message": read as the message's
    # moment (0 h, exact to the day; the row's date_only says so)
    same_day = {name: _same_day(dates[name], created, ctx.timezone) for name in ("first_response_at", "resolved_at")}
    first = first.where(~same_day["first_response_at"], created)
    resolved = resolved.where(~same_day["resolved_at"], created)
    flag(created.isna().to_numpy(), "bad_created_at", mapped["created_at"].to_numpy())
    now = pd.Timestamp(ctx.now).tz_convert("UTC") if pd.Timestamp(ctx.now).tzinfo else pd.Timestamp(ctx.now, tz="UTC")
    flag((created > now + FUTURE_TOLERANCE).to_numpy(), "future_date", mapped["created_at"].to_numpy())

    flag(
        (first.isna() & mapped["first_response_at"].ne("")).to_numpy(),
        "bad_first_response_at",
        mapped["first_response_at"].to_numpy(),
    )
    flag(
        (resolved.isna() & mapped["resolved_at"].ne("")).to_numpy(), "bad_resolved_at", mapped["resolved_at"].to_numpy()
    )
    flag((first < created).to_numpy(), "answer_before_question", mapped["first_response_at"].to_numpy())
    flag((resolved < created).to_numpy(), "resolved_before_created", mapped["resolved_at"].to_numpy())

    status = _lookup(mapped["status"], resolve_status)
    flag(status.isna().to_numpy(), "unknown_status", mapped["status"].to_numpy())

    sector = _lookup(mapped["sector"], ctx.sectors.resolve)
    # a missing or unrecognised sector is inferred from keywords of the sector value, topic and text
    need = sector.isna()
    if need.any():
        sector[need] = [
            ctx.sectors.infer(s, t, x)
            for s, t, x in zip(mapped["sector"][need], mapped["topic"][need], mapped["text"][need], strict=True)
        ]
    flag(sector.isna().to_numpy(), "unknown_sector", mapped["sector"].to_numpy())

    lat = _to_float(mapped["lat"])
    lon = _to_float(mapped["lon"])
    given_coords = mapped["lat"].ne("") | mapped["lon"].ne("")
    bad_coords = given_coords & (lat.isna() | lon.isna() | ~lat.between(-90, 90) | ~lon.between(-180, 180))
    flag(bad_coords.to_numpy(), "bad_coordinates", (mapped["lat"] + ", " + mapped["lon"]).to_numpy())

    by_name = _lookup(mapped["municipality"], ctx.matcher.resolve)
    from_point = pd.Series(ctx.locator.locate(lon.to_numpy(), lat.to_numpy()), index=mapped.index)
    oktmo = by_name.where(by_name.notna(), from_point)  # the name decides; the point where there is none
    no_name = mapped["municipality"].eq("")
    outside = oktmo.isna() & no_name & lat.notna() & lon.notna()
    flag(
        outside.to_numpy(),
        "point_outside_region",
        (lat.round(5).astype(str) + ", " + lon.round(5).astype(str)).to_numpy(),
    )
    flag((oktmo.isna() & ~outside).to_numpy(), "unknown_municipality", mapped["municipality"].to_numpy())

    key = source.fillna("") + "\x1f" + ext
    dup = key.duplicated(keep="last") & pd.isna(reason)  # a row broken otherwise is no copy of a good one
    flag(dup.to_numpy(), "duplicate_in_file")

    ok = pd.isna(reason)
    every = _every_broken_rule(broken, ~ok)
    rejected = pd.DataFrame(
        {
            "row": rows.to_numpy()[~ok],
            "reason_code": reason[~ok],
            "reason": ["; ".join(REASONS[c].format(value=v, detail=v) for c, v in row) for row in every],
            "broken": every,
            "raw": [
                json.dumps(r, ensure_ascii=False)
                for r in raw.loc[~ok].drop(columns="__row__", errors="ignore").to_dict("records")
            ],
        }
    )
    date_only = sum(dates[name].date_only.to_numpy(dtype=np.int16) * bit for name, bit in DATE_ONLY_BITS.items())
    good = _normalise(
        mapped[ok],
        source[ok],
        created[ok],
        first[ok],
        resolved[ok],
        status[ok],
        sector[ok],
        oktmo[ok],
        lat[ok],
        lon[ok],
        date_only[ok],
        ctx,
    )
    notes = _contradictions(mapped, by_name, from_point, status, first, resolved, same_day, ctx)
    notes = {code: values[ok[mask]] for code, (mask, values) in notes.items()}  # of the rows that load
    return Checked(good=good, rejected=rejected, truncated=int((cut & ok).sum()), notes=notes)


def _same_day(read: Dated, created: pd.Series, tz: ZoneInfo) -> pd.Series:
    """Date-only values before the message's moment but on its local day."""
    early = read.date_only & (read.at < created)
    if not early.any():
        return early
    local = read.at[early].dt.tz_convert(tz).dt.date == created[early].dt.tz_convert(tz).dt.date
    return early & local.reindex(early.index, fill_value=False)


def _contradictions(mapped, by_name, from_point, status, first, resolved, same_day, ctx: Context) -> dict:
    """Rows that load but contradict themselves (NOTES): code → (rows, what was seen). Only loaded rows are kept by
    the caller."""
    found = {}
    named = mapped["municipality"].ne("")
    apart = by_name.notna() & from_point.notna() & by_name.ne(from_point)
    if apart.any():
        point = from_point[apart].map(ctx.matcher.name)
        found["name_disagrees_with_point"] = (apart, "«" + mapped["municipality"][apart] + "», точка: " + point)
    by_point = named & by_name.isna() & from_point.notna()
    if by_point.any():
        point = from_point[by_point].map(ctx.matcher.name)
        found["placed_by_point"] = (by_point, "«" + mapped["municipality"][by_point] + "» → " + point)
    no_time = status.eq("resolved") & resolved.isna()
    if no_time.any():
        found["resolved_without_time"] = (no_time, mapped["status"][no_time])
    for name, code in (("first_response_at", "answered_same_day"), ("resolved_at", "resolved_same_day")):
        if same_day[name].any():
            found[code] = (same_day[name], mapped[name][same_day[name]] + " < " + mapped["created_at"][same_day[name]])
    late = first > resolved
    if late.any():
        seen = mapped["first_response_at"][late] + " > " + mapped["resolved_at"][late]
        found["answer_after_resolution"] = (late, seen)
    return {code: (mask.to_numpy(dtype=bool), values) for code, (mask, values) in found.items()}


def _every_broken_rule(
    broken: list[tuple[str, np.ndarray, np.ndarray]], rejected: np.ndarray
) -> list[list[tuple[str, str]]]:
    """For each rejected row, every rule it broke with its offending value, in the rules' order: an analyst fixes
    the mapping once, not in rounds (unknown channel, then unknown sector, then unknown status)."""
    where = np.flatnonzero(rejected)
    position = np.full(len(rejected), -1)
    position[where] = np.arange(len(where))
    every: list[list[tuple[str, str]]] = [[] for _ in where]
    for code, mask, values in broken:
        for i in np.flatnonzero(mask):
            every[position[i]].append((code, str(values[i])[:MAX_VALUE_SHOWN]))
    return every


def _normalise(
    mapped, source, created, first, resolved, status, sector, oktmo, lat, lon, date_only, ctx: Context
) -> pd.DataFrame:
    # a resolved message without a recorded first answer was first answered when it was resolved
    first = first.where(first.notna(), resolved)
    good = pd.DataFrame(
        {
            "source": source.astype(str),
            "external_id": mapped["external_id"].astype(str).str.strip().str.slice(0, 128),
            "created_at": created,
            "first_response_at": first,
            "resolved_at": resolved,
            "status": status.astype(str),
            "sector": sector.astype(str),
            "topic": mapped["topic"].str.slice(0, 200).replace("", None),
            "oktmo": oktmo.astype(str),
            "lat": lat,
            "lon": lon,
            "text": mapped["text"].replace("", None),
            "agency": mapped["agency"].str.slice(0, 300).replace("", None),
            "date_only": date_only,
        },
        index=mapped.index,
    )
    good["day"] = good["created_at"].dt.tz_convert(ctx.timezone).dt.date
    good["response_hours"] = (good["first_response_at"] - good["created_at"]).dt.total_seconds() / 3600
    good["resolution_hours"] = (good["resolved_at"] - good["created_at"]).dt.total_seconds() / 3600
    good["sla_hours"] = ctx.sla.deadline_hours(
        good["created_at"].dt.tz_convert(ctx.timezone), good["sector"], good["source"]
    ).round(4)
    good["due_at"] = good["created_at"] + pd.to_timedelta(good["sla_hours"], unit="h")
    answered = good["response_hours"].notna()
    good["answered_in_sla"] = np.where(answered, good["response_hours"] <= good["sla_hours"], None)
    derived = ["day", "due_at"]  # follow from the hashed columns
    hashed = pd.util.hash_pandas_object(good.drop(columns=derived), index=False)
    good["content_hash"] = np.char.mod("%016x", hashed.to_numpy())
    return good
