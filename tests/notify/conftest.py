"""A real SMTP server (aiosmtpd) and a real HTTP SMS gateway, both on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Mailbox:
    """What the SMTP server received; ``hold`` makes it stall at MAIL FROM."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)
    hold: threading.Event | None = None
    holding: threading.Event = field(default_factory=threading.Event)

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:  # noqa: N802 - aiosmtpd's name
        """Accept the sender, after stalling if told to (a send caught mid-way)."""
        if self.hold is not None:
            import asyncio

            self.holding.set()
            while not self.hold.is_set():
                await asyncio.sleep(0.02)
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Store the message."""
        with self.arrived:
            self.messages.append({"to": list(envelope.rcpt_tos),
                                  "data": envelope.content.decode("utf-8", "replace")})
            self.arrived.notify_all()
        return "250 Message accepted"

    def wait_for(self, count: int, timeout: float = 20) -> bool:
        """Wait until ``count`` messages arrived."""
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.messages) >= count, timeout)


class SmtpServer:
    """aiosmtpd on a fixed port that can be stopped and started again."""

    def __init__(self, login: tuple[str, str] | None = None) -> None:
        self.port = free_port()
        self.mailbox = Mailbox()
        self.controller: Controller | None = None
        self.login = login  # (user, password) the server requires, if any
        self.logins: list[tuple[str, str]] = []

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                      auth_data: Any) -> AuthResult:
        user, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((user, password))
        return AuthResult(success=(user, password) == self.login)

    def start(self) -> None:
        """Listen on 127.0.0.1:port."""
        extra: dict[str, Any] = {}
        if self.login is not None:  # AUTH without TLS: loopback only, a test server
            extra = {"authenticator": self._authenticate, "auth_require_tls": False,
                     "auth_required": True}
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port,
                                     **extra)
        self.controller.start()

    def stop(self) -> None:
        """Stop listening."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A running SMTP server."""
    server = SmtpServer()
    server.start()
    yield server
    if server.mailbox.hold is not None:
        server.mailbox.hold.set()
    server.stop()


@dataclass
class Gateway:
    """The fake SMS provider: records each request."""

    url: str
    requests: list[dict[str, Any]]
    arrived: threading.Condition

    def wait_for(self, count: int, timeout: float = 20) -> bool:
        """Wait until ``count`` requests arrived."""
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.requests) >= count, timeout)


@pytest.fixture
def sms_gateway() -> Iterator[Gateway]:
    """A real HTTP server on 127.0.0.1 acting as an SMS gateway."""
    requests: list[dict[str, Any]] = []
    arrived = threading.Condition()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with arrived:
                requests.append({"path": self.path, "auth": self.headers.get("Authorization"),
                                 "body": json.loads(body)})
                arrived.notify_all()
            self.send_response(202)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Gateway(f"http://127.0.0.1:{server.server_address[1]}/send", requests, arrived)
    server.shutdown()
    server.server_close()
