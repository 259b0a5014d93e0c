"""Dash Pages against a router callback, on what a filter change costs (the figures: docs/decisions.md).

The dashboard's filters live in the address (a shared link opens the same view), written by the page's own
``dcc.Location``. Dash Pages routes on the address's path *and* query (``_pages_location.search`` is an Input of its
router in dash 4.4): would every filter change re-run the page's ``layout(**query)`` and rebuild the control the user
is working with under the keyboard's focus? A router callback that reads the query only as State would not.

Two minimal apps with the same page — radio pills (like the period's) whose value goes to the address, a panel
drawn from the address — one routed by Dash Pages (``register_page``, ``layout(**query)``), one by a router callback;
headless Chromium moves through five options with the arrow key in each and counts, per change: page layouts built,
panel callbacks run, whether the focus stayed on the control and whether the control's element survived.

    .venv/bin/python benchmarks/pages_router.py [--changes 5]
"""

from __future__ import annotations

import argparse
import logging
import socket
import threading
import time
from collections import Counter
from urllib.parse import parse_qs

import dash
from dash import Dash, Input, Output, State, dcc, html
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from werkzeug.serving import make_server

OPTIONS = [{"label": name, "value": code} for code, name in (("a", "Альфа"), ("b", "Бета"), ("c", "Гамма"))]


def page(counts: Counter, sector: str | None) -> html.Div:
    counts["layout"] += 1
    return html.Div(
        [
            dcc.Location(id="url", refresh=False),
            dcc.RadioItems(id="sector", options=OPTIONS, value=sector, inline=True),  # like the period's pills
            html.Div(id="panel"),
        ]
    )


def common_callbacks(app: Dash, counts: Counter) -> None:
    @app.callback(Output("url", "search"), Input("sector", "value"), prevent_initial_call=True)
    def to_address(sector):
        return f"?sector={sector}"

    @app.callback(Output("panel", "children"), Input("url", "search"))
    def panel(search):
        counts["panel"] += 1
        return f"panel for {search}"


def pages_app(counts: Counter) -> Dash:
    app = Dash(__name__, use_pages=True, pages_folder="", serve_locally=True)

    def layout(sector: str | None = None, **_query):
        return page(counts, sector)

    dash.register_page("dashboard", path="/", layout=layout)
    app.layout = html.Div([dash.page_container])
    common_callbacks(app, counts)
    return app


def router_app(counts: Counter) -> Dash:
    app = Dash(__name__, serve_locally=True, suppress_callback_exceptions=True)
    app.layout = html.Div([dcc.Location(id="page-url"), html.Div(id="page")])

    @app.callback(Output("page", "children"), Input("page-url", "pathname"), State("page-url", "search"))
    def route(pathname, search):
        sector = parse_qs((search or "").lstrip("?")).get("sector", [None])[0]
        return page(counts, sector)

    common_callbacks(app, counts)
    return app


def serve(app: Dash) -> tuple[str, callable]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = make_server("127.0.0.1", port, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{port}/", server.shutdown


def browser() -> webdriver.Chrome:
    options = Options()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    options.binary_location = "/usr/bin/chromium"
    return webdriver.Chrome(options=options)


def wait_for(driver, script: str, seconds: float = 10) -> None:
    end = time.monotonic() + seconds
    while not driver.execute_script(script):
        if time.monotonic() > end:
            raise TimeoutError(script)
        time.sleep(0.05)


def measure(name: str, build, changes: int) -> dict[str, float]:
    counts: Counter = Counter()
    url, stop = serve(build(counts))
    driver = browser()
    try:
        driver.get(url + "?sector=a")
        wait_for(driver, "return !!document.querySelector('#panel') && document.querySelector('#panel').textContent")
        time.sleep(0.5)
        before = Counter(counts)
        kept_focus = kept_element = 0
        for _ in range(changes):
            if not driver.execute_script("return document.getElementById('sector').contains(document.activeElement)"):
                driver.find_element(By.CSS_SELECTOR, "#sector input:checked").click()  # as a Tab would land
            driver.execute_script("document.getElementById('sector').dataset.marker = 'same'")
            driver.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)  # the next option, by keyboard
            wait_for(
                driver,
                "return document.querySelector('#panel') && "
                "document.querySelector('#panel').textContent.includes(location.search)",
            )
            time.sleep(0.4)  # let a re-routing settle
            control = "const c = document.getElementById('sector'); "
            kept_focus += driver.execute_script(control + "return !!c && c.contains(document.activeElement)")
            kept_element += driver.execute_script(control + "return !!c && c.dataset.marker === 'same'")
        layouts = counts["layout"] - before["layout"]
        panels = counts["panel"] - before["panel"]
        return {
            "router": name,
            "changes": changes,
            "layouts per change": layouts / changes,
            "panel callbacks per change": panels / changes,
            "focus kept": f"{kept_focus}/{changes}",
            "control element kept": f"{kept_element}/{changes}",
        }
    finally:
        driver.quit()
        stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=5)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    print(f"dash {dash.__version__}; {args.changes} keyboard changes of a filter written to the address")
    for name, build in (("Dash Pages", pages_app), ("our router", router_app)):
        row = measure(name, build, args.changes)
        print(" | ".join(f"{key}: {value}" for key, value in row.items()))


if __name__ == "__main__":
    main()
