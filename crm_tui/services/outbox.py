"""The delivery queue: due reminders become notifications; outbox rows are claimed
atomically, delivered once, retried with backoff, and failures kept visible."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from crm_tui.db.changes import announce
from crm_tui.db.database import is_sqlite
from crm_tui.db.models import (
    Booking,
    ContactOrder,
    Customer,
    Notification,
    Outbox,
    User,
    utcnow,
)
from crm_tui.domain.errors import NotFound, ValidationError
from crm_tui.domain.records import Actor
from crm_tui.services.base import audit, fresh, reading, require_admin, writing
from crm_tui.services.notifications import notify, notify_in_app
from crm_tui.services.timezone import to_local

CHANNELS = ("inapp", "email", "sms")


@dataclass(frozen=True)
class Delivery:
    """A claimed outbox row, with what is needed to send it."""

    id: int
    channel: str
    recipient: str
    subject: str
    text: str
    attempts: int
    token: str


@dataclass(frozen=True)
class OutboxInfo:
    """An outbox row as the admin sees it."""

    id: int
    channel: str
    recipient: str
    status: str
    attempts: int
    last_error: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    next_attempt_at: dt.datetime
    text: str


LATE = dt.timedelta(minutes=2)
"""A reminder sent this long after it was due says so (no worker ran at the time: a
restart, a deploy, a host down)."""


def fire_due_reminders(now: dt.datetime | None = None, limit: int = 200) -> int:
    """Turn due reminders into notifications, each exactly once; returns how many.

    A reminder the worker could not send on time (none ran: a restart, a deploy, a
    host down) is sent late and says so: it was skipped for good once its contact had
    begun, and nobody heard of it. One with nothing left to remind of is settled when
    the booking is written (a contact booked after it began: bookings.add_booking). A
    completed order's bookings remind no one."""
    now = now or utcnow()
    fired = 0
    with writing(quiet=True):
        due = list(Booking.select(Booking.id).join(ContactOrder).where(
            (Booking.reminder_sent == False) & (Booking.done == False)  # noqa: E712
            & Booking.remind_at.is_null(False) & (Booking.remind_at <= now)
            & (ContactOrder.completed == False)  # noqa: E712
        ).order_by(Booking.remind_at, Booking.id).limit(limit).tuples())
        for (booking_id,) in due:
            # The conditional update is the claim: only one worker's update matches.
            claimed = Booking.update(reminder_sent=True).where(
                (Booking.id == booking_id) & (Booking.reminder_sent == False)  # noqa: E712
            ).execute()
            if claimed != 1:
                continue
            booking = (Booking.select(Booking, ContactOrder, Customer, User)
                       .join(ContactOrder).join(Customer).switch(Booking)
                       .join(User, on=Booking.assignee == User.id)
                       .where(Booking.id == booking_id).get())
            notify(booking.assignee, "reminder", reminder_text(booking, now),
                   order=booking.order, booking_id=booking.id)
            fired += 1
        if fired:
            announce()
    return fired


def reminder_text(booking: Booking, now: dt.datetime) -> str:
    """A reminder's words; a late one names when it was due, and a contact begun. Due
    before the booking was made (booked 10 minutes ahead, a reminder 15 before), it is
    on time when sent at once."""
    order = booking.order
    when = to_local(booking.starts_at)
    what = (f"{booking.kind} contact at {when:%Y-%m-%d %H:%M} — order {order.serial}: "
            f"{order.subject} ({order.customer.name})")
    if now - max(booking.remind_at, booking.created_at) <= LATE:
        return f"Reminder: {what}"
    begun = " (begun)" if booking.starts_at <= now else ""
    return f"Late reminder, due {to_local(booking.remind_at):%Y-%m-%d %H:%M}: {what}{begun}"


