"""The service the web layer talks to: validated filters in, cached query results out.

Cache keys hold the filters, the data version of the days the figure reads (a load changes the versions of the
days it touched) and, for figures that move with the clock (overdue now), a five-minute slot — so a load
invalidates the figures of the days it changed and nothing else, and time alone only the clock-bound ones. They
also hold the code's version, so a deploy starts on a cold cache instead of reading results an older version wrote.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
from flask_caching import Cache
from sqlalchemy import Engine

from dashboard import access, alerts, late, message_list, queries, response_times, tension
from dashboard.catalog import SOURCES, load_sectors
from dashboard.filters import Filters, build_filters, today_in
from dashboard.masking import mask_columns
from dashboard.region import Region
from dashboard.request_memo import once
from dashboard.store.db import DataVersions, data_versions
from geo.figure import region_geometry

cache = Cache()
CLOCK_STEP_MINUTES = 5  # overdue-now figures may be this old; the page refreshes every 5 minutes anyway
CLOCK_FREE = {"point_density", "daily_counts"}  # results that do not depend on "now"


class DashboardService:
    def __init__(self, engine: Engine, region: Region, clock: Callable[[], datetime] | None = None) -> None:
        self.engine = engine
        self.region = region
        self.clock = clock or (lambda: datetime.now(UTC))

    def now(self) -> datetime:
        return self.clock()

    def today(self):
        return today_in(self.region.timezone, self.now())

    def filters(
        self,
        date_from: str | None = None,
        date_to: str | None = None,
        sectors: list[str] | None = None,
        municipalities: list[str] | None = None,
        sources: list[str] | None = None,
    ) -> Filters:
        """Validated filters, narrowed to the request's principal's sectors (so callers show what applies)."""
        filters = build_filters(
            date_from,
            date_to,
            sectors or [],
            municipalities or [],
            sources or [],
            self.today(),
            set(load_sectors().codes),
            set(self.region.municipalities.index),
            set(SOURCES),
        )
        return access.scope(filters, access.current_principal())

    def _cached(self, name: str, filters: Filters, *args: object, scoped: bool = True):
        """Results keyed by the data version of the days they read (``reach``); figures that move with the clock
        (overdue "now") also by a CLOCK_STEP_MINUTES slot.

        Every read passes here, so this is where the request's principal is held to its sectors — except a figure
        of the whole region (``scoped=False``: the tension index), which its service method narrows before it
        leaves. Within one request a figure asked twice (the tension index behind the map's metric and its card) is
        computed or fetched once; callers treat results as read-only."""
        if scoped:
            filters = access.scope(filters, access.current_principal())
        now = self.now()
        slot = "" if name in CLOCK_FREE else now.strftime("%Y%m%d%H") + f"{now.minute // CLOCK_STEP_MINUTES:02d}"
        key = (name, filters, self._versions().of(*reach(name, filters)), slot, *args)
        return once(("figure", *key), lambda: _cached_query(self, *key))

    def _versions(self) -> DataVersions:
        """The store's data versions, read once per request (outside one, at each call)."""
        return once(("data_versions", repr(self)), lambda: data_versions(self.engine))

    def summary(self, filters: Filters) -> dict:
        return self._cached("summary", filters)

    def heatmap(self, filters: Filters) -> pd.DataFrame:
        """Map metrics for every municipality; the municipality filter does not narrow the map."""
        return self._cached("heatmap", replace(filters, municipalities=()))

    def density(self, filters: Filters) -> pd.DataFrame:
        bounds = region_geometry(self.region.boundaries_path).bounds
        return self._cached("point_density", replace(filters, municipalities=()), bounds)

    def municipality_card(self, filters: Filters, oktmo: str) -> dict:
        card = self._cached("municipality_card", replace(filters, municipalities=(oktmo,)), oktmo)
        return {**card, "latest": _without_texts(card["latest"])}

    def federal(self, filters: Filters) -> pd.DataFrame:
        """Russia by region (the municipality filter does not apply to the overview)."""
        return self._cached("federal", replace(filters, municipalities=()))

    def daily(self, filters: Filters) -> pd.DataFrame:
        """Messages per day of the period (zeros included)."""
        return self._cached("daily_counts", filters)

    def previous_messages(self, filters: Filters, keys: tuple[str, ...] = ()) -> dict[tuple, int]:
        """Messages of the previous equal period per group of ``keys``, to the same moment while this period runs
        (``queries.previous_messages``)."""
        return self._cached("previous_messages", filters, keys)

    def response_trend(self, filters: Filters, split: str = "none", measure: str = "first") -> pd.DataFrame:
        return self._cached("response_trend", filters, split, measure)

    def response_totals(self, filters: Filters, measure: str = "first") -> dict:
        return self._cached("response_totals", filters, measure)

    def backlog(self, filters: Filters) -> pd.DataFrame:
        return self._cached("backlog", filters)

    def oldest_overdue(self, filters: Filters) -> pd.DataFrame:
        return _without_texts(self._cached("oldest_overdue", filters))

    def response_table(self, filters: Filters, by: str) -> pd.DataFrame:
        return self._cached("table_by_agency" if by == "agency" else "table_by_sector", filters)

    def messages(
        self, filters: Filters, statuses: tuple[str, ...] = (), limit: int = 100, cursor: str | None = None
    ) -> message_list.MessagePage:
        """One page of single messages (not cached: pages are cheap by index and rarely asked twice)."""
        principal = access.current_principal()
        texts = principal is None or principal.texts
        return message_list.page(self.engine, access.scope(filters, principal), statuses, limit, cursor, texts=texts)

    def tension(self, filters: Filters) -> tension.TensionResult:
        """The tension index of the whole region for the filters' period — one computation per period, whatever the
        page, filter or role — narrowed to the sectors and municipalities the filters and the principal choose."""
        result = self._cached("tension", tension.region_period(filters), scoped=False)
        return result.chosen(access.scope(filters, access.current_principal()))

    def map_tension(self, filters: Filters) -> pd.Series:
        """Each municipality's highest sector × municipality index over the chosen sectors (the map's metric)."""
        return self.tension(replace(filters, municipalities=())).place_index

    def place_tension(self, filters: Filters, oktmo: str, lang: str = "ru") -> pd.DataFrame:
        """One municipality's sector × municipality points with their reasons (its card's tension section)."""
        result = self.tension(replace(filters, municipalities=(oktmo,)))
        return result.points.assign(reason=tension.reasons(result, result.points, lang, self.region))

    def alerts_today(self, filters: Filters, lang: str = "ru") -> pd.DataFrame:
        """Critical points recorded today (a small indexed table: not cached, so a new alert shows at once), of the
        alerts' own window (``alerts_window``) whatever the page's period.

        The stored reason is the Russian line that was sent; other languages get sector · place instead."""
        frame = alerts.recent(self.engine, self.today(), access.scope(filters, access.current_principal()).sectors)
        frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True).dt.tz_convert(self.region.timezone)
        if lang != "ru" and not frame.empty:
            names = load_sectors()
            frame["reason"] = [
                f"{names.name_of(sector, lang)} · {self.region.name_of(oktmo, lang)}"
                for sector, oktmo in zip(frame["sector"], frame["oktmo"], strict=True)
            ]
        return frame

    def alerts_window(self) -> tuple[date, date]:
        """The days the alerts' tension index is computed over: the last ALERT_PERIOD_DAYS to today."""
        window = alerts.alert_filters(self.region, self.now())
        return window.date_from, window.date_to

    def __repr__(self) -> str:  # part of memoize keys: one entry per database and region
        return f"DashboardService({self.engine.url.render_as_string(hide_password=True)}, {self.region.id})"


