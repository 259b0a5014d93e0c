"""One truth: a figure is a fact of its period, not of the screen.

Reproduces what a new user saw on the demo: ЖКХ · Новочебоксарск read «внимание» on ``/`` and «норма» with
``?sector=zhkh``, on ``/sector/zhkh``, in the card and in the minister's briefing; three different «просрочено»
at once. The same cell, period and definition must read the same on every page, filter, role and route.
"""

from __future__ import annotations

import base64
from dataclasses import replace

import pytest
from flask import g

from app import create_app
from dashboard import accounts
from dashboard.access import Principal
from dashboard.catalog import load_sectors
from dashboard.reports import briefing
from dashboard.service import DashboardService, Hooks
from dashboard.settings import Settings
from tests.test_tension import CHEB, KANASH, NOVOCHEB, NOW, PERIOD, loaded  # noqa: F401 - the fixture
from web.principal import current_principal

SHIPPED_SECTORS = load_sectors().codes  # the shipped catalogue the tests run with

SECRET = "test-secret-key-0123456789"
PASSWORD = "correct horse battery"
QUERY = f"from={PERIOD.date_from}&to={PERIOD.date_to}"
POINT_FIELDS = ("index", "level", "p_value", "change_pct", "expected", "messages", "overdue", "components", "reason")


@pytest.fixture
def service(loaded, region):  # noqa: F811
    accounts.add_user(loaded, "head", "head", PASSWORD)
    accounts.add_user(loaded, "minzhkh", "minister", PASSWORD, ("zhkh",), SHIPPED_SECTORS)
    return DashboardService(loaded, region, clock=lambda: NOW, hooks=Hooks(principal=current_principal))


@pytest.fixture
def client(service, tmp_path):
    settings = Settings(data_dir=tmp_path, cache_type="NullCache", auth=True, secret_key=SECRET)
    return create_app(settings, service).server.test_client()


def basic(name: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{PASSWORD}".encode()).decode()}


def cells(body: dict) -> dict[tuple[str, str], dict]:
    return {(p["sector"], p["oktmo"]): {k: p[k] for k in POINT_FIELDS} for p in body["points"]}


def sectors(body: dict) -> dict[str, dict]:
    return {s["sector"]: {k: s[k] for k in (*POINT_FIELDS, "hottest_municipality")} for s in body["sectors"]}


@pytest.mark.parametrize(
    ("account", "query"),
    [
        ("head", "&sector=zhkh"),
        ("head", f"&municipality={NOVOCHEB}"),
        ("head", f"&sector=zhkh&municipality={NOVOCHEB}&municipality={CHEB}"),
        ("head", "&source=vk"),
        ("head", "&sector=health&sector=waste"),
        ("minzhkh", ""),
        ("minzhkh", f"&municipality={KANASH}"),
    ],
)
def test_the_api_gives_every_cell_the_same_values_under_every_filter_and_role(client, account, query):
    whole = client.get(f"/api/v1/tension?{QUERY}&limit=1000", headers=basic("head")).get_json()
    narrowed = client.get(f"/api/v1/tension?{QUERY}{query}&limit=1000", headers=basic(account)).get_json()
    assert narrowed["points"], query
    everywhere = cells(whole)
    for key, values in cells(narrowed).items():
        assert values == everywhere[key], key
    for code, values in sectors(narrowed).items():
        assert values == sectors(whole)[code], code
    if account == "minzhkh":  # the minister sees the same facts, of his sector only
        assert {p["sector"] for p in narrowed["points"]} == {"zhkh"}


def test_the_tile_the_card_the_map_and_the_briefing_read_the_cell_as_the_list_does(service, region):
    """ЖКХ · Новочебоксарск: the tension list of ``/``, the minister's page, the municipality card, the map's
    tension metric and the briefing's points table all carry the cell's one index and level."""
    from flask import Flask

    with Flask(__name__).test_request_context():
        whole = service.tension(PERIOD)
        cell = whole.points.set_index(["sector", "oktmo"]).loc[("zhkh", NOVOCHEB)]
        g.principal = Principal("minzhkh", "minister", ("zhkh",))
        minister = service.tension(PERIOD)
        card = service.place_tension(replace(PERIOD, municipalities=(NOVOCHEB,)), NOVOCHEB)
        by_place = service.map_tension(PERIOD)
        brief = briefing.build(service, replace(PERIOD, sectors=("zhkh",)), "ru")
    assert set(minister.points["sector"]) == {"zhkh"}  # the minister's view: his sector's points only
    mine = minister.points.set_index(["sector", "oktmo"]).loc[("zhkh", NOVOCHEB)]
    assert (mine["index"], mine["level"], mine["p_value"]) == (cell["index"], cell["level"], cell["p_value"])
    assert card.set_index("sector").loc["zhkh", "index"] == cell["index"]
    assert by_place.loc[NOVOCHEB] == cell["index"]  # the minister's map: his sector's cell in each place
    top = brief.points.rows.iloc[0]
    assert (top["index"], top["municipality"]) == (cell["index"], "Новочебоксарск")
    assert (
        minister.sectors.set_index("sector").loc["zhkh", "index"]
        == whole.sectors.set_index("sector").loc["zhkh", "index"]
    )


def test_overdue_now_reads_the_same_in_the_kpis_the_backlog_the_briefing_and_the_api(client, service):
    """«Просрочено сейчас» is one figure: the KPI tile, the backlog's value now (its last day), the briefing's summary
    and the API's summary; «из поступивших за период» is the period's part of it, also one figure."""
    from flask import Flask

    today = replace(PERIOD, date_from=PERIOD.date_from, date_to=NOW.date())
    for chosen in (today, replace(today, sectors=("health",)), replace(today, municipalities=(KANASH,))):
        with Flask(__name__).test_request_context():
            summary = service.summary(chosen)
            backlog = service.backlog(chosen)
            table = briefing.build(service, chosen, "ru").summary.rows.set_index("indicator")
        assert summary["overdue_now"] == backlog["overdue"].iloc[-1]
        assert table.loc["Просрочено сейчас", "current"] == summary["overdue_now"]
        assert table.loc["Просрочено из поступивших за период", "current"] == summary["current"]["overdue_of_period"]
        query = "&".join(
            [f"from={chosen.date_from}", f"to={chosen.date_to}"]
            + [f"sector={s}" for s in chosen.sectors]
            + [f"municipality={m}" for m in chosen.municipalities]
        )
        api = client.get(f"/api/v1/summary?{query}", headers=basic("head")).get_json()
        assert (api["overdue_now"], api["overdue_of_period"]) == (
            summary["overdue_now"],
            summary["current"]["overdue_of_period"],
        )
    assert summary["overdue_now"] >= summary["current"]["overdue_of_period"] > 0
