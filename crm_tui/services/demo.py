"""Demo data: a Swedish field-service company, seeded in bulk and deterministically."""

from __future__ import annotations

import datetime as dt
import json
import random
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from peewee import Model, chunked

from crm_tui.db.models import (
    NO_DATE,
    Assignment,
    Booking,
    ContactOrder,
    Counter,
    Customer,
    Facility,
    Note,
    ServiceObject,
    Setting,
    Status,
    User,
)
from crm_tui.domain.errors import ValidationError
from crm_tui.domain.text import name_key, search_blob
from crm_tui.services import demo_data as data
from crm_tui.services.base import reading, writing
from crm_tui.services.orders import _refresh_search
from crm_tui.services.registers import customer_blob, facility_blob

PAST_DAYS = 548
FUTURE_DAYS = 274
COMPLETED_SHARE = 0.25
MAX_CUSTOMERS = 100_000
MAX_ORDERS = 1_000_000
CHUNK = 200
EDITORS = ("eva", "anna", "carl")
CREATORS = (("anna", 5), ("carl", 3), ("eva", 1), ("bob", 2))
ASSIGNEES = (("bob", 4), ("anna", 3), ("carl", 2), ("eva", 1))
KINDS = (("phone", 45), ("meeting", 25), ("digital", 15), ("email", 15))
DURATIONS = {"phone": (15, 30), "meeting": (60, 90, 120), "digital": (30, 45),
             "email": (15,)}
REMINDERS = (None, 15, 30, 60, 1440)


@dataclass(frozen=True)
class DemoSummary:
    """How many rows of each kind the seeder wrote (users: demo users, created or reused)."""

    users: int
    customers: int
    facilities: int
    service_objects: int
    orders: int
    notes: int
    bookings: int


@dataclass
class _Booking:
    kind: str
    starts_at: dt.datetime
    assignee: str
    done: bool
    note: str


@dataclass
class _Order:
    cust: data.CustomerPlan
    site: data.SitePlan | None
    obj: data.ObjectPlan | None
    subject: str
    contact: tuple[str, str, str]
    scheduled: dt.date | None
    creator: str
    assignees: list[str]
    ctx: dict[str, Any]
    created_at: dt.datetime = dt.datetime.min
    completed: bool = False
    serial: int = 0
    id: int = 0
    bookings: list[_Booking] = field(default_factory=list)


