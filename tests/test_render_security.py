"""The briefing's PDF: the server's Chromium opens only the server's own address, with a single-use token bound to
the account and the page; a failure shows the user no Chromium output.

The hostile tester, signed in as head, sent ``Host: 127.0.0.1:55999`` to /briefing/export.pdf: the server's
Chromium fetched ``http://127.0.0.1:55999/briefing?…&render_token=<valid token>`` from his listener and returned
his page as the PDF — SSRF on loopback, and a reusable token handed to whoever listened."""

from __future__ import annotations

import io
import socket
import stat
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from pypdf import PdfReader
from werkzeug.serving import make_server

from app import create_app
from dashboard import accounts
from dashboard.reports import render_tokens
from dashboard.reports.render import find_chromium, own_address
from dashboard.settings import Settings
from tests.test_briefing import SEARCH, _free_port, service  # noqa: F401 - the fixture
from tests.test_tension import loaded  # noqa: F401 - the fixture

PASSWORD = "correct horse battery"


def accounts_app(service, tmp_path, **settings):  # noqa: F811
    accounts.add_user(service.engine, "glava", "head", PASSWORD)
    return create_app(
        Settings(data_dir=tmp_path, cache_type="NullCache", auth=True, secret_key="render-test-123456789", **settings),
        service,
    )


class Listener:
    """What the tester ran on port 55999: an HTTP server that serves its own page and records what it is asked."""

    def __init__(self) -> None:
        asked = self.asked = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                asked.append(self.path)
                body = b"<html><body><h1>NOT THE DASHBOARD</h1></body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.mark.browser
@pytest.mark.skipif(find_chromium() is None, reason="no Chromium on this machine")
def test_the_pdf_is_rendered_from_the_servers_own_address_whatever_the_host_header(service, tmp_path):  # noqa: F811
    listener = Listener()
    server = make_server("127.0.0.1", _free_port(), accounts_app(service, tmp_path).server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        response = requests.get(
            f"http://127.0.0.1:{server.server_port}/briefing/export.pdf{SEARCH}",
            headers={"Host": f"127.0.0.1:{listener.port}"},
            auth=("glava", PASSWORD),
            timeout=120,
        )
    finally:
        server.shutdown()
        listener.server.shutdown()
    assert listener.asked == []  # before: ['/briefing?period=custom&…&render_token=…']
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    first = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Справка по обращениям граждан" in first and "NOT THE DASHBOARD" not in first


def test_a_render_token_opens_its_page_once_as_its_account(service, tmp_path):  # noqa: F811
    app = accounts_app(service, tmp_path)
    auth = app.server.extensions["tsur_auth"]
    glava = accounts.principal(service.engine, "glava")
    page = render_tokens.page_of("/briefing", "sector=zhkh&period=7d")
    assert page == "/briefing?period=7d&sector=zhkh"  # canonical: the query's pairs sorted

    token = auth.render_token(glava, page)
    chromium = app.server.test_client()
    first = chromium.get(f"{page}&render_token={token}")
    assert first.status_code == 302 and first.headers["Location"] == page  # a session, and the token out of sight
    assert chromium.get(page).status_code == 200
    replayed = app.server.test_client().get(f"{page}&render_token={token}")
    assert replayed.status_code == 401

    token = auth.render_token(glava, page)
    elsewhere = app.server.test_client()
    assert elsewhere.get(f"/briefing?period=30d&render_token={token}").status_code == 401  # another page
    assert elsewhere.get(f"{page}&render_token={token}").status_code == 401  # and spent by the try
    token = auth.render_token(glava, page)
    api = app.server.test_client().get(f"/api/v1/messages?period=7d&sector=zhkh&render_token={token}")
    assert api.status_code == 401
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert app.server.test_client().get(f"{page}&render_token={forged}").status_code == 401


def test_a_render_token_expires(service, tmp_path, monkeypatch):  # noqa: F811
    app = accounts_app(service, tmp_path)
    page = render_tokens.page_of("/briefing", "period=7d")
    token = app.server.extensions["tsur_auth"].render_token(accounts.principal(service.engine, "glava"), page)
    monkeypatch.setattr(render_tokens, "RENDER_SECONDS", 0)
    time.sleep(1.1)  # the signature's clock counts whole seconds
    assert app.server.test_client().get(f"{page}&render_token={token}").status_code == 401


def test_a_failed_render_shows_the_user_no_chromium_output(service, tmp_path, caplog):  # noqa: F811
    browser = tmp_path / "chromium"
    browser.write_text("#!/bin/sh\necho 'FATAL:gpu_init.cc /root/.config/chromium SECRET-PATH' >&2\nexit 3\n")
    browser.chmod(browser.stat().st_mode | stat.S_IEXEC)
    settings = Settings(
        data_dir=tmp_path, cache_type="NullCache", chromium=str(browser), render_base_url="http://127.0.0.1:9"
    )
    client = create_app(settings, service).server.test_client()
    with caplog.at_level("WARNING"):
        response = client.get(f"/briefing/export.pdf{SEARCH}")
    body = response.get_data(as_text=True)
    assert response.status_code == 503 and "Не удалось сформировать PDF" in body and "журнале сервера" in body
    assert "SECRET-PATH" not in body and "FATAL" not in body and "exited" not in body
    assert "SECRET-PATH" in caplog.text  # the operator still sees why


def test_the_servers_own_address_is_the_local_end_of_the_connection():
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    try:
        assert own_address({"werkzeug.socket": accepted}) == f"http://127.0.0.1:{listener.getsockname()[1]}"
        assert own_address({"gunicorn.socket": accepted, "HTTP_HOST": "evil:55999"}).endswith(
            f":{listener.getsockname()[1]}"
        )
        assert own_address({"HTTP_HOST": "127.0.0.1:55999", "SERVER_NAME": "127.0.0.1"}) is None  # no socket
    finally:
        for sock in (client, accepted, listener):
            sock.close()
