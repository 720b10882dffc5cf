"""Units of work, the fresh acting user, and permission checks shared by services."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

from crm_tui.db.changes import announce
from crm_tui.db.database import db, is_sqlite
from crm_tui.db.models import AuditEvent, User
from crm_tui.domain.errors import InactiveUser, NotFound, PermissionDenied
from crm_tui.domain.permissions import Perm
from crm_tui.domain.records import Actor


@contextlib.contextmanager
def reading() -> Iterator[None]:
    """A read unit: one connection for the calling thread."""
    with db.connection_context():
        yield


@contextlib.contextmanager
def writing(*, quiet: bool = False) -> Iterator[None]:
    """A write unit: one connection and one transaction. Open apps are told of it (on
    PostgreSQL; SQLite's watchers see the commit), unless ``quiet``: then the caller
    calls ``announce()`` itself if it changed what users see (the worker's pass every
    5 s, finding nothing to do, had every open app read its screen again)."""
    with db.connection_context():
        if is_sqlite():
            # Take the write lock up front: a deferred transaction that reads and then
            # writes fails at once under concurrent writers instead of waiting.
            with db.atomic("IMMEDIATE"):
                yield
        else:
            with db.atomic():
                yield
                if not quiet:
                    announce()  # delivered to LISTENers when the transaction commits


def _actor(user_id: int, username: str, display_name: str, is_admin: object,
           permissions: str, email: str, phone: str, active: object) -> Actor:
    return Actor(id=user_id, username=username, display_name=display_name,
                 is_admin=bool(is_admin), perms=frozenset(p for p in permissions.split(",") if p),
                 email=email, phone=phone, active=bool(active))


def actor_from_row(user: User) -> Actor:
    """Build the Actor snapshot from a user row."""
    return _actor(user.id, user.username, user.display_name, user.is_admin, user.permissions,
                  user.email, user.phone, user.active)


def fresh(actor: Actor) -> Actor:
    """Re-read the acting user so permission changes apply at once; refuse inactive users.

    Every service call does this, so the statement is written out here: built by peewee
    and read into a model it took 0.3 ms, a tenth of a typical register search.
    """
    row = db.execute_sql(
        'SELECT id, username, display_name, is_admin, permissions, email, phone, active '
        f'FROM "user" WHERE id = {db.param}', (actor.id,)).fetchone()
    if row is None or not row[7]:
        raise InactiveUser(f"User '{actor.username}' is not active")
    return _actor(*row)


def require(actor: Actor, *perms: Perm, action: str) -> None:
    """Raise PermissionDenied unless the actor holds at least one of ``perms``."""
    if not any(actor.has(p) for p in perms):
        names = " or ".join(f"'{p.value}'" for p in perms)
        raise PermissionDenied(f"{actor.username} may not {action}: needs the {names} permission")


def require_admin(actor: Actor, action: str) -> None:
    """Raise PermissionDenied unless the actor is an admin."""
    if not actor.is_admin:
        raise PermissionDenied(f"{actor.username} may not {action}: admins only")


def can_view_orders(actor: Actor) -> bool:
    """True if the actor sees every contact order."""
    return actor.has(Perm.VIEW)


def require_some_view(actor: Actor) -> None:
    """Raise unless the actor may see at least their assigned orders."""
    require(actor, Perm.VIEW, Perm.VIEW_ASSIGNED, action="view contact orders")


def user_id_named(username: str) -> tuple[int, str]:
    """The id and username of the user named ``username``, or NotFound. Written out: the
    to-do asks it for another's list, and peewee built it slower than SQLite ran it."""
    row = db.execute_sql(f'SELECT id, username FROM "user" WHERE username = {db.param}',
                         (username,)).fetchone()
    if row is None:
        raise NotFound(f"No user named '{username}'")
    return row[0], row[1]


def get_user_row(username: str) -> User:
    """The user row by username, or NotFound."""
    user = User.get_or_none(User.username == username)
    if user is None:
        raise NotFound(f"No user named '{username}'")
    return user


AUDITED = ("booking", "customer", "facility", "order", "outbox", "service_object",
           "setting", "ssh", "status", "user")
"""What the audit trail records events of."""


def audit(actor: Actor | None, action: str, entity: str, entity_id: Any,
          before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
          version: int | None = None) -> None:
    """Record one audit event inside the current transaction."""
    if entity not in AUDITED:
        raise ValueError(f"not an audited entity: {entity!r}")  # a bug, not user input
    AuditEvent.create(
        actor=actor.username if actor else "",
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=json.dumps(before, default=str, ensure_ascii=False) if before else "",
        after=json.dumps(after, default=str, ensure_ascii=False) if after else "",
        version=version,
    )
