"""Pilot fixtures: the real app on a real SQLite file, acting as a given user."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from textual import events
from textual.app import App
from textual.worker import WorkerCancelled

from crm_tui.domain.records import Actor
from crm_tui.services import users
from crm_tui.tui.app import CrmApp

FIXED_NOW = dt.datetime(2026, 11, 28, 9, 0)


@pytest.fixture
def eva(sqlite_db: str) -> Actor:
    """The first user: an admin, on a fresh migrated SQLite file."""
    return users.bootstrap_admin("eva")


@pytest.fixture
def make_app(sqlite_db: str) -> Callable[..., CrmApp]:
    """Build the app for a username; no background polling unless asked for."""

    def build(username: str, *, clock: Callable[[], dt.datetime] | None = None,
              refresh_seconds: float = 0, watch_changes: bool = False) -> CrmApp:
        actor = users.get_actor(username)
        return CrmApp(sqlite_db, actor, clock=clock, refresh_seconds=refresh_seconds,
                      watch_changes=watch_changes)

    return build


def burst(app: App[Any], *keys: str) -> None:
    """Keys arriving together, as the terminal driver posts them (pilot.press waits for
    each key to be handled before the next, which hides races with what a key does)."""
    for key in keys:
        character = key if len(key) == 1 else "\r" if key == "enter" else None
        name = {" ": "space", ",": "comma"}.get(key, key)
        app.post_message(events.Key(name, character))


async def settle(app: CrmApp, pilot: object) -> None:
    """Wait until every worker is done and the screen has caught up."""
    for _ in range(5):
        # a stale search cancelled by the next (a picker's typing) is done too
        with contextlib.suppress(WorkerCancelled):
            await app.workers.wait_for_complete()
        await pilot.pause()  # type: ignore[attr-defined]
        if not any(w.is_running for w in app.workers):
            return
