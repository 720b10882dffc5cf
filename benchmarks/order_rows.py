"""Contact orders with their assignments, notes and bookings, generated batch by batch.

Each batch of ``BATCH`` orders has its own random generator, seeded from the run's seed
and the batch's first index: the same seed gives the same data. (Making batches in
two processes was tried: on the 2-core machine both ran ~2.5x slower each, so no gain.)
Serial numbers follow creation time, as when users create orders one by one. Orders
carry explicit ids (= serial); assignments, notes and bookings get theirs from the
database, in insertion order.
"""

from __future__ import annotations

import datetime as dt
import random
from array import array
from bisect import bisect
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate
from types import SimpleNamespace
from typing import Any

from benchmarks import names
from benchmarks.dataset import Registers, Row, Sizes, Staff
from crm_tui.db.models import NO_DATE
from crm_tui.domain.text import name_key
from crm_tui.services import demo_data as demo
from crm_tui.services.orders import _refresh_search

ORDER_COLS = ("id", "serial", "subject", "customer", "facility", "service_object",
              "contact_name", "contact_phone", "contact_email", "status", "scheduled",
              "sort_date", "hours", "completed", "created_by", "created_at", "updated_at",
              "completed_by", "completed_at", "version", "search_text")
ASSIGNMENT_COLS = ("order", "user", "assigned_at", "assigned_by")
NOTE_COLS = ("order", "author", "created_at", "body")
BOOKING_COLS = ("order", "kind", "starts_at", "duration_minutes", "assignee", "remind_at",
                "reminder_sent", "done", "done_at", "note", "created_by", "created_at",
                "version")

BATCH = 20_000
HISTORY_DAYS = 700
KINDS = ("phone",) * 9 + ("meeting",) * 5 + ("digital",) * 3 + ("email",) * 3
DURATIONS = {"phone": (15, 30), "meeting": (60, 90, 120), "digital": (30, 45), "email": (15,)}
REMINDERS = (None, 15, 30, 60, 1440)
QUARTERS = (0, 15, 30, 45)
TOPICS = ("the offer", "a service visit", "the invoice", "spare parts")
OVERDUE_SHARE = 0.015
ONE_DAY = dt.timedelta(days=1)


@dataclass
class Batch:
    """Rows of one batch of orders and what hangs off them."""

    orders: list[Row] = field(default_factory=list)
    assignments: list[Row] = field(default_factory=list)
    notes: list[Row] = field(default_factory=list)
    bookings: list[Row] = field(default_factory=list)


def _counts(rng: random.Random, slots: int, total: int, base: int) -> array[int]:
    """``base`` per slot plus ``total - base * slots`` spread at random (an exact total)."""
    counts = array("l", [base]) * slots
    rand = rng.random
    for _ in range(max(total - base * slots, 0)):
        counts[int(rand() * slots)] += 1
    return counts


def _workday(day: dt.date, forward: bool) -> dt.date:
    while day.weekday() >= 5:
        day += ONE_DAY if forward else -ONE_DAY
    return day


def _pick(rng: random.Random, seq: Any) -> Any:
    return seq[int(rng.random() * len(seq))]


