"""The to-do list: a user's open bookings as overdue, today and upcoming."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crm_tui.db.models import Booking, ContactOrder, Customer, Status
from crm_tui.domain.errors import PermissionDenied
from crm_tui.domain.permissions import Perm
from crm_tui.domain.records import Actor, BookingInfo, Todo, TodoItem
from crm_tui.services.base import fresh, get_user_row, reading, require_some_view
from crm_tui.services.timezone import local_now, to_local, to_utc, zone


def todo(actor: Actor, username: str | None = None, *, now: dt.datetime | None = None,
         upcoming_limit: int = 200) -> Todo:
    """Open bookings of a user (default: the actor); others' need 'view' or admin."""
    with reading():
        actor = fresh(actor)
        require_some_view(actor)
        user_id, owner = actor.id, actor.username  # fresh() has just read the actor
        if username and username != actor.username:
            user = get_user_row(username)
            if not actor.has(Perm.VIEW):
                raise PermissionDenied(
                    f"{actor.username} may not see the to-do of {user.username}")
            user_id, owner = user.id, user.username
        local = now.astimezone(zone()) if now and now.tzinfo else (now or local_now())
        start_of_day = to_utc(local.replace(hour=0, minute=0, second=0, microsecond=0))
        tomorrow = to_utc((local + dt.timedelta(days=1)).replace(
            hour=0, minute=0, second=0, microsecond=0))
        tz = zone()
        # names as scalar subqueries: PostgreSQL plans a two-table join, not five
        base = (Booking.select(Booking.id, Booking.kind, Booking.starts_at,
                               Booking.duration_minutes, Booking.remind_at, Booking.done,
                               Booking.note, Booking.version, ContactOrder.serial,
                               ContactOrder.subject, ContactOrder.completed,
                               Customer.select(Customer.name)
                               .where(Customer.id == ContactOrder.customer),
                               Status.select(Status.name)
                               .where(Status.id == ContactOrder.status))
                .join(ContactOrder, on=Booking.order == ContactOrder.id)
                .where((Booking.assignee == user_id) & (Booking.done == False))  # noqa: E712
                .order_by(Booking.starts_at, Booking.id).tuples())

        def item(row: tuple[Any, ...]) -> TodoItem:
            (bid, kind, starts, minutes, remind, done, note, version, serial, subject,
             completed, customer, status) = row
            return TodoItem(
                booking=BookingInfo(bid, serial, kind, to_local(starts, tz), minutes, owner,
                                    to_local(remind, tz) if remind else None, bool(done),
                                    note, version),
                order_serial=serial, subject=subject, customer=customer, status=status,
                completed=bool(completed))

        # two reads: everything before tomorrow (overdue and today), then what's next
        due = list(base.where(Booking.starts_at < tomorrow))  # starts_at: naive UTC
        upcoming = base.where(Booking.starts_at >= tomorrow).limit(upcoming_limit)
        return Todo(
            overdue=tuple(item(row) for row in due if row[2] < start_of_day),
            today=tuple(item(row) for row in due if row[2] >= start_of_day),
            upcoming=tuple(item(row) for row in upcoming))
