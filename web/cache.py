"""The figures' cache shared between requests and workers (flask-caching: Redis in production, a dict or files
otherwise), keyed by everything a figure depends on and the code's version (dashboard/service.py)."""

from __future__ import annotations

from flask import Flask
from flask_caching import Cache

from dashboard.filters import Filters
from dashboard.service import CODE_VERSION, DashboardService
from dashboard.settings import Settings

cache = Cache()


def init_cache(server: Flask, settings: Settings) -> None:
    config: dict[str, object] = {"CACHE_TYPE": settings.cache_type, "CACHE_DEFAULT_TIMEOUT": settings.cache_timeout}
    if settings.cache_type == "RedisCache":
        config["CACHE_REDIS_URL"] = settings.cache_redis_url
    elif settings.cache_type == "FileSystemCache":
        config["CACHE_DIR"] = str(settings.data_dir / "cache")
    cache.init_app(server, config=config)


@cache.memoize(make_name=lambda name: f"{name}@{CODE_VERSION}", args_to_ignore=["filters"])
def cached_figure(
    service: DashboardService, name: str, key: str, version: str, slot: str, args: tuple, filters: Filters
) -> object:
    """Memoized by the figure, the filters' own key (``Filters.key``), the data version, the clock slot, the figure's
    other arguments and the code's version; a miss computes the figure from ``filters``."""
    return service.compute(name, filters, *args)