def _claimable(now: dt.datetime, lease: dt.timedelta) -> object:
    pending = (Outbox.status == "pending") & (Outbox.next_attempt_at <= now)
    abandoned = (Outbox.status == "sending") & (Outbox.claimed_at <= now - lease)
    return (pending | abandoned) & (Outbox.channel != "inapp")


def claim(worker: str, *, limit: int = 20, lease_seconds: float = 120,
          now: dt.datetime | None = None) -> list[Delivery]:
    """Atomically claim due rows (and rows whose claimer died); SKIP LOCKED on PostgreSQL."""
    now = now or utcnow()
    token = f"{worker}:{uuid.uuid4().hex[:12]}"
    lease = dt.timedelta(seconds=lease_seconds)
    with writing(quiet=True):  # nothing users see changes until a send is recorded
        candidates = (Outbox.select(Outbox.id).where(_claimable(now, lease))
                      .order_by(Outbox.next_attempt_at, Outbox.id).limit(limit))
        if not is_sqlite():
            candidates = candidates.for_update("FOR UPDATE SKIP LOCKED")
        ids = [row_id for (row_id,) in candidates.tuples()]
        if not ids:
            return []
        # SQLite: BEGIN IMMEDIATE already serialises writers; the WHERE re-checks anyway.
        Outbox.update(status="sending", claimed_by=token, claimed_at=now,
                      attempts=Outbox.attempts + 1).where(
            Outbox.id.in_(ids) & _claimable(now, lease)).execute()
        rows = (Outbox.select(Outbox, Notification).join(Notification)
                .where(Outbox.claimed_by == token).order_by(Outbox.id))
        return [Delivery(r.id, r.channel, r.recipient,
                         _subject(r.notification.kind, r.notification.text),
                         r.notification.text, r.attempts, token) for r in rows]


SUBJECT_LENGTH = 100


def _subject(kind: str, text: str) -> str:
    """An e-mail's subject: a reminder's own words, as far as they fit ("Reminder:
    phone contact at 2026-11-29 18:26 — order 1083: …"; it was "Reminder" alone, so a
    mailbox of them told nothing), else what the notification is."""
    if kind != "reminder" or not text:
        return {"reminder": "Reminder", "assigned": "You were assigned a contact order",
                "booking-assigned": "You were booked for a contact"}.get(kind, "Notification")
    line = " ".join(text.split())
    if len(line) <= SUBJECT_LENGTH:
        return line
    return line[:SUBJECT_LENGTH - 1].rsplit(" ", 1)[0] + "…"


def renew(token: str, now: dt.datetime | None = None) -> set[int]:
    """Renew the lease of the rows still claimed by ``token`` (a worker renews its
    batch before each send); returns their ids."""
    now = now or utcnow()
    with writing(quiet=True):  # the lease alone: nothing users see
        held = (Outbox.claimed_by == token) & (Outbox.status == "sending")
        Outbox.update(claimed_at=now).where(held).execute()
        return {row_id for (row_id,) in Outbox.select(Outbox.id).where(held).tuples()}


def mark_sent(delivery: Delivery) -> bool:
    """Record a successful send (only while our claim stands)."""
    with writing():
        return Outbox.update(status="sent", sent_at=utcnow(), last_error="").where(
            (Outbox.id == delivery.id) & (Outbox.claimed_by == delivery.token)).execute() == 1


def release(token: str) -> int:
    """Hand back the rows still claimed by ``token`` and not tried (a worker told to
    stop): pending again, their attempt not counted; returns how many."""
    with writing():
        return Outbox.update(status="pending", claimed_by=None, claimed_at=None,
                             attempts=Outbox.attempts - 1).where(
            (Outbox.claimed_by == token) & (Outbox.status == "sending")).execute()


def backoff(attempts: int, base_seconds: float = 30, cap_seconds: float = 3600) -> float:
    """Seconds before the next try: doubling from ``base``, at most ``cap``."""
    return min(cap_seconds, base_seconds * 2 ** max(0, attempts - 1))


