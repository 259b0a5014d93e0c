"""Role scope on every registered Dash callback and route: a crafted POST for each callback × each role."""

from __future__ import annotations

import json

import pytest
from dash._utils import split_callback_id

from dashboard import accounts
from layouts import ids
from tests.test_auth import PASSWORD, basic, make_app, service  # noqa: F401 - the fixture
from web.areas import ROUTES, route_area

ROLES = ("admin", "head", "operator", "minister", "wall", "feed")
READERS = {"admin", "head", "operator", "minister"}  # the roles with the dashboard's pages
# what the wall page needs, written out by hand: its own components and the router that shows it
WALL_OUTPUTS = {value for name, value in vars(ids).items() if name.startswith("WALL_")} | {ids.PAGE, ids.PAGE_STORE}


def layout_value(app, component_id: str, prop: str) -> object:
    """The value a page's component starts with, as the browser would send it first."""
    for item in [app.validation_layout, *app.validation_layout._traverse()]:
        if getattr(item, "id", None) == component_id:
            return getattr(item, prop, None)
    return None


def route_page(client, path: str, search: str = ""):
    """Dash Pages' router called as the browser calls it when a page opens: the answer holds the page drawn
    (``ids.PAGE``) and its title (``ids.PAGE_STORE``)."""
    return client.post(
        "/_dash-update-component",
        json={
            "output": f"..{ids.PAGE}.children...{ids.PAGE_STORE}.data..",
            "outputs": [{"id": ids.PAGE, "property": "children"}, {"id": ids.PAGE_STORE, "property": "data"}],
            "inputs": [
                {"id": ids.PAGE_URL, "property": "pathname", "value": path},
                {"id": ids.PAGE_URL, "property": "search", "value": search},
            ],
            "changedPropIds": [f"{ids.PAGE_URL}.pathname"],
        },
    )


def callback_body(app, output: str, values: dict[str, object] | None = None) -> dict:
    """A ``/_dash-update-component`` body for a registered callback, as the browser sends it: ``values`` by
    ``id.property``, the rest from the layout; pattern-matching dependencies with no items drawn."""
    values = values or {}
    spec = app.callback_map[output]

    def item(dep: dict) -> dict | list:
        if dep["id"].startswith("{"):
            return []
        key = f"{dep['id']}.{dep['property']}"
        value = values[key] if key in values else layout_value(app, dep["id"], dep["property"])
        return {"id": dep["id"], "property": dep["property"], "value": value}

    outputs = split_callback_id(output)
    strip = lambda o: {"id": json.loads(o["id"]) if o["id"].startswith("{") else o["id"], "property": o["property"]}  # noqa: E731
    first = spec["inputs"][0]
    return {
        "output": output,
        "outputs": [strip(o) for o in outputs] if isinstance(outputs, list) else strip(outputs),
        "inputs": [item(d) for d in spec["inputs"]],
        "state": [item(d) for d in spec["state"]],
        "changedPropIds": [f"{first['id']}.{first['property']}"],
    }


def server_callbacks(app) -> list[str]:
    return [output for output, spec in app.callback_map.items() if "callback" in spec]


def outputs_of(output: str) -> set[str]:
    split = split_callback_id(output)
    return {o["id"] for o in (split if isinstance(split, list) else [split])}


PAGE_VALUES = {
    f"{ids.URL}.search": "?period=custom&from=2026-11-11&to=2026-11-20",
    f"{ids.URL}.pathname": "/",
    f"{ids.PAGE_URL}.pathname": "/wall",
    f"{ids.BRIEFING_URL}.search": "?period=7d",
}


@pytest.fixture
def clients(service, tmp_path):  # noqa: F811 - the fixture imported above
    app = make_app(service, tmp_path)
    token = accounts.add_user(service.engine, "screen", "wall")
    wall = app.server.test_client()
    assert wall.get(f"/wall?token={token}").status_code == 302
    accounts.add_user(service.engine, "operator", "operator", PASSWORD)
    feed = {"Authorization": f"Bearer {accounts.add_user(service.engine, 'bridge', 'feed', sources=('pos',))}"}
    people = {role: (app.server.test_client(), basic(role)) for role in ("admin", "head", "operator", "minister")}
    return app, {**people, "wall": (wall, {}), "feed": (app.server.test_client(), feed)}


def test_every_callback_for_every_role(clients):
    app, by_role = clients
    outputs = server_callbacks(app)
    wall_only = [o for o in outputs if outputs_of(o) <= WALL_OUTPUTS]
    assert len(wall_only) == 2 and len(outputs) >= 12  # the router and the wall's refresh; the rest are the pages'
    for output in outputs:
        body = callback_body(app, output, PAGE_VALUES)
        for role in ROLES:
            client, headers = by_role[role]
            answer = client.post("/_dash-update-component", json=body, headers=headers)
            allowed = role in READERS or (role == "wall" and output in wall_only)
            if allowed:
                assert answer.status_code in (200, 204), (role, output, answer.get_data(as_text=True)[:300])
            else:
                assert answer.status_code == 403, (role, output)
                assert ("/wall" if role == "wall" else "POST /api/v1/messages") in answer.get_json()["error"]


def test_every_route_for_every_role(clients):
    _, by_role = clients
    expected = {  # route → the roles that may open it
        "/": READERS,
        "/sector/zhkh": READERS,
        "/briefing?sector=zhkh": READERS,
        "/briefing/export.xlsx?sector=zhkh": READERS,
        "/wall?sector=zhkh": READERS | {"wall"},
        "/api/v1/summary?sector=zhkh": READERS,
        "/api/v1/messages?sector=zhkh": READERS,
        "/api/v1/decisions?sector=zhkh": READERS,
        "/api/v1/decisions/kpi": READERS,
        "/api/v1/users": {"admin"},
        "/_dash-layout": READERS | {"wall"},
        "/_dash-dependencies": READERS | {"wall"},
        "/nowhere": READERS,  # Dash's own «not found» page
    }
    for path, roles in expected.items():
        for role in ROLES:
            client, headers = by_role[role]
            status = client.get(path, headers=headers).status_code
            assert (status == 403) == (role not in roles), (role, path, status)


def test_unknown_or_malformed_callback_requests_are_400_for_everyone(clients):
    app, by_role = clients
    kpis = next(o for o in server_callbacks(app) if ids.KPIS in outputs_of(o))
    good = callback_body(app, kpis, PAGE_VALUES)
    for body in (
        {"output": "nothing.children", "inputs": []},
        {**good, "output": "wall-size.data"},  # a clientside callback: nothing on the server
        {**good, "inputs": good["inputs"][:1]},
        {**good, "inputs": [{**good["inputs"][0], "id": ids.WALL_CONFIG}, *good["inputs"][1:]]},
        {**good, "state": "x"},
        {**good, "outputs": {"id": ids.WALL_MAP, "property": "figure"}},
        [],
        "x",
    ):
        for role in ROLES:
            client, headers = by_role[role]
            answer = client.post("/_dash-update-component", json=body, headers=headers)
            assert answer.status_code == 400, (role, body)
    admin, headers = by_role["admin"]
    assert admin.post("/_dash-update-component", data="{", headers=headers).status_code == 400


def test_route_areas_are_whole_path_segments():
    assert [route_area(p) for p in ("/wall", "/wall/", "/wallet", "/api", "/apiary", "/briefing/export.pdf")] == [
        "wall",
        "wall",
        "dashboard",
        "api",
        "dashboard",
        "briefing",
    ]
    assert route_area("/api/v1/users") == "accounts" and ROUTES[0][1] == "accounts"
    assert route_area("/_dash-update-component") is None and route_area("/logout") is None
