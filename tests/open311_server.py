"""A small Open311 GeoReport v2 server on loopback for the tests: ``requests.json`` filtered by ``start_date`` /
``end_date`` on ``requested_datetime``, at most ``cap`` requests an answer, and faults played in order."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class Open311Server:
    def __init__(self, cap: int = 1000) -> None:
        self.requests: dict[str, dict] = {}  # by service_request_id
        self.cap = cap
        self.faults: list[str] = []  # the next answers: "timeout", "500", "garbage", "object", "deep"; then normal
        self.asked: list[dict[str, str]] = []  # every query's parameters
        self.slow_seconds = 2.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                server.asked.append(query)
                fault = server.faults.pop(0) if server.faults else None
                if fault == "timeout":
                    time.sleep(server.slow_seconds)
                if fault == "500":
                    return self._send(500, b'{"error": "internal"}')
                if fault == "garbage":
                    return self._send(200, b"<html>Bad Gateway</html>")
                if fault == "object":
                    return self._send(200, b'{"description": "not a list"}')
                if fault == "deep":
                    return self._send(200, b"[" * 100_000 + b"]" * 100_000)
                if parts.path != "/requests.json":
                    return self._send(404, b"[]")
                self._send(200, json.dumps(server.answer(query)).encode())  # \u escapes carry a lone surrogate too

            def _send(self, status: int, body: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
                    pass

            def log_message(self, *_args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/requests.json"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def answer(self, query: dict[str, str]) -> list[dict]:
        start = _moment(query["start_date"]) if "start_date" in query else None
        end = _moment(query["end_date"]) if "end_date" in query else None
        found = [
            r
            for r in self.requests.values()
            if (start is None or _moment(r["requested_datetime"]) >= start)
            and (end is None or _moment(r["requested_datetime"]) <= end)  # inclusive, as some servers are
        ]
        found.sort(key=lambda r: r["requested_datetime"], reverse=True)  # newest first: a cut loses the oldest
        return found[: self.cap]

    def add(self, number: int, at: str, status: str = "open", **extra) -> dict:
        request = {
            "service_request_id": str(number),
            "status": status,
            "service_code": "zhkh",
            "service_name": "Отопление",
            "description": f"заявка {number}",
            "requested_datetime": at,
            "updated_datetime": at,
            "address": "Чебоксары",
            "agency_responsible": "Минстрой",
            **extra,
        }
        self.requests[request["service_request_id"]] = request
        return request

    def __enter__(self) -> Open311Server:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
