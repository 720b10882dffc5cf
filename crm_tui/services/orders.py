"""Contact orders: create, edit, assign, complete, reopen, delete, show."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from peewee import fn

from crm_tui.db import ids
from crm_tui.db.models import (
    NO_DATE,
    Assignment,
    AuditEvent,
    Booking,
    ContactOrder,
    Counter,
    Customer,
    Facility,
    Note,
    ServiceObject,
    Status,
    User,
    utcnow,
)
from crm_tui.domain.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from crm_tui.domain.permissions import Perm
from crm_tui.domain.records import Actor, NoteInfo, OrderDetail, OrderInput, OrderRow
from crm_tui.domain.text import name_key, search_blob
from crm_tui.services import notes, registers, statuses, validate
from crm_tui.services.base import audit, fresh, get_user_row, reading, require, writing
from crm_tui.services.notifications import notify
from crm_tui.services.timezone import to_local
from crm_tui.services.visibility import row_of, visible_order

TRACKED = ("subject", "customer", "facility", "service_object", "contact_name",
           "contact_phone", "contact_email", "status", "scheduled", "hours", "assignees",
           "completed")


def _next_serial() -> int:
    Counter.insert(name="order_serial", value=0).on_conflict_ignore().execute()
    Counter.update(value=Counter.value + 1).where(Counter.name == "order_serial").execute()
    value = Counter.get(Counter.name == "order_serial").value
    highest = ContactOrder.select(fn.MAX(ContactOrder.serial)).scalar() or 0
    if value <= highest:  # imported or restored rows: never collide, never reuse
        value = highest + 1
        Counter.update(value=value).where(Counter.name == "order_serial").execute()
    return value


def _snapshot(order: ContactOrder) -> dict[str, Any]:
    """The tracked fields of an order, as plain values for audit and conflicts."""
    assignees = sorted(u for (u,) in Assignment.select(User.username).join(User)
                       .where(Assignment.order == order).tuples())
    return {
        "subject": order.subject, "customer": order.customer_id,
        "facility": order.facility_id, "service_object": order.service_object_id,
        "contact_name": order.contact_name, "contact_phone": order.contact_phone,
        "contact_email": order.contact_email, "status": order.status_id,
        "scheduled": order.scheduled.isoformat() if order.scheduled else None,
        "hours": str(Decimal(order.hours).quantize(Decimal("0.01"))),
        "assignees": assignees, "completed": bool(order.completed),
    }


def _refresh_search(order: ContactOrder) -> None:
    order.search_text = search_blob(str(order.serial), order.subject, order.contact_name,
                                    order.contact_phone, order.contact_email)


def _users(usernames: list[str]) -> list[User]:
    out = []
    for name in dict.fromkeys(u.strip() for u in usernames if u.strip()):
        user = get_user_row(name)
        if not user.active:
            raise ValidationError(f"User '{name}' is deactivated", "assignees")
        out.append(user)
    return out


def _check_assign(actor: Actor, users: list[User]) -> None:
    others = [u for u in users if u.id != actor.id]
    if others:
        require(actor, Perm.ASSIGN, action="assign orders to others")
    elif users:
        require(actor, Perm.ASSIGN, Perm.ASSIGN_SELF, action="assign orders to themselves")


def _set_assignees(actor: Actor, order: ContactOrder, users: list[User],
                   *, replace: bool) -> list[User]:
    """Apply assignees; returns newly assigned users (to be notified)."""
    current = {a.user_id: a for a in Assignment.select().where(Assignment.order == order)}
    wanted = {u.id for u in users}
    if replace:
        removed = [uid for uid in current if uid not in wanted]
        if removed:
            if any(uid != actor.id for uid in removed):
                require(actor, Perm.ASSIGN, action="unassign others")
            Assignment.delete().where((Assignment.order == order)
                                      & Assignment.user.in_(removed)).execute()
    added = [u for u in users if u.id not in current]
    for user in added:
        Assignment.create(order=order, user=user, assigned_by=actor.id)
    return added


def _notify_assigned(actor: Actor, order: ContactOrder, users: list[User]) -> None:
    for user in users:
        if user.id != actor.id:
            notify(user, "assigned",
                   f"{actor.label} assigned you contact order {order.serial}: {order.subject}",
                   order=order)


def _resolve_links(actor: Actor, data: OrderInput, order: ContactOrder | None,
                   added: list[str] | None = None) -> dict[str, Any]:
    """Customer, facility and service object from ids or names, filled in from each
    other; a new name is added to its register, and named in ``added``."""
    added = [] if added is None else added
    obj: ServiceObject | None = None
    facility: Facility | None = None
    customer: Customer | None = None
    if data.customer_id is not None:
        customer = Customer.get_or_none(Customer.id == data.customer_id)
        if customer is None:
            raise NotFound(registers.gone("customer", data.customer_id), "customer")
    if data.facility_id is not None:
        facility = Facility.get_or_none(Facility.id == data.facility_id)
        if facility is None:
            raise NotFound(registers.gone("facility", data.facility_id), "facility")
    if data.service_object_id is not None:
        obj = ServiceObject.get_or_none(ServiceObject.id == data.service_object_id)
        if obj is None:
            raise NotFound(registers.gone("service object", data.service_object_id),
                           "service_object")
    if customer is None and data.customer is not None:
        customer, created = _resolve_customer(actor, data)
        if created:
            added.append(f"customer {customer.name}"
                         + (f" ({customer.number})" if customer.number else ""))
    if obj is None and data.service_object:
        # on an edit, among the order's customer's objects (unless another is given)
        owner = customer or (order.customer if order is not None else None)
        obj = registers.find_service_object(data.service_object, owner, facility)
    if obj is not None:
        if (facility is None and obj.facility_id is not None and data.facility
                and name_key(data.facility) != name_key(obj.facility.name)):
            raise _elsewhere(obj, data.facility)  # a facility named, the object elsewhere
        facility = facility or obj.facility
        customer = customer or obj.customer or (obj.facility.customer if obj.facility else None)
    if facility is None and data.facility:
        if customer is None and order is not None:
            customer = order.customer
        if customer is None:
            facility = registers.find_facility(data.facility)
        else:
            facility, created = registers.resolve_facility(
                actor, customer, data.facility, dict(data.facility_details), data.on_duplicate)
            if created:
                added.append(f"facility {facility.name}")
    if facility is not None and customer is None:
        customer = facility.customer
    out: dict[str, Any] = {}
    if customer is not None:
        out["customer"] = customer
    elif order is None:
        raise ValidationError("A contact order needs a customer", "customer")
    customer = customer or (order.customer if order else None)
    if facility is not None:
        if facility.customer_id != customer.id:
            raise ValidationError(f"Facility '{facility.name}' belongs to another customer",
                                  "facility")
        out["facility"] = facility
    if obj is not None:
        if obj.customer_id and obj.customer_id != customer.id:
            raise ValidationError(f"Service object '{obj.name}' belongs to another customer",
                                  "service_object")
        out["service_object"] = obj
    if data.facility == "" and data.facility_id is None:
        out["facility"] = None
    if data.service_object == "" and data.service_object_id is None:
        out["service_object"] = None
    if order is not None and customer.id != order.customer_id:
        # Another customer, the facility and object left as they were: those of the
        # customer before go (they would have stayed on an order not theirs).
        if "facility" not in out and order.facility_id is not None:
            out["facility"] = None
        if "service_object" not in out and order.service_object_id is not None:
            kept = order.service_object
            owner = kept.customer_id or (kept.facility.customer_id if kept.facility_id
                                         else None)
            if owner != customer.id:
                out["service_object"] = None
    site = out["facility"] if "facility" in out else (order.facility if order else None)
    unit = out["service_object"] if "service_object" in out else (
        order.service_object if order else None)
    if unit is not None and unit.facility_id is not None and (
            site is None or site.id != unit.facility_id):
        raise _elsewhere(unit, site.name if site is not None else None)
    return out


def _elsewhere(unit: ServiceObject, site: str | None) -> ValidationError:
    """A service object at one facility on an order at another facility, or at none
    (the order showed one place and its object another)."""
    elsewhere = f", not at '{site}'" if site else ""
    return ValidationError(f"Service object '{unit.name}' is at facility "
                           f"'{unit.facility.name}'{elsewhere}: choose one there, or leave "
                           "the service object empty", "service_object")


def _resolve_customer(actor: Actor, data: OrderInput) -> tuple[Customer, bool]:
    """The customer named in ``data``, and whether it was made now."""
    details = dict(data.customer_details) or {
        "phone": data.contact_phone or "", "email": data.contact_email or ""}
    return registers.resolve_customer(actor, data.customer or "", details,
                                      data.on_duplicate)


def _apply_fields(order: ContactOrder, data: OrderInput) -> None:
    if data.subject is not None:
        order.subject = validate.subject(data.subject)
    if data.contact_name is not None:
        order.contact_name = validate.text(data.contact_name, "contact_name")
    if data.contact_phone is not None:
        order.contact_phone = validate.phone(data.contact_phone, "contact_phone")
    if data.contact_email is not None:
        order.contact_email = validate.email(data.contact_email, "contact_email")
    if data.scheduled is not None:
        order.scheduled = validate.date(data.scheduled)
        order.sort_date = order.scheduled or NO_DATE
    if data.hours is not None:
        order.hours = validate.hours(data.hours)


def _validate_input(data: OrderInput) -> None:
    """Check plain fields before touching the database, so nothing is half-written."""
    if data.subject is not None:
        validate.subject(data.subject)
    validate.text(data.contact_name, "contact_name")
    validate.phone(data.contact_phone, "contact_phone")
    validate.email(data.contact_email, "contact_email")
    if isinstance(data.scheduled, str):
        validate.date(data.scheduled)
    validate.hours(data.hours)


def create_order(actor: Actor, data: OrderInput, *, note: str = "") -> OrderDetail:
    """Create a contact order; unknown customer/facility names are created in the
    registers. ``note``, if given, is its first note, saved with it or not at all (saved
    after it, a dropped connection in between kept the order and lost the note)."""
    if data.subject is None:
        raise ValidationError("Subject must not be empty", "subject")
    _validate_input(data)
    body = notes.note_body(note) if note.strip() else None
    with writing():
        actor = fresh(actor)
        require(actor, Perm.CREATE, action="create contact orders")
        added_entries: list[str] = []
        links = _resolve_links(actor, data, None, added_entries)
        status = statuses.resolve(data.status) if data.status else _default_status()
        order = ContactOrder(serial=_next_serial(), created_by=actor.id, status=status,
                             **links, **ids.fresh(ContactOrder))
        _apply_fields(order, data)
        _refresh_search(order)
        order.save(force_insert=True)
        # Whom a new order is sent on to needs no 'assign': creating it is sending it
        # on ("service technicians can create a contact order and send it on to you
        # immediately", the manual; journeys 2 and 6: Bob, with create and
        # assign-self, assigns Anna). Changing the assignees afterwards needs it.
        users = _users(data.assignees or [])
        if not actor.has(Perm.VIEW) and all(u.id != actor.id for u in users):
            # One who sees only the orders they work on is assigned the order they
            # create: it vanished from their sight once saved.
            users.append(User.get_by_id(actor.id))
        added = _set_assignees(actor, order, users, replace=False)
        audit(actor, "order.create", "order", order.serial, None, _snapshot(order), 1)
        if body is not None:
            try:
                notes.append(actor, order, body)
            except PermissionDenied as exc:  # nothing is saved: the form keeps both
                raise PermissionDenied(f"{exc}. Save the order without the note, or "
                                       "assign yourself") from None
        _notify_assigned(actor, order, added)
        return replace(_detail(order), added=tuple(added_entries))


def _default_status() -> Status | None:
    return (Status.select().where(Status.active == True)  # noqa: E712
            .order_by(Status.position, Status.id).first())


def changed_since(serial: int, base_version: int) -> list[str]:
    """Fields changed in audit events after ``base_version`` of an order."""
    fields: set[str] = set()
    events = (AuditEvent.select().where((AuditEvent.entity == "order")
                                        & (AuditEvent.entity_id == str(serial))
                                        & (AuditEvent.version > base_version)))
    for event in events:
        before = json.loads(event.before) if event.before else {}
        after = json.loads(event.after) if event.after else {}
        fields.update(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    return [f for f in TRACKED if f in fields]


def _bump(actor: Actor, order: ContactOrder, before: dict[str, Any], action: str) -> None:
    after = _snapshot(order)
    changed = {k for k in after if before.get(k) != after[k]}
    if not changed:
        return
    order.version += 1
    order.updated_at = utcnow()
    _refresh_search(order)
    order.save()
    audit(actor, action, "order", order.serial, {k: before[k] for k in changed},
          {k: after[k] for k in changed}, order.version)


def _check_version(order: ContactOrder, base_version: int | None) -> None:
    if base_version is not None and base_version != order.version:
        fields = changed_since(order.serial, base_version)
        raise ConflictError(order.serial, base_version, order.version, fields,
                            shown_values(row_of(order.id), fields))


def shown_values(row: OrderRow, fields: Sequence[str]) -> dict[str, str]:
    """The order's ``fields`` as the list and form show them (for a conflict: what the
    other side saved)."""
    values: dict[str, Any] = {
        "subject": row.subject, "customer": row.customer, "facility": row.facility,
        "service_object": row.service_object, "contact_name": row.contact.name,
        "contact_phone": row.contact.phone, "contact_email": row.contact.email,
        "status": row.status, "scheduled": row.scheduled.isoformat() if row.scheduled else "",
        "hours": str(row.hours), "assignees": ", ".join(row.assignees),
        "completed": "yes" if row.completed else "no",
    }
    return {f: str(values[f] or "") for f in fields if f in values}


def edit_order(actor: Actor, serial: int, data: OrderInput,
               base_version: int | None = None) -> OrderDetail:
    """Change fields of an order; an old ``base_version`` raises ConflictError."""
    _validate_input(data)
    with writing():
        actor = fresh(actor)
        order = visible_order(actor, serial, lock=True)
        require(actor, Perm.EDIT, action="edit contact orders")
        _check_version(order, base_version)
        before = _snapshot(order)
        added_entries: list[str] = []
        for key, value in _resolve_links(actor, data, order, added_entries).items():
            setattr(order, key, value)
        if data.status is not None:
            order.status = (statuses.resolve(data.status, allow_inactive_id=order.status_id)
                            if data.status.strip() else None)
        _apply_fields(order, data)
        added: list[User] = []
        if data.assignees is not None:
            users = _users(data.assignees)
            new = [u for u in users if u.username not in before["assignees"]]
            _check_assign(actor, new)
            added = _set_assignees(actor, order, users, replace=True)
        order.save()
        _bump(actor, order, before, "order.edit")
        _notify_assigned(actor, order, added)
        return replace(_detail(order), added=tuple(added_entries))


def assign(actor: Actor, serial: int, usernames: list[str],
           base_version: int | None = None) -> OrderDetail:
    """Add assignees to an order; each new assignee is notified."""
    if not usernames:
        raise ValidationError("Name at least one user to assign", "assignees")
    with writing():
        actor = fresh(actor)
        order = visible_order(actor, serial, lock=True)
        _check_version(order, base_version)
        users = _users(usernames)
        _check_assign(actor, users)
        before = _snapshot(order)
        added = _set_assignees(actor, order, users, replace=False)
        _bump(actor, order, before, "order.assign")
        _notify_assigned(actor, order, added)
        return _detail(order)


def unassign(actor: Actor, serial: int, usernames: list[str]) -> OrderDetail:
    """Remove assignees from an order."""
    with writing():
        actor = fresh(actor)
        order = visible_order(actor, serial, lock=True)
        users = _users(usernames)
        if any(u.id != actor.id for u in users):
            require(actor, Perm.ASSIGN, action="unassign others")
        else:
            require(actor, Perm.ASSIGN, Perm.ASSIGN_SELF, action="unassign themselves")
        before = _snapshot(order)
        Assignment.delete().where((Assignment.order == order)
                                  & Assignment.user.in_([u.id for u in users])).execute()
        _bump(actor, order, before, "order.unassign")
        return _detail(order)


def set_completed(actor: Actor, serial: int, completed: bool,
                  base_version: int | None = None) -> OrderDetail:
    """Complete (archive) or reopen an order; its notes stay."""
    with writing():
        actor = fresh(actor)
        order = visible_order(actor, serial, lock=True)
        require(actor, Perm.EDIT, action="complete or reopen contact orders")
        _check_version(order, base_version)
        if bool(order.completed) == completed:
            word = "already completed" if completed else "not completed"
            raise ValidationError(f"Contact order {serial} is {word}")
        before = _snapshot(order)
        order.completed = completed
        order.completed_at = utcnow() if completed else None
        order.completed_by = actor.id if completed else None
        if not completed:
            # reopened: a reminder that fell due while it was completed is sent (late)
            # only if its contact is still ahead; one begun would remind of the past
            # (reopening an old order mailed "Late reminder … (begun)" for each, QA21 M2)
            Booking.update(reminder_sent=True).where(
                (Booking.order == order) & (Booking.reminder_sent == False)  # noqa: E712
                & (Booking.starts_at <= utcnow())).execute()
        _bump(actor, order, before, "order.complete" if completed else "order.reopen")
        return _detail(order)


def completed_message(detail: OrderDetail) -> str:
    """What completing an order says: its bookings still open are named (they stay in
    their to-do; a completed order reminds no one), as completing left them unsaid."""
    said = f"Contact order {detail.serial} completed"
    still = [b for b in detail.bookings if not b.done]
    if not still:
        return said
    first = still[0]
    more = f" and {len(still) - 1} more" if len(still) > 1 else ""
    return (f"{said}; its open booking{'s' if still[1:] else ''} ({first.kind} "
            f"{first.at:%Y-%m-%d %H:%M} for {first.assignee}{more}) "
            f"{'stay' if still[1:] else 'stays'} in the to-do, without reminders "
            "(d there marks one done)")


def delete_order(actor: Actor, serial: int) -> None:
    """Delete an order with its notes and bookings; the audit trail keeps a full copy."""
    with writing():
        actor = fresh(actor)
        order = visible_order(actor, serial, lock=True)
        require(actor, Perm.DELETE, action="delete contact orders")
        detail = _detail(order)
        snapshot = _snapshot(order) | {
            "notes": [{"at": n.at, "author": n.author, "text": n.text} for n in detail.notes],
            "bookings": [b.__dict__ for b in detail.bookings]}
        ids.retire(Booking, [b.id for b in detail.bookings])
        ids.retire(ContactOrder, [order.id])
        Booking.delete().where(Booking.order == order).execute()
        order.delete_instance(recursive=False, delete_nullable=False)
        audit(actor, "order.delete", "order", serial, snapshot, None, order.version + 1)


def existing(actor: Actor, serials: Sequence[int]) -> set[int]:
    """Which of ``serials`` are orders (any user's: a draft's order deleted since is
    told apart from one the user may not see)."""
    with reading():
        fresh(actor)
        if not serials:
            return set()
        return {serial for (serial,) in ContactOrder.select(ContactOrder.serial).where(
            ContactOrder.serial.in_(list(serials))).tuples()}


def get_order(actor: Actor, serial: int) -> OrderDetail:
    """One order with notes and bookings, if the actor may see it."""
    with reading():
        actor = fresh(actor)
        return _detail(visible_order(actor, serial))


def _detail(order: ContactOrder) -> OrderDetail:
    from crm_tui.services.bookings import booking_info

    notes = tuple(NoteInfo(n.id, to_local(n.created_at), n.author.username,
                           n.author.display_name or n.author.username, n.body)
                  for n in Note.select(Note, User).join(User)
                  .where(Note.order == order).order_by(Note.created_at, Note.id))
    bookings = tuple(booking_info(b, order.serial) for b in
                     Booking.select(Booking, User).join(User, on=Booking.assignee == User.id)
                     .where(Booking.order == order).order_by(Booking.starts_at, Booking.id))
    return OrderDetail(
        row=row_of(order.id), facility_id=order.facility_id,
        service_object_id=order.service_object_id, status_id=order.status_id,
        created_by=User.get_by_id(order.created_by_id).username,
        created_at=to_local(order.created_at),
        completed_by=(User.get_by_id(order.completed_by_id).username
                      if order.completed_by_id else None),
        version=order.version, notes=notes, bookings=bookings)
