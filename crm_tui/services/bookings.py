"""Bookings: the next contact (phone, meeting, digital, e-mail) with a reminder."""

from __future__ import annotations

import datetime as dt

from crm_tui.db import ids
from crm_tui.db.database import is_sqlite
from crm_tui.db.models import AuditEvent, Booking, ContactOrder, User, utcnow
from crm_tui.domain.errors import ConflictError, NotFound, ValidationError
from crm_tui.domain.permissions import Perm
from crm_tui.domain.records import Actor, BookingInfo, BookingKind
from crm_tui.services import validate, visibility
from crm_tui.services.base import audit, fresh, get_user_row, require, writing
from crm_tui.services.notes import require_order_work
from crm_tui.services.notifications import notify
from crm_tui.services.timezone import shown_by_clocks, to_local, to_utc
from crm_tui.services.visibility import visible_order

MAX_REMIND_MINUTES = 60 * 24 * 366


def booking_info(b: Booking, serial: int, assignee: str | None = None) -> BookingInfo:
    """Read model of a booking (times in the organisation's zone).

    Pass ``assignee`` when the query already selected the username (no extra query).
    """
    return BookingInfo(
        id=b.id, order_serial=serial, kind=b.kind, at=to_local(b.starts_at),
        duration_minutes=b.duration_minutes, assignee=assignee or b.assignee.username,
        reminder_at=to_local(b.remind_at) if b.remind_at else None, done=bool(b.done),
        note=b.note, version=b.version)


def _kind(kind: str) -> str:
    try:
        return BookingKind(kind.strip().lower().replace("-", "")).value
    except ValueError:
        raise ValidationError(f"Unknown booking kind '{kind}'; use one of "
                              f"{', '.join(k.value for k in BookingKind)}", "kind") from None


def _minutes(value: int | str | None, field: str, default: int | None,
             limit: int) -> int | None:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{field.capitalize()} must be a whole number of minutes, "
                              f"not '{value}'", field) from None
    if not 0 <= number <= limit:
        raise ValidationError(f"{field.capitalize()} must be between 0 and {limit} minutes",
                              field)
    return number


KIND_PHRASES = {"phone": "a phone call", "meeting": "a meeting",
                "digital": "a digital meeting", "email": "an e-mail contact"}
"""A booking's kind in a sentence ('a email contact' read wrong)."""


def _assignee(actor: Actor, username: str | None) -> User:
    user = get_user_row(username) if username else User.get_by_id(actor.id)
    if not user.active:
        raise ValidationError(f"User '{user.username}' is deactivated", "assignee")
    if user.id != actor.id:
        require(actor, Perm.ASSIGN, action="assign bookings to colleagues")
    return user


def add_booking(actor: Actor, serial: int, at: dt.datetime | str, kind: str, *,
                assignee: str | None = None, minutes: int | str | None = 30,
                remind_before: int | str | None = None, note: str = "",
                done_before: int | None = None) -> BookingInfo:
    """Book the next contact on an order; ``at`` is local time. ``done_before``: a
    booking of the same order this one follows, marked done with it (journey 1: the
    overdue call made, the next one booked; it stayed overdue until marked apart)."""
    starts_local = validate.datetime_local(at)
    kind = _kind(kind)
    duration = _minutes(minutes, "duration", 30, 60 * 24 * 30)
    remind = _minutes(remind_before, "reminder", None, MAX_REMIND_MINUTES)
    note = validate.text(note, "note", max_len=2000, lines=True)
    with writing():
        actor = fresh(actor)
        order = visible_order(actor, serial)
        require_order_work(actor, order, "book contacts")
        user = _assignee(actor, assignee)
        starts = to_utc(shown_by_clocks(starts_local))
        booking = Booking.create(
            order=order, kind=kind, starts_at=starts, duration_minutes=duration,
            assignee=user, remind_at=starts - dt.timedelta(minutes=remind)
            if remind is not None else None, note=note, created_by=actor.id,
            reminder_sent=_begun(starts), **ids.fresh(Booking))
        info = booking_info(booking, serial)
        audit(actor, "booking.add", "booking", booking.id, None, info.__dict__, 1)
        if done_before is not None:
            earlier, its_order = _booking(done_before)
            if its_order.id != order.id:
                raise ValidationError(f"Booking {done_before} is not of order {serial}",
                                      "done_before")
            _mark(actor, earlier, order, True)
        if user.id != actor.id:
            notify(user, "booking-assigned",
                   f"{actor.label} booked you {KIND_PHRASES.get(kind, kind)} on "
                   f"{info.at:%Y-%m-%d %H:%M} "
                   f"for order {serial}: {order.subject}", order=order, booking_id=booking.id)
        return info