class _Clock:
    """Local working times of the demo company as naive UTC, relative to ``today``."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.zone = zoneinfo.ZoneInfo(data.TIMEZONE)
        self.now = self.at(today, 7, 45)

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        """Local ``day`` at ``hour:minute`` as naive UTC."""
        local = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.zone)
        return local.astimezone(dt.UTC).replace(tzinfo=None)

    def work(self, rng: random.Random, day: dt.date) -> dt.datetime:
        """A random quarter hour of a working day (08:00-16:45 local; weekends go back)."""
        while day.weekday() >= 5:
            day -= dt.timedelta(days=1)
        return self.at(day, rng.randint(8, 16), rng.choice((0, 15, 30, 45)))

    def day(self, offset: int, *, back: bool = False) -> dt.date:
        """``today + offset`` days, moved off a weekend (backwards if ``back``)."""
        day = self.today + dt.timedelta(days=offset)
        while day.weekday() >= 5:
            day += dt.timedelta(days=-1 if back else 1)
        return day


def is_seeded() -> bool:
    """True if the database already holds customers or contact orders (demo or real)."""
    with reading():
        return Customer.select().exists() or ContactOrder.select().exists()


def seed(customers: int = 220, orders: int = 1200, *, seed: int = 42,
         today: dt.date | None = None) -> DemoSummary:
    """Fill an empty database with demo data; same ``seed`` and ``today``, same data."""
    if not 1 <= customers <= MAX_CUSTOMERS:
        raise ValidationError(f"Customers must be between 1 and {MAX_CUSTOMERS}", "customers")
    if not 0 <= orders <= MAX_ORDERS:
        raise ValidationError(f"Orders must be between 0 and {MAX_ORDERS}", "orders")
    refusal = ("The database already holds customers or contact orders; "
               "demo data can only be seeded into an empty database")
    if is_seeded():
        raise ValidationError(refusal)
    rng = random.Random(seed)
    clock = _Clock(today or dt.date.today())
    custs = data.plan_customers(rng, customers)
    plan = _plan_orders(rng, orders, custs, clock)
    with writing():
        if Customer.select().exists() or ContactOrder.select().exists():
            raise ValidationError(refusal)  # checked again inside the transaction
        _write_settings(seed, clock.today, customers, orders)
        status_ids = _ensure_statuses()
        user_ids = _ensure_users(clock)
        _store_registers(custs, clock)
        notes, bookings = _store_orders(rng, plan, clock, status_ids, user_ids)
    sites = [s for c in custs for s in c.sites]
    return DemoSummary(users=len(data.USERS), customers=len(custs), facilities=len(sites),
                       service_objects=sum(len(s.objects) for s in sites), orders=len(plan),
                       notes=notes, bookings=bookings)


# --- planning (pure: only the random generator, no database) ---------------------------

def _plan_orders(rng: random.Random, count: int, custs: list[data.CustomerPlan],
                 clock: _Clock) -> list[_Order]:
    plan: list[_Order] = []
    chosen = rng.choices(custs, weights=[c.weight for c in custs], k=count) if count else []
    for cust in chosen:
        site = rng.choice(cust.sites) if cust.sites and rng.random() < 0.9 else None
        obj = rng.choice(site.objects) if site and site.objects and rng.random() < 0.7 else None
        scheduled = (clock.day(rng.randint(-PAST_DAYS, FUTURE_DAYS))
                     if rng.random() < 0.92 else None)
        creator = rng.choices([u for u, _ in CREATORS], [w for _, w in CREATORS])[0]
        plan.append(_Order(cust, site, obj, "", _contact(rng, cust), scheduled, creator,
                           _pick_assignees(rng, creator), {}))
    past = [o for o in plan if o.scheduled is not None and o.scheduled < clock.today]
    for order in rng.sample(past, min(len(past), round(count * COMPLETED_SHARE))):
        order.completed = True
    for order in plan:
        order.ctx = _context(rng, order, clock.today.year)
        order.subject = _subject(rng, order)
        order.created_at = _created_at(rng, order, clock)
    return plan


def _contact(rng: random.Random, cust: data.CustomerPlan) -> tuple[str, str, str]:
    if not cust.company:
        return cust.name, cust.fields["phone"], cust.fields["email"]
    first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.SURNAMES)
    email = f"{name_key(first)}.{name_key(last)}@{cust.domain}" if rng.random() < 0.85 else ""
    return f"{first} {last}", data.mobile(rng), email


def _pick_assignees(rng: random.Random, creator: str) -> list[str]:
    roll = rng.random()
    if creator == "bob":  # bob may only assign himself
        return ["bob"] if roll < 0.9 else []
    count = 0 if roll < 0.1 else (1 if roll < 0.8 else 2)
    names, weights = [u for u, _ in ASSIGNEES], [w for _, w in ASSIGNEES]
    out: list[str] = []
    while len(out) < count:
        name = rng.choices(names, weights)[0]
        if name not in out:
            out.append(name)
    return out


def _context(rng: random.Random, order: _Order, year: int) -> dict[str, Any]:
    kind = order.obj.kind if order.obj else rng.choice(data.EQUIPMENT).kind
    return {
        "obj": order.obj.name if order.obj else "the installation",
        "model": order.obj.model if order.obj else kind,
        "kind": kind.lower(), "code": f"E{rng.randint(10, 99)}",
        "year": order.scheduled.year if order.scheduled else year,
        "facility": order.site.name if order.site else order.cust.name,
        "invoice": rng.randint(40_000, 99_999), "surname": rng.choice(data.SURNAMES),
        "contact": order.contact[0].split()[0], "part": rng.choice(data.PARTS),
        "topic": rng.choice(("the offer", "a service visit", "the invoice", "spare parts")),
        "amount": f"{rng.randint(6, 300) * 500:,}".replace(",", " "),
        "days": rng.randint(2, 14), "location": rng.choice(data.LOCATIONS),
    }


def _subject(rng: random.Random, order: _Order) -> str:
    templates = data.OBJECT_SUBJECTS if order.obj else data.GENERAL_SUBJECTS
    text = rng.choice(templates).format(**order.ctx)
    return text[0].upper() + text[1:]


def _created_at(rng: random.Random, order: _Order, clock: _Clock) -> dt.datetime:
    if order.scheduled is not None:
        day = order.scheduled - dt.timedelta(days=rng.randint(2, 60))
    else:
        day = clock.today - dt.timedelta(days=rng.randint(1, PAST_DAYS))
    created = clock.work(rng, day)
    if created >= clock.now - dt.timedelta(hours=1):
        created = clock.work(rng, clock.day(-rng.randint(1, 30), back=True))
    return created


# --- storing (bulk inserts inside the caller's unit of work) ----------------------------

def _bulk(model: type[Model], rows: list[dict[str, Any]]) -> None:
    for batch in chunked(rows, CHUNK):
        model.insert_many(batch).execute()


def _set_counter(name: str, value: int) -> None:
    Counter.insert(name=name, value=value).on_conflict(
        conflict_target=[Counter.name], update={Counter.value: value}).execute()


def _write_settings(seed: int, today: dt.date, customers: int, orders: int) -> None:
    values = {"organisation": data.ORGANISATION, "timezone": data.TIMEZONE,
              "_demo_seed": {"seed": seed, "today": today.isoformat(),
                             "customers": customers, "orders": orders}}
    for key, value in values.items():
        text = json.dumps(value, ensure_ascii=False)
        Setting.insert(key=key, value=text).on_conflict(
            conflict_target=[Setting.key], update={Setting.value: text}).execute()


def _ensure_statuses() -> dict[str, int]:
    rows = {s.name.lower(): s for s in Status.select()}
    for name in data.STATUSES:
        if name.lower() not in rows:
            rows[name.lower()] = Status.create(name=name, position=0)
    wanted = [rows[n.lower()] for n in data.STATUSES]
    ids = {s.id for s in wanted}
    others = [s for s in Status.select().order_by(Status.position, Status.id)
              if s.id not in ids]
    for position, status in enumerate(wanted + others, start=1):
        active = True if status.id in ids else status.active
        if status.position != position or status.active != active:
            Status.update(position=position, active=active).where(
                Status.id == status.id).execute()
    return {n: rows[n.lower()].id for n in data.STATUSES}


def _ensure_users(clock: _Clock) -> dict[str, int]:
    names = [u.username for u in data.USERS]
    existing = {u.username for u in User.select(User.username).where(User.username.in_(names))}
    created_at = clock.at(clock.today - dt.timedelta(days=PAST_DAYS + 60), 9)
    _bulk(User, [{
        "username": u.username, "display_name": u.display_name,
        "email": f"{name_key(u.display_name.split()[0])}."
                 f"{name_key(u.display_name.split()[-1])}@{data.USER_DOMAIN}",
        "phone": u.phone, "is_admin": u.is_admin, "active": True,
        "permissions": ",".join(sorted(u.perms)), "created_at": created_at,
    } for u in data.USERS if u.username not in existing])
    return dict(User.select(User.username, User.id).where(User.username.in_(names)).tuples())


def _store_registers(custs: list[data.CustomerPlan], clock: _Clock) -> None:
    created_at = clock.at(clock.today - dt.timedelta(days=PAST_DAYS + 30), 10)
    rows = []
    for cust in custs:
        row = dict(cust.fields, created_at=created_at)
        row["search_text"] = customer_blob(Customer(**row))
        rows.append(row)
    _bulk(Customer, rows)
    ids = dict(Customer.select(Customer.number, Customer.id).tuples())
    for cust in custs:
        cust.id = ids[cust.number]
    last = data.FIRST_CUSTOMER_NUMBER + len(custs) - 1
    current = Counter.get_or_none(Counter.name == "customer_number")
    _set_counter("customer_number", max(last, current.value if current else 0))
    sites = [s for c in custs for s in c.sites]
    rows = []
    for site in sites:
        row = dict(site.fields, customer=site.cust.id, created_at=created_at)
        row["search_text"] = facility_blob(Facility(**row), site.cust.name)
        rows.append(row)
    _bulk(Facility, rows)
    site_ids = {(c, n): i for c, n, i in Facility.select(
        Facility.customer, Facility.name, Facility.id).tuples()}
    for site in sites:
        site.id = site_ids[(site.cust.id, site.name)]
    objects = [o for s in sites for o in s.objects]
    _bulk(ServiceObject, [{
        "name": o.name, "customer": o.site.cust.id, "facility": o.site.id, "model": o.model,
        "serial_number": o.serial, "created_at": created_at,
        "search_text": search_blob(o.name, o.model, o.serial, o.site.cust.name, o.site.name),
    } for o in objects])
    obj_ids = {(f, s): i for f, s, i in ServiceObject.select(
        ServiceObject.facility, ServiceObject.serial_number, ServiceObject.id).tuples()}
    for obj in objects:
        obj.id = obj_ids[(obj.site.id, obj.serial)]


def _hours(rng: random.Random, completed: bool) -> Decimal:
    if not completed and rng.random() < 0.4:
        return Decimal("0.00")
    value = rng.expovariate(1 / (6 if completed else 4))
    if rng.random() < 0.8:  # most time is reported in quarter hours
        value = max(round(value * 4) / 4, 0.25)
    return Decimal(f"{min(value, 40.0):.2f}")


def _status(rng: random.Random, order: _Order, today: dt.date) -> str | None:
    if order.completed:
        return rng.choices(("Won", "Lost", None), (65, 30, 5))[0]
    if rng.random() < 0.04:
        return None
    past = order.scheduled is not None and order.scheduled < today
    return rng.choice(data.OPEN_PAST_STATUSES if past else data.OPEN_FUTURE_STATUSES)


def _plan_bookings(rng: random.Random, order: _Order, clock: _Clock) -> None:
    today = clock.today
    who = (lambda: rng.choice(order.assignees)) if order.assignees else (lambda: order.creator)

    def add(day: dt.date, done: bool, when: dt.datetime | None = None) -> None:
        kind = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
        note = data.BOOKING_NOTES[kind].format(**order.ctx)
        order.bookings.append(_Booking(kind, when or clock.work(rng, day), who(), done, note))

    if order.scheduled is not None and order.scheduled < today:
        if rng.random() < (0.6 if order.completed else 0.5):
            add(order.scheduled, True)
        if not order.completed and rng.random() < 0.35:
            add(clock.day(rng.randint(1, 45)), False)
        elif not order.completed and rng.random() < 0.03:
            add(clock.day(-rng.randint(1, 14), back=True), False)
    elif order.scheduled is not None:
        first_call = order.created_at.date() + dt.timedelta(days=rng.randint(1, 3))
        if rng.random() < 0.3 and first_call < today:
            add(first_call, True)
        if rng.random() < 0.75:
            add(order.scheduled, False)
    elif rng.random() < 0.5:
        add(clock.day(rng.randint(1, 30)), False)


def _plan_lively(rng: random.Random, plan: list[_Order], clock: _Clock) -> None:
    """Give anna and bob overdue, today's and upcoming open bookings."""
    open_orders = [o for o in plan if not o.completed]
    slots = ((-rng.randint(1, 3), None), (-rng.randint(4, 10), None), (0, (10, 0)),
             (0, (14, 30)), (rng.randint(1, 3), None), (rng.randint(4, 8), None),
             (rng.randint(9, 20), None))
    for user in ("anna", "bob"):
        mine = [o for o in open_orders if user in o.assignees]
        others = [o for o in open_orders if user not in o.assignees]
        for extra in rng.sample(others, min(len(others), max(0, len(slots) - len(mine)))):
            extra.assignees.append(user)
            mine.append(extra)
        if not mine:
            continue
        picked = rng.sample(mine, min(len(mine), len(slots)))
        for i, (offset, fixed) in enumerate(slots):
            order = picked[i % len(picked)]
            day = clock.today if offset == 0 else clock.day(offset, back=offset < 0)
            when = clock.at(day, *fixed) if fixed else clock.work(rng, day)
            kind = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
            order.bookings.append(_Booking(kind, when, user, False,
                                           data.BOOKING_NOTES[kind].format(**order.ctx)))


