"""Fixed scenes of the app on the demo company, for snapshot tests and screenshots/."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from textual.pilot import Pilot

from crm_tui.db.database import close_database, sqlite_url
from crm_tui.services import demo, setup, users
from crm_tui.tui.app import CrmApp

TODAY = dt.date(2026, 11, 28)
NOW = dt.datetime(2026, 11, 28, 9, 0)
SIZES = ((80, 24), (120, 40))


async def settle(pilot: Pilot[None]) -> None:
    """Let every worker finish and the screen catch up."""
    app = pilot.app
    for _ in range(6):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in app.workers):
            break


async def press(pilot: Pilot[None], *keys: str) -> None:
    """Press keys one by one, settling after each."""
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def type_text(pilot: Pilot[None], text: str) -> None:
    """Type into the register search, then wait until its debounced search has run."""
    await pilot.press(*text)
    screen = pilot.app.screen
    for _ in range(200):  # bounded: at most ~10 s
        await pilot.pause(0.05)
        if not getattr(screen, "searching", False):
            break
    await settle(pilot)


async def todo(pilot: Pilot[None]) -> None:
    """The first screen: anna's to-do."""
    await settle(pilot)


async def orders(pilot: Pilot[None]) -> None:
    """The contact-order list."""
    await press(pilot, "f3")


async def order_form(pilot: Pilot[None]) -> None:
    """An order opened from the list."""
    await press(pilot, "f3", "enter")


async def new_order(pilot: Pilot[None]) -> None:
    """A new, empty order."""
    await press(pilot, "f3", "n")


async def registers(pilot: Pilot[None]) -> None:
    """Register search for 'bergstrom' (typed without accents)."""
    await press(pilot, "f4")
    await type_text(pilot, "bergstrom")


async def customer_card(pilot: Pilot[None]) -> None:
    """The card of the first hit."""
    await registers(pilot)
    await press(pilot, "enter")


async def notifications(pilot: Pilot[None]) -> None:
    """The notifications screen."""
    await press(pilot, "f5")


async def admin(pilot: Pilot[None]) -> None:
    """Admin settings (eva)."""
    await press(pilot, "f6")


async def help_screen(pilot: Pilot[None]) -> None:
    """The keys of the to-do screen, once it has its bookings (Done and Next booking are
    offered then: pressed before, help lacked them, depending on timing)."""
    await settle(pilot)
    await press(pilot, "f1")


@dataclass(frozen=True)
class Scene:
    """A named state of the app: who is logged in and how to get there."""

    name: str
    user: str
    steps: Callable[[Pilot[None]], Awaitable[None]]


SCENES = (
    Scene("todo", "anna", todo),
    Scene("orders", "anna", orders),
    Scene("order_form", "anna", order_form),
    Scene("new_order", "anna", new_order),
    Scene("registers", "anna", registers),
    Scene("customer_card", "anna", customer_card),
    Scene("notifications", "anna", notifications),
    Scene("admin", "eva", admin),
    Scene("help", "anna", help_screen),
)


def demo_template(path: Path) -> Path:
    """Seed the demo company once into ``path`` (a SQLite file) and close it."""
    if not path.exists():
        setup.open_database(sqlite_url(path))
        demo.seed(today=TODAY)
        close_database()
        from crm_tui.db.database import db

        db.obj.close()
    return path


def scene_app(template: Path, workdir: Path, scene: Scene) -> CrmApp:
    """A fresh copy of the demo database and the app on it, acting as the scene's user."""
    target = workdir / f"{scene.name}.db"
    shutil.copyfile(template, target)
    url = sqlite_url(target)
    setup.open_database(url)
    actor = users.get_actor(scene.user)
    return CrmApp(url, actor, clock=lambda: NOW, refresh_seconds=0, watch_changes=False)
