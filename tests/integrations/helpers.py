"""Helpers of the integration tests: tokens per scope, API clients that send them, and a local
HTTP receiver (a thread on 127.0.0.1) that answers scripted status codes and keeps every request.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from rest_framework.test import APIClient

from ltc.integrations.tokens import create_token


def token_client(org, *scopes: str, keyword: str = "Bearer") -> tuple[APIClient, object, str]:
    token, key = create_token(name="ERP", user=org.integration, scopes=list(scopes), by=org.admin)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {key}", HTTP_ACCEPT_LANGUAGE="en")
    return client, token, key


@dataclass
class Received:
    headers: object  # an http.client.HTTPMessage: names are case-insensitive
    body: bytes
    status: int


@dataclass
class Receiver:
    """``statuses`` are answered in turn (the last one repeats)."""

    statuses: list[int] = field(default_factory=lambda: [200])
    requests: list[Received] = field(default_factory=list)
    delay: float = 0.0

    def __post_init__(self):
        receiver = self
        self._lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the stdlib's name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    index = min(len(receiver.requests), len(receiver.statuses) - 1)
                    status = receiver.statuses[index]
                    receiver.requests.append(Received(self.headers, body, status))
                if receiver.delay:
                    threading.Event().wait(receiver.delay)
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"receiver says no")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks/ltc"

    def close(self):
        self.server.shutdown()
        self.server.server_close()
