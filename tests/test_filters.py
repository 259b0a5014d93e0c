"""The one entrance (dashboard.filters.read_filters): every address, API query, briefing link and wall setting becomes
Filters here — table-driven, in the manner of datasette's tests/test_filters.py — and back to an address."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs

import pytest

from callbacks.urlstate import parse_page, to_search
from dashboard.access import AccessDenied, Principal
from dashboard.filters import FilterError, Filters, Known, read_filters, read_period

TODAY = date(2026, 11, 20)
KNOWN = Known(
    sectors=frozenset({"zhkh", "roads", "health"}),
    municipalities=frozenset({"97701000", "97710000"}),
    sources=frozenset({"vk", "pos"}),
)
MINISTER = Principal("minister", "minister", sectors=("roads",))


def read(search: str, path: str = "/", principal: Principal | None = None) -> Filters:
    return read_filters(parse_qs(search.lstrip("?")), TODAY, KNOWN, path, principal)


@pytest.mark.parametrize(
    ("search", "path", "expected"),
    [
        ("", "/", Filters(date(2026, 10, 22), TODAY)),  # the default: the last 30 days
        ("?period=7d", "/", Filters(date(2026, 11, 14), TODAY)),
        ("?period=today", "/", Filters(TODAY, TODAY)),
        ("?period=year", "/", Filters(date(2025, 11, 21), TODAY)),
        ("?period=7d&from=2026-01-01&to=2026-01-31", "/", Filters(date(2026, 11, 14), TODAY)),  # a preset wins
        ("?period=custom&from=2026-01-01&to=2026-01-31", "/", Filters(date(2026, 1, 1), date(2026, 1, 31))),
        ("?from=2026-01-01&to=2026-01-31", "/", Filters(date(2026, 1, 1), date(2026, 1, 31))),  # the API's way
        ("?from=01.01.2026&to=31.01.2026", "/", Filters(date(2026, 1, 1), date(2026, 1, 31))),
        ("?to=2026-01-31", "/", Filters(date(2026, 1, 2), date(2026, 1, 31))),  # 30 days to ``to``
        ("?from=2026-11-01", "/", Filters(date(2026, 11, 1), TODAY)),
        ("?period=", "/", Filters(date(2026, 10, 22), TODAY)),  # empty: no period
        ("?period=custom&from=2026-11-01", "/", Filters(date(2026, 11, 1), TODAY)),
        ("?period=custom&to=2026-11-01", "/", Filters(date(2026, 10, 3), date(2026, 11, 1))),
        ("?sector=&municipality=&source=", "/", Filters(date(2026, 10, 22), TODAY)),  # empty values choose nothing
        ("?sector=zhkh&sector=roads", "/", Filters(date(2026, 10, 22), TODAY, ("roads", "zhkh"))),  # sorted
        ("?sector=zhkh&sector=zhkh", "/", Filters(date(2026, 10, 22), TODAY, ("zhkh",))),  # once
        ("?municipality=97710000&source=vk", "/", Filters(date(2026, 10, 22), TODAY, (), ("97710000",), ("vk",))),
        ("", "/sector/health", Filters(date(2026, 10, 22), TODAY, ("health",))),  # a minister's page
        ("?sector=zhkh", "/sector/health", Filters(date(2026, 10, 22), TODAY, ("health",))),  # the path decides
        ("?sector=zhkh", "/sector/health/", Filters(date(2026, 10, 22), TODAY, ("health",))),
    ],
)
def test_an_address_becomes_filters(search, path, expected):
    assert read(search, path) == expected


@pytest.mark.parametrize(
    ("search", "path", "key", "english"),
    [
        ("?from=2026-13-01", "/", "bad_date", "date not recognised: «2026-13-01»"),
        ("?period=7D", "/", "unknown_period", "unknown period «7D»"),  # a typo is said, not read as 30 days
        ("?from=2026-02-01&to=2026-01-01", "/", "period_reversed", "the period starts after it ends"),
        ("?from=2020-01-01&to=2026-01-01", "/", "period_too_long", "longer than three years"),
        ("?from=1999-12-31&to=2000-01-05", "/", "dates_outside", "dates must lie between 2000-01-01"),
        ("?sector=water", "/", "unknown_sector", "unknown sector: water"),
        ("", "/sector/water", "unknown_sector", "unknown sector: water"),
        ("?municipality=123", "/", "unknown_municipality", "unknown municipality (OKTMO): 123"),
        ("?source=fax&source=pigeon", "/", "unknown_source", "unknown channel: fax, pigeon"),
    ],
)
def test_a_bad_value_is_refused_in_the_readers_language(search, path, key, english):
    with pytest.raises(FilterError) as refused:
        read(search, path)
    assert refused.value.key == key
    assert english in refused.value.in_language("en")
    assert refused.value.in_language("ru") != refused.value.in_language("en")


@pytest.mark.parametrize(
    ("search", "path", "sectors"),
    [
        ("", "/", ("roads",)),  # nothing chosen: the minister's sectors
        ("?sector=roads", "/", ("roads",)),
        ("", "/sector/roads", ("roads",)),
    ],
)
def test_a_principal_is_held_to_its_sectors(search, path, sectors):
    assert read(search, path, MINISTER).sectors == sectors


@pytest.mark.parametrize(("search", "path"), [("?sector=zhkh", "/"), ("", "/sector/zhkh")])
def test_a_sector_outside_the_principals_is_denied(search, path):
    with pytest.raises(AccessDenied, match="нет доступа к отрасли"):
        read(search, path, MINISTER)


@pytest.mark.parametrize(
    ("search", "path"),
    [
        ("?period=7d", "/"),
        ("?period=custom&from=2026-01-01&to=2026-01-31", "/"),
        ("?period=30d&sector=roads&sector=zhkh&municipality=97701000&source=pos", "/"),
        ("?period=quarter&source=vk", "/sector/health"),
        ("?period=30d&lang=en", "/"),
    ],
)
def test_address_to_filters_to_address_and_back_is_the_same_choice(search, path):
    """The page writes its state back into the address (callbacks/urlstate.to_search): reading that address again
    gives the same filters."""
    state = parse_page(search, path)
    written = to_search(state)
    assert read(written, path) == read(search, path)


@pytest.mark.parametrize(
    "search",
    [
        "",
        "?period=7d",
        "?from=2026-11-01&to=2026-11-07",  # the API's way, opened as a page
        "?period=custom&from=2026-11-01",
        "?period=custom&to=2026-11-01",
        "?period=7d&from=2026-01-01&to=2026-01-31",
        "?period=custom",
        "?period=",
    ],
)
def test_the_period_controls_show_the_days_the_figures_cover(search):
    """A hostile tester found the page's period controls reading an address one way and its figures another
    (``?from=…&to=…`` drew 7 days under «30 дней» selected): both now read it by ``read_period``."""
    state = parse_page(search, "/")
    assert state.dates(TODAY) == (read(search).date_from, read(search).date_to)
    assert state.preset == read_period(parse_qs(search.lstrip("?")), TODAY)[0]  # the control selected


def test_the_filters_own_their_description_and_cache_key():
    names = {"zhkh": "ЖКХ", "97701000": "Чебоксары", "vk": "ВКонтакте"}
    chosen = read("?sector=zhkh&municipality=97701000&source=vk")
    assert chosen.describe("ru", lambda kind, code, lang: names[code]) == "ЖКХ; Чебоксары; ВКонтакте"
    assert read("").describe("ru", lambda *_: "") == "все обращения"
    assert read("").describe("en", lambda *_: "") == "all messages"
    assert chosen.key == "2026-10-22..2026-11-20|zhkh|97701000|vk"
    assert read("?period=7d").key != read("?period=30d").key
