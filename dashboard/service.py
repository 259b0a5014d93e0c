"""The service the web layer talks to: validated filters in, cached query results out.

Cache keys hold the filters, the data version (changed by every load) and the current minute
(overdue counts move with the clock), so a load invalidates exactly what it changed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from flask_caching import Cache
from sqlalchemy import Engine

from dashboard import queries
from dashboard.catalog import SOURCES, load_sectors
from dashboard.filters import Filters, build_filters, today_in
from dashboard.region import Region
from dashboard.store.db import data_version

cache = Cache()


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
        return build_filters(
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

    def _key(self) -> tuple[str, str]:
        return data_version(self.engine), self.now().strftime("%Y%m%d%H%M")

    def summary(self, filters: Filters) -> dict:
        version, minute = self._key()
        return _cached_summary(self, filters, version, minute)

    def __repr__(self) -> str:  # part of memoize keys: one entry per database and region
        return f"DashboardService({self.engine.url.render_as_string(hide_password=True)}, {self.region.id})"


@cache.memoize()
def _cached_summary(service: DashboardService, filters: Filters, version: str, minute: str) -> dict:
    return queries.summary(service.engine, filters, service.now(), service.region)