def _store_orders(rng: random.Random, plan: list[_Order], clock: _Clock,
                  status_ids: dict[str, int], user_ids: dict[str, int]) -> tuple[int, int]:
    for order in plan:
        _plan_bookings(rng, order, clock)
    _plan_lively(rng, plan, clock)
    current = Counter.get_or_none(Counter.name == "order_serial")
    start = (current.value if current else 0) + 1
    ordered = sorted(range(len(plan)), key=lambda i: (plan[i].created_at, i))
    for serial, index in enumerate(ordered, start=start):
        plan[index].serial = serial
    rows, notes, assignments, bookings = [], [], [], []
    plan = sorted(plan, key=lambda o: o.serial)
    for order in plan:
        row, order_notes = _order_row(rng, order, clock, status_ids, user_ids)
        rows.append(row)
        notes.append(order_notes)
    _bulk(ContactOrder, rows)
    if plan:
        _set_counter("order_serial", start + len(plan) - 1)
    ids = dict(ContactOrder.select(ContactOrder.serial, ContactOrder.id).tuples())
    note_rows = []
    for order, order_notes in zip(plan, notes, strict=True):
        order.id = ids[order.serial]
        note_rows += [dict(n, order=order.id) for n in order_notes]
        for user in order.assignees:
            by = order.creator if order.creator != "bob" or user == "bob" else "carl"
            assignments.append({"order": order.id, "user": user_ids[user],
                                "assigned_by": user_ids[by], "assigned_at": order.created_at})
        for b in order.bookings:
            bookings.append(_booking_row(rng, order, b, clock, user_ids))
    _bulk(Assignment, assignments)
    _bulk(Note, note_rows)
    _bulk(Booking, bookings)
    return len(note_rows), len(bookings)


