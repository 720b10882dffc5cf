"""The to-do list: a user's open bookings as overdue, today and upcoming."""

from __future__ import annotations

import datetime as dt

from crm_tui.db.database import db
from crm_tui.domain.errors import PermissionDenied
from crm_tui.domain.permissions import Perm
from crm_tui.domain.records import Actor, BookingInfo, Todo, TodoItem
from crm_tui.services.base import fresh, reading, require_some_view, user_id_named
from crm_tui.services.timezone import local_now, stored_to_local, to_utc, zone


def todo(actor: Actor, username: str | None = None, *, now: dt.datetime | None = None,
         upcoming_limit: int = 200) -> Todo:
    """Open bookings of a user (default: the actor); others' need 'view' or admin."""
    with reading():
        actor = fresh(actor)
        require_some_view(actor)
        user_id, owner = actor.id, actor.username  # fresh() has just read the actor
        if username and username != actor.username:
            user_id, owner = user_id_named(username)
            if not actor.has(Perm.VIEW):
                raise PermissionDenied(f"{actor.username} may not see the to-do of {owner}")
        local = now.astimezone(zone()) if now and now.tzinfo else (now or local_now())
        start_of_day = to_utc(local.replace(hour=0, minute=0, second=0, microsecond=0))
        tomorrow = to_utc((local + dt.timedelta(days=1)).replace(
            hour=0, minute=0, second=0, microsecond=0))
        tz = zone()
        # Written out (a fixed statement, asked twice per to-do): built by peewee it took
        # longer than the database's work. Names as scalar subqueries: PostgreSQL plans
        # a two-table join, not five.
        mark = db.param
        statement = (
            "SELECT b.id, b.kind, b.starts_at, b.duration_minutes, b.remind_at, b.done, "
            "b.note, b.version, o.serial, o.subject, o.completed, "
            "(SELECT c.name FROM customer AS c WHERE c.id = o.customer_id), "
            "(SELECT s.name FROM status AS s WHERE s.id = o.status_id) "
            "FROM booking AS b JOIN contact_order AS o ON o.id = b.order_id "
            f"WHERE b.assignee_id = {mark} AND b.done = {mark} AND b.starts_at {{}} {mark} "
            "ORDER BY b.starts_at, b.id{}")

        def read(compare: str, limit: str = "") -> list[TodoItem]:
            """The bookings, in to-do order."""
            return [TodoItem(BookingInfo(bid, serial, kind, stored_to_local(starts, tz),
                                         minutes, owner,
                                         stored_to_local(remind, tz) if remind else None,
                                         bool(done), note, version),
                             serial, subject, customer, status, bool(completed))
                    for (bid, kind, starts, minutes, remind, done, note, version, serial,
                         subject, completed, customer, status) in db.execute_sql(
                        statement.format(compare, limit), (user_id, False, tomorrow))]

        # two reads: everything before tomorrow (overdue and today), then what's next
        due = read("<")  # starts_at: naive UTC
        day_starts = start_of_day.replace(tzinfo=dt.UTC)  # compared as instants
        upcoming = read(">=", f" LIMIT {int(upcoming_limit) + 1}")  # one more: are there?
        return Todo(
            overdue=tuple(item for item in due if item.booking.at < day_starts),
            today=tuple(item for item in due if item.booking.at >= day_starts),
            upcoming=tuple(upcoming[:upcoming_limit]),
            more_upcoming=len(upcoming) > upcoming_limit)
