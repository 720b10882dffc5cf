"""When a reminder goes out: on time, late when no worker ran, never for a contact
booked after it began or of a completed order (on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import importlib
import select
import time

import pytest

from crm_tui.db import changes
from crm_tui.db.database import db, is_sqlite
from crm_tui.db.models import Booking, utcnow
from crm_tui.domain.records import Actor, OrderInput
from crm_tui.services import bookings, notifications, orders, outbox
from crm_tui.services.timezone import to_local
from tests.conftest import make_user


def _book(actor: Actor, minutes_ahead: int, remind_before: int) -> tuple[int, int]:
    """A new order of ``actor`` with a phone booking; (serial, booking id)."""
    serial = orders.create_order(actor, OrderInput(subject="Heat pump quote",
                                                   customer="Bergström Värme AB")).serial
    at = (to_local(utcnow()) + dt.timedelta(minutes=minutes_ahead)).replace(tzinfo=None)
    return serial, bookings.add_booking(actor, serial, at, "phone",
                                        remind_before=remind_before).id


def _texts(actor: Actor) -> list[str]:
    return [n.text for n in notifications.list_notifications(actor)]


def test_a_reminder_no_worker_sent_in_time_is_sent_late_and_says_so(admin: Actor) -> None:
    """QA20 H1: a reminder due while no worker ran was skipped for good once its
    contact had begun, with no trace. It goes out on the next pass, once, naming when
    it was due and that the contact has begun."""
    anna = make_user(admin, "anna", "view", "edit", "create")
    serial, _ = _book(anna, minutes_ahead=10, remind_before=5)
    assert outbox.fire_due_reminders() == 0  # not due yet
    later = utcnow() + dt.timedelta(minutes=20)  # the worker is back after the contact
    assert outbox.fire_due_reminders(now=later) == 1
    [text] = _texts(anna)
    assert text.startswith("Late reminder, due ") and ": phone contact at " in text
    assert f"order {serial}: Heat pump quote (Bergström Värme AB) (begun)" in text
    assert outbox.fire_due_reminders(now=later) == 0  # once


def test_a_reminder_at_the_contacts_time_is_sent(admin: Actor) -> None:
    """QA20 H2: "0 minutes before" was accepted and never sent (a reminder had to be
    due before its contact began). It goes out at the contact's time, as a reminder."""
    anna = make_user(admin, "anna", "view", "edit", "create")
    serial, _ = _book(anna, minutes_ahead=10, remind_before=0)
    assert outbox.fire_due_reminders(now=utcnow() + dt.timedelta(minutes=9)) == 0
    assert outbox.fire_due_reminders(now=utcnow() + dt.timedelta(minutes=10, seconds=30)) == 1
    [text] = _texts(anna)
    assert text.startswith("Reminder: phone contact at ") and f"order {serial}" in text


def test_no_reminder_for_a_completed_order_until_it_is_reopened(admin: Actor) -> None:
    """QA20 M4: a completed order's open booking still reminded its assignee."""
    anna = make_user(admin, "anna", "view", "edit", "create")
    serial, _ = _book(anna, minutes_ahead=10, remind_before=15)  # due now
    orders.set_completed(anna, serial, True)
    assert outbox.fire_due_reminders() == 0 and _texts(anna) == []
    orders.set_completed(anna, serial, False)
    assert outbox.fire_due_reminders() == 1


def test_reopening_or_undoing_done_reminds_of_no_contact_begun(admin: Actor) -> None:
    """An order reopened, or a booking undone, after its contact began mailed "Late
    reminder … (begun)" for a contact days over (QA21 M2); a contact still ahead is
    reminded."""
    anna = make_user(admin, "anna", "view", "edit", "create")
    serial, past = _book(anna, minutes_ahead=60, remind_before=30)
    ahead = bookings.add_booking(anna, serial, (to_local(utcnow()) + dt.timedelta(
        days=2)).replace(tzinfo=None), "phone", remind_before=3 * 24 * 60).id  # due
    orders.set_completed(anna, serial, True)
    _shift(past, hours=-72)  # days go by while it is completed
    orders.set_completed(anna, serial, False)
    assert outbox.fire_due_reminders() == 1  # the one ahead; not the one begun
    [text] = _texts(anna)
    assert "(begun)" not in text and text.endswith("(Bergström Värme AB)")
    with db.connection_context():
        assert Booking.get_by_id(ahead).reminder_sent and Booking.get_by_id(past).reminder_sent
    other, done = _book(anna, minutes_ahead=60, remind_before=30)
    bookings.set_done(anna, done, True)
    _shift(done, hours=-48)
    bookings.set_done(anna, done, False)
    assert outbox.fire_due_reminders(now=utcnow() + dt.timedelta(minutes=1)) == 0


