"""Accounts, sign-in and sector scoping on the server — requests crafted by hand, on both stores."""

from __future__ import annotations

import html
import re
from urllib.parse import unquote, urlencode

import pytest
from flask import g
from pydantic import ValidationError

from app import create_app
from dashboard import accounts
from dashboard.access import AccessDenied, Principal, scope
from dashboard.catalog import load_sectors
from dashboard.filters import Filters
from dashboard.loader.ingest import load_file
from dashboard.region import get_region
from dashboard.service import DashboardService
from dashboard.settings import Settings
from geo.figure import region_geometry
from layouts import ids
from tests.conftest import NOW
from tests.test_queries import PERIOD, ROWS

SHIPPED_SECTORS = load_sectors().codes  # the shipped catalogue the tests run with

DEMO_REGION = get_region("chuvashia")

SECRET = "test-secret-key-0123456789"
PASSWORD = "correct horse battery"


@pytest.fixture
def service(engine, region, tmp_path):
    path = tmp_path / "hand.csv"
    path.write_text(ROWS, encoding="utf-8")
    load_file(path, engine, now=NOW, region=DEMO_REGION)
    accounts.add_user(engine, "admin", "admin", PASSWORD)
    accounts.add_user(engine, "head", "head", PASSWORD)
    accounts.add_user(engine, "minister", "minister", PASSWORD, ("zhkh",), SHIPPED_SECTORS)
    accounts.add_user(engine, "two", "minister", PASSWORD, ("zhkh", "roads"), SHIPPED_SECTORS)
    return DashboardService(engine, region, clock=lambda: NOW)


def make_app(service, tmp_path, **extra):
    settings = Settings(
        **{"data_dir": tmp_path, "cache_type": "NullCache", "auth": True, "secret_key": SECRET, **extra}
    )
    return create_app(settings, service)


@pytest.fixture
def app(service, tmp_path):
    return make_app(service, tmp_path)


@pytest.mark.parametrize("path", ["/loginX", "/healthzX", "/geo", "/api/v1/openapi.jsonX"])
def test_an_address_that_only_starts_like_a_public_one_needs_sign_in(app, path):
    """``/loginX`` served the page shell without sign-in (the public list was matched as bare prefixes)."""
    answer = app.server.test_client().get(path)
    assert answer.status_code in (302, 401), (path, answer.status_code)


def test_the_public_addresses_stay_open(app):
    client = app.server.test_client()
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200


def login(client, name: str, password: str = PASSWORD, next_: str = "/"):
    page = client.get(f"/login?next={next_}").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    return client.post("/login", data={"name": name, "password": password, "csrf": csrf, "next": next_})


def basic(name: str, password: str = PASSWORD) -> dict:
    import base64

    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()}


def kpi_request(client, search: str, pathname: str = "/", headers: dict | None = None):
    """The KPI tiles' callback exactly as the browser posts it, built from the app's dependency list."""
    deps = client.get("/_dash-dependencies", headers=basic("admin")).get_json()
    spec = next(d for d in deps if f"{ids.KPIS}.children" in d["output"])
    parts = spec["output"].strip(".").split("...")
    values = {f"{ids.URL}.search": search, f"{ids.REFRESH}.n_intervals": 0, f"{ids.URL}.pathname": pathname}
    body = {
        "output": spec["output"],
        "outputs": [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in parts],
        "inputs": [{**i, "value": values[f"{i['id']}.{i['property']}"]} for i in spec["inputs"]],
        "state": [{**s, "value": values[f"{s['id']}.{s['property']}"]} for s in spec["state"]],
        "changedPropIds": [f"{ids.URL}.search"],
    }
    return client.post("/_dash-update-component", json=body, headers=headers)


PERIOD_QUERY = "from=2026-11-11&to=2026-11-20"


