"""The dashboard's filter state in the URL query string: a copied link reopens the same view."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import parse_qs, urlencode

from dashboard.filters import DEFAULT_PRESET, PRESETS, FilterError, preset_of, preset_range, read_period, sector_of_path
from layouts.map_figure import DEFAULT_METRIC, METRICS
from layouts.wall import WALL_PANELS, WallConfig


@dataclass
class ViewState:
    preset: str = DEFAULT_PRESET
    date_from: str | None = None  # ISO dates, only for the custom period
    date_to: str | None = None
    sectors: list[str] = field(default_factory=list)
    municipalities: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    metric: str = DEFAULT_METRIC
    density: bool = False
    view: str = "region"
    measure: str = "first"  # the response panel's switches: which answer, split by what, its table by what
    split: str = "none"
    table_by: str = "sector"
    scope: str | None = None  # the sector a /sector/<code> page is fixed to
    lang: str = "ru"
    default_lang: str = "ru"  # the deployment's language (TSUR_LANGUAGE): not written to the URL

    def dates(self, today: date) -> tuple[date, date]:
        """The period's days by the figures' own rule (dashboard.filters.read_period); the default preset's where
        the address names no readable period (the KPI banner then says why)."""
        query = {"period": self.preset, "from": self.date_from or "", "to": self.date_to or ""}
        try:
            _, first, last = read_period(query, today)
        except FilterError:
            first, last = preset_range(DEFAULT_PRESET, today)
        return first, last


def _lang(query: dict, default: str) -> str:
    value = (query.get("lang") or [""])[0]
    return value if value in ("ru", "en") else default


def parse_search(search: str | None, default_lang: str = "ru") -> ViewState:
    query = parse_qs((search or "").lstrip("?"))
    metric = (query.get("metric") or [DEFAULT_METRIC])[0]
    preset = preset_of(query)
    return ViewState(
        preset=preset,
        date_from=(query.get("from") or [None])[0] if preset == "custom" else None,
        date_to=(query.get("to") or [None])[0] if preset == "custom" else None,
        sectors=query.get("sector", []),
        municipalities=query.get("municipality", []),
        sources=query.get("source", []),
        metric=metric if metric in METRICS else DEFAULT_METRIC,
        density=(query.get("density") or ["0"])[0] == "1",
        view="federal" if (query.get("view") or [""])[0] == "federal" else "region",
        measure=_one_of(query, "measure", RESPONSE_SWITCHES["measure"]),
        split=_one_of(query, "split", RESPONSE_SWITCHES["split"]),
        table_by=_one_of(query, "by", RESPONSE_SWITCHES["by"]),
        lang=_lang(query, default_lang),
    )


# the response panel's switches in the address: key → its values, the first the default (left out of the address)
RESPONSE_SWITCHES = {
    "measure": ("first", "resolution"),
    "split": ("none", "source", "sector"),
    "by": ("sector", "agency"),
}


def _one_of(query: dict, key: str, allowed: tuple[str, ...]) -> str:
    value = (query.get(key) or [""])[0]
    return value if value in allowed else allowed[0]


def query_of(search: str | None) -> dict[str, list[str]]:
    """An address's query string as the core's one entrance reads it (dashboard.filters.read_filters)."""
    return parse_qs((search or "").lstrip("?"))


def fix_sector(state: ViewState, pathname: str | None) -> ViewState:
    """On a minister's page ``/sector/<code>`` the sector is part of the address, not a filter the controls show
    as chosen by hand."""
    scope = sector_of_path(pathname)
    if scope:
        state.scope, state.sectors = scope, [scope]
    return state


def parse_page(search: str | None, pathname: str | None, default_lang: str = "ru") -> ViewState:
    """The view state of a page: the query string, with the sector fixed on a minister's page."""
    return fix_sector(parse_search(search, default_lang), pathname)


def to_search(state: ViewState) -> str:
    params: list[tuple[str, str]] = [("period", state.preset)]
    if state.preset == "custom":
        params += [(key, value) for key, value in (("from", state.date_from), ("to", state.date_to)) if value]
    params += [("sector", s) for s in state.sectors if s != state.scope]
    params += [("municipality", m) for m in state.municipalities]
    params += [("source", s) for s in state.sources]
    if state.metric != DEFAULT_METRIC:
        params.append(("metric", state.metric))
    if state.density:
        params.append(("density", "1"))
    if state.view == "federal":
        params.append(("view", "federal"))
    for key, value in (("measure", state.measure), ("split", state.split), ("by", state.table_by)):
        if value != RESPONSE_SWITCHES[key][0]:
            params.append((key, value))
    if state.lang != state.default_lang:
        params.append(("lang", state.lang))
    return "?" + urlencode(params)


def wall_settings(stored: object, known_sectors: set[str], default_lang: str = "ru") -> WallConfig:
    """The wall's settings as its page stored them (read back from the browser, so as untrusted as its URL): the
    same fallbacks as ``parse_wall`` for the values the server uses."""
    data = stored if isinstance(stored, dict) else {}
    query = {key: data[key] for key in ("sector", "period", "metric", "lang") if isinstance(data.get(key), str)}
    return parse_wall(urlencode(query), known_sectors, default_lang)


def parse_wall(search: str | None, known_sectors: set[str], default_lang: str = "ru") -> WallConfig:
    """Wall-screen set-up from the URL; unknown or out-of-range values fall back to the defaults."""
    query = parse_qs((search or "").lstrip("?"))

    def number(name: str, low: int, high: int, default: int) -> int:
        value = (query.get(name) or [""])[0]
        return min(max(int(value), low), high) if value.isascii() and value.isdigit() else default

    panels = tuple(p for p in ",".join(query.get("panels", [])).split(",") if p in WALL_PANELS)
    sector = (query.get("sector") or [None])[0]
    period = (query.get("period") or ["7d"])[0]
    metric = (query.get("metric") or ["tension"])[0]
    defaults = WallConfig()
    return WallConfig(
        panels=tuple(dict.fromkeys(panels)) or defaults.panels,
        interval=number("interval", 5, 600, defaults.interval),
        refresh=number("refresh", 10, 3600, defaults.refresh),
        stale_minutes=number("stale", 1, 1440, defaults.stale_minutes),
        sector=sector if sector in known_sectors else None,
        period=period if period in PRESETS and period != "custom" else defaults.period,
        metric=metric if metric in METRICS else defaults.metric,
        lang=_lang(query, default_lang),
    )
