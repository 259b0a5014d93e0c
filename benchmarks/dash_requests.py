"""POST bodies for ``/_dash-update-component``, built from the app's own ``/_dash-dependencies``: what the browser
sends when a page's data callbacks fire. Shared by the callback benchmark (in-process) and the load test (HTTP)."""

from __future__ import annotations

from dataclasses import dataclass

from layouts import ids


@dataclass(frozen=True)
class Callback:
    """A server callback the benchmarks fire: the first output that names it and its inputs besides the address."""

    name: str
    first_output: str
    given: dict
    search_input: str = f"{ids.URL}.search"


# the callbacks of the regional head's page (and the wall's and the briefing's), with what the page feeds them
PAGE_CALLBACKS = [
    Callback("kpis", f"{ids.KPIS}.children", {}),
    Callback("map", f"{ids.MAP}.figure", {f"{ids.MAP_SIZE}.data": [1000, 640]}),
    Callback("tension", f"{ids.TENSION_SECTORS}.children", {}),
    Callback(
        "response_trend",
        f"{ids.RESP_TREND}.figure",
        {f"{ids.RESP_MEASURE}.value": "first", f"{ids.RESP_SPLIT}.value": "none"},
    ),
    Callback("response_table", f"{ids.RESP_TABLE}.rowData", {f"{ids.RESP_TABLE_BY}.value": "sector"}),
]
WALL = Callback("wall", f"{ids.WALL_MAP}.figure", {f"{ids.WALL_SIZE}.data": [1800, 900]})
BRIEFING = Callback("briefing", f"{ids.BRIEFING_BODY}.children", {}, search_input=f"{ids.BRIEFING_URL}.search")


def outputs_of(spec: str) -> list[dict]:
    """Dash's output string («..a.b...c.d..» or «a.b») as the request's list of outputs."""
    parts = spec.strip(".").split("...") if spec.startswith("..") else [spec]
    return [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]} for part in parts]


def templates(dependencies: list[dict], callbacks: list[Callback]) -> dict[str, dict]:
    """Request templates for ``callbacks``; the address input is filled in per request by ``body``."""
    out = {}
    for callback in callbacks:
        spec = next(d for d in dependencies if callback.first_output in outputs_spec(d["output"]))
        outputs = outputs_of(spec["output"])
        out[callback.name] = {
            "output": spec["output"],
            "outputs": outputs if spec["output"].startswith("..") else outputs[0],
            "inputs": [
                {"id": i["id"], "property": i["property"], "value": callback.given.get(f"{i['id']}.{i['property']}")}
                for i in spec["inputs"]
            ],
            "state": [
                {
                    "id": s["id"],
                    "property": s["property"],
                    "value": callback.given.get(f"{s['id']}.{s['property']}", "/"),
                }
                for s in spec["state"]
            ],
            "changedPropIds": [callback.search_input],
            "_search": callback.search_input,
        }
    return out


def outputs_spec(spec: str) -> list[str]:
    return [f"{o['id']}.{o['property']}" for o in outputs_of(spec)]


def body(template: dict, search: str, overrides: dict | None = None) -> dict:
    """The template with the address (and any other ``id.property`` values) filled in."""
    values = {template["_search"]: search, **(overrides or {})}
    request = {k: v for k, v in template.items() if k != "_search"}
    request["inputs"] = [
        dict(i, value=values.get(f"{i['id']}.{i['property']}", i["value"])) for i in template["inputs"]
    ]
    request["state"] = [dict(s, value=values.get(f"{s['id']}.{s['property']}", s["value"])) for s in template["state"]]
    return request
