"""Every export answers: each period preset × every sector, and × every municipality, with data and on an empty
store — the briefing's XLSX and page, the table's CSV and Excel, the JSON API and the panels' callbacks. The PDF
(Chromium, seconds a render) walks the presets under one sector and an empty store.

Reproduces `/briefing/export.xlsx?sector=zhkh` (also `health`, `roads`, `period=today`, `period=year`) answering 500
whenever no tension point was above normal.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from app import create_app
from dashboard.catalog import load_sectors
from dashboard.filters import PRESETS
from dashboard.reports.render import find_chromium
from dashboard.service import DashboardService
from dashboard.settings import Settings
from layouts import ids
from tests.test_tension import NOW, loaded  # noqa: F401 - the fixture

CUSTOM = {"from": "2026-11-13", "to": "2026-11-19"}


def choices(region, sectors: list[str] | None = None, places: list[str] | None = None) -> list[dict]:
    """Each preset alone, under each sector, under each municipality (the custom period with its dates)."""
    chosen_sectors = [{"sector": code} for code in (load_sectors().codes if sectors is None else sectors)]
    chosen_places = [{"municipality": code} for code in (region.municipalities.index if places is None else places)]
    out = []
    for preset in PRESETS:
        period = {"period": preset, **(CUSTOM if preset == "custom" else {})}
        out += [period, *({**period, **s} for s in chosen_sectors), *({**period, **p} for p in chosen_places)]
    return out


def make_client(engine, region, tmp_path):
    """The app as deployed by default: a SimpleCache, so the region's tension index is computed once a period."""
    settings = Settings(data_dir=tmp_path, cache_type="SimpleCache")
    return create_app(settings, DashboardService(engine, region, clock=lambda: NOW)).server.test_client()


def callback_request(deps: list[dict], output: str, search: str, pathname: str = "/", extra: dict | None = None):
    """A Dash callback's request body as the browser builds it, from the app's dependency list."""
    spec = next(d for d in deps if output in d["output"].strip(".").split("..."))
    parts = spec["output"].strip(".").split("...")
    values = {
        "url.search": search,
        "url.pathname": pathname,
        "briefing-url.search": search,
        f"{ids.RESP_TABLE_BY}.value": "sector",
        f"{ids.RESP_MEASURE}.value": "first",
        f"{ids.RESP_SPLIT}.value": "none",
        **(extra or {}),
    }

    def value(item: dict):
        return values.get(f"{item['id']}.{item['property']}")

    return {
        "output": spec["output"],
        "outputs": [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in parts]
        if len(parts) > 1
        else {"id": parts[0].rsplit(".", 1)[0], "property": parts[0].rsplit(".", 1)[1]},
        "inputs": [{**i, "value": value(i)} for i in spec["inputs"]],
        "state": [{**s, "value": value(s)} for s in spec["state"]],
        "changedPropIds": [f"{spec['inputs'][0]['id']}.{spec['inputs'][0]['property']}"],
    }


PANELS = (
    f"{ids.KPIS}.children",
    f"{ids.MAP}.figure",
    f"{ids.TENSION_SECTORS}.children",
    f"{ids.RESP_TREND}.figure",
    f"{ids.RESP_TABLE}.rowData",
    f"{ids.BRIEFING_BODY}.children",
)
API = ("summary", "heatmap", "response-times", "tension", "messages")


def test_every_export_answers_for_every_preset_sector_and_municipality(loaded, region, tmp_path):  # noqa: F811
    """The briefing's XLSX, the response table's CSV and Excel and the JSON API, for each of the 6 presets alone,
    under each of the 14 sectors and under each of the 26 municipalities — most of them without a tension point
    above normal, ``today`` without a single message."""
    client = make_client(loaded, region, tmp_path)
    deps = client.get("/_dash-dependencies").get_json()
    failures = []
    for choice in choices(region):
        query = urlencode(choice)
        api_query = urlencode({k: v for k, v in {**choice, **_dates(choice)}.items() if k != "period"})
        for path in (f"/briefing/export.xlsx?{query}", *(f"/api/v1/{name}?{api_query}" for name in API)):
            status = client.get(path).status_code
            if status != 200:
                failures.append((path, status))
        for button in (ids.RESP_EXPORT_CSV, ids.RESP_EXPORT_XLSX):
            body = callback_request(deps, f"{ids.RESP_DOWNLOAD}.data", f"?{query}", extra={f"{button}.n_clicks": 1})
            body["changedPropIds"] = [f"{button}.n_clicks"]
            response = client.post("/_dash-update-component", json=body)
            if response.status_code != 200 or "content" not in json.dumps(response.get_json()):
                failures.append((button, query, response.status_code))
    assert not failures, failures[:10]


@pytest.mark.parametrize("store", ["with data", "empty"])
def test_every_panel_answers_for_every_preset(store, request, engine, region, tmp_path):
    """The panels' callbacks (KPIs, map, tension, trends, table, the briefing's page) and the wall screen, for
    each preset alone, under sectors with and without points and under a big, a small and a population-less
    municipality — on the tension test's region and on an empty store."""
    source = request.getfixturevalue("loaded") if store == "with data" else engine
    client = make_client(source, region, tmp_path)
    deps = client.get("/_dash-dependencies").get_json()
    places = ["97701000", "97707000", region.municipalities["population"].isna().idxmax()]
    failures = []
    for choice in choices(region, sectors=["zhkh", "health", "ecology"], places=places):
        query = urlencode(choice)
        for output in PANELS:
            response = client.post("/_dash-update-component", json=callback_request(deps, output, f"?{query}"))
            if response.status_code not in (200, 204):
                failures.append((output, query, response.status_code))
        if "municipality" not in choice and choice["period"] != "custom":  # a wall screen: its period and sector
            config = {"period": choice["period"], "sector": choice.get("sector"), "metric": "tension", "lang": "ru"}
            body = callback_request(deps, f"{ids.WALL_MAP}.figure", "", extra={f"{ids.WALL_CONFIG}.data": config})
            response = client.post("/_dash-update-component", json=body)
            if response.status_code != 200:
                failures.append(("wall", config, response.status_code))
    assert not failures, failures[:10]


def _dates(choice: dict) -> dict:
    """The API takes dates, not presets: the preset's own range ending on the fixed clock's day."""
    from dashboard.filters import preset_range

    first, last = preset_range(choice["period"], NOW.date())
    return {"from": first.isoformat(), "to": last.isoformat()}


@pytest.mark.browser
@pytest.mark.skipif(find_chromium() is None, reason="no Chromium on this machine")
def test_the_pdf_answers_for_every_preset_under_a_sector(loaded, region, tmp_path):  # noqa: F811
    """Under ЖКХ no point is above normal in most periods, and ``today`` (the fixed clock's day) holds no message."""
    import threading

    import requests
    from werkzeug.serving import make_server

    app = create_app(
        Settings(data_dir=tmp_path, cache_type="NullCache"), DashboardService(loaded, region, clock=lambda: NOW)
    )
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for preset in PRESETS:
            query = urlencode({"period": preset, "sector": "zhkh", **(CUSTOM if preset == "custom" else {})})
            response = requests.get(f"http://127.0.0.1:{server.server_port}/briefing/export.pdf?{query}", timeout=120)
            assert response.status_code == 200, (query, response.text)
            assert response.content.startswith(b"%PDF")
    finally:
        server.shutdown()
