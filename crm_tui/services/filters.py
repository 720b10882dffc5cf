"""Saved filters: "save settings" (the user's default) and named favourites."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from crm_tui.db.models import SavedFilter, utcnow
from crm_tui.domain.errors import AlreadyExists, NotFound, ValidationError
from crm_tui.domain.records import Actor, Completed, OrderFilter, SavedFilterInfo
from crm_tui.services import validate
from crm_tui.services.base import fresh, reading, writing

DEFAULT_NAME = "(default)"


def to_json(criteria: OrderFilter) -> str:
    """Serialise filter criteria."""
    data: dict[str, Any] = dataclasses.asdict(criteria)
    for key in ("scheduled_from", "scheduled_to"):
        if data[key] is not None:
            data[key] = data[key].isoformat()
    data["completed"] = str(criteria.completed)
    return json.dumps(data, sort_keys=True)


def from_json(raw: str) -> OrderFilter:
    """Parse filter criteria, ignoring unknown keys from other versions."""
    data = json.loads(raw)
    known = {f.name for f in dataclasses.fields(OrderFilter)}
    data = {k: v for k, v in data.items() if k in known}
    for key in ("scheduled_from", "scheduled_to"):
        if data.get(key):
            data[key] = dt.date.fromisoformat(data[key])
    if "completed" in data:
        data["completed"] = Completed(data["completed"])
    return OrderFilter(**data)


def _info(row: SavedFilter) -> SavedFilterInfo:
    return SavedFilterInfo(row.id, row.name, from_json(row.criteria), row.is_default,
                           row.is_favorite)


def save_default(actor: Actor, criteria: OrderFilter) -> SavedFilterInfo:
    """Remember ``criteria`` as the user's default list filter."""
    with writing():
        actor = fresh(actor)
        SavedFilter.update(is_default=False).where(SavedFilter.user == actor.id).execute()
        row = SavedFilter.get_or_none((SavedFilter.user == actor.id)
                                      & (SavedFilter.name == DEFAULT_NAME))
        if row is None:
            row = SavedFilter(user=actor.id, name=DEFAULT_NAME)
        row.criteria, row.is_default, row.updated_at = to_json(criteria), True, utcnow()
        row.save()
        return _info(row)


def get_default(actor: Actor) -> OrderFilter | None:
    """The user's default filter, if saved."""
    with reading():
        actor = fresh(actor)
        row = SavedFilter.get_or_none((SavedFilter.user == actor.id)
                                      & (SavedFilter.is_default == True))  # noqa: E712
        return from_json(row.criteria) if row else None


def _favorite_named(user_id: int, name: str) -> SavedFilter | None:
    """The user's favourite of ``name`` in any case ("My leads" is "my leads": two of
    them were kept, and the list showed both)."""
    wanted = name.casefold()
    return next((row for row in SavedFilter.select().where(
        (SavedFilter.user == user_id) & (SavedFilter.is_favorite == True))  # noqa: E712
        if row.name.casefold() == wanted), None)


def favorite_name(name: str) -> str:
    """A favourite's name, checked (no database: the name dialog asks it as you type)."""
    name = validate.text(name, "name", required=True, max_len=120)
    if name.casefold() == DEFAULT_NAME:  # the row of "save settings": it took its place
        raise ValidationError(f"'{DEFAULT_NAME}' names your saved default; choose another "
                              "name", "name")
    return name


def save_favorite(actor: Actor, name: str, criteria: OrderFilter, *,
                  replace: bool = True) -> SavedFilterInfo:
    """Save a named favourite filter; one of the same name is overwritten, or with
    ``replace`` False raises AlreadyExists."""
    name = favorite_name(name)
    with writing():
        actor = fresh(actor)
        row = _favorite_named(actor.id, name)
        if row is not None and not replace:
            raise AlreadyExists(f"You have a favourite named '{row.name}' already", row.name)
        if row is None:
            row = SavedFilter(user=actor.id, name=name)
        row.name = name  # as typed this time
        row.criteria, row.is_favorite, row.updated_at = to_json(criteria), True, utcnow()
        row.save()
        return _info(row)


def favorites(actor: Actor) -> list[SavedFilterInfo]:
    """The user's favourite filters by name."""
    with reading():
        actor = fresh(actor)
        return [_info(r) for r in SavedFilter.select().where(
            (SavedFilter.user == actor.id) & (SavedFilter.is_favorite == True))  # noqa: E712
            .order_by(SavedFilter.name)]


def delete_favorite(actor: Actor, name: str) -> None:
    """Forget a favourite filter."""
    with writing():
        actor = fresh(actor)
        row = _favorite_named(actor.id, name)
        deleted = row is not None and SavedFilter.delete().where(
            SavedFilter.id == row.id).execute()
    if not deleted:
        raise NotFound(f"No favourite filter named '{name}'")
