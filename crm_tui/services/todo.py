"""The to-do list: a user's open bookings as overdue, today and upcoming."""

from __future__ import annotations

import datetime as dt

from crm_tui.db.models import Booking, ContactOrder, Customer, Status, User
from crm_tui.domain.errors import PermissionDenied
from crm_tui.domain.permissions import Perm
from crm_tui.domain.records import Actor, Todo, TodoItem
from crm_tui.services.base import fresh, get_user_row, reading, require_some_view
from crm_tui.services.bookings import booking_info
from crm_tui.services.timezone import local_now, to_utc, zone


def todo(actor: Actor, username: str | None = None, *, now: dt.datetime | None = None,
         upcoming_limit: int = 200) -> Todo:
    """Open bookings of a user (default: the actor); others' need 'view' or admin."""
    with reading():
        actor = fresh(actor)
        require_some_view(actor)
        user = get_user_row(username) if username else User.get_by_id(actor.id)
        if user.id != actor.id and not actor.has(Perm.VIEW):
            raise PermissionDenied(f"{actor.username} may not see the to-do of {user.username}")
        local = now.astimezone(zone()) if now and now.tzinfo else (now or local_now())
        start_of_day = to_utc(local.replace(hour=0, minute=0, second=0, microsecond=0))
        tomorrow = to_utc((local + dt.timedelta(days=1)).replace(
            hour=0, minute=0, second=0, microsecond=0))
        base = (Booking.select(Booking, User.username.alias("assignee_name"),
                               ContactOrder.serial, ContactOrder.subject,
                               ContactOrder.completed, Customer.name.alias("customer_name"),
                               Status.name.alias("status_name"))
                .join(User, on=Booking.assignee == User.id).switch(Booking)
                .join(ContactOrder, on=Booking.order == ContactOrder.id)
                .join(Customer, on=ContactOrder.customer == Customer.id).switch(ContactOrder)
                .left_outer_join(Status, on=ContactOrder.status == Status.id)
                .where((Booking.assignee == user.id) & (Booking.done == False))  # noqa: E712
                .order_by(Booking.starts_at, Booking.id).objects())

        def items(query: object) -> tuple[TodoItem, ...]:
            return tuple(TodoItem(
                booking=booking_info(b, b.serial, b.assignee_name), order_serial=b.serial,
                subject=b.subject,
                customer=b.customer_name, status=b.status_name, completed=bool(b.completed))
                for b in query)

        return Todo(
            overdue=items(base.where(Booking.starts_at < start_of_day)),
            today=items(base.where((Booking.starts_at >= start_of_day)
                                   & (Booking.starts_at < tomorrow))),
            upcoming=items(base.where(Booking.starts_at >= tomorrow).limit(upcoming_limit)))
