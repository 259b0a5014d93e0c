"""What each role may open — the pages with their Dash callbacks, the API, the accounts list — from one table.

An address names its area by its path. A Dash callback is POSTed to ``/_dash-update-component`` with its outputs in
the body: it belongs to the pages whose layout holds its outputs (and those of its inputs that a layout holds:
pattern-matching items are drawn by the page's own callbacks), found from the app's registered callbacks at start-up.
So a wall screen may call the wall page's callbacks and the router that shows it, and nothing else. Which sectors a
principal's data covers is another rule, applied to every read: :func:`dashboard.access.scope`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from dash._utils import split_callback_id
from dash.development.base_component import Component

PAGES = ("dashboard", "briefing", "wall")
ROLE_AREAS: dict[str, frozenset[str]] = {
    "admin": frozenset({*PAGES, "api", "accounts", "feed", "decide"}),
    "head": frozenset({*PAGES, "api", "decide"}),
    "operator": frozenset({*PAGES, "api", "decide"}),  # the centre's operator: reads all, records decisions
    "minister": frozenset({*PAGES, "api"}),  # his sectors only: access.scope on every read
    "wall": frozenset({"wall"}),
    "feed": frozenset({"feed"}),  # writes messages, reads nothing
}
# writes: an address's area when POSTed (the first whose path it is or lies under)
WRITES = (("/api/v1/messages", "feed"), ("/api/v1/decisions", "decide"))
# an address's area: the first of these it starts with (as whole path segments); any other page is the dashboard's
ROUTES = (("/api/v1/users", "accounts"), ("/api", "api"), ("/briefing", "briefing"), ("/wall", "wall"))
# what every signed-in principal needs whatever its page: Dash's start-up requests and signing out
SHARED = ("/_dash-layout", "/_dash-dependencies", "/_reload-hash", "/logout")
CALLBACKS = "/_dash-update-component"


class BadCallback(ValueError):
    """A callback request that names no server callback of this app, or is not shaped as Dash sends it (HTTP 400)."""


@dataclass(frozen=True)
class Callback:
    """A server callback: the pages it belongs to and the (id, property) of its outputs, inputs and state."""

    areas: frozenset[str]
    outputs: tuple[tuple[str, str], ...]
    inputs: tuple[tuple[str, str], ...]
    state: tuple[tuple[str, str], ...]


def route_area(path: str, method: str = "GET") -> str | None:
    """The area of an address; None for what every principal may open (``SHARED``) and for callbacks (``CALLBACKS``),
    which are decided by the callback asked for."""
    if path == CALLBACKS or _under(path, SHARED):
        return None
    if method == "POST":
        written = next((area for prefix, area in WRITES if _under(path, (prefix,))), None)
        if written:
            return written
    return next((area for prefix, area in ROUTES if _under(path, (prefix,))), "dashboard")


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith(p + "/") for p in prefixes)


def has_pages(role: str) -> bool:
    """Whether the role has a page at all (a feed has none: not even Dash's start-up requests are its to make)."""
    return bool(ROLE_AREAS.get(role, frozenset()) & set(PAGES))


def may_open(role: str, areas: frozenset[str]) -> bool:
    return bool(ROLE_AREAS.get(role, frozenset()) & areas)


def _key(component_id: object) -> str | None:
    """A component id as the callbacks name it; a pattern-matching id by its ``type``."""
    if isinstance(component_id, str) and component_id.startswith("{"):
        component_id = json.loads(component_id)
    if isinstance(component_id, dict):
        return f"{{type:{component_id.get('type')}}}"
    return component_id if isinstance(component_id, str) else None


def layout_ids(layout: Component) -> set[str]:
    """The ids of a layout's components (the layout's own included)."""
    found = {_key(getattr(item, "id", None)) for item in [layout, *layout._traverse()]}
    return {key for key in found if key}


def _dependency(item: dict) -> tuple[str, str]:
    return item["id"], item["property"].split("@")[0]


def _outputs(output: str) -> list[dict]:
    split = split_callback_id(output)
    return split if isinstance(split, list) else [split]


def callback_table(
    callback_map: Mapping[str, dict], pages: Mapping[str, Component], shared: Component
) -> dict[str, Callback]:
    """Every server callback of the app by its output key, with the pages it belongs to. A callback whose outputs
    are on no page is a start-up error: it could not be placed, so nobody could be allowed to call it."""
    common = layout_ids(shared)
    on_page = {page: layout_ids(layout) | common for page, layout in pages.items()}
    anywhere = set().union(*on_page.values())
    table = {}
    for output, spec in callback_map.items():
        if "callback" not in spec:  # clientside: runs in the browser, never posted
            continue
        outs = [_key(item["id"]) for item in _outputs(output)]
        ins = [_key(item["id"]) for item in (*spec["inputs"], *spec["state"])]
        static = [key for key in ins if key in anywhere]
        areas = frozenset(page for page, ids in on_page.items() if all(k in ids for k in (*outs, *static)))
        if not areas:
            raise RuntimeError(f"callback {output!r} belongs to no page: its outputs are in no page's layout")
        table[output] = Callback(
            areas,
            tuple(_dependency(item) for item in _outputs(output)),
            tuple(_dependency(item) for item in spec["inputs"]),
            tuple(_dependency(item) for item in spec["state"]),
        )
    return table


def requested_callback(body: object, table: Mapping[str, Callback]) -> Callback:
    """The callback a ``/_dash-update-component`` body asks for, its shape checked against the registered one (what
    Dash itself would fail on with a 500)."""
    if not isinstance(body, dict) or not isinstance(body.get("output"), str) or body["output"] not in table:
        raise BadCallback("нет такого обработчика")
    callback = table[body["output"]]
    outputs = body.get("outputs")
    for name, sent, expected in (
        ("outputs", outputs if isinstance(outputs, list) else [outputs], callback.outputs),
        ("inputs", body.get("inputs"), callback.inputs),
        ("state", body.get("state", []), callback.state),
    ):
        if not isinstance(sent, list) or len(sent) != len(expected) or not all(map(_sent_as, sent, expected)):
            raise BadCallback(f"{name}: не то, что принимает обработчик")
    if not isinstance(body.get("changedPropIds", []), list):
        raise BadCallback("changedPropIds: ожидается список")
    return callback


def _sent_as(item: object, expected: tuple[str, str]) -> bool:
    """One sent dependency is the registered one: the same id and property; for a pattern-matching one, a list of
    items of its type."""
    component_id, prop = expected
    if component_id.startswith("{"):
        kind = json.loads(component_id).get("type")
        return isinstance(item, list) and all(_sent_as_item(i, kind, prop) for i in item)
    return isinstance(item, dict) and item.get("id") == component_id and _prop(item) == prop


def _sent_as_item(item: object, kind: str, prop: str) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("id"), dict)
        and item["id"].get("type") == kind
        and (_prop(item) == prop)
    )


def _prop(item: dict) -> str | None:
    prop = item.get("property")
    return prop.split("@")[0] if isinstance(prop, str) else None
