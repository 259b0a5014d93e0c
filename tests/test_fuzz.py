"""Fuzzed queries at every API route and every Dash callback: a 4xx or a valid 200, never a 5xx.

Dates at the calendar's edges, cursors, enumerations, very long and many repeated values (hypothesis, a bounded
number of examples per target so that it runs in the normal suite)."""

from __future__ import annotations

import base64
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from dashboard.i18n import t
from dashboard.loader.ingest import load_file
from dashboard.region import get_region
from dashboard.service import DashboardService
from dashboard.settings import Settings
from layouts import ids
from tests.conftest import NOW, store_of_run
from tests.test_queries import ROWS
from tests.test_roles import callback_body, server_callbacks

DEMO_REGION = get_region("chuvashia")

FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
API = ("/api/v1/summary", "/api/v1/heatmap", "/api/v1/response-times", "/api/v1/tension", "/api/v1/messages")
EXPORTS = ("/briefing/export.xlsx",)

EDGE_DATES = [
    date.min,
    date.min + timedelta(days=1),
    date.max,
    date.max - timedelta(days=1),
    date(1, 1, 10),
    date(9999, 12, 1),
    date(1999, 12, 31),
    date(2000, 1, 1),
    date(2000, 2, 29),
    date(2024, 2, 29),
    date(2100, 12, 31),
    date(2101, 1, 1),
    date(2026, 11, 20),
]
dates = st.one_of(st.sampled_from(EDGE_DATES), st.dates()).flatmap(
    lambda d: st.sampled_from([d.isoformat(), f"{d:%d.%m.%Y}", f"{d.year:04d}-{d.month}-{d.day}"])
)
long_text = st.one_of(st.text(max_size=40), st.sampled_from(["x" * 10_000, "%" * 3000, "\x00", "../../etc", "1e308"]))
date_values = st.one_of(dates, long_text, st.just(""))


def enum(*valid: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(valid), long_text)


ENUMS = {
    "period": enum("today", "7d", "30d", "quarter", "year", "custom"),
    "metric": enum("per_10k", "messages", "change_pct", "tension", "median_hours", "overdue_share"),
    "lang": enum("ru", "en"),
    "measure": enum("first", "resolution"),
    "split": enum("none", "sector", "source"),
    "panels": enum("map", "points", "kpis,trend,alerts", "map,map,map"),
    "sector": enum("zhkh", "roads", "health"),
    "municipality": enum("97701000", "97707000"),
    "source": enum("vk", "pos"),
    "status": enum("new", "answered"),
    "limit": enum("1", "1000", "0", "-1", "1001", "99999999999999999999", "²", "١٠"),  # digits int() refuses
    "view": enum("region", "federal"),
    "density": enum("0", "1"),
}


def cursor_text(stamp: str, message_id: str) -> str:
    return base64.urlsafe_b64encode(f"{stamp}|{message_id}".encode()).decode().rstrip("=")


stamps = st.one_of(
    st.sampled_from([datetime.min, datetime.max, datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59)]),
    st.datetimes(),
).flatmap(
    lambda d: st.sampled_from(
        [
            d.isoformat(),
            d.replace(tzinfo=timezone(timedelta(hours=14))).isoformat(),
            d.replace(tzinfo=timezone(timedelta(hours=-12))).isoformat(),
        ]
    )
)
ids_text = st.one_of(
    st.integers().map(str), st.sampled_from(["2147483648", "9" * 40, "-1", "0", "1.5", "", "x"]), long_text
)
cursors = st.one_of(st.builds(cursor_text, stamps, ids_text), long_text, st.sampled_from(["%%%", "====", "AAAA"]))


@st.composite
def queries(draw) -> list[tuple[str, str]]:
    """A query string's pairs: some filters, each maybe repeated, at the edges."""
    pairs: list[tuple[str, str]] = []
    if draw(st.booleans()):
        pairs += [("from", draw(date_values)), ("to", draw(date_values))]
        pairs += [("period", "custom")] if draw(st.booleans()) else []  # the pages read the dates of this period only
    for name in draw(st.lists(st.sampled_from(sorted(ENUMS)), max_size=4)):
        pairs += [(name, draw(ENUMS[name])) for _ in range(draw(st.sampled_from([1, 1, 2, 60])))]
    if draw(st.booleans()):
        pairs.append(("cursor", draw(cursors)))
    return pairs


