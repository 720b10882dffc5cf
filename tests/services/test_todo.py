"""To-do: bookings grouped by the organisation's day; assigning bookings to colleagues."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from crm_tui.db.database import db
from crm_tui.db.models import Outbox
from crm_tui.domain.errors import PermissionDenied, ValidationError
from crm_tui.domain.records import Actor, Todo
from crm_tui.services import audit_log, bookings, notifications, orders, settings, todo, users
from tests.conftest import make_user
from tests.services.helpers import new_order, refused

ZONE = "Europe/Stockholm"  # CET (UTC+1) in early March: local midnight is 23:00 UTC
TZ = ZoneInfo(ZONE)

# label -> local start; "now" is 2026-03-10 12:00 in Stockholm.
TIMES = {
    "last year": "2025-12-01 10:00",
    "yesterday late": "2026-03-09 23:30",
    "just after midnight": "2026-03-10 00:30",  # still 9 March in UTC
    "this morning": "2026-03-10 08:00",
    "tonight": "2026-03-10 23:30",
    "tomorrow early": "2026-03-11 00:30",  # still 10 March in UTC
    "next month": "2026-04-02 09:00",
}


def groups(items: Todo) -> tuple[list[str], list[str], list[str]]:
    """Booking notes (= labels) per group."""
    return ([i.booking.note for i in items.overdue], [i.booking.note for i in items.today],
            [i.booking.note for i in items.upcoming])


@pytest.fixture
def booked(admin: Actor) -> dict[str, int]:
    """One booking per TIMES label for the admin, on two orders; returns booking ids."""
    settings.set_value(admin, "timezone", ZONE)
    pump = new_order(admin, "Pump check", customer="Acme", status="Contacted")
    lift = new_order(admin, "Lift check", customer="Bergström Värme AB")
    return {label: bookings.add_booking(admin, pump if i % 2 else lift, at, "phone",
                                        note=label).id
            for i, (label, at) in enumerate(TIMES.items())}


EXPECTED = (["last year", "yesterday late"],
            ["just after midnight", "this morning", "tonight"],
            ["tomorrow early", "next month"])


def test_todo_says_when_there_are_more_upcoming_than_it_lists(
        admin: Actor, booked: dict[str, int]) -> None:
    """Upcoming stopped at 200 bookings without a word; it says there are more now."""
    now = dt.datetime(2026, 3, 10, 12, 0, tzinfo=TZ)
    cut = todo.todo(admin, now=now, upcoming_limit=1)
    assert ([i.booking.note for i in cut.upcoming], cut.more_upcoming) == (
        ["tomorrow early"], True)
    whole = todo.todo(admin, now=now, upcoming_limit=2)
    assert (groups(whole), whole.more_upcoming) == (EXPECTED, False)


def test_todo_groups_by_the_organisations_day(admin: Actor, booked: dict[str, int]) -> None:
    """Overdue / today / upcoming follow local midnight, not UTC midnight."""
    now = dt.datetime(2026, 3, 10, 12, 0, tzinfo=TZ)
    items = todo.todo(admin, now=now)
    assert groups(items) == EXPECTED
    # A naive 'now' is read as local time too.
    assert groups(todo.todo(admin, now=now.replace(tzinfo=None))) == EXPECTED
    first = items.today[0]
    assert first.booking.at == dt.datetime(2026, 3, 10, 0, 30, tzinfo=TZ)
    assert first.booking.at.utcoffset() == dt.timedelta(hours=1)
    assert (first.subject, first.customer, first.status, first.completed) == (
        "Lift check", "Bergström Värme AB", "New lead", False)
    pump_item = items.today[1]
    assert (pump_item.subject, pump_item.customer, pump_item.status) == (
        "Pump check", "Acme", "Contacted")
    assert pump_item.order_serial != first.order_serial

    # Done bookings vanish; undoing brings them back.
    bookings.set_done(admin, booked["this morning"])
    bookings.set_done(admin, booked["last year"])
    assert groups(todo.todo(admin, now=now)) == (
        ["yesterday late"], ["just after midnight", "tonight"], EXPECTED[2])
    bookings.set_done(admin, booked["this morning"], done=False)
    assert groups(todo.todo(admin, now=now))[1] == EXPECTED[1]
    # Marking it so again changes nothing, and the audit says nothing changed
    events = len(audit_log.recent(admin, entity="booking", limit=1000))
    again = bookings.set_done(admin, booked["last year"])
    assert again.done and len(audit_log.recent(admin, entity="booking", limit=1000)) == events
    assert [b.done for b in orders.get_order(admin, first.order_serial).bookings].count(
        True) == 1

    # A day later everything shifts by one day.
    later = groups(todo.todo(admin, now=now + dt.timedelta(days=1)))
    assert later == (["yesterday late", "just after midnight", "this morning", "tonight"],
                     ["tomorrow early"], ["next month"])


def test_todo_across_the_spring_dst_change(admin: Actor) -> None:
    """On the 23-hour day (29 March 2026) 'today' ends at local midnight."""
    settings.set_value(admin, "timezone", ZONE)
    serial = new_order(admin, "DST")
    for label, at in [("before jump", "2026-03-29 01:30"), ("after jump", "2026-03-29 03:30"),
                      ("late", "2026-03-29 23:30"), ("next day", "2026-03-30 00:15")]:
        bookings.add_booking(admin, serial, at, "digital", note=label)
    now = dt.datetime(2026, 3, 29, 12, 0, tzinfo=TZ)
    assert groups(todo.todo(admin, now=now)) == (
        [], ["before jump", "after jump", "late"], ["next day"])


def test_todo_with_a_utc_now_still_uses_the_organisations_day(admin: Actor,
                                                              booked: dict[str, int]) -> None:
    """'now' given in UTC is the same instant; the grouping must not change."""
    local = dt.datetime(2026, 3, 11, 0, 45, tzinfo=TZ)
    as_utc = local.astimezone(dt.UTC)
    assert groups(todo.todo(admin, now=as_utc)) == groups(todo.todo(admin, now=local))


def test_booking_for_a_colleague_needs_assign_and_notifies_them(admin: Actor) -> None:
    """Giving a booking to someone else needs 'assign'; the new assignee is notified."""
    settings.set_value(admin, "channels.email", "on")
    carol = make_user(admin, "carol", "view", "edit", "assign")
    bob = make_user(admin, "bob", "view-assigned", email="bob@example.com")
    dave = make_user(admin, "dave", "view", "edit")
    serial = new_order(admin, "Boiler", assignees=["bob"])
    at = "2026-03-10 09:00"

    refused(lambda: bookings.add_booking(dave, serial, at, "phone", assignee="bob"),
            PermissionDenied, match=("dave", "assign"))
    refused(lambda: bookings.add_booking(bob, serial, at, "phone", assignee="carol"),
            PermissionDenied, match=("assign",))
    own = bookings.add_booking(dave, serial, at, "phone")
    refused(lambda: bookings.edit_booking(dave, own.id, assignee="bob"), PermissionDenied,
            match=("assign",))
    assert notifications.list_notifications(dave) == []

    meeting = bookings.add_booking(carol, serial, "2026-03-12 14:00", "meeting",
                                   assignee="bob", remind_before=30)
    assert meeting.assignee == "bob"
    assert meeting.reminder_at == meeting.at - dt.timedelta(minutes=30)
    [note] = [n for n in notifications.list_notifications(bob) if n.kind == "booking-assigned"]
    assert "meeting" in note.text and str(serial) in note.text and "Carol" in note.text
    assert notifications.unread_count(bob) == 2  # the order assignment, then the booking
    with db.connection_context():
        deliveries = {(o.channel, o.recipient, o.status) for o in
                      Outbox.select().where(Outbox.notification == note.id)}
    assert deliveries == {("inapp", "bob", "sent"), ("email", "bob@example.com", "pending")}
    bob_todo = todo.todo(bob, now=dt.datetime(2026, 3, 10, 8, 0))
    assert [i.booking.id for i in bob_todo.upcoming] == [meeting.id]
    seen_by_admin = todo.todo(admin, "bob", now=dt.datetime(2026, 3, 10, 8, 0))
    assert seen_by_admin == bob_todo  # the same items, the booking's assignee is bob
    [item] = seen_by_admin.upcoming
    assert (item.booking.assignee, item.order_serial) == ("bob", serial)
    row = orders.get_order(admin, serial).row
    assert (item.customer, item.status, item.subject) == (row.customer, row.status, "Boiler")
    assert item.customer and item.status

    moved = bookings.edit_booking(carol, meeting.id, assignee="dave")
    assert moved.assignee == "dave"
    assert [n.kind for n in notifications.list_notifications(dave)] == ["booking-assigned"]
    assert todo.todo(bob, now=dt.datetime(2026, 3, 10, 8, 0)).upcoming == ()
    dave_todo = todo.todo(dave, now=dt.datetime(2026, 3, 10, 8, 0))
    assert {i.booking.id for i in dave_todo.today + dave_todo.upcoming} == {own.id, meeting.id}

    # Own bookings notify nobody; deactivated colleagues cannot get bookings.
    bookings.add_booking(carol, serial, at, "email")
    assert notifications.list_notifications(carol) == []
    users.set_active(admin, "dave", False)
    refused(lambda: bookings.add_booking(carol, serial, at, "phone", assignee="dave"),
            ValidationError, match=("deactivated",))

    assert notifications.mark_read(bob) == 2
    assert notifications.list_notifications(bob) == []
    assert len(notifications.list_notifications(bob, include_read=True)) == 2


def test_the_next_booking_marks_the_one_it_follows_done_in_one_go(admin: Actor) -> None:
    """add_booking(done_before=…) books the next contact and marks the earlier booking
    of the same order done together; one of another order is refused and neither
    happens."""
    serial, other = new_order(admin), new_order(admin, "Other visit")
    first = bookings.add_booking(admin, serial, "2026-11-26 10:00", "phone")
    elsewhere = bookings.add_booking(admin, other, "2026-11-26 11:00", "phone")
    refused(lambda: bookings.add_booking(admin, serial, "2027-05-28 10:00", "phone",
                                         done_before=elsewhere.id), ValidationError,
            match=(f"Booking {elsewhere.id} is not of order {serial}",))
    assert [b.done for b in orders.get_order(admin, serial).bookings] == [False]
    nxt = bookings.add_booking(admin, serial, "2027-05-28 10:00", "phone",
                               done_before=first.id)
    done = {b.id: b.done for b in orders.get_order(admin, serial).bookings}
    assert done == {first.id: True, nxt.id: False}
