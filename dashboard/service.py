"""The service the web layer talks to: filters read at one entrance, cached figures out.

Cache keys hold the filters, the data version of the days the figure reads (a load changes the versions of the
days it touched) and, for figures that move with the clock (overdue now), a five-minute slot — so a load
invalidates the figures of the days it changed and nothing else, and time alone only the clock-bound ones. They
also hold the code's version, so a deploy starts on a cold cache instead of reading results an older version wrote.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pandas as pd
from sqlalchemy import Engine

from dashboard import access
from dashboard.access import Principal
from dashboard.catalog import SOURCES, SectorCatalog
from dashboard.filters import Filters, Known, Query, read_filters, today_in
from dashboard.masking import mask_columns
from dashboard.metrics import deadlines, message_list, queries, response_times, tension
from dashboard.metrics import freshness as fresh
from dashboard.region import Region
from dashboard.reports import alerts
from dashboard.runtime.memo import once
from dashboard.store import late
from dashboard.store.db import DataVersions, data_versions
from geo.figure import region_geometry

CLOCK_STEP_MINUTES = 5  # overdue-now figures may be this old; the page refreshes every 5 minutes anyway
T = TypeVar("T")


@dataclass
class Hooks:
    """What the service needs from where it runs, given by its caller (the web layer: web/routes.py): who is asking
    and a cache shared between requests. Outside the web (CLI, jobs, tests) nobody is restricted and every figure is
    computed."""

    principal: Callable[[], Principal | None] = lambda: None
    # (service, figure name, filters' key, data version, clock slot, args, filters=…) → the figure, cached or computed
    cached: Callable[..., object] | None = None


@dataclass(frozen=True)
class _Figure:
    compute: Callable[..., object]
    history: bool  # counts every earlier message still open: its cache key holds every day's version
    clock: bool  # moves with the clock (overdue now): keyed by a CLOCK_STEP_MINUTES slot
    public: Callable[[object], object] | None  # masks what can name a person before the result is cached


FIGURES: dict[str, _Figure] = {}


def figure(*, history: bool = False, clock: bool = True, public: Callable[[object], object] | None = None):
    """Make a service method a cached figure: its filters scoped to the principal, its result kept under its name,
    the filters' key, the data version of the days it reads (``reach``) and, if ``clock``, the clock's slot."""

    def wrap(method: Callable[..., T]) -> Callable[..., T]:
        FIGURES[method.__name__] = _Figure(method, history, clock, public)

        @functools.wraps(method)
        def cached(self: DashboardService, filters: Filters, *args: object) -> T:
            return self._figure(method.__name__, filters, *args)

        return cached

    return wrap


class DashboardService:
    def __init__(
        self,
        engine: Engine,
        region: Region,
        clock: Callable[[], datetime] | None = None,
        hooks: Hooks | None = None,
    ) -> None:
        self.engine = engine
        self.region = region
        self.clock = clock or (lambda: datetime.now(UTC))
        self.hooks = hooks or Hooks()
        self.sectors: SectorCatalog = region.catalog.sectors

    def now(self) -> datetime:
        return self.clock()

    def today(self):
        return today_in(self.region.timezone, self.now())

    def principal(self) -> Principal | None:
        return self.hooks.principal()

    def known(self) -> Known:
        """The codes a filter may name here."""
        return Known(frozenset(self.sectors.codes), frozenset(self.region.municipalities.index), frozenset(SOURCES))

    def read_filters(self, query: Query, path: str | None = None) -> Filters:
        """The one entrance (:func:`dashboard.filters.read_filters`) with this service's today, codes and principal."""
        return read_filters(query, self.today(), self.known(), path, self.principal())

    def name(self, kind: str, code: str, lang: str = "ru") -> str:
        """A sector's, municipality's or channel's name (for :meth:`Filters.describe`); an agency's or a topic's in
        ``lang`` where the glossary has it (the data carries them in Russian)."""
        if kind == "sector":
            return self.sectors.name_of(code, lang)
        if kind == "municipality":
            return self.region.name_of(code, lang)
        if kind == "agency":
            return self.region.catalog.glossary.agency(code, lang)
        if kind == "topic":
            return self.region.catalog.glossary.topic(code, lang)
        return SOURCES[code][0 if lang == "ru" else 1]

    def scoped(self, filters: Filters) -> Filters:
        """Filters held to the principal's sectors: what ``read_filters`` made already is unchanged; filters a caller
        built itself (a derived window, a test) meet the same rule before any read."""
        return access.scope(filters, self.principal())

    def _figure(self, name: str, filters: Filters, *args: object, scoped: bool = True):
        """A figure from the cache, or computed: keyed by the data version of the days it reads (``reach``), and
        figures that move with the clock (overdue "now") by a CLOCK_STEP_MINUTES slot.

        Every read passes here, so this is where the principal is held to its sectors — except a figure of the whole
        region (``scoped=False``: the tension index), which its service method narrows before it leaves. Within one
        request a figure asked twice (the tension index behind the map's metric and its card) is computed or fetched
        once; callers treat results as read-only."""
        if scoped:
            filters = self.scoped(filters)
        spec = FIGURES[name]
        now = self.now()
        slot = now.strftime("%Y%m%d%H") + f"{now.minute // CLOCK_STEP_MINUTES:02d}" if spec.clock else ""
        version = self._versions().of(*reach(spec.history, filters))
        key = (name, filters.key, version, slot, args)
        cached = self.hooks.cached
        return once(
            ("figure", *key),
            lambda: cached(self, *key, filters=filters) if cached else self.compute(name, filters, *args),
        )

    def compute(self, name: str, filters: Filters, *args: object):
        """The figure ``name`` computed now (what a cache miss runs), masked where it can name a person."""
        spec = FIGURES[name]
        result = spec.compute(self, filters, *args)
        return spec.public(result) if spec.public else result

    def data_version(self, first: date, last: date) -> str:
        """The version of the data of days [first, last] now (what a figure over them is keyed by)."""
        return self._versions().of(first, last)

    def _versions(self) -> DataVersions:
        """The store's data versions, read once per request (outside one, at each call)."""
        return once(("data_versions", repr(self)), lambda: data_versions(self.engine))

    # the figures: each computes from the store; the decorator caches and scopes them

    @figure(history=True)
    def summary(self, filters: Filters) -> dict:
        return queries.summary(self.engine, filters, self.now(), self.region)

    @figure()
    def _heatmap(self, filters: Filters) -> pd.DataFrame:
        return queries.heatmap(self.engine, filters, self.now(), self.region)

    @figure(clock=False)
    def _density(self, filters: Filters, bounds: tuple) -> pd.DataFrame:
        return queries.point_density(self.engine, filters, bounds)

    @figure(public=lambda card: _masked_card(card))
    def _card(self, filters: Filters, oktmo: str) -> dict:
        return queries.municipality_card(self.engine, filters, self.now(), self.region)

    @figure()
    def _federal(self, filters: Filters) -> pd.DataFrame:
        return queries.federal(self.engine, filters, self.now(), self.region)

    @figure(clock=False)
    def daily(self, filters: Filters) -> pd.DataFrame:
        """Messages per day of the period (zeros included)."""
        return queries.daily_counts(self.engine, filters)

    @figure()
    def previous_messages(self, filters: Filters, keys: tuple[str, ...] = ()) -> dict[tuple, int]:
        """Messages of the previous equal period per group of ``keys``, to the same moment while this period runs
        (``queries.previous_messages``)."""
        return queries.previous_messages(self.engine, filters, self.now(), self.region, keys)

    @figure()
    def response_trend(self, filters: Filters, split: str = "none", measure: str = "first") -> pd.DataFrame:
        return response_times.trend(self.engine, filters, self.now(), self.region, split, measure)

    @figure()
    def response_totals(self, filters: Filters, measure: str = "first") -> dict:
        return response_times.totals(self.engine, filters, self.now(), self.region, measure)

    @figure(history=True)
    def backlog(self, filters: Filters) -> pd.DataFrame:
        return late.backlog(self.engine, filters, self.now(), self.region)

    @figure(history=True, public=lambda frame: mask_columns(frame, "agency"))
    def _oldest_overdue(self, filters: Filters) -> pd.DataFrame:
        return response_times.oldest_overdue(self.engine, filters, self.now(), self.region)

    @figure()
    def _table_by_sector(self, filters: Filters) -> pd.DataFrame:
        return response_times.table_by_sector(self.engine, filters, self.now(), self.region)

    @figure(public=lambda frame: mask_columns(frame, "key"))
    def _table_by_agency(self, filters: Filters) -> pd.DataFrame:
        return response_times.table_by_agency(self.engine, filters, self.now(), self.region)

    @figure(public=lambda result: _masked_tension(result))
    def _tension(self, filters: Filters) -> tension.TensionResult:
        return tension.tension(self.engine, filters, self.now(), self.region)

    # what the pages and the API ask for

    def heatmap(self, filters: Filters) -> pd.DataFrame:
        """Map metrics for every municipality; the municipality filter does not narrow the map."""
        return self._heatmap(replace(filters, municipalities=()))

    def density(self, filters: Filters) -> pd.DataFrame:
        bounds = region_geometry(self.region.boundaries_path).bounds
        return self._density(replace(filters, municipalities=()), bounds)

    def municipality_card(self, filters: Filters, oktmo: str) -> dict:
        card = self._card(replace(filters, municipalities=(oktmo,)), oktmo)
        return {**card, "latest": self._without_texts(card["latest"])}

    def federal(self, filters: Filters) -> pd.DataFrame:
        """Russia by region (the municipality filter does not apply to the overview)."""
        return self._federal(replace(filters, municipalities=()))

    def oldest_overdue(self, filters: Filters) -> pd.DataFrame:
        return self._without_texts(self._oldest_overdue(filters))

    def response_table(self, filters: Filters, by: str) -> pd.DataFrame:
        return self._table_by_agency(filters) if by == "agency" else self._table_by_sector(filters)

    def messages(
        self, filters: Filters, statuses: tuple[str, ...] = (), limit: int = 100, cursor: str | None = None
    ) -> message_list.MessagePage:
        """One page of single messages (not cached: pages are cheap by index and rarely asked twice)."""
        principal = self.principal()
        texts = principal is None or principal.texts
        return message_list.page(self.engine, self.scoped(filters), statuses, limit, cursor, texts=texts)

    def tension(self, filters: Filters) -> tension.TensionResult:
        """The tension index of the whole region for the filters' period — one computation per period, whatever the
        page, filter or role — narrowed to the sectors and municipalities the filters and the principal choose."""
        result = self._figure("_tension", tension.region_period(filters), scoped=False)
        return result.chosen(self.scoped(filters))

    def map_tension(self, filters: Filters) -> pd.Series:
        """Each municipality's highest sector × municipality index over the chosen sectors (the map's metric)."""
        return self.tension(replace(filters, municipalities=())).place_index

    def place_tension(self, filters: Filters, oktmo: str, lang: str = "ru") -> pd.DataFrame:
        """One municipality's sector × municipality points with their reasons (its card's tension section)."""
        result = self.tension(replace(filters, municipalities=(oktmo,)))
        return result.points.assign(reason=tension.reasons(result, result.points, self.region, lang))

    def alerts_today(self, filters: Filters, lang: str = "ru") -> pd.DataFrame:
        """Critical points recorded today (a small indexed table: not cached, so a new alert shows at once), of the
        alerts' own window (``alerts_window``) whatever the page's period.

        The stored reason is the Russian line that was sent; other languages get sector · place instead."""
        frame = alerts.recent(self.engine, self.today(), self.scoped(filters).sectors)
        frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True).dt.tz_convert(self.region.timezone)
        if lang != "ru" and not frame.empty:
            frame["reason"] = [
                f"{self.sectors.name_of(sector, lang)} · {self.region.name_of(oktmo, lang)}"
                for sector, oktmo in zip(frame["sector"], frame["oktmo"], strict=True)
            ]
        return frame

    @figure()
    def _due_soon(self, filters: Filters) -> pd.DataFrame:
        return deadlines.due_soon(self.engine, filters, self.now(), self.region)

    def due_soon(self, filters: Filters) -> pd.DataFrame:
        """«Истекает срок в ближайшие 24 ч» (:mod:`dashboard.metrics.deadlines`) under the filters' sectors, places
        and channels; their period does not apply: the messages read are those of the days a deadline ahead of now
        can come from (the longest target back)."""
        today = self.today()
        back = timedelta(hours=self.region.catalog.sla.max_hours) + timedelta(days=2)
        return self._due_soon(replace(filters, date_from=today - timedelta(days=back.days), date_to=today))

    @figure(history=True)
    def _freshness(self, filters: Filters) -> fresh.Freshness:
        return fresh.freshness(self.engine, filters, self.now(), self.region)

    def freshness(self) -> fresh.Freshness:
        """Every channel's freshness now — «данные на …», and which channel is late or silent — under the reader's
        sectors (a page's other filters do not apply: a channel is judged whole)."""
        today = self.today()
        return self._freshness(Filters(today - timedelta(weeks=fresh.PROFILE_WEEKS + 1), today))

    def alerts_window(self) -> tuple[date, date]:
        """The days the alerts' tension index is computed over: the last ALERT_PERIOD_DAYS to today."""
        window = alerts.alert_filters(self.region, self.now())
        return window.date_from, window.date_to

    def _without_texts(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Message texts blanked for a principal that may not read them (a wall screen; TSUR_HIDE_TEXTS)."""
        principal = self.principal()
        if principal is None or principal.texts or "text" not in frame:
            return frame
        return frame.assign(text="")

    def __repr__(self) -> str:  # part of memoize keys: one entry per database and region
        return f"DashboardService({self.engine.url.render_as_string(hide_password=True)}, {self.region.id})"


def reach(history: bool, filters: Filters) -> tuple[date, date]:
    """The days a cached figure reads: its period and what it compares with — the previous equal period or the
    tension index's baseline, whichever is longer — or all history (``overdue_now`` is of every day)."""
    if history:
        return date.min, date.max
    back = max(filters.days, tension.BASELINE_DAYS + 7, 7 * -(-filters.days // 7))
    return filters.date_from - timedelta(days=back), filters.date_to


def _masked_card(card: dict) -> dict:
    return {**card, "latest": mask_columns(card["latest"], "topic"), "topics": mask_columns(card["topics"], "topic")}


def _masked_tension(result: tension.TensionResult) -> tension.TensionResult:
    return replace(
        result,
        sectors=mask_columns(result.sectors, "topic"),
        points=mask_columns(result.points, "topic"),
        topics=mask_columns(result.topics, "topic"),
    )


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
