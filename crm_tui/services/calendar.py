"""iCalendar export of a user's bookings, with an alarm at each reminder."""

from __future__ import annotations

import datetime as dt

from icalendar import Alarm, Calendar, Event

from crm_tui.db.models import Booking, ContactOrder, Customer, User
from crm_tui.domain.errors import PermissionDenied
from crm_tui.domain.permissions import Perm
from crm_tui.domain.records import Actor
from crm_tui.services.base import fresh, get_user_row, reading, require_some_view
from crm_tui.services.timezone import to_local


def export_ics(actor: Actor, username: str | None = None) -> bytes:
    """The open bookings of a user (default: the actor) as an iCalendar file."""
    with reading():
        actor = fresh(actor)
        require_some_view(actor)
        user = get_user_row(username) if username else User.get_by_id(actor.id)
        if user.id != actor.id and not actor.has(Perm.VIEW):
            raise PermissionDenied(
                f"{actor.username} may not export the calendar of {user.username}")
        query = (Booking.select(Booking, ContactOrder, Customer)
                 .join(ContactOrder).join(Customer)
                 .where((Booking.assignee == user.id) & (Booking.done == False))  # noqa: E712
                 .order_by(Booking.starts_at, Booking.id))
        cal = Calendar()
        cal.add("prodid", "-//crm-tui//contact orders//EN")
        cal.add("version", "2.0")
        cal.add("x-wr-calname", f"crm-tui: {user.display_name or user.username}")
        for booking in query:
            cal.add_component(_event(booking))
        cal.add_missing_timezones()
    return cal.to_ical()


def _event(booking: Booking) -> Event:
    order = booking.order
    start = to_local(booking.starts_at)
    event = Event()
    event.add("uid", f"booking-{booking.id}@crm-tui")
    event.add("dtstamp", dt.datetime.now(dt.UTC))
    event.add("dtstart", start)
    event.add("dtend", start + dt.timedelta(minutes=booking.duration_minutes))
    event.add("summary", f"{booking.kind.capitalize()}: {order.subject} — {order.customer.name}")
    lines = [f"Contact order {order.serial}", f"Customer: {order.customer.name}"]
    if order.contact_name or order.contact_phone:
        lines.append(f"Contact: {order.contact_name} {order.contact_phone}".strip())
    if booking.note:
        lines.append(booking.note)
    event.add("description", "\n".join(lines))
    if booking.remind_at is not None:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Reminder: {order.subject}")
        alarm.add("trigger", booking.remind_at - booking.starts_at)
        event.add_component(alarm)
    return event