def _order_row(rng: random.Random, order: _Order, clock: _Clock, status_ids: dict[str, int],
               user_ids: dict[str, int]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    status = _status(rng, order, clock.today)
    hours = _hours(rng, order.completed)
    completed_at = completed_by = None
    end = clock.now
    if order.completed and order.scheduled is not None:
        day = min(order.scheduled + dt.timedelta(days=rng.randint(0, 10)),
                  clock.today - dt.timedelta(days=1))
        completed_at = max(clock.work(rng, day), order.created_at + dt.timedelta(hours=1))
        editors = [u for u in order.assignees if u in EDITORS]
        completed_by = (editors[0] if editors else order.creator if order.creator in EDITORS
                        else rng.choice(("anna", "carl")))
        end = completed_at
    order.ctx["hours"] = str(hours)
    row = {"serial": order.serial, "subject": order.subject, "customer": order.cust.id,
           "facility": order.site.id if order.site else None,
           "service_object": order.obj.id if order.obj else None,
           "contact_name": order.contact[0], "contact_phone": order.contact[1],
           "contact_email": order.contact[2],
           "status": status_ids[status] if status else None, "scheduled": order.scheduled,
           "sort_date": order.scheduled or NO_DATE, "hours": hours,
           "completed": order.completed, "created_by": user_ids[order.creator],
           "created_at": order.created_at, "updated_at": end if order.completed else
           order.created_at, "completed_by": user_ids[completed_by] if completed_by else None,
           "completed_at": completed_at, "version": 1}
    row["search_text"] = _order_blob(row)
    return row, _notes(rng, order, end, clock, user_ids, completed_by, status)


def _order_blob(row: dict[str, Any]) -> str:
    order = ContactOrder(serial=row["serial"], subject=row["subject"],
                         contact_name=row["contact_name"], contact_phone=row["contact_phone"],
                         contact_email=row["contact_email"])
    _refresh_search(order)
    return order.search_text


def _notes(rng: random.Random, order: _Order, end: dt.datetime, clock: _Clock,
           user_ids: dict[str, int], completed_by: str | None,
           status: str | None) -> list[dict[str, Any]]:
    count = rng.randint(1, 4)
    first = order.created_at + dt.timedelta(minutes=rng.randint(1, 30))
    days = max((end.date() - first.date()).days, 0)
    times = [first] + sorted(
        min(max(clock.work(rng, first.date() + dt.timedelta(days=rng.randint(0, days))),
                first), end) for _ in range(count - 1))
    pool = [*order.assignees, order.creator, "anna", "carl"]
    templates = rng.sample(data.NOTES, count)
    out = []
    for i, at in enumerate(times):
        author, template = (rng.choice(pool) if i else order.creator), templates[i]
        if completed_by is not None and i == count - 1 and count > 1:
            author, at = completed_by, end
            template = data.CLOSING_NOTES[0 if status == "Won" else 1 if status == "Lost"
                                          else 2]
        out.append({"author": user_ids[author], "created_at": min(at, end),
                    "body": template.format(**order.ctx)})
    return out


def _booking_row(rng: random.Random, order: _Order, b: _Booking, clock: _Clock,
                 user_ids: dict[str, int]) -> dict[str, Any]:
    minutes = rng.choice(DURATIONS[b.kind])
    lead = rng.choice(REMINDERS)
    remind_at = b.starts_at - dt.timedelta(minutes=lead) if lead is not None else None
    created = max(order.created_at, min(b.starts_at, clock.now)
                  - dt.timedelta(hours=rng.randint(1, 72)))
    return {"order": order.id, "kind": b.kind, "starts_at": b.starts_at,
            "duration_minutes": minutes, "assignee": user_ids[b.assignee],
            "remind_at": remind_at,
            "reminder_sent": b.done or (remind_at is not None and remind_at <= clock.now),
            "done": b.done, "done_at": b.starts_at + dt.timedelta(minutes=minutes)
            if b.done else None, "note": b.note, "created_by": user_ids[b.assignee],
            "created_at": created, "version": 1}
