"""What a Dash callback's inputs may hold, checked before Dash runs it: a crafted value is a 400, not a 500.

The browser only ever sends what the page's components hold: a choice among a control's options, a string address,
a click count, a measured size. The rules come from the pages' layouts (each control's options) and from the kind of
property; a dependency that no rule covers fails at start-up, so a new callback cannot go unchecked. What a valid
value means (an unknown sector in the address, a date outside the calendar the dashboard reads) is the callbacks'
and the filters' to answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping

from dash.development.base_component import Component
from flask import Response, jsonify, request

from layouts import ids
from web.areas import CALLBACKS, BadCallback, Callback, requested_callback

Check = Callable[[object], bool]
MAX_TEXT = 8192  # an address's query or a date: longer is no browser's


def _text(value: object) -> bool:
    return value is None or (isinstance(value, str) and len(value) <= MAX_TEXT)


def _count(value: object) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53)


def _click(value: object) -> bool:
    return value is None or isinstance(value, dict)


def _size(value: object) -> bool:
    """A container's size measured in the browser (assets/map_size.js, wall.js): [width, height] in pixels, and the
    wall's screen height after them."""
    return value is None or (
        isinstance(value, list)
        and len(value) in (2, 3)
        and all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in value)
        and all(1 <= v <= 20_000 for v in value)
    )


def _settings(value: object) -> bool:
    """The wall's settings as its page stores them; their values are checked by the wall's callback."""
    return value is None or isinstance(value, dict)


def _path(value: object) -> bool:
    """A path as a browser has one (from the root): Dash Pages' router fails on anything else."""
    return isinstance(value, str) and value.startswith("/") and len(value) <= MAX_TEXT


BY_INPUT: dict[tuple[str, str], Check] = {
    (ids.PAGE_URL, "pathname"): _path,
    # what a decision's form holds (its lengths are the service's to hold: longer is refused with the reason)
    **{
        (field, "value"): _text
        for field in (
            ids.DECISION_TITLE,
            ids.DECISION_AGENCY,
            ids.DECISION_PERSON,
            ids.DECISION_DUE,
            ids.DECISION_AGENCY_FILTER,
            ids.DECISION_FROM_FILTER,
            ids.DECISION_TO_FILTER,
        )
    },
}

BY_PROPERTY: dict[str, Check] = {
    "search": _text,
    "pathname": _text,
    "start_date": _text,
    "end_date": _text,
    "n_intervals": _count,
    "n_clicks": _count,
    "submit_n_clicks": _count,
    "clickData": _click,
}
STORES: dict[str, Check] = {
    ids.MAP_SIZE: _size,
    ids.WALL_SIZE: _size,
    ids.WALL_CONFIG: _settings,
    ids.DECISION_CHANGED: _count,
    ids.DECISION_CANCEL_PENDING: _count,  # the id of the decision a confirmation is asked for
}


def _option_values(options: object) -> set:
    if isinstance(options, dict):
        return set(options)
    return {o["value"] if isinstance(o, dict) else o for o in options or ()}


def _choice(component: Component) -> Check:
    """A control's value: one of its options; a list of them for a multiple choice; none for a clearable one."""
    allowed = _option_values(component.options)
    several = getattr(component, "multi", False) or type(component).__name__ == "Checklist"
    clearable = type(component).__name__ == "Dropdown" and getattr(component, "clearable", True) is not False

    def check(value: object) -> bool:
        if value is None:
            return clearable or several
        if several and isinstance(value, list):
            return all(_hashable(v) and v in allowed for v in value)
        return _hashable(value) and value in allowed

    return check


def _hashable(value: object) -> bool:
    return isinstance(value, str | int | float | bool)


def input_rules(pages: Iterable[Component], callbacks: Mapping[str, Callback]) -> dict[tuple[str, str], Check]:
    """A check for every (id, property) a server callback reads; a start-up error for one no rule covers."""
    controls = {
        item.id: _choice(item)
        for page in pages
        for item in [page, *page._traverse()]
        if isinstance(getattr(item, "id", None), str) and hasattr(item, "options")
    }
    rules: dict[tuple[str, str], Check] = {}
    for output, callback in callbacks.items():
        for component_id, prop in (*callback.inputs, *callback.state):
            rule = _rule(component_id, prop, controls)
            if rule is None:
                raise RuntimeError(f"no rule for the input {component_id}.{prop} of callback {output!r}")
            rules[component_id, prop] = rule
    return rules


def _rule(component_id: str, prop: str, controls: Mapping[str, Check]) -> Check | None:
    if (component_id, prop) in BY_INPUT:
        return BY_INPUT[component_id, prop]
    if prop == "value" and component_id in controls:
        return controls[component_id]
    if prop == "data":
        return STORES.get(component_id)
    return BY_PROPERTY.get(prop)


def refuse_bad_inputs(rules: Mapping[tuple[str, str], Check], callbacks: Mapping[str, Callback]) -> Response | None:
    """Flask's before-request hook: 400 for a callback request not shaped as registered or carrying a value no page
    could have sent (the role's scope was checked before, in web.auth)."""
    if request.path != CALLBACKS:
        return None
    body = request.get_json(silent=True)
    try:
        requested_callback(body, callbacks)
    except BadCallback as exc:
        return _bad(str(exc))
    for item in (*body["inputs"], *body.get("state", ())):
        for one in item if isinstance(item, list) else [item]:
            component_id, prop = one["id"], one["property"].split("@")[0]
            check = rules.get((component_id, prop)) if isinstance(component_id, str) else BY_PROPERTY.get(prop)
            if check is None or not check(one.get("value")):
                return _bad(f"недопустимое значение {component_id}.{prop}")
    return None


def _bad(message: str) -> Response:
    response = jsonify(error=message)
    response.status_code = 400
    return response
