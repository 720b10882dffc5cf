"""Users, their permissions, and who the acting user is."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from peewee import fn

from crm_tui.db.models import SshKey, User
from crm_tui.domain.errors import FieldProblems, NotFound, PermissionDenied, ValidationError
from crm_tui.domain.permissions import ALL_PERMS, parse_perms
from crm_tui.domain.records import Actor, UserInfo
from crm_tui.services import validate
from crm_tui.services.base import (
    actor_from_row,
    audit,
    fresh,
    get_user_row,
    reading,
    require_admin,
    writing,
)

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def _info(user: User, key_count: int = 0) -> UserInfo:
    perms = tuple(p for p in ALL_PERMS if p in user.permissions.split(","))
    return UserInfo(id=user.id, username=user.username, display_name=user.display_name,
                    email=user.email, phone=user.phone, is_admin=user.is_admin,
                    active=user.active, perms=perms, key_count=key_count)


def _check_username(username: str) -> str:
    username = username.strip()
    if not _USERNAME.match(username):
        raise ValidationError(
            f"'{username}' is not a valid username: use lower-case letters, digits, '.', '_' "
            "or '-' (at most 64)", "username")
    return username


def _create(username: str, display_name: str, email: str, phone: str, is_admin: bool,
            perms: frozenset[str]) -> User:
    if User.select().where(User.username == username).exists():
        raise ValidationError(f"A user named '{username}' already exists", "username")
    return User.create(username=username, display_name=display_name, email=email,
                       phone=phone, is_admin=is_admin, permissions=",".join(sorted(perms)))


def add_user(actor: Actor | None, username: str, *, display_name: str = "", email: str = "",
             phone: str = "", is_admin: bool = False,
             perms: list[str] | tuple[str, ...] = ()) -> UserInfo:
    """Add a user (admins only; ``actor`` None only for the bootstrap admin). Refused
    fields are named together (FieldProblems), a username taken among them."""
    perm_set = parse_perms(list(perms))
    with writing():
        if actor is not None:
            actor = fresh(actor)
            require_admin(actor, "add users")
        elif User.select().exists():
            raise PermissionDenied("Only an admin may add users")
        _refuse(profile_problems(username=username, display_name=display_name,
                                 email=email, phone=phone, taken=True))
        username, display_name = _check_username(username), validate.text(display_name,
                                                                            "name")
        user = _create(username, display_name, validate.email(email),
                       validate.phone(phone), is_admin, perm_set)
        audit(actor, "user.add", "user", username, None, {
            "display_name": display_name, "is_admin": is_admin, "perms": sorted(perm_set)})
    return _info(user)


def set_perms(actor: Actor, username: str, perms: list[str] | tuple[str, ...],
              is_admin: bool | None = None) -> UserInfo:
    """Replace a user's permission set (admins only)."""
    perm_set = parse_perms(list(perms))
    with writing():
        actor = fresh(actor)
        require_admin(actor, "change permissions")
        user = get_user_row(username)
        before = {"perms": sorted(p for p in user.permissions.split(",") if p),
                  "is_admin": user.is_admin}
        if is_admin is False and user.id == actor.id:
            raise ValidationError("You cannot remove your own admin rights")
        user.permissions = ",".join(sorted(perm_set))
        if is_admin is not None:
            user.is_admin = is_admin
        user.save()
        audit(actor, "user.perms", "user", username, before,
              {"perms": sorted(perm_set), "is_admin": user.is_admin})
    return _info(user)


def set_active(actor: Actor, username: str, active: bool) -> UserInfo:
    """Activate or deactivate a user (admins only); inactive users cannot log in."""
    with writing():
        actor = fresh(actor)
        require_admin(actor, "deactivate users")
        user = get_user_row(username)
        if user.id == actor.id and not active:
            raise ValidationError("You cannot deactivate yourself")
        before = user.active
        user.active = active
        user.save()
        audit(actor, "user.active", "user", username, {"active": before}, {"active": active})
    return _info(user)


