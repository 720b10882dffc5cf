"""Noticing that another connection changed the database.

SQLite: ``PRAGMA data_version`` on a connection of our own changes when another
connection commits. PostgreSQL: every write transaction sends NOTIFY on a channel
that a dedicated connection LISTENs to.
"""

from __future__ import annotations

import select
import sqlite3
import time
from typing import Protocol

from peewee import PostgresqlDatabase

from crm_tui.db.database import db, is_sqlite

CHANNEL = "crm_tui_changes"


class ChangeWatcher(Protocol):
    """Blocks up to ``timeout`` seconds; True if the database changed meanwhile."""

    def wait(self, timeout: float) -> bool: ...  # noqa: D102

    def close(self) -> None: ...  # noqa: D102


class SqliteWatcher:
    """Polls PRAGMA data_version on its own connection."""

    def __init__(self, path: str, poll: float = 0.25) -> None:
        self.conn = sqlite3.connect(path, check_same_thread=False, timeout=10)
        self.poll = poll
        self.version = self._read()

    def _read(self) -> int:
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def wait(self, timeout: float) -> bool:
        """Poll until the version moves or the timeout passes."""
        deadline = time.monotonic() + timeout
        while True:
            current = self._read()
            if current != self.version:
                self.version = current
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(self.poll, left))

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


class PostgresWatcher:
    """LISTENs on a dedicated psycopg2 connection."""

    def __init__(self, database: PostgresqlDatabase) -> None:
        import psycopg2
        import psycopg2.extensions

        self.conn = psycopg2.connect(database=database.database, **database.connect_params)
        self.conn.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
        with self.conn.cursor() as cur:
            cur.execute(f"LISTEN {CHANNEL}")

    def wait(self, timeout: float) -> bool:
        """Wait for a notification or the timeout."""
        if select.select([self.conn], [], [], timeout) == ([], [], []):
            return False
        self.conn.poll()
        changed = bool(self.conn.notifies)
        self.conn.notifies.clear()
        return changed

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


def watcher() -> ChangeWatcher:
    """A watcher for the database the proxy points at."""
    if is_sqlite():
        return SqliteWatcher(db.obj.database)
    assert isinstance(db.obj, PostgresqlDatabase)
    return PostgresWatcher(db.obj)


def announce() -> None:
    """Inside a write transaction on PostgreSQL: tell listeners at commit."""
    if isinstance(db.obj, PostgresqlDatabase):
        db.execute_sql(f"NOTIFY {CHANNEL}")
