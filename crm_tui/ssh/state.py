"""What the SSH server shares across connections: options, session counts, event records."""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peewee import PeeweeException

from crm_tui.domain.text import plural
from crm_tui.services import ssh_keys

log = logging.getLogger("crm_tui.ssh")


@dataclass(frozen=True)
class ServeOptions:
    """How `crm-tui serve-ssh` runs."""

    database_url: str
    host_key: Path
    host: str = "127.0.0.1"
    port: int = 2222
    max_sessions: int = 50
    max_per_user: int = 5
    idle_timeout: float = 3600.0  # seconds without client input; 0 = never
    max_auth_tries: int = 6
    login_timeout: float = 30.0
    max_startups: int = 32  # connections not yet logged in
    app_argv: tuple[str, ...] = ()  # default: this Python running `-m crm_tui`
    key_check: float = 30.0  # seconds between checks that sessions' keys still exist

    def argv(self) -> list[str]:
        """The fixed command line of a session's app process."""
        return list(self.app_argv) or [sys.executable, "-m", "crm_tui"]


@dataclass(frozen=True)
class Login:
    """An authenticated connection: the CRM user its key belongs to."""

    username: str
    display_name: str
    fingerprint: str
    address: str
    ssh_user: str


RETRY_DELAYS_S = (0.2, 0.5, 1.0, 2.0, 4.0)
"""Waits between attempts at an audit write the database refused (locked, busy): a
logout written while others wrote was lost."""


def _with_retries(write: Callable[[], None]) -> None:
    """Run ``write``; again after each of RETRY_DELAYS_S while the database refuses."""
    for delay in (*RETRY_DELAYS_S, None):
        try:
            write()
            return
        except PeeweeException as exc:
            if delay is None:
                raise
            log.warning("audit write refused (%s); again in %.1f s", exc, delay)
            time.sleep(delay)


class ServerState:
    """Session counts per user and in total, open connections, pending audit writes."""

    def __init__(self, options: ServeOptions) -> None:
        self.options = options
        self.sessions = 0
        self.per_user: Counter[str] = Counter()
        self.connections: set[Any] = set()
        self.children: set[Any] = set()
        self.open_sessions: set[Any] = set()  # AppSessions whose app runs
        self._records: set[asyncio.Future[None]] = set()

    def reserve(self, login: Login) -> str | None:
        """Count a new session; returns why it is refused when a limit is reached."""
        if self.sessions >= self.options.max_sessions:
            return f"the server is full ({self.options.max_sessions} sessions); try again later"
        if self.per_user[login.username] >= self.options.max_per_user:
            return (f"{login.username} already has "
                    f"{plural(self.options.max_per_user, 'session')} open; "
                    "close one first")
        self.sessions += 1
        self.per_user[login.username] += 1
        return None

    def release(self, login: Login) -> None:
        """A counted session ended."""
        self.sessions = max(0, self.sessions - 1)
        self.per_user[login.username] -= 1
        if self.per_user[login.username] <= 0:
            del self.per_user[login.username]

    def record(self, event: str, username: str | None, fingerprint: str | None, address: str,
               **detail: Any) -> None:
        """Log an access event and write it to the audit trail (off the event loop)."""
        extra = " ".join(f"{k}={v}" for k, v in detail.items() if v not in (None, ""))
        log.info("%s user=%s key=%s from=%s%s", event, username or "-", fingerprint or "-",
                 address, f" {extra}" if extra else "")
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(None, lambda: _with_retries(lambda: ssh_keys.record_event(
            event, username, fingerprint, address, **detail)))
        self._records.add(future)
        future.add_done_callback(self._recorded)

    def _recorded(self, future: asyncio.Future[None]) -> None:
        self._records.discard(future)
        if not future.cancelled() and future.exception() is not None:
            log.error("audit write failed: %s", future.exception())

    async def flush(self) -> None:
        """Wait for pending audit writes."""
        if self._records:
            await asyncio.wait(list(self._records), timeout=10)