def update_profile(actor: Actor, username: str, *, display_name: str | None = None,
                   email: str | None = None, phone: str | None = None) -> UserInfo:
    """Edit a user's name and addresses (the user themself or an admin); the audit
    records the fields that changed."""
    with writing():
        actor = fresh(actor)
        user = get_user_row(username)
        if user.id != actor.id:
            require_admin(actor, "edit other users")
        _refuse(profile_problems(**{key: value for key, value in (
            ("display_name", display_name), ("email", email), ("phone", phone))
            if value is not None}))
        before = {"display_name": user.display_name, "email": user.email, "phone": user.phone}
        if display_name is not None:
            user.display_name = validate.text(display_name, "name")
        if email is not None:
            user.email = validate.email(email)
        if phone is not None:
            user.phone = validate.phone(phone)
        after = {"display_name": user.display_name, "email": user.email, "phone": user.phone}
        changed = [key for key in after if after[key] != before[key]]
        if changed:
            user.save()
            audit(actor, "user.edit", "user", username, {k: before[k] for k in changed},
                  {k: after[k] for k in changed})
    return _info(user)


def _refuse(problems: dict[str, str]) -> None:
    if problems:
        raise FieldProblems(problems)


def profile_problems(*, username: str | None = None, display_name: str = "",
                     email: str = "", phone: str = "", taken: bool = False
                     ) -> dict[str, str]:
    """Every problem with a user's details at once, by field (username, name, email,
    phone); with ``taken``, a username in use too (inside a unit of work)."""

    def check_username() -> None:
        name = _check_username(username or "")
        if taken and User.select().where(User.username == name).exists():
            raise ValidationError(f"A user named '{name}' already exists", "username")

    checks: dict[str, Callable[[], object]] = {
        "name": lambda: validate.text(display_name, "name"),
        "email": lambda: validate.email(email),
        "phone": lambda: validate.phone(phone)}
    if username is not None:
        checks = {"username": check_username} | checks
    problems = {}
    for field, check in checks.items():
        try:
            check()
        except ValidationError as exc:
            problems[field] = str(exc)
    return problems


def list_users(actor: Actor) -> list[UserInfo]:
    """All users with their permissions (any active user may list colleagues)."""
    with reading():
        fresh(actor)
        counts = dict(SshKey.select(SshKey.user, fn.COUNT(SshKey.id))
                      .group_by(SshKey.user).tuples())
        return [_info(u, counts.get(u.id, 0)) for u in User.select().order_by(User.username)]


def get_actor(username: str) -> Actor:
    """The Actor for a username; refuses unknown and inactive users."""
    with reading():
        user = User.get_or_none(User.username == username)
    if user is None:
        raise NotFound(f"No user named '{username}'")
    if not user.active:
        raise PermissionDenied(f"User '{username}' is deactivated")
    return actor_from_row(user)


def has_users() -> bool:
    """True once any user exists."""
    with reading():
        return User.select().exists()


def bootstrap_admin(username: str) -> Actor:
    """On a database with no users, create an admin named ``username``; else load it."""
    with writing():
        if not User.select().exists():
            name = _check_username(re.sub(r"[^a-z0-9._-]", "", username.lower()) or "admin")
            user = _create(name, name, "", "", True, frozenset())
            audit(None, "user.bootstrap", "user", name, None, {"is_admin": True})
            return actor_from_row(user)
    return get_actor(username)


def get_preferences(actor: Actor) -> dict[str, str]:
    """The acting user's UI preferences (theme...)."""

    with reading():
        user = User.get_or_none(User.id == actor.id)
        try:
            data = json.loads(user.preferences) if user else {}
        except ValueError:
            data = {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def set_preference(actor: Actor, key: str, value: str) -> None:
    """Remember one UI preference for the acting user."""

    key = validate.text(key, "preference", required=True, max_len=40)
    value = validate.text(value, "value", max_len=200)
    with writing():
        user = User.get_by_id(actor.id)
        try:
            data = json.loads(user.preferences or "{}")
        except ValueError:
            data = {}
        data[key] = value
        user.preferences = json.dumps(data)
        user.save()