def test_everything_is_closed_without_signing_in(app):
    client = app.server.test_client()
    page = client.get("/?period=7d")
    assert page.status_code == 302 and page.headers["Location"] == "/login?next=%2F%3Fperiod%3D7d"
    api = client.get("/api/v1/summary")
    assert api.status_code == 401 and "вход" in api.get_json()["error"]
    assert api.headers["WWW-Authenticate"].startswith("Bearer")  # no browser pop-up over the dashboard
    assert kpi_request(client, "?period=7d").status_code == 401
    assert client.get("/briefing/export.xlsx").status_code == 302
    assert client.get("/healthz").status_code == 200  # for the load balancer
    assert client.get("/assets/style.css").status_code == 200
    # the maps' shapes are assets too (public OpenStreetMap boundaries): a wall screen or a page fetches them alike
    shapes = region_geometry(app.server.extensions["tsur"].region.boundaries_path).url("outline")
    assert client.get(shapes).status_code == 200


def test_sign_in_sets_a_hardened_session_cookie_and_sign_out_ends_it(service, tmp_path):
    client = make_app(service, tmp_path, cookie_secure=True).server.test_client()
    response = login(client, "head", next_="/?period=7d")
    assert response.status_code == 302 and response.headers["Location"] == "/?period=7d"
    cookie = response.headers["Set-Cookie"]
    assert "tsur_session=" in cookie and "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/summary").status_code == 200  # the API accepts the session
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_unknown_name_and_forged_form_are_refused(app):
    client = app.server.test_client()
    wrong = login(client, "head", "not the password")
    assert wrong.status_code == 401 and "Неверное имя или пароль" in wrong.get_data(as_text=True)
    assert login(client, "nobody").status_code == 401  # the same answer: no hint which names exist
    forged = client.post("/login", data={"name": "head", "password": PASSWORD, "csrf": "guess"})
    assert forged.status_code == 400
    assert client.get("/").status_code == 302


# what an attacker puts in ?next= to leave the site after sign-in (raw, as sent in the query string)
REDIRECT_BYPASSES = (
    "//evil.example/",
    "https://evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "%2f%2fevil.example",
    "/%5cevil.example",
    "/%09/evil.example",
    "/%0d%0aSet-Cookie:x=1",
    "%0a/evil.example",
    "/%20/evil.example",
    "///evil.example",
    "javascript:alert(1)",
    "%2F%2F%2Fevil.example",
    "https:evil.example",
    "/%E3%80%80/evil.example",  # ideographic space
    "/%EF%BC%8F/evil.example",  # fullwidth solidus
    "%EF%BC%8F%EF%BC%8Fevil.example",
    "/%2F%2Fevil.example",  # decoded once by the browser into //evil.example
    "/" + "a" * 5000,
)


def login_from_link(client, query: str):
    """Sign in as a person who followed ``/login?<query>``: the form posts back the ``next`` the page holds."""
    page = client.get(f"/login?{query}").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    target = html.unescape(re.search(r'name="next" value="([^"]*)"', page).group(1))
    return client.post("/login", data={"name": "head", "password": PASSWORD, "csrf": csrf, "next": target})


@pytest.mark.parametrize("target", REDIRECT_BYPASSES)
def test_login_form_is_no_open_redirect(app, target):
    assert login_from_link(app.server.test_client(), f"next={target}").headers["Location"] == "/"
    # a forged form posting the raw value, and the value decoded once more, go nowhere either
    for forged in (target, unquote(target)):
        assert login(app.server.test_client(), "head", next_=forged).headers["Location"] == "/"


@pytest.mark.parametrize("target", ("/", "/sector/zhkh?period=7d&sector=zhkh", "/wall?panels=map%2Cpoints&lang=en"))
def test_login_returns_to_a_local_page(app, target):
    assert login_from_link(app.server.test_client(), urlencode({"next": target})).headers["Location"] == target


def test_failed_sign_ins_are_rate_limited_per_address(service, tmp_path):
    client = make_app(service, tmp_path, login_limit="3/minute").server.test_client()
    for _ in range(3):
        assert login(client, "head", "wrong password!").status_code == 401
    blocked = login(client, "head")  # even the right password waits
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1
    assert "Слишком много" in blocked.get_data(as_text=True)
    assert client.get("/api/v1/summary", headers=basic("head")).status_code == 429  # Basic counts the same