@pytest.fixture(scope="module")
def client(region, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    engine, cleanup = store_of_run(region, folder)
    (folder / "hand.csv").write_text(ROWS, encoding="utf-8")
    load_file(folder / "hand.csv", engine, now=NOW, region=DEMO_REGION)
    app = create_app(Settings(data_dir=folder, cache_type="NullCache"), DashboardService(engine, region, lambda: NOW))
    yield app
    cleanup()


def never_a_server_error(response, what: object) -> None:
    assert response.status_code < 500, (what, response.status_code, response.get_data(as_text=True)[:500])


@pytest.mark.parametrize("route", API + EXPORTS)
def test_api_routes_answer_fuzzed_queries_without_server_errors(client, route):
    test_client = client.server.test_client()

    @FUZZ
    @given(queries())
    def check(pairs):
        never_a_server_error(test_client.get(f"{route}?{urlencode(pairs)}"), pairs)

    check()


@pytest.mark.parametrize(
    "route",
    [f"/api/v1/{name}?from=0001-01-01&to=0001-01-10" for name in ("summary", "heatmap", "response-times", "tension")]
    + [f"/api/v1/{name}?from=9999-12-01&to=9999-12-31" for name in ("summary", "heatmap", "response-times", "tension")]
    + [f"/api/v1/messages?cursor={cursor_text('0001-01-01T00:00:00+14:00', '5')}"],
)
def test_the_reported_crafted_queries_are_400_in_the_request_language(client, route):
    test_client = client.server.test_client()
    answer = test_client.get(route)
    assert answer.status_code == 400, answer.get_data(as_text=True)[:300]
    if "from=" in route:
        assert "2000-01-01" in answer.get_json()["error"] and "даты" in answer.get_json()["error"]
        english = test_client.get(route + "&lang=en").get_json()["error"]
        assert english.startswith("dates must lie between 2000-01-01 and 2100-12-31")


@pytest.mark.parametrize("route", ["/api/v1/tension?limit=%C2%B2", "/api/v1/messages?limit=%C2%B2&lang=en"])
def test_a_number_in_other_digits_is_a_400_not_a_crash(client, route):
    """«²».isdigit() is true and int(«²») fails: the hostile tester's 500 (also ``/wall?interval=²``)."""
    answer = client.server.test_client().get(route)
    assert answer.status_code == 400 and "1" in answer.get_json()["error"]
    if "lang=en" in route:
        assert answer.get_json()["error"] == "limit must be a whole number from 1 to 1000"


PATHS = st.one_of(st.sampled_from(["/", "/sector/zhkh", "/sector/zzz", "/wall", "/briefing", "//x", None]), long_text)


@st.composite
def callback_values(draw) -> dict[str, object]:
    """Values for any callback's inputs by ``id.property``: the page's address and controls at the edges."""
    search = "?" + urlencode(draw(queries()))
    wall = {
        "lang": draw(ENUMS["lang"]),
        "period": draw(ENUMS["period"]),
        "metric": draw(ENUMS["metric"]),
        "sector": draw(st.one_of(st.none(), ENUMS["sector"])),
    }
    return {
        f"{ids.URL}.search": search,
        f"{ids.BRIEFING_URL}.search": search,
        f"{ids.URL}.pathname": draw(PATHS),
        f"{ids.PAGE_URL}.pathname": draw(PATHS),
        f"{ids.PAGE_URL}.search": search,
        f"{ids.RESP_MEASURE}.value": draw(ENUMS["measure"]),
        f"{ids.RESP_SPLIT}.value": draw(ENUMS["split"]),
        f"{ids.RESP_TABLE_BY}.value": draw(enum("sector", "agency")),
        f"{ids.PERIOD}.value": draw(ENUMS["period"]),
        f"{ids.DATES}.start_date": draw(st.one_of(st.none(), date_values)),
        f"{ids.DATES}.end_date": draw(st.one_of(st.none(), date_values)),
        f"{ids.MAP_METRIC}.value": draw(ENUMS["metric"]),
        f"{ids.MAP_VIEW}.value": draw(ENUMS["view"]),
        f"{ids.WALL_CONFIG}.data": draw(st.sampled_from([wall, {}, {"lang": "xx", "metric": "zzz"}])),
        f"{ids.RESP_EXPORT_CSV}.n_clicks": draw(st.sampled_from([None, 1])),
        f"{ids.MAP_SIZE}.data": draw(sizes),
        f"{ids.WALL_SIZE}.data": draw(sizes),
    }


sizes = st.one_of(st.none(), st.lists(st.integers(min_value=-1, max_value=30_000), min_size=2, max_size=2))


def test_every_callback_answers_fuzzed_values_without_server_errors(client):
    test_client = client.server.test_client()
    outputs = server_callbacks(client)
    assert len(outputs) >= 12

    @settings(FUZZ, max_examples=12)
    @given(callback_values())
    def check(output, values):
        body = callback_body(client, output, values)
        never_a_server_error(test_client.post("/_dash-update-component", json=body), (output, values))

    for output in outputs:
        check(output)


WRONG_KINDS = (None, -1, 10**30, 1.5, float("inf"), True, [], {}, ["zzz"], [1, 2], [0, 10**9], "zzz", "x" * 10_000)


def test_every_callback_input_of_the_wrong_kind_is_refused_without_server_errors(client):
    """Each input and state of each callback in turn, crafted as a value of another kind than its component holds."""
    test_client = client.server.test_client()
    for output in server_callbacks(client):
        spec = client.callback_map[output]
        for dep in (*spec["inputs"], *spec["state"]):
            if dep["id"].startswith("{"):
                continue
            for value in WRONG_KINDS:
                body = callback_body(client, output, {f"{dep['id']}.{dep['property']}": value})
                answer = test_client.post("/_dash-update-component", json=body)
                never_a_server_error(answer, (output, dep, value))


@pytest.mark.parametrize("dates", ["from=0001-01-01&to=0001-01-10", "from=9999-12-01&to=9999-12-31"])
@pytest.mark.parametrize("lang", ["ru", "en"])
def test_the_reported_crafted_callbacks_say_what_is_wrong(client, dates, lang):
    """The KPI tiles and the briefing at the calendar's ends: the page's banner names the dates it reads."""
    test_client = client.server.test_client()
    search = f"?period=custom&{dates}&lang={lang}"
    expected = "даты периода — с 2000-01-01" if lang == "ru" else "dates must lie between 2000-01-01"
    for target, key in ((ids.STATUS, f"{ids.URL}.search"), (ids.BRIEFING_BODY, f"{ids.BRIEFING_URL}.search")):
        output = next(o for o in server_callbacks(client) if f"{target}.children" in o)
        answer = test_client.post("/_dash-update-component", json=callback_body(client, output, {key: search}))
        assert answer.status_code == 200
        assert expected in str(answer.get_json()["response"][target]), lang


@pytest.mark.parametrize("stored", [{"lang": "xx", "metric": "zzz"}, {}, {"period": "custom", "sector": "nope"}, None])
def test_the_wall_refresh_takes_crafted_settings_as_its_defaults(client, stored):
    test_client = client.server.test_client()
    output = next(o for o in server_callbacks(client) if f"{ids.WALL_MAP}.figure" in o)
    body = callback_body(client, output, {f"{ids.WALL_CONFIG}.data": stored})
    answer = test_client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200
    assert "7" in str(answer.get_json()["response"][ids.WALL_PERIOD]["children"])  # the default: 7 days


@pytest.mark.parametrize("search", ["?interval=²", "?refresh=²&stale=١٠"])
def test_the_wall_page_takes_other_digits_as_its_defaults(client, search):
    """``/wall?interval=²`` answered 500 from the router: a number the wall cannot read is its default."""
    test_client = client.server.test_client()
    output = next(o for o in server_callbacks(client) if f"{ids.PAGE}.children" in o)
    values = {f"{ids.PAGE_URL}.pathname": "/wall", f"{ids.PAGE_URL}.search": search}
    answer = test_client.post("/_dash-update-component", json=callback_body(client, output, values))
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]


@pytest.mark.parametrize(
    ("path", "search", "sector"),
    [
        ("/sector/zhkh", "?code=health", "zhkh"),
        ("/sector/zhkh", "?code=health&code=roads", "zhkh"),
        ("/sector/nope", "?code=zhkh", None),
    ],
)
def test_a_sector_page_is_the_sector_of_its_path_whatever_the_query_says(client, path, search, sector):
    """Dash Pages hands a layout the path's variables and the query in one set of keywords, a query's ``code=``
    winning: the page still draws the sector its path names (the one its figures read), or no page at all."""
    test_client = client.server.test_client()
    output = next(o for o in server_callbacks(client) if f"{ids.PAGE}.children" in o)
    values = {f"{ids.PAGE_URL}.pathname": path, f"{ids.PAGE_URL}.search": search}
    answer = test_client.post("/_dash-update-component", json=callback_body(client, output, values))
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    drawn = str(answer.get_json()["response"][ids.PAGE]["children"])
    if sector is None:
        assert t("not_found", "ru") in drawn
    else:  # the sector filter fixed to the path's sector
        assert t("not_found", "ru") not in drawn and f"'value': ['{sector}']" in drawn