def _shift(booking_id: int, *, hours: int) -> None:
    """Move a booking and its reminder in time, as if the days had gone by."""
    with db.atomic():
        booking = Booking.get_by_id(booking_id)
        Booking.update(starts_at=booking.starts_at + dt.timedelta(hours=hours),
                       remind_at=booking.remind_at + dt.timedelta(hours=hours)).where(
            Booking.id == booking_id).execute()


def test_a_reminder_of_a_contact_rebooked_after_it_began_is_settled(admin: Actor) -> None:
    """A booking moved into the past (entered after the fact) has nothing to remind
    of: its reminder is settled when written, not sent late; moved ahead again, it is
    armed again."""
    anna = make_user(admin, "anna", "view", "edit", "create")
    _, booking_id = _book(anna, minutes_ahead=60, remind_before=30)
    past = (to_local(utcnow()) - dt.timedelta(hours=2)).replace(tzinfo=None)
    bookings.edit_booking(anna, booking_id, at=past)
    assert outbox.fire_due_reminders(now=utcnow() + dt.timedelta(hours=1)) == 0
    ahead = (to_local(utcnow()) + dt.timedelta(minutes=20)).replace(tzinfo=None)
    bookings.edit_booking(anna, booking_id, at=ahead)
    assert outbox.fire_due_reminders() == 1  # 30 minutes before: due now


def test_the_upgrade_settles_reminders_skipped_before(admin: Actor) -> None:
    """Reminders the worker skipped before this version (contacts begun, unsent) are
    settled by migration 0011, not sent late in a burst; one still ahead is not."""
    anna = make_user(admin, "anna", "view", "edit", "create")
    _, skipped = _book(anna, minutes_ahead=60, remind_before=30)
    _, ahead = _book(anna, minutes_ahead=60, remind_before=30)
    with db.atomic():  # as the old worker left it: begun an hour ago, never sent
        Booking.update(starts_at=utcnow() - dt.timedelta(hours=1),
                       remind_at=utcnow() - dt.timedelta(hours=2)).where(
            Booking.id == skipped).execute()
        migration = importlib.import_module(
            "crm_tui.db.migrations.0011_settle_past_reminders")
        migration.up(None, db)
    with db.connection_context():
        sent = dict(Booking.select(Booking.id, Booking.reminder_sent).tuples())
    assert bool(sent[skipped]) and not sent[ahead]
    assert outbox.fire_due_reminders(now=utcnow() + dt.timedelta(minutes=45)) == 1


def test_a_worker_pass_with_nothing_to_do_wakes_no_app(admin: Actor) -> None:
    """On PostgreSQL each write announced itself to the open apps, which read their
    screen again: the worker's pass every 5 s, finding nothing, woke every app. Now a
    pass announces only what it did: a reminder fired."""
    if is_sqlite():
        pytest.skip("SQLite's watchers see commits that changed something only")
    anna = make_user(admin, "anna", "view", "edit", "create")
    _book(anna, minutes_ahead=60, remind_before=30)  # due in half an hour
    watcher = changes.watcher()
    assert isinstance(watcher, changes.PostgresWatcher)
    try:
        assert outbox.fire_due_reminders() == 0 and outbox.claim("w1") == []
        outbox.renew("w1:none")
        assert _notices_until_sentinel(watcher) == ["sentinel"]
        assert outbox.fire_due_reminders(now=utcnow() + dt.timedelta(minutes=31)) == 1
        assert _notices_until_sentinel(watcher) == ["", "sentinel"]  # the reminder's
    finally:
        watcher.close()


def _notices_until_sentinel(watcher: changes.PostgresWatcher) -> list[str]:
    """The payloads the watcher got, up to a sentinel sent now (notices arrive in
    commit order: any sent before it are in the list)."""
    with db.connection_context():
        db.execute_sql(f"NOTIFY {changes.CHANNEL}, 'sentinel'")
    payloads: list[str] = []
    deadline = time.monotonic() + 10
    while "sentinel" not in payloads and time.monotonic() < deadline:
        if select.select([watcher.conn], [], [], 0.2)[0]:
            watcher.conn.poll()
            payloads += [n.payload for n in watcher.conn.notifies]
            watcher.conn.notifies.clear()
    return payloads
