"""PDF of a page of the dashboard, rendered by headless Chromium with every outside address cut off.

The server asks Chromium to open its own page and print it (the page's A4 landscape print CSS decides the
sheets). Its own page: ``TSUR_RENDER_BASE_URL`` if set, else the address the request came in on — the local end of
its connection (:func:`own_address`), never a request header: a ``Host`` header once sent Chromium, with a valid
render token, to whatever listened on the port it named. Names other than that address resolve to nothing and
every other request goes to a dead proxy, so the rendering is offline by construction: what needs the internet
fails instead of leaking a request.
"""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")


class RenderError(RuntimeError):
    """The page could not be rendered; the message says why (in the operator's terms)."""


def find_chromium(configured: str | None = None) -> str | None:
    """``TSUR_CHROMIUM`` if set, else the first Chromium-like browser on PATH."""
    if configured:
        return configured if Path(configured).exists() or shutil.which(configured) else None
    return next((path for name in CANDIDATES if (path := shutil.which(name))), None)


def own_address(environ: dict) -> str | None:
    """``scheme://host:port`` of the server's end of the request's connection (werkzeug's and gunicorn's WSGI
    environ hold the socket), or None where there is none or it is no TCP address (a Unix socket)."""
    connection = environ.get("werkzeug.socket") or environ.get("gunicorn.socket")
    try:
        local = connection.getsockname() if connection is not None else None
    except OSError:
        return None
    if not isinstance(local, tuple):
        return None
    host = f"[{local[0]}]" if ":" in local[0] else local[0]
    scheme = "https" if isinstance(connection, ssl.SSLSocket) else "http"
    return f"{scheme}://{host}:{local[1]}"


def offline_flags(url: str) -> list[str]:
    host = urlsplit(url).hostname or "127.0.0.1"
    return [
        f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {host}",
        "--proxy-server=http://127.0.0.1:9",  # loopback bypasses proxies; everything else hits a closed port
        f"--proxy-bypass-list={host}",  # and the server's own address, if it is not loopback
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]


def render_pdf(url: str, chromium: str, timeout: float = 90.0, budget_ms: int = 20_000) -> bytes:
    """The page at ``url`` printed to PDF. ``budget_ms`` of the page's own (virtual) time lets its scripts
    fetch and draw; virtual time stands still while requests are in flight."""
    with tempfile.TemporaryDirectory(prefix="tsur-render-") as tmp:
        out = Path(tmp) / "page.pdf"
        command = [
            chromium,
            "--headless",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--no-pdf-header-footer",
            "--run-all-compositor-stages-before-draw",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--virtual-time-budget={budget_ms}",
            f"--print-to-pdf={out}",
            *offline_flags(url),
            url,
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.insert(1, "--no-sandbox")  # Chromium's sandbox refuses to run as root
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603
        except subprocess.TimeoutExpired as exc:
            raise RenderError(f"Chromium did not finish in {timeout:.0f} s") from exc
        except OSError as exc:
            raise RenderError(f"Chromium could not start: {exc}") from exc
        if not out.exists() or out.stat().st_size == 0:
            tail = " ".join((done.stderr or "").strip().splitlines()[-3:])
            raise RenderError(f"Chromium exited with {done.returncode} and no PDF: {tail}")
        return out.read_bytes()
