"""Opening a database for use: connect, migrate, first defaults, the acting user."""

from __future__ import annotations

from crm_tui.db.database import init_database
from crm_tui.db.migrate import migrate
from crm_tui.db.models import Setting, Status
from crm_tui.domain.records import Actor
from crm_tui.services import settings, users
from crm_tui.services.base import writing

DEFAULT_STATUSES = ("New lead", "Contacted", "Meeting booked", "Waiting for customer",
                    "Won", "Lost")


def open_database(url: str) -> list[str]:
    """Connect to ``url``, migrate it, and put in first defaults; returns migrations run."""
    init_database(url)
    settings.clear_cache()
    applied = migrate()
    ensure_defaults()
    return applied


def ensure_defaults() -> None:
    """A new database gets a starting status list (once; admins may change it after)."""
    with writing():
        if Setting.get_or_none(Setting.key == "_defaults_done") is not None:
            return
        if not Status.select().exists():
            for position, name in enumerate(DEFAULT_STATUSES, start=1):
                Status.create(name=name, position=position)
        Setting.create(key="_defaults_done", value="true")


def acting_user(username: str | None, os_login: str) -> Actor:
    """``username`` if given; else the OS login; an empty database gets its first admin."""
    if not users.has_users():
        return users.bootstrap_admin(username or os_login)
    return users.get_actor(username or os_login)
