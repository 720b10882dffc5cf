"""Read models returned by the services: plain frozen dataclasses."""

from __future__ import annotations

import datetime as dt
from dataclasses import MISSING, dataclass, field, fields, is_dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

from crm_tui.domain.permissions import Perm


class BookingKind(StrEnum):
    """How the next contact happens."""

    PHONE = "phone"
    MEETING = "meeting"
    DIGITAL = "digital"
    EMAIL = "email"


class Completed(StrEnum):
    """How the order list treats completed orders."""

    EXCLUDE = "exclude"
    INCLUDE = "include"
    ONLY = "only"


class ListSort(StrEnum):
    """The admin's list mode."""

    SCHEDULED = "scheduled"
    SERIAL = "serial"


@dataclass(frozen=True)
class Actor:
    """The acting user, as the services see them."""

    id: int
    username: str
    display_name: str
    is_admin: bool
    perms: frozenset[str]
    email: str = ""
    phone: str = ""
    active: bool = True

    def has(self, perm: Perm | str) -> bool:
        """True if the user holds ``perm`` (admins hold all)."""
        return self.is_admin or str(perm) in self.perms

    @property
    def label(self) -> str:
        """Display name, else username."""
        return self.display_name or self.username


@dataclass(frozen=True)
class UserInfo:
    """A user as listed by admin screens and the CLI."""

    id: int
    username: str
    display_name: str
    email: str
    phone: str
    is_admin: bool
    active: bool
    perms: tuple[str, ...]
    key_count: int = 0


@dataclass(frozen=True)
class StatusInfo:
    """An order status."""

    id: int
    name: str
    position: int
    active: bool
    in_use: int = 0


@dataclass(frozen=True)
class CustomerInfo:
    """A customer of the register."""

    id: int
    number: str
    name: str
    address: str
    city: str
    phone: str
    email: str
    version: int = 1


@dataclass(frozen=True)
class FacilityInfo:
    """A facility of a customer."""

    id: int
    name: str
    customer_id: int
    customer_name: str
    address: str
    city: str
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class ServiceObjectInfo:
    """A service object."""

    id: int
    name: str
    customer_id: int | None
    customer_name: str | None
    facility_id: int | None
    facility_name: str | None
    model: str
    serial_number: str


@dataclass(frozen=True)
class Contact:
    """The one contact person of an order."""

    name: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class OrderRow:
    """A contact order as shown in lists."""

    id: int
    serial: int
    subject: str
    customer_id: int
    customer: str
    facility: str | None
    service_object: str | None
    contact: Contact
    status: str | None
    scheduled: dt.date | None
    hours: Decimal
    assignees: tuple[str, ...]
    completed: bool
    completed_at: dt.datetime | None
    sort_date: dt.date = dt.date(9999, 12, 31)


@dataclass(frozen=True)
class NoteInfo:
    """A note on an order."""

    id: int
    at: dt.datetime
    author: str
    author_name: str
    text: str


@dataclass(frozen=True)
class BookingInfo:
    """A booking of an order."""

    id: int
    order_serial: int
    kind: str
    at: dt.datetime
    duration_minutes: int
    assignee: str
    reminder_at: dt.datetime | None
    done: bool
    note: str = ""
    version: int = 1


@dataclass(frozen=True)
class OrderDetail:
    """One contact order with everything that belongs to it."""

    row: OrderRow
    facility_id: int | None
    service_object_id: int | None
    status_id: int | None
    created_by: str
    created_at: dt.datetime
    completed_by: str | None
    version: int
    notes: tuple[NoteInfo, ...]
    bookings: tuple[BookingInfo, ...]
    added: tuple[str, ...] = ()
    """What the save that returned this added to the registers ("customer Berg AB
    (1223)", "facility Umeå plant"): names typed that were new."""

    @property
    def serial(self) -> int:
        """The order's serial number."""
        return self.row.serial


@dataclass(frozen=True)
class OrderFilter:
    """Criteria of the order list; also what saved filters store."""

    mine: bool = False
    assigned_to: str | None = None
    status: str | None = None
    customer: str | None = None
    scheduled_from: dt.date | None = None
    scheduled_to: dt.date | None = None
    text: str | None = None
    completed: Completed = Completed.EXCLUDE
    scheduled_from_days: int | None = None
    scheduled_to_days: int | None = None

    def resolved(self, today: dt.date) -> OrderFilter:
        """Relative windows (days from today, e.g. "next 30 days") as absolute dates.

        A saved filter keeps the relative form, so tomorrow it covers tomorrow's window.
        """
        if self.scheduled_from_days is None and self.scheduled_to_days is None:
            return self
        start, end = self.scheduled_from, self.scheduled_to
        if self.scheduled_from_days is not None:
            start = today + dt.timedelta(days=self.scheduled_from_days)
        if self.scheduled_to_days is not None:
            end = today + dt.timedelta(days=self.scheduled_to_days)
        return replace(self, scheduled_from=start, scheduled_to=end,
                       scheduled_from_days=None, scheduled_to_days=None)


@dataclass(frozen=True)
class Cursor:
    """Keyset position after the last row of a page."""

    completed: bool
    key: str
    serial: int

    @classmethod
    def at(cls, row: OrderRow) -> Cursor:
        """The position of ``row`` in the list: a page after it starts with the next."""
        return cls(row.completed, row.sort_date.isoformat(), row.serial)