def _begun(starts: dt.datetime) -> bool:
    """Whether a contact has begun (naive UTC): booked after the fact, its reminder
    has nothing left to remind of and is settled at once, not sent late (the worker
    sends a reminder it missed late: outbox.fire_due_reminders)."""
    return starts <= utcnow()


def _booking(booking_id: int) -> tuple[Booking, ContactOrder]:
    query = Booking.select().where(Booking.id == booking_id)
    if not is_sqlite():
        query = query.for_update()  # concurrent edits serialise; the version check holds
    booking = query.first()
    if booking is None:
        raise NotFound(_gone(booking_id))
    return booking, booking.order


def _gone(booking_id: int) -> str:
    """Why there is no booking ``booking_id``: its order was deleted (by whom and when:
    the deleted order's copy in the audit holds its bookings), else that there is none.
    A to-do's d on it said "No booking 1009"."""
    copied = f'{{"id": {int(booking_id)}, "order_serial": '  # as json.dumps wrote it
    deleted = (AuditEvent.select(AuditEvent.entity_id)
               .where((AuditEvent.action == "order.delete")
                      & AuditEvent.before.contains(copied))
               .order_by(AuditEvent.id.desc()).first())
    if deleted is None:
        return f"No booking {booking_id}"
    return f"The booking's order is gone: {visibility.gone(int(deleted.entity_id))}"


def edit_booking(actor: Actor, booking_id: int, *, at: dt.datetime | str | None = None,
                 kind: str | None = None, assignee: str | None = None,
                 minutes: int | str | None = None, remind_before: int | str | None = None,
                 note: str | None = None, base_version: int | None = None) -> BookingInfo:
    """Change a booking; reminders are re-armed when the time changes."""
    with writing():
        actor = fresh(actor)
        booking, order = _booking(booking_id)
        visible_order(actor, order.serial)
        require_order_work(actor, order, "edit bookings")
        if base_version is not None and base_version != booking.version:
            raise ConflictError(order.serial, base_version, booking.version, ["booking"])
        before = booking_info(booking, order.serial).__dict__
        lead = (booking.starts_at - booking.remind_at) if booking.remind_at else None
        if at is not None:
            booking.starts_at = to_utc(shown_by_clocks(validate.datetime_local(at)))
        if remind_before is not None:
            remind = _minutes(remind_before, "reminder", None, MAX_REMIND_MINUTES)
            lead = dt.timedelta(minutes=remind) if remind is not None else None
        booking.remind_at = booking.starts_at - lead if lead is not None else None
        if at is not None or remind_before is not None:
            booking.reminder_sent = _begun(booking.starts_at)
        if kind is not None:
            booking.kind = _kind(kind)
        if minutes is not None:
            booking.duration_minutes = _minutes(minutes, "duration", 30, 60 * 24 * 30)
        if note is not None:
            booking.note = validate.text(note, "note", max_len=2000, lines=True)
        new_user = None
        if assignee is not None and assignee != booking.assignee.username:
            new_user = _assignee(actor, assignee)
            booking.assignee = new_user
        booking.version += 1
        booking.save()
        info = booking_info(booking, order.serial)
        audit(actor, "booking.edit", "booking", booking.id, before, info.__dict__,
              booking.version)
        if new_user is not None and new_user.id != actor.id:
            notify(new_user, "booking-assigned",
                   f"{actor.label} gave you a {booking.kind} contact on "
                   f"{info.at:%Y-%m-%d %H:%M} for order {order.serial}: {order.subject}",
                   order=order, booking_id=booking.id)
        return info


def set_done(actor: Actor, booking_id: int, done: bool = True) -> BookingInfo:
    """Mark a booking done (or not done)."""
    with writing():
        actor = fresh(actor)
        booking, order = _booking(booking_id)
        visible_order(actor, order.serial)
        return _mark(actor, booking, order, done)


def _mark(actor: Actor, booking: Booking, order: ContactOrder, done: bool) -> BookingInfo:
    """set_done's change, inside the caller's unit of work (the order seen already)."""
    require_order_work(actor, order, "mark bookings done")
    before = bool(booking.done)
    if before == done:  # already so: no change, no audit row saying it changed
        return booking_info(booking, order.serial)
    booking.done = done
    booking.done_at = utcnow() if done else None
    if not done and _begun(booking.starts_at):
        booking.reminder_sent = True  # undone after its contact began: nothing to remind
    booking.version += 1
    booking.save()
    audit(actor, "booking.done" if done else "booking.undone", "booking", booking.id,
          {"done": before}, {"done": done}, booking.version)
    return booking_info(booking, order.serial)