class OrderMaker:
    """Plans who the orders are for and how many notes and bookings each gets."""

    def __init__(self, seed: int, sizes: Sizes, regs: Registers, staff: Staff,
                 status_ids: dict[str, int], today: dt.date) -> None:
        rng = random.Random(f"{seed}:orders")
        self.seed, self.sizes, self.regs, self.staff = seed, sizes, regs, staff
        self.status_ids, self.today = status_ids, today
        self.now = dt.datetime.combine(today, dt.time(6, 45))  # naive UTC
        self.first_day = today - dt.timedelta(days=HISTORY_DAYS)
        count, card = sizes.orders, sizes.card_orders
        weights = list(regs.weights)
        if len(weights) > 1:
            weights[0] = 0.0  # the card customer gets exactly ``card`` orders
        else:
            card = count
        owners = [0] * card + rng.choices(range(len(weights)), weights=weights, k=count - card)
        rng.shuffle(owners)
        self.owners = array("l", owners)
        self.note_counts = _counts(rng, count, sizes.notes, 1 if count else 0)
        self.booking_counts = _counts(rng, count, sizes.bookings, 0)
        self.creators = [staff.admin, *staff.sales, *staff.office, *staff.technicians]
        self.creator_cum = list(accumulate(
            [1.0] + [5.0] * len(staff.sales) + [3.0] * len(staff.office)
            + [2.0] * len(staff.technicians)))
        self.technicians = set(staff.technicians)
        self.note_pool = [*staff.sales[:2], staff.admin]

    def batch_starts(self) -> range:
        """The first order index of every batch."""
        return range(0, self.sizes.orders, BATCH)

    def batch(self, start: int) -> Batch:
        """The batch of orders from index ``start``."""
        rng = random.Random(f"{self.seed}:batch:{start}")
        out = Batch()
        for index in range(start, min(start + BATCH, self.sizes.orders)):
            self._order(rng, index, out)
        return out

    # one order ----------------------------------------------------------------

    def _order(self, rng: random.Random, index: int, batch: Batch) -> None:
        regs, cust, r = self.regs, self.owners[index], rng.random
        order_id = index + 1
        day = self.first_day + dt.timedelta(days=index * HISTORY_DAYS // self.sizes.orders)
        created = dt.datetime.combine(day, dt.time(5)) + dt.timedelta(
            minutes=int(r() * 660))
        site = obj = None
        if regs.fac_count[cust] and r() < 0.9:
            site = regs.fac_start[cust] + int(r() * regs.fac_count[cust])
            if regs.obj_count[site] and r() < 0.7:
                obj = regs.obj_start[site] + int(r() * regs.obj_count[site])
        scheduled = self._scheduled(rng, created)
        completed = self._completed(rng, scheduled, created)
        creator = self.creators[bisect(self.creator_cum, r() * self.creator_cum[-1])]
        assignees = self._assignees(rng, creator)
        contact = self._contact(rng, cust)
        ctx = self._context(rng, cust, site, obj, contact[0], scheduled)
        subject = _pick(rng, demo.OBJECT_SUBJECTS if obj is not None
                        else demo.GENERAL_SUBJECTS).format_map(ctx)
        status = self._status(rng, completed, scheduled)
        hours = self._hours(rng, completed)
        ctx["hours"] = str(hours)
        completed_at = completed_by = None
        if completed:
            base = scheduled or (created.date() + dt.timedelta(days=1 + int(r() * 30)))
            done_day = min(base + dt.timedelta(days=int(r() * 11)), self.today - ONE_DAY)
            completed_at = max(self._at(rng, _workday(done_day, False)),
                               created + dt.timedelta(hours=1))
            completed_by = _pick(rng, self.staff.editors)
        row = {"id": order_id, "serial": order_id, "subject": subject[0].upper() + subject[1:],
               "customer": cust + 1, "facility": None if site is None else site + 1,
               "service_object": None if obj is None else obj + 1,
               "contact_name": contact[0], "contact_phone": contact[1],
               "contact_email": contact[2],
               "status": self.status_ids[status] if status else None, "scheduled": scheduled,
               "sort_date": scheduled or NO_DATE, "hours": hours, "completed": completed,
               "created_by": creator, "created_at": created,
               "updated_at": completed_at or created, "completed_by": completed_by,
               "completed_at": completed_at, "version": 1, "search_text": ""}
        order = SimpleNamespace(**row)
        _refresh_search(order)  # type: ignore[arg-type]
        row["search_text"] = order.search_text
        batch.orders.append(tuple(row[c] for c in ORDER_COLS))
        for user in assignees:
            batch.assignments.append((order_id, user, created, creator))
        self._notes(rng, batch, order_id, created, completed_at or self.now, creator,
                    assignees, completed_by, status, ctx)
        bookings = self.booking_counts[index]
        for j in range(bookings):
            batch.bookings.append(self._booking(rng, order_id, created, scheduled, completed,
                                                j == bookings - 1, assignees or [creator], ctx))

    @staticmethod
    def _at(rng: random.Random, day: dt.date) -> dt.datetime:
        """A quarter hour of a working day, naive UTC (07:00-16:45 local in winter)."""
        quarter = int(rng.random() * 40)
        return dt.datetime.combine(day, dt.time(6 + quarter // 4, QUARTERS[quarter % 4]))

    def _scheduled(self, rng: random.Random, created: dt.datetime) -> dt.date | None:
        if rng.random() >= 0.92:
            return None
        roll = rng.random()
        days = (1 + int(roll / 0.7 * 30) if roll < 0.7 else 31 + int(rng.random() * 90)
                if roll < 0.9 else 121 + int(rng.random() * 245))
        return _workday(created.date() + dt.timedelta(days=days), True)

    def _completed(self, rng: random.Random, scheduled: dt.date | None,
                   created: dt.datetime) -> bool:
        if scheduled is None:
            return created < self.now - dt.timedelta(days=60) and rng.random() < 0.6
        if scheduled < self.today - dt.timedelta(days=14):
            return rng.random() < 0.85
        return scheduled < self.today and rng.random() < 0.3

    def _assignees(self, rng: random.Random, creator: int) -> list[int]:
        roll = rng.random()
        if creator in self.technicians:  # technicians may only assign themselves
            return [creator] if roll < 0.9 else []
        techs = self.staff.technicians
        if roll < 0.1 or not techs:
            return []
        first = _pick(rng, techs)
        if roll < 0.8 or len(techs) < 2:
            return [first]
        second = first
        while second == first:
            second = _pick(rng, techs)
        return [first, second]

    def _contact(self, rng: random.Random, cust: int) -> tuple[str, str, str]:
        regs = self.regs
        if not regs.company[cust]:
            return regs.names[cust], regs.phones[cust], regs.emails[cust]
        first, last = _pick(rng, names.FIRST_NAMES), _pick(rng, names.SURNAMES)
        email = (f"{name_key(first)}.{name_key(last)}@{regs.domains[cust]}"
                 if rng.random() < 0.85 else "")
        return f"{first} {last}", names.mobile(rng), email

    def _context(self, rng: random.Random, cust: int, site: int | None, obj: int | None,
                 contact: str, scheduled: dt.date | None) -> dict[str, Any]:
        regs, r = self.regs, rng.random
        kind = regs.obj_kinds[obj] if obj is not None else _pick(rng, demo.EQUIPMENT).kind
        return {
            "obj": regs.obj_names[obj] if obj is not None else "the installation",
            "model": regs.obj_models[obj] if obj is not None else kind,
            "kind": kind.lower(), "code": f"E{10 + int(r() * 90)}",
            "year": scheduled.year if scheduled else self.today.year,
            "facility": regs.fac_names[site] if site is not None else regs.names[cust],
            "invoice": 40_000 + int(r() * 60_000), "surname": _pick(rng, names.SURNAMES),
            "contact": contact.split()[0], "part": _pick(rng, demo.PARTS),
            "topic": _pick(rng, TOPICS),
            "amount": f"{(6 + int(r() * 295)) * 500:,}".replace(",", " "),
            "days": 2 + int(r() * 13), "location": _pick(rng, demo.LOCATIONS),
        }

    def _status(self, rng: random.Random, completed: bool,
                scheduled: dt.date | None) -> str | None:
        roll = rng.random()
        if completed:
            return "Won" if roll < 0.65 else "Lost" if roll < 0.95 else None
        if roll < 0.04:
            return None
        past = scheduled is not None and scheduled < self.today
        return _pick(rng, demo.OPEN_PAST_STATUSES if past else demo.OPEN_FUTURE_STATUSES)

    @staticmethod
    def _hours(rng: random.Random, completed: bool) -> Decimal:
        if not completed and rng.random() < 0.4:
            return Decimal("0.00")
        value = rng.expovariate(1 / (6 if completed else 4))
        if rng.random() < 0.8:  # most time is reported in quarter hours
            value = max(round(value * 4) / 4, 0.25)
        return Decimal(f"{min(value, 40.0):.2f}")

    def _notes(self, rng: random.Random, batch: Batch, order_id: int, created: dt.datetime,
               end: dt.datetime, creator: int, assignees: list[int], completed_by: int | None,
               status: str | None, ctx: dict[str, Any]) -> None:
        count, r = self.note_counts[order_id - 1], rng.random
        first = created + dt.timedelta(minutes=1 + int(r() * 30))
        span = max((end - first).total_seconds(), 0.0)
        times = [first] + sorted(first + dt.timedelta(seconds=int(r() * span))
                                 for _ in range(count - 1))
        pool = [*assignees, creator, *self.note_pool]
        for i, at in enumerate(times):
            author, body = (_pick(rng, pool) if i else creator), _pick(rng, demo.NOTES)
            if completed_by is not None and count > 1 and i == count - 1:
                author, at = completed_by, end
                body = demo.CLOSING_NOTES[0 if status == "Won" else 1 if status == "Lost" else 2]
            batch.notes.append((order_id, author, at, body.format_map(ctx)))

    def _booking(self, rng: random.Random, order_id: int, created: dt.datetime,
                 scheduled: dt.date | None, completed: bool, last: bool,
                 people: list[int], ctx: dict[str, Any]) -> Row:
        today, r = self.today, rng.random
        if last and not completed:  # the next contact
            if scheduled is not None and scheduled >= today:
                day = scheduled
            elif r() < OVERDUE_SHARE:
                day = _workday(today - dt.timedelta(days=1 + int(r() * 14)), False)
            else:
                day = _workday(today + dt.timedelta(days=int(r() * 46)), True)
            done = False
        else:
            day = (scheduled if scheduled is not None and scheduled < today
                   else min(created.date() + dt.timedelta(days=1 + int(r() * 3)),
                            today - ONE_DAY))
            day, done = _workday(day, False), True
        starts = self._at(rng, day)
        kind = _pick(rng, KINDS)
        minutes = _pick(rng, DURATIONS[kind])
        lead = _pick(rng, REMINDERS)
        remind_at = starts - dt.timedelta(minutes=lead) if lead is not None else None
        assignee = _pick(rng, people)
        booked = max(created, min(starts, self.now) - dt.timedelta(hours=1 + int(r() * 72)))
        return (order_id, kind, starts, minutes, assignee, remind_at,
                done or (remind_at is not None and remind_at <= self.now), done,
                starts + dt.timedelta(minutes=minutes) if done else None,
                demo.BOOKING_NOTES[kind].format_map(ctx), assignee, booked, 1)
