"""The admin's status list: add, rename, reorder, deactivate; used ones are never lost."""

from __future__ import annotations

from peewee import fn

from crm_tui.db.models import ContactOrder, Status
from crm_tui.domain.errors import NotFound, ValidationError
from crm_tui.domain.records import Actor, StatusInfo
from crm_tui.domain.text import plural
from crm_tui.services import validate
from crm_tui.services.base import audit, fresh, reading, require_admin, writing


def named(name: str) -> Status | None:
    """The status called ``name``, ignoring case (in Python: SQLite's LOWER() folds only
    ASCII, so "ÅTGÄRDAD" would not find "Åtgärdad"). A status list is short."""
    key = name.strip().casefold()
    return next((s for s in Status.select().order_by(Status.id) if s.name.casefold() == key),
                None)


def _get(name: str) -> Status:
    status = named(name)
    if status is None:
        raise NotFound(f"No status named '{name}'")
    return status


def list_statuses(*, include_inactive: bool = True,
                  count_use: bool = True) -> list[StatusInfo]:
    """Statuses in the admin's order, with how many orders use each (``in_use``).

    Without ``count_use`` every ``in_use`` is 0: for a choice of status (the order form,
    the list filter) the count is not needed, and it reads every order (60 ms at a
    million)."""
    with reading():
        counts = dict(ContactOrder.select(ContactOrder.status, fn.COUNT(ContactOrder.id))
                      .where(ContactOrder.status.is_null(False))
                      .group_by(ContactOrder.status).tuples()) if count_use else {}
        query = Status.select().order_by(Status.position, Status.id)
        if not include_inactive:
            query = query.where(Status.active == True)  # noqa: E712
        return [StatusInfo(s.id, s.name, s.position, s.active, counts.get(s.id, 0))
                for s in query]


def _renumber(ordered: list[Status]) -> None:
    for position, status in enumerate(ordered, start=1):
        if status.position != position:
            status.position = position
            status.save()


def add_status(actor: Actor, name: str) -> StatusInfo:
    """Append a status at the end of the list."""
    name = validate.text(name, "status", required=True, max_len=80)
    with writing():
        actor = fresh(actor)
        require_admin(actor, "edit statuses")
        clash = named(name)
        if clash is not None:
            raise ValidationError(_taken(name, clash), "status")
        last = Status.select(fn.MAX(Status.position)).scalar() or 0
        status = Status.create(name=name, position=last + 1)
        audit(actor, "status.add", "status", status.id, None, {"name": name})
    return StatusInfo(status.id, status.name, status.position, True)


def _taken(name: str, clash: Status) -> str:
    """Why ``name`` cannot be used: the status of that name, as it is written."""
    if clash.name == name:
        return f"A status named '{name}' already exists"
    return f"The status '{clash.name}' already exists ('{name}' is the same name)"


def rename_status(actor: Actor, old: str, new: str) -> StatusInfo:
    """Rename a status; orders using it follow the new name."""
    new = validate.text(new, "status", required=True, max_len=80)
    with writing():
        actor = fresh(actor)
        require_admin(actor, "edit statuses")
        status = _get(old)
        clash = named(new)
        if clash is not None and clash.id != status.id:
            raise ValidationError(_taken(new, clash), "status")
        before = status.name
        status.name = new
        status.save()
        audit(actor, "status.rename", "status", status.id, {"name": before}, {"name": new})
    return StatusInfo(status.id, status.name, status.position, status.active)


def move_status(actor: Actor, name: str, position: int) -> list[StatusInfo]:
    """Move a status to a 1-based position in the list."""
    with writing():
        actor = fresh(actor)
        require_admin(actor, "edit statuses")
        status = _get(name)
        ordered = [s for s in Status.select().order_by(Status.position, Status.id)
                   if s.id != status.id]
        if not 1 <= position <= len(ordered) + 1:
            raise ValidationError(f"Position must be between 1 and {len(ordered) + 1}",
                                  "position")
        before = status.position
        ordered.insert(position - 1, status)
        _renumber(ordered)
        audit(actor, "status.move", "status", status.id, {"position": before},
              {"position": position})
    return list_statuses()


def set_status_active(actor: Actor, name: str, active: bool) -> StatusInfo:
    """Deactivate (hide from new choices) or reactivate a status; orders keep it."""
    with writing():
        actor = fresh(actor)
        require_admin(actor, "edit statuses")
        status = _get(name)
        before = status.active
        status.active = active
        status.save()
        audit(actor, "status.active", "status", status.id, {"active": before},
              {"active": active})
    return StatusInfo(status.id, status.name, status.position, status.active)


def delete_status(actor: Actor, name: str) -> str:
    """Delete a status that no order uses (a used one must be deactivated instead);
    returns its name as it was stored."""
    with writing():
        actor = fresh(actor)
        require_admin(actor, "edit statuses")
        status = _get(name)
        used = ContactOrder.select().where(ContactOrder.status == status).count()
        if used:
            raise ValidationError(
                f"Status '{status.name}' is used by {plural(used, 'order')}; "
                + ("deactivate it instead" if status.active else
                   "it is deactivated, so new orders cannot get it; it stays for them"))
        status.delete_instance()
        _renumber(list(Status.select().order_by(Status.position, Status.id)))
        audit(actor, "status.delete", "status", status.id, {"name": status.name}, None)
        return status.name


def resolve(name: str | None, *, allow_inactive_id: int | None = None) -> Status | None:
    """The Status row for a name (inside a unit of work); inactive only if already set."""
    if name is None or not name.strip():
        return None
    status = named(name)
    if status is None:
        known = ", ".join(s.name for s in Status.select().where(Status.active == True)  # noqa: E712
                          .order_by(Status.position))
        raise ValidationError(f"Unknown status '{name}'; known: {known}", "status")
    if not status.active and status.id != allow_inactive_id:
        raise ValidationError(f"Status '{status.name}' is deactivated", "status")
    return status
