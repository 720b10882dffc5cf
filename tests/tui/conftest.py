"""Pilot fixtures: the real app on a real SQLite file, acting as a given user."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

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


async def settle(app: CrmApp, pilot: object) -> None:
    """Wait until every worker is done and the screen has caught up."""
    for _ in range(5):
        await app.workers.wait_for_complete()
        await pilot.pause()  # type: ignore[attr-defined]
        if not any(w.is_running for w in app.workers):
            return