def test_failed_sign_ins_are_rate_limited_per_address_and_name(service, tmp_path):
    client = make_app(service, tmp_path, login_limit_pair="2/hour").server.test_client()
    for _ in range(2):
        login(client, "head", "wrong password!")
    assert login(client, "head").status_code == 429
    assert login(client, "admin").status_code == 302  # another account from the same address still may


def from_address(app, address: str):
    client = app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_nobody_can_lock_an_account_out_from_elsewhere(service, tmp_path):
    """Failures from one address never block the name for the others: the right password from a new address works."""
    app = make_app(service, tmp_path, login_limit="1000/minute")
    attacker = from_address(app, "192.0.2.66")
    for _ in range(25):
        assert login(attacker, "head", "wrong password!").status_code in (401, 429)
        attacker.get("/api/v1/summary", headers=basic("head", "wrong password!"))
    assert login(attacker, "head").status_code == 429  # the attacker's own address is held back
    assert attacker.get("/api/v1/summary", headers=basic("head")).status_code == 429
    owner = from_address(app, "192.0.2.10")
    assert login(owner, "head").status_code == 302
    assert owner.get("/api/v1/summary", headers=basic("head")).status_code == 200


def test_api_accepts_basic_and_bearer_and_refuses_bad_ones(app, service):
    client = app.server.test_client()
    assert client.get("/api/v1/summary", headers=basic("head")).status_code == 200
    assert client.get("/api/v1/summary", headers=basic("head", "wrong password!")).status_code == 401
    token = accounts.issue_token(service.engine, "head")
    assert client.get("/api/v1/summary", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/api/v1/summary", headers={"Authorization": "Bearer tsur_forged"}).status_code == 401
    renewed = accounts.issue_token(service.engine, "head")
    assert client.get("/api/v1/summary", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.get("/api/v1/summary", headers={"Authorization": f"Bearer {renewed}"}).status_code == 200


def test_a_refusal_speaks_the_readers_language_and_a_download_answers_json(app):
    """The hostile tester's notes: a 403 in Russian on an English page, and the briefing download answering its 403
    in JSON but its 400 in text."""
    client = app.server.test_client()
    api = client.get("/api/v1/summary?sector=roads&lang=en", headers=basic("minister"))
    assert api.status_code == 403 and api.get_json()["error"] == "no access to the sector: Roads (roads)"
    page = client.get("/sector/roads?lang=en", headers=basic("minister"))
    assert page.status_code == 403 and "no access to the sector" in page.get_data(as_text=True)
    assert '<html lang="en">' in page.get_data(as_text=True)
    assert "нет доступа к отрасли: Дороги (roads)" in client.get("/sector/roads", headers=basic("minister")).text
    bad = client.get("/briefing/export.xlsx?from=2026-13-01&lang=en", headers=basic("head"))
    assert bad.status_code == 400 and bad.get_json()["error"].startswith("date not recognised")


def test_minister_sees_only_own_sector_on_every_route(app):
    client = app.server.test_client()
    head = client.get(f"/api/v1/summary?{PERIOD_QUERY}&sector=zhkh", headers=basic("head")).get_json()
    mine = client.get(f"/api/v1/summary?{PERIOD_QUERY}", headers=basic("minister")).get_json()
    assert mine["messages"] == head["messages"] == 3  # unscoped → narrowed to ЖКХ
    assert mine["filters"]["sector"] == ["zhkh"]
    for path in (
        f"/api/v1/summary?{PERIOD_QUERY}&sector=roads",
        f"/api/v1/summary?{PERIOD_QUERY}&sector=zhkh&sector=roads",
        "/api/v1/heatmap?sector=health",
        "/api/v1/tension?sector=roads",
        "/briefing/export.xlsx?sector=roads",
    ):
        denied = client.get(path, headers=basic("minister"))
        assert denied.status_code == 403, path
        assert "нет доступа" in denied.get_json()["error"]
    tension = client.get("/api/v1/tension", headers=basic("minister")).get_json()
    assert {s["sector"] for s in tension["sectors"]} == {"zhkh"}
    assert {p["sector"] for p in tension["points"]} <= {"zhkh"}


def test_minister_pages_outside_the_sector_are_forbidden(app):
    client = app.server.test_client()
    login(client, "minister")
    assert client.get("/").headers["Location"] == "/sector/zhkh"  # straight to the own page
    assert client.get("/sector/zhkh").status_code == 200
    for path in ("/sector/roads", "/?sector=roads", "/briefing?sector=health", "/wall?sector=roads"):
        denied = client.get(path)
        assert denied.status_code == 403, path
        assert "Нет доступа" in denied.get_data(as_text=True)


def test_dash_callback_endpoint_is_scoped_for_crafted_requests(app):
    client = app.server.test_client()
    head = kpi_request(client, f"?{PERIOD_QUERY}&sector=zhkh", headers=basic("head"))
    narrowed = kpi_request(client, f"?{PERIOD_QUERY}", headers=basic("minister"))
    assert head.status_code == narrowed.status_code == 200
    assert narrowed.get_json()["response"][ids.KPIS] == head.get_json()["response"][ids.KPIS]
    everything = kpi_request(client, f"?{PERIOD_QUERY}", headers=basic("head"))
    assert everything.get_json()["response"][ids.KPIS] != narrowed.get_json()["response"][ids.KPIS]
    for search, pathname in ((f"?{PERIOD_QUERY}&sector=roads", "/"), (f"?{PERIOD_QUERY}", "/sector/health")):
        denied = kpi_request(client, search, pathname, headers=basic("minister"))
        assert denied.status_code == 403 and "нет доступа" in denied.get_json()["error"]


def test_minister_with_two_sectors_picks_among_them(app):
    client = app.server.test_client()
    assert client.get("/", headers=basic("two")).status_code == 200  # no redirect: a choice to make
    both = client.get(f"/api/v1/summary?{PERIOD_QUERY}", headers=basic("two")).get_json()
    assert both["filters"]["sector"] == ["roads", "zhkh"] and both["messages"] == 4
    assert client.get("/api/v1/summary?sector=health", headers=basic("two")).status_code == 403


def test_wall_token_opens_the_wall_only(app, service):
    token = accounts.add_user(service.engine, "screen", "wall")
    client = app.server.test_client()
    entered = client.get(f"/wall?token={token}&period=7d")
    assert entered.status_code == 302 and entered.headers["Location"] == "/wall?period=7d"  # token leaves the URL
    assert client.get("/wall?period=7d").status_code == 200  # the session carries on
    assert kpi_request(client, "?period=7d").status_code == 403  # the dashboard's callbacks are not its own
    for path in ("/", "/briefing", "/api/v1/summary", "/sector/zhkh"):
        assert client.get(path).status_code == 403, path
    assert app.server.test_client().get("/wall?token=tsur_wrong").status_code == 401


def test_admin_only_routes(app):
    client = app.server.test_client()
    assert client.get("/api/v1/users", headers=basic("head")).status_code == 403
    users = client.get("/api/v1/users", headers=basic("admin"))
    assert users.status_code == 200
    names = {u["name"]: u for u in users.get_json()["users"]}
    assert names["minister"]["sectors"] == ["zhkh"] and "password_hash" not in names["minister"]


def copied_session(app, client):
    """Another browser holding a copy of ``client``'s session cookie (as an attacker who copied it would)."""
    other = app.server.test_client()
    other.set_cookie("tsur_session", client.get_cookie("tsur_session").value)
    return other


def signed_in(app, name: str = "head"):
    client = app.server.test_client()
    assert login(client, name).status_code == 302
    assert client.get("/").status_code == 200
    return client


def test_logout_ends_a_copied_session_cookie(app):
    client = signed_in(app)
    copy = copied_session(app, client)
    assert copy.get("/").status_code == 200
    elsewhere = signed_in(app)  # the same person in another browser
    assert client.post("/logout").status_code == 302
    for other in (client, copy, elsewhere):
        assert other.get("/").status_code == 302
        assert other.get("/api/v1/summary").status_code == 401
    assert signed_in(app).get("/api/v1/summary").status_code == 200  # signing in again works


def test_every_revocation_ends_sessions_and_tokens_at_once(app, service, tmp_path):
    """No grace period: each change is seen by the very next request, of another app instance (worker) too."""
    second_worker = make_app(service, tmp_path)
    for revoke, token_ends in (
        (lambda: accounts.set_password(service.engine, "head", "another long passphrase"), True),
        (lambda: [accounts.set_disabled(service.engine, "head", flag) for flag in (True, False)], True),
        (lambda: accounts.issue_token(service.engine, "head"), True),
        (lambda: accounts.end_sessions(service.engine, "head"), False),  # sign-out: a script's token outlives it
    ):
        accounts.set_password(service.engine, "head", PASSWORD)
        token = accounts.issue_token(service.engine, "head")
        bearer = {"Authorization": f"Bearer {token}"}
        client = signed_in(app)
        copy = copied_session(second_worker, client)
        assert copy.get("/").status_code == 200
        assert client.get("/api/v1/summary", headers=bearer).status_code == 200
        revoke()
        assert client.get("/").status_code == 302 and copy.get("/").status_code == 302
        assert app.server.test_client().get("/api/v1/summary", headers=bearer).status_code == (
            401 if token_ends else 200
        )


def test_a_disabled_account_is_refused_everywhere_and_enabling_revives_nothing(app, service):
    token = accounts.add_user(service.engine, "screen", "wall")
    wall = app.server.test_client()
    assert wall.get(f"/wall?token={token}").status_code == 302 and wall.get("/wall").status_code == 200
    client = signed_in(app)
    accounts.set_disabled(service.engine, "head")
    accounts.set_disabled(service.engine, "screen")
    assert client.get("/").status_code == 302
    assert wall.get("/wall").status_code == 302
    assert app.server.test_client().get("/api/v1/summary", headers=basic("head")).status_code == 401
    assert login(app.server.test_client(), "head").status_code == 401
    accounts.set_disabled(service.engine, "head", False)
    accounts.set_disabled(service.engine, "screen", False)
    assert client.get("/").status_code == 302 and wall.get("/wall").status_code == 302  # old sessions stay dead
    assert app.server.test_client().get(f"/wall?token={token}").status_code == 401  # so does the old token
    assert login(app.server.test_client(), "head").status_code == 302  # the password works again


def test_a_deleted_and_recreated_name_does_not_inherit_sessions(app, service):
    client = signed_in(app)
    accounts.delete_user(service.engine, "head")
    accounts.add_user(service.engine, "head", "head", PASSWORD)
    assert client.get("/").status_code == 302


def test_passwords_are_argon2_hashes_and_accounts_are_validated(service):
    with service.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT password_hash FROM users WHERE name = 'head'").scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    for bad in (
        dict(name="x y", role="head", password=PASSWORD),
        dict(name="new", role="emperor", password=PASSWORD),
        dict(name="new", role="minister", password=PASSWORD),  # a minister needs a sector
        dict(name="new", role="head", password=PASSWORD, sectors=("zhkh",)),
        dict(name="new", role="minister", password=PASSWORD, sectors=("nope",), known_sectors=SHIPPED_SECTORS),
        dict(name="new", role="minister", password=PASSWORD, sectors=("zhkh",)),  # a catalogue without it
        dict(name="new", role="head", password="short"),
        dict(name="head", role="head", password=PASSWORD),  # exists
    ):
        with pytest.raises(accounts.AccountError):
            accounts.add_user(service.engine, **bad)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("aaaaaaaaaa", "повтор"),
        ("abcabcabcabc", "повтор"),
        ("password123", "распространённ"),
        ("qwertyuiop", "распространённ"),
        ("P@ssw0rd2024", "распространённ"),
        ("1q2w3e4r5t6y", "распространённ"),
        ("glavnyi-vrach", "имя"),  # the account's name inside
        ("Glavnyi-Vrach2024", "имя"),  # in any case
        ("0123456789", "последовательн"),
        ("short", "не короче"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(service, password, reason):
    with pytest.raises(accounts.AccountError, match=reason):
        accounts.add_user(service.engine, "glavnyi-vrach", "head", password)
    with pytest.raises(accounts.AccountError, match=reason):
        accounts.set_password(service.engine, "head", re.sub("glavnyi-vrach", "Head-of-region", password, flags=re.I))


@pytest.mark.parametrize(
    "password",
    [
        PASSWORD,
        "Чебоксары-весна-2026",
        "tram 7 goes to Kanash",
        "Весной 7 трамваев, 3 автобуса и паром ходят от Чебоксар до Новочебоксарска",
    ],
)
def test_good_passwords_are_taken(service, password):
    accounts.add_user(service.engine, "glavnyi-vrach", "head", password)
    assert accounts.check_password(service.engine, "glavnyi-vrach", password) is not None


@pytest.mark.parametrize(
    "name",
    [
        '<img src=x onerror="alert(1)">',
        "a b",
        "Admin",
        "-lead",
        ".hidden",
        "имя",
        "x;drop",
        "[red]x",
        "a" * 65,
        "",
        "a/b",
    ],
)
def test_account_names_are_a_safe_set_of_characters(service, name):
    with pytest.raises(accounts.AccountError, match="имя"):
        accounts.add_user(service.engine, name, "head", PASSWORD)


def test_names_of_the_safe_set_are_taken_and_old_names_still_sign_in(app, service):
    for name in ("x", "ivanov.p", "minzdrav-2", "a_b", "9" + "a" * 63):
        accounts.add_user(service.engine, name, "head", PASSWORD)
    with service.engine.begin() as conn:  # an account from before the rule
        conn.exec_driver_sql("UPDATE users SET name = 'Иванов П.' WHERE name = 'head'")
    assert app.server.test_client().get("/api/v1/summary", headers=basic("Иванов П.")).status_code == 200
    accounts.set_password(service.engine, "Иванов П.", "another long passphrase")
    accounts.set_disabled(service.engine, "Иванов П.")


def test_production_always_signs_in():
    with pytest.raises(ValidationError, match="TSUR_AUTH"):
        Settings(env="production", secret_key=SECRET, auth=False)
    assert Settings(env="production", secret_key=SECRET).auth_enabled
    assert not Settings().auth_enabled and Settings(auth=True).auth_enabled


def test_scope_rule():
    minister = Principal("m", "minister", ("zhkh", "roads"))
    assert scope(PERIOD, minister).sectors == ("zhkh", "roads")
    assert scope(Filters(PERIOD.date_from, PERIOD.date_to, ("roads",)), minister).sectors == ("roads",)
    with pytest.raises(AccessDenied):
        scope(Filters(PERIOD.date_from, PERIOD.date_to, ("roads", "health")), minister)
    assert scope(PERIOD, Principal("h", "head")) == PERIOD
    assert scope(PERIOD, None) == PERIOD  # no request: the CLI and jobs see everything


def test_wall_never_gets_message_texts(app, service, tmp_path):
    path = tmp_path / "texts.csv"
    path.write_text(
        "external_id,source,created_at,status,sector,municipality,text\n"
        "t1,vk,2026-11-12 09:00,new,zhkh,Канаш,Третий день нет воды в доме\n",
        encoding="utf-8",
    )
    load_file(path, service.engine, now=NOW, region=DEMO_REGION)
    with app.server.test_request_context():
        g.principal = Principal("screen", "wall", texts=False)
        hidden = service.oldest_overdue(PERIOD)
        g.principal = Principal("head", "head")
        shown = service.oldest_overdue(PERIOD)
    assert len(hidden) == len(shown) > 0
    assert (hidden["text"] == "").all()
    assert "Третий день нет воды в доме" in set(shown["text"])


def test_failed_sign_ins_are_counted_across_workers_in_redis(service, tmp_path):
    """Two app instances (as two gunicorn workers) share the count through Redis, the production cache."""
    import uuid

    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0").ping()
    except redis.ConnectionError:
        pytest.skip("Redis not running")
    extra = dict(cache_type="RedisCache", login_limit="1000/minute", login_limit_pair="3/hour")
    first, second = (make_app(service, tmp_path, **extra).server.test_client() for _ in range(2))
    name = f"ghost-{uuid.uuid4().hex[:8]}"  # a fresh key: earlier runs' counts cannot interfere
    assert login(first, name, "wrong password!").status_code == 401
    assert login(second, name, "wrong password!").status_code == 401
    assert login(first, name, "wrong password!").status_code == 401
    assert login(second, name, "wrong password!").status_code == 429
