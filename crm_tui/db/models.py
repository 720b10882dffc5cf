"""Peewee models: the schema of the CRM (see ARCHITECTURE.md, "Data")."""

from __future__ import annotations

import datetime as dt

from peewee import (
    AutoField,
    BooleanField,
    CharField,
    CompositeKey,
    DateField,
    DateTimeField,
    DecimalField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from crm_tui.db.database import db

NO_DATE = dt.date(9999, 12, 31)


def utcnow() -> dt.datetime:
    """Naive UTC now: every stored datetime is naive UTC."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class BaseModel(Model):
    """All models share the proxy database."""

    class Meta:
        database = db
        legacy_table_names = False


class Setting(BaseModel):
    """One setting: key and JSON value."""

    key = CharField(primary_key=True, max_length=100)
    value = TextField()


class Counter(BaseModel):
    """Monotonic counters (serial numbers are never reused)."""

    name = CharField(primary_key=True, max_length=50)
    value = IntegerField(default=0)


class Status(BaseModel):
    """An admin-defined contact-order status."""

    id = AutoField()
    name = CharField(max_length=80, unique=True)
    position = IntegerField(default=0, index=True)
    active = BooleanField(default=True)


class User(BaseModel):
    """A CRM user with a permission set."""

    id = AutoField()
    username = CharField(max_length=64, unique=True)
    display_name = CharField(max_length=200, default="")
    email = CharField(max_length=254, default="")
    phone = CharField(max_length=50, default="")
    is_admin = BooleanField(default=False)
    active = BooleanField(default=True)
    permissions = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    preferences = TextField(default="{}")


class SshKey(BaseModel):
    """An SSH public key that identifies a user."""

    id = AutoField()
    user = ForeignKeyField(User, backref="ssh_keys", on_delete="CASCADE")
    fingerprint = CharField(max_length=120, unique=True)
    public_key = TextField()
    comment = CharField(max_length=200, default="")
    added_at = DateTimeField(default=utcnow)


class Customer(BaseModel):
    """A customer in the register."""

    id = AutoField()
    number = CharField(max_length=40, unique=True)
    name = CharField(max_length=200)  # indexed with (id, search_text): migration 0006
    name_key = CharField(max_length=200, index=True)
    address = CharField(max_length=300, default="")
    city = CharField(max_length=120, default="")
    phone = CharField(max_length=50, default="")
    email = CharField(max_length=254, default="")
    search_text = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    version = IntegerField(default=1)


class Facility(BaseModel):
    """A facility (plant, site) of a customer."""

    id = AutoField()
    customer = ForeignKeyField(Customer, backref="facilities", on_delete="RESTRICT")
    name = CharField(max_length=200)  # indexed with (id, search_text): migration 0006
    name_key = CharField(max_length=200, index=True)
    address = CharField(max_length=300, default="")
    city = CharField(max_length=120, default="")
    latitude = FloatField(null=True)
    longitude = FloatField(null=True)
    search_text = TextField(default="")
    created_at = DateTimeField(default=utcnow)


class ServiceObject(BaseModel):
    """A serviced thing (heat pump, boiler, lift...) at a facility or customer."""

    id = AutoField()
    name = CharField(max_length=200)  # indexed with (id, search_text): migration 0006
    customer = ForeignKeyField(Customer, null=True, backref="service_objects",
                               on_delete="RESTRICT")
    facility = ForeignKeyField(Facility, null=True, backref="service_objects",
                               on_delete="RESTRICT")
    model = CharField(max_length=200, default="")
    serial_number = CharField(max_length=120, default="")
    search_text = TextField(default="")
    created_at = DateTimeField(default=utcnow)


class ContactOrder(BaseModel):
    """One customer contact: the heart of the CRM."""

    id = AutoField()
    serial = IntegerField(unique=True)
    subject = CharField(max_length=500)
    customer = ForeignKeyField(Customer, backref="orders", on_delete="RESTRICT")
    facility = ForeignKeyField(Facility, null=True, backref="orders", on_delete="RESTRICT")
    service_object = ForeignKeyField(ServiceObject, null=True, backref="orders",
                                     on_delete="RESTRICT")
    contact_name = CharField(max_length=200, default="")
    contact_phone = CharField(max_length=50, default="")
    contact_email = CharField(max_length=254, default="")
    status = ForeignKeyField(Status, null=True, backref="orders", on_delete="RESTRICT")
    scheduled = DateField(null=True)
    sort_date = DateField(default=NO_DATE)
    hours = DecimalField(max_digits=10, decimal_places=2, default=0, auto_round=True)
    completed = BooleanField(default=False)
    created_by = ForeignKeyField(User, backref="created_orders", on_delete="RESTRICT")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    completed_by = ForeignKeyField(User, null=True, backref="completed_orders",
                                   on_delete="RESTRICT")
    completed_at = DateTimeField(null=True)
    version = IntegerField(default=1)
    search_text = TextField(default="")

    class Meta:
        indexes = ((("completed", "sort_date", "serial"), False),)
        # and, from migration 0004 on every database: (status, completed, sort_date,
        # serial) and (completed, sort_date, hours); from 0010: (customer_id, completed,
        # sort_date, serial), and the same for facility_id and service_object_id


class Assignment(BaseModel):
    """A user assigned to a contact order."""

    id = AutoField()
    order = ForeignKeyField(ContactOrder, backref="assignments", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="assignments", on_delete="CASCADE")
    assigned_at = DateTimeField(default=utcnow)
    assigned_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        indexes = ((("order", "user"), True), (("user", "order"), False))


class Involvement(BaseModel):
    """Derived: a user involved in an order (assigned to it, or the assignee of one of
    its bookings), with copies of the order's list keys, so that one user's orders are
    one index range in list order. ``refs`` counts the assignments and bookings behind
    the row. Kept in step by database triggers (crm_tui.db.involvement); never written
    by the services."""

    order = ForeignKeyField(ContactOrder, on_delete="CASCADE")
    user = ForeignKeyField(User, on_delete="CASCADE")
    refs = IntegerField(default=1)
    completed = BooleanField(default=False)
    sort_date = DateField(default=NO_DATE)
    serial = IntegerField()
    hours = DecimalField(max_digits=10, decimal_places=2, default=0, auto_round=True)

    class Meta:
        primary_key = CompositeKey("order", "user")
        # a user's list walks this index in order and reads everything it needs from it
        # (the order's id too: no lookup of the table row per entry)
        indexes = ((("user", "completed", "sort_date", "serial", "hours", "order"), False),)


class Note(BaseModel):
    """An append-only note on a contact order."""

    id = AutoField()
    order = ForeignKeyField(ContactOrder, backref="notes", on_delete="CASCADE")
    author = ForeignKeyField(User, backref="notes", on_delete="RESTRICT")
    created_at = DateTimeField(default=utcnow)
    body = TextField()

    class Meta:
        indexes = ((("order", "created_at"), False),)


class Booking(BaseModel):
    """The next contact: phone, meeting, digital or e-mail, with a reminder."""

    id = AutoField()
    order = ForeignKeyField(ContactOrder, backref="bookings", on_delete="CASCADE")
    kind = CharField(max_length=20)
    starts_at = DateTimeField()
    duration_minutes = IntegerField(default=30)
    assignee = ForeignKeyField(User, backref="bookings", on_delete="RESTRICT")
    remind_at = DateTimeField(null=True)
    reminder_sent = BooleanField(default=False)
    done = BooleanField(default=False)
    done_at = DateTimeField(null=True)
    note = TextField(default="")
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    version = IntegerField(default=1)

    class Meta:
        indexes = (
            (("assignee", "done", "starts_at"), False),
            (("reminder_sent", "remind_at"), False),
        )


class Notification(BaseModel):
    """Something a user should know about (assignment, reminder...)."""

    id = AutoField()
    user = ForeignKeyField(User, backref="notifications", on_delete="CASCADE")
    kind = CharField(max_length=40)
    text = TextField()
    order = ForeignKeyField(ContactOrder, null=True, on_delete="SET NULL")
    booking = ForeignKeyField(Booking, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    read_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("user", "read_at", "created_at"), False),)


class Outbox(BaseModel):
    """One delivery of a notification through one channel."""

    id = AutoField()
    notification = ForeignKeyField(Notification, backref="deliveries", on_delete="CASCADE")
    channel = CharField(max_length=20)
    recipient = CharField(max_length=254, default="")
    status = CharField(max_length=20, default="pending", index=True)
    attempts = IntegerField(default=0)
    last_error = TextField(default="")
    next_attempt_at = DateTimeField(default=utcnow)
    claimed_by = CharField(max_length=100, null=True)
    claimed_at = DateTimeField(null=True)
    sent_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)


class SavedFilter(BaseModel):
    """A user's saved list filter: the default ("save settings") or a favourite."""

    id = AutoField()
    user = ForeignKeyField(User, backref="filters", on_delete="CASCADE")
    name = CharField(max_length=120)
    criteria = TextField()
    is_default = BooleanField(default=False)
    is_favorite = BooleanField(default=False)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("user", "name"), True),)


class AuditEvent(BaseModel):
    """Who changed what, when, with before and after (JSON)."""

    id = AutoField()
    at = DateTimeField(default=utcnow, index=True)
    actor = CharField(max_length=64, default="")
    action = CharField(max_length=60)
    entity = CharField(max_length=40)
    entity_id = CharField(max_length=60, default="")
    before = TextField(default="")
    after = TextField(default="")
    version = IntegerField(null=True)

    class Meta:
        indexes = ((("entity", "entity_id", "version"), False),)


ALL_MODELS: list[type[BaseModel]] = [
    Setting, Counter, Status, User, SshKey, Customer, Facility, ServiceObject,
    ContactOrder, Assignment, Involvement, Note, Booking, Notification, Outbox, SavedFilter,
    AuditEvent,
]
