"""Notifications for users, with one outbox row per enabled channel."""

from __future__ import annotations

from peewee import fn

from crm_tui.db.models import ContactOrder, Notification, Outbox, User, utcnow
from crm_tui.domain.errors import NotFound
from crm_tui.domain.records import Actor, NotificationInfo
from crm_tui.services import settings
from crm_tui.services.base import fresh, reading, writing


def notify(user: User, kind: str, text: str, *, order: ContactOrder | None = None,
           booking_id: int | None = None) -> Notification:
    """Make a notification and its deliveries (inside the caller's unit of work)."""
    note = notify_in_app(user, kind, text, order=order, booking_id=booking_id)
    if settings.get("channels.email") and user.email:
        Outbox.create(notification=note, channel="email", recipient=user.email)
    if settings.get("channels.sms") and user.phone:
        Outbox.create(notification=note, channel="sms", recipient=user.phone)
    return note


def notify_in_app(user: User | int, kind: str, text: str, *,
                  order: ContactOrder | int | None = None,
                  booking_id: int | None = None) -> Notification:
    """A notification in the app only (that another channel failed, say): the
    notification and its in-app delivery, sent at once."""
    note = Notification.create(user=user, kind=kind, text=text, order=order,
                               booking=booking_id)
    Outbox.create(notification=note, channel="inapp", recipient=str(note.user.username),
                  status="sent", sent_at=utcnow())
    return note


def _info(n: Notification, serial: int | None) -> NotificationInfo:
    return NotificationInfo(n.id, n.kind, n.text, serial, n.created_at, n.read_at is not None)


def list_notifications(actor: Actor, *, include_read: bool = False,
                       limit: int = 200) -> list[NotificationInfo]:
    """The acting user's notifications, unread first, newest first."""
    with reading():
        actor = fresh(actor)
        query = (Notification.select(Notification, ContactOrder.id, ContactOrder.serial)
                 .left_outer_join(ContactOrder, on=Notification.order == ContactOrder.id)
                 .where(Notification.user == actor.id)
                 .order_by(Notification.read_at.is_null(False), Notification.created_at.desc(),
                           Notification.id.desc())
                 .limit(limit))
        if not include_read:
            query = query.where(Notification.read_at.is_null())
        return [_info(n, n.order.serial if n.order_id else None) for n in query]


def unread_count(actor: Actor) -> int:
    """How many unread notifications the acting user has."""
    with reading():
        actor = fresh(actor)
        return (Notification.select().where((Notification.user == actor.id)
                                            & Notification.read_at.is_null()).count())


def mark_read(actor: Actor, notification_id: int | None = None) -> int:
    """Mark one (or, with None, all) of the acting user's notifications read."""
    with writing():
        actor = fresh(actor)
        query = Notification.update(read_at=utcnow()).where(
            (Notification.user == actor.id) & Notification.read_at.is_null())
        if notification_id is not None:
            if not Notification.select().where((Notification.id == notification_id)
                                               & (Notification.user == actor.id)).exists():
                raise NotFound(f"No notification {notification_id}")
            query = query.where(Notification.id == notification_id)
        return query.execute()


def latest_id(actor: Actor) -> int:
    """The id of the acting user's newest notification (0 if none)."""
    with reading():
        return (Notification.select(fn.MAX(Notification.id))
                .where(Notification.user == actor.id).scalar() or 0)


def newer_than(actor: Actor, notification_id: int, limit: int = 5) -> list[NotificationInfo]:
    """The acting user's unread notifications after ``notification_id``, oldest first."""
    with reading():
        query = (Notification.select().where((Notification.user == actor.id)
                                             & (Notification.id > notification_id)
                                             & Notification.read_at.is_null())
                 .order_by(Notification.id).limit(limit))
        return [_info(n, None) for n in query]