@dataclass(frozen=True)
class OrderPage:
    """One page of the order list; ``prev_cursor`` when rows come before it (a page read
    backwards: before a cursor, or the last page)."""

    rows: tuple[OrderRow, ...]
    next_cursor: Cursor | None
    sort: ListSort
    prev_cursor: Cursor | None = None
    anchor: int = 0  # read around an order's place: the row at that place


@dataclass(frozen=True)
class OrderTotals:
    """Count and sum of time required over a filter."""

    count: int
    hours: Decimal


@dataclass(frozen=True)
class SavedFilterInfo:
    """A saved filter."""

    id: int
    name: str
    criteria: OrderFilter
    is_default: bool
    is_favorite: bool


@dataclass(frozen=True)
class DraftInfo:
    """A contact-order form's unsaved work: its values as loaded (at ``base_version``
    of order ``serial``; None for a new order) and as typed, and the typed note."""

    serial: int | None
    base_version: int
    loaded: dict[str, Any]
    values: dict[str, Any]
    note: str
    saved_at: dt.datetime


@dataclass(frozen=True)
class TodoItem:
    """A booking in the to-do list with its order's essentials."""

    booking: BookingInfo
    order_serial: int
    subject: str
    customer: str
    status: str | None
    completed: bool


@dataclass(frozen=True)
class Todo:
    """A user's bookings in three groups; ``upcoming`` is the next ones only when
    ``more_upcoming`` (there are more after them)."""

    overdue: tuple[TodoItem, ...]
    today: tuple[TodoItem, ...]
    upcoming: tuple[TodoItem, ...]
    more_upcoming: bool = False


@dataclass(frozen=True)
class SearchHit:
    """A register search result."""

    register: str
    id: int
    title: str
    subtitle: str
    number: str = ""


@dataclass(frozen=True)
class OrderCounts:
    """How many of a customer's, facility's or service object's orders the actor may
    see: open and completed."""

    open: int = 0
    completed: int = 0

    @property
    def total(self) -> int:
        """Open and completed together."""
        return self.open + self.completed


@dataclass(frozen=True)
class CustomerCard:
    """A customer with facilities, service objects and the first page of its orders
    (visible ones, in list order); ``next_cursor`` pages on with ``orders_of``."""

    customer: CustomerInfo
    facilities: tuple[FacilityInfo, ...]
    service_objects: tuple[ServiceObjectInfo, ...]
    orders: tuple[OrderRow, ...]
    next_cursor: Cursor | None = None
    counts: OrderCounts = OrderCounts()


@dataclass(frozen=True)
class AuditInfo:
    """One audit event."""

    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    before: str
    after: str
    label: str = ""
    """What the event is of as users name it ("customer 1221"), when not its id."""

    @property
    def subject(self) -> str:
        """The entity as users name it: ``label``, or the kind and its id."""
        return self.label or f"{self.entity} {self.entity_id}"


@dataclass(frozen=True)
class NotificationInfo:
    """A notification for a user."""

    id: int
    kind: str
    text: str
    order_serial: int | None
    created_at: dt.datetime
    read: bool


@dataclass
class OrderInput:
    """Fields of a contact order to create or edit; None = leave unchanged (edit)."""

    subject: str | None = None
    customer: str | None = None
    facility: str | None = None
    service_object: str | None = None
    customer_id: int | None = None
    facility_id: int | None = None
    service_object_id: int | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    status: str | None = None
    scheduled: dt.date | str | None = None
    hours: Decimal | float | str | None = None
    assignees: list[str] | None = None
    customer_details: dict[str, str] = field(default_factory=dict)
    facility_details: dict[str, str] = field(default_factory=dict)
    on_duplicate: str = "ask"


def _fields_written_directly(cls: type) -> None:
    """Give the frozen dataclass ``cls`` an ``__init__`` that writes its fields straight
    into the instance's dict. The generated one sets each through object.__setattr__,
    ~0.1 µs a field: a card builds 500 order rows of 15 fields (1.9 µs each, 0.45 this
    way). Equality, hashing, repr, replace() and the refusal to assign are the
    dataclass's own."""
    params, lines, defaults = [], [], {}
    for f in fields(cls):
        if not f.init or f.kw_only or f.default_factory is not MISSING:
            raise TypeError(f"{cls.__name__}.{f.name}: only plain fields are supported")
        if f.default is MISSING:
            params.append(f.name)
        else:
            defaults[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        lines.append(f"    d[{f.name!r}] = {f.name}\n")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: __post_init__ is not supported")
    source = f"def __init__(self, {', '.join(params)}):\n    d = self.__dict__\n"
    namespace: dict[str, Any] = {}
    exec(source + "".join(lines), defaults, namespace)  # noqa: S102 - our own field names
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init  # type: ignore[misc]


FAST_RECORDS = tuple(value for value in list(globals().values())
                     if isinstance(value, type) and value.__module__ == __name__
                     and is_dataclass(value) and value.__dataclass_params__.frozen)  # type: ignore[attr-defined]
for _record in FAST_RECORDS:
    _fields_written_directly(_record)
