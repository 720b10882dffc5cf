"""Reminders are now sent late when no worker ran at their time (they were skipped
for good once their contact had begun). The reminders skipped so far, of contacts
already begun, are settled here, so an upgrade does not send a burst of late reminders
for contacts long over (those bookings are overdue in their to-do)."""

from crm_tui.db.models import Booking, utcnow


def up(migrator, db):  # noqa: ANN001, ANN201 - signature fixed by playhouse.migrations
    Booking.update(reminder_sent=True).where(
        (Booking.reminder_sent == False) & Booking.remind_at.is_null(False)  # noqa: E712
        & (Booking.starts_at <= utcnow())).execute()