def mark_failed(delivery: Delivery, error: str, *, max_attempts: int = 5,
                base_seconds: float = 30, cap_seconds: float = 3600) -> str:
    """Record a failed send: back to pending with backoff, or failed at the cap."""
    final = delivery.attempts >= max_attempts
    status = "failed" if final else "pending"
    next_at = utcnow() + dt.timedelta(seconds=backoff(delivery.attempts, base_seconds,
                                                      cap_seconds))
    with writing():
        changed = Outbox.update(status=status, last_error=error[:2000],
                                next_attempt_at=next_at, claimed_by=None).where(
            (Outbox.id == delivery.id) & (Outbox.claimed_by == delivery.token)).execute()
        if final and changed:
            _tell_failed(delivery, error)
    return status


CHANNEL_NAMES = {"email": "e-mail", "sms": "SMS"}


def _tell_failed(delivery: Delivery, error: str) -> None:
    """Tell the one a delivery was for, in the app, that it gave up: a failed reminder
    showed only in the admin's outbox, and its user never knew (in the app alone: the
    channel that failed would fail again)."""
    row = (Outbox.select(Outbox, Notification).join(Notification)
           .where(Outbox.id == delivery.id).get())
    what = row.notification
    subject = "reminder" if what.kind == "reminder" else "notification"
    notify_in_app(what.user, "delivery-failed",
                  f"Your {subject} by {CHANNEL_NAMES.get(delivery.channel, delivery.channel)} "
                  f"to {delivery.recipient} could not be sent ({error[:200]}); it stays in "
                  f"the admin's outbox, where an admin can send it again. It said: "
                  f"{what.text}",
                  order=what.order, booking_id=what.booking_id)


def list_outbox(actor: Actor, *, status: str | None = None,
                limit: int = 200) -> list[OutboxInfo]:
    """Outbox rows, newest first (admins)."""
    with reading():
        actor = fresh(actor)
        require_admin(actor, "read the outbox")
        query = (Outbox.select(Outbox, Notification).join(Notification)
                 .order_by(Outbox.id.desc()).limit(limit))
        if status:
            query = query.where(Outbox.status == status)
        return [OutboxInfo(r.id, r.channel, r.recipient, r.status, r.attempts, r.last_error,
                           r.created_at, r.sent_at, r.next_attempt_at, r.notification.text)
                for r in query]


def retry(actor: Actor, outbox_id: int | None = None) -> int:
    """Try deliveries again (one, or all with None), at the worker's next round: failed
    ones from their first attempt, and pending ones waiting out the pause after a
    failed attempt now (after the SMTP settings were put right, they waited up to an
    hour); returns how many (admins)."""
    with writing():
        actor = fresh(actor)
        require_admin(actor, "retry deliveries")
        now = utcnow()
        failed = Outbox.update(status="pending", attempts=0, next_attempt_at=now,
                               claimed_by=None).where(Outbox.status == "failed")
        waiting = Outbox.update(next_attempt_at=now).where(
            (Outbox.status == "pending") & Outbox.claimed_by.is_null()
            & (Outbox.next_attempt_at > now))
        if outbox_id is not None:
            row = Outbox.get_or_none(Outbox.id == outbox_id)
            if row is None:
                raise NotFound(f"No outbox row {outbox_id}")
            if row.status not in ("failed", "pending"):
                raise ValidationError(f"Delivery {outbox_id} is {row.status}: only a failed "
                                      "or waiting delivery is tried again")
            failed = failed.where(Outbox.id == outbox_id)
            waiting = waiting.where(Outbox.id == outbox_id)
        count = failed.execute() + waiting.execute()
        audit(actor, "outbox.retry", "outbox", outbox_id or "failed", None, {"rows": count})
        return count


def pending_count() -> int:
    """Rows still to deliver (pending or being sent)."""
    with reading():
        return Outbox.select().where(Outbox.status.in_(("pending", "sending"))).count()
