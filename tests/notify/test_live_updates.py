"""Changes by another process reach an open app within seconds (no restart)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time

import pytest

from crm_tui.db import changes
from crm_tui.domain.records import Actor, OrderInput
from crm_tui.services import orders, users
from crm_tui.tui.app import CrmApp
from tests.conftest import make_user


async def test_assignment_elsewhere_shows_in_open_app(db_url: str, admin: Actor) -> None:
    make_user(admin, "anna", "view", "edit", "create", "assign")
    bob = make_user(admin, "bob", "view-assigned", "create")
    serial = orders.create_order(users.get_actor("anna"),
                                 OrderInput(subject="Second heat pump", customer="Acme")).serial
    # No polling: only the change watcher (data_version / LISTEN) can refresh this app.
    app = CrmApp(db_url, bob, refresh_seconds=0, watch_changes=True)
    async with app.run_test(size=(100, 30)) as pilot:
        deadline = time.monotonic() + 10
        while app._latest_notification is None and time.monotonic() < deadline:
            await pilot.pause(0.05)
        assert app._latest_notification is not None  # the app has read where it starts
        assert app.unread == 0
        done = subprocess.run([sys.executable, "-m", "crm_tui", "--db", db_url, "--as", "anna",
                               "co", "assign", str(serial), "bob"], capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assigned_at = time.monotonic()
        expected = f"assigned you contact order {serial}"

        def toasted() -> bool:
            return any(expected in str(n.message) for n in app._notifications)

        # notify() posts a message: the toast is added a moment after the unread count.
        while not toasted() and time.monotonic() - assigned_at < 10:
            await pilot.pause(0.05)
        assert toasted(), [n.message for n in app._notifications]
        assert app.unread == 1


async def test_a_deactivated_user_s_open_session_ends(db_url: str, admin: Actor) -> None:
    """Deactivating a user ends the app they have open (an SSH session too) with a word
    why; it stayed open, showing "not active" errors every two seconds."""
    bob = make_user(admin, "bob", "view")
    app = CrmApp(db_url, bob, refresh_seconds=0.2, watch_changes=False)
    async with app.run_test(size=(100, 30)) as pilot:
        deadline = time.monotonic() + 10
        while app._latest_notification is None and time.monotonic() < deadline:
            await pilot.pause(0.05)
        assert app.return_code is None
        users.set_active(admin, "bob", False)
        while app.return_code is None and time.monotonic() < deadline + 10:
            await pilot.pause(0.05)
        assert app.return_code == 1
        assert "deactivated" in app.farewell  # printed once the terminal is back


async def test_live_updates_come_back_after_the_watcher_loses_its_connection(
        db_url: str, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    """The change watcher's connection ended (a PostgreSQL restart or a killed
    connection; on SQLite an I/O error): live updates stopped for good in that app,
    without a word. The watcher is now made again, and changes reach the app."""
    make_user(admin, "anna", "view", "edit", "create", "assign")
    bob = make_user(admin, "bob", "view-assigned", "create")
    anna = users.get_actor("anna")
    first = orders.create_order(anna, OrderInput(subject="First", customer="Acme")).serial
    second = orders.create_order(anna, OrderInput(subject="Second", customer="Acme")).serial
    broken: list[str] = []
    if "postgresql" not in db_url:
        real_wait = changes.SqliteWatcher.wait

        def failing_once(self: changes.SqliteWatcher, timeout: float) -> bool:
            if not broken:
                broken.append("sqlite")
                raise sqlite3.OperationalError("disk I/O error")
            return real_wait(self, timeout)

        monkeypatch.setattr(changes.SqliteWatcher, "wait", failing_once)
    app = CrmApp(db_url, bob, refresh_seconds=0, watch_changes=True)
    async with app.run_test(size=(100, 30)) as pilot:
        deadline = time.monotonic() + 10
        while app._latest_notification is None and time.monotonic() < deadline:
            await pilot.pause(0.05)
        assert app._latest_notification is not None
        if "postgresql" in db_url:  # end the watcher's connection, as a restart does
            while not broken and time.monotonic() < deadline:
                broken += [str(pid) for pid in _terminate_listeners()]
                await pilot.pause(0.05)
        assert broken
        for serial, count in ((first, 1), (second, 2)):
            orders.assign(anna, serial, ["bob"])
            while app.unread < count and time.monotonic() < deadline + 20:
                await pilot.pause(0.05)
            assert app.unread == count


def _terminate_listeners() -> list[int]:
    """End the connections that LISTEN for changes (the open app's watcher)."""
    from crm_tui.db.database import db

    with db.connection_context():
        return [pid for ended, pid in db.execute_sql(
            "SELECT pg_terminate_backend(pid), pid FROM pg_stat_activity "
            "WHERE query LIKE 'LISTEN %%' AND pid <> pg_backend_pid()").fetchall()
            if ended]