ALL_HISTORY = {"backlog", "oldest_overdue", "summary"}  # figures that count every earlier message still open


def reach(name: str, filters: Filters) -> tuple[date, date]:
    """The days a cached figure reads: its period and what it compares with — the previous equal period or the
    tension index's baseline, whichever is longer — or all history (``overdue_now`` is of every day)."""
    if name in ALL_HISTORY:
        return date.min, date.max
    back = max(filters.days, tension.BASELINE_DAYS + 7, 7 * -(-filters.days // 7))
    return filters.date_from - timedelta(days=back), filters.date_to


def _without_texts(frame: pd.DataFrame) -> pd.DataFrame:
    """Message texts blanked for a principal that may not read them (a wall screen; TSUR_HIDE_TEXTS)."""
    principal = access.current_principal()
    if principal is None or principal.texts or "text" not in frame:
        return frame
    return frame.assign(text="")


def _run(service: DashboardService, name: str, filters: Filters, *args: object):
    """The query behind each cached name; ``engine, filters`` first, then what the query needs."""
    e, now, region = service.engine, service.now(), service.region
    runners = {
        "summary": lambda: queries.summary(e, filters, now, region),
        "heatmap": lambda: queries.heatmap(e, filters, now, region),
        "point_density": lambda: queries.point_density(e, filters, *args),
        "federal": lambda: queries.federal(e, filters, now, region),
        "municipality_card": lambda: queries.municipality_card(e, filters, now, region),
        "response_trend": lambda: response_times.trend(e, filters, now, region, *args),
        "response_totals": lambda: response_times.totals(e, filters, now, region, *args),
        "backlog": lambda: late.backlog(e, filters, now, region),
        "oldest_overdue": lambda: response_times.oldest_overdue(e, filters, now, region),
        "table_by_sector": lambda: response_times.table_by_sector(e, filters, now, region),
        "table_by_agency": lambda: response_times.table_by_agency(e, filters, now, region),
        "tension": lambda: tension.tension(e, filters, now, region),
        "daily_counts": lambda: queries.daily_counts(e, filters),
        "previous_messages": lambda: queries.previous_messages(e, filters, now, region, *args),
    }
    return _PUBLIC.get(name, _as_is)(runners[name]())


def _as_is(result):
    return result


def _masked_card(card: dict) -> dict:
    return {**card, "latest": mask_columns(card["latest"], "topic"), "topics": mask_columns(card["topics"], "topic")}


def _masked_tension(result: tension.TensionResult) -> tension.TensionResult:
    return replace(
        result,
        sectors=mask_columns(result.sectors, "topic"),
        points=mask_columns(result.points, "topic"),
        topics=mask_columns(result.topics, "topic"),
    )


# Free text besides message texts (which the queries mask) that can name a person — a topic, an agency (a sole
# trader) — masked before a result is cached, so it leaves the server masked everywhere it is shown or exported
_PUBLIC: dict[str, Callable] = {
    "municipality_card": _masked_card,
    "oldest_overdue": lambda frame: mask_columns(frame, "agency"),
    "table_by_agency": lambda frame: mask_columns(frame, "key"),
    "tension": _masked_tension,
}


def _code_version() -> str:
    """A digest of the package's own files (code and catalogues). Cached results are keyed by it too: workers of a
    new version never read what an older one left in a shared cache, whose results may have another shape or
    meaning, and the data version would not move until the next load."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


CODE_VERSION = _code_version()


@cache.memoize(make_name=lambda name: f"{name}@{CODE_VERSION}")
def _cached_query(service: DashboardService, name: str, filters: Filters, version: str, slot: str, *args: object):
    """Memoized by every argument — the filters, the data version and the clock slot — and the code's version."""
    return _run(service, name, filters, *args)
