"""The involvement table (who is involved in which order, with its list keys) stays
equal to what the assignments and bookings say, through every kind of write."""

from __future__ import annotations

import datetime as dt
import random
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

from crm_tui.db import involvement
from crm_tui.db.database import db
from crm_tui.domain.records import Actor, Completed, OrderFilter, OrderInput
from crm_tui.services import bookings, order_list, orders
from tests.conftest import make_user
from tests.services.helpers import new_order

ROWS = ("SELECT order_id, user_id, refs, completed, sort_date, serial, hours FROM involvement "
        "ORDER BY order_id, user_id")


def _norm(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [(o, u, r, bool(c), str(d), s, Decimal(str(h)).quantize(Decimal("0.01")))
            for o, u, r, c, d, s, h in rows]


def stored_and_expected() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The table as the triggers left it, and as rebuilt from scratch."""
    with db.connection_context():
        stored = _norm(db.execute_sql(ROWS).fetchall())
        with db.atomic() as tx:
            involvement.rebuild()
            expected = _norm(db.execute_sql(ROWS).fetchall())
            tx.rollback()
    return stored, expected


def assert_in_step() -> list[tuple[Any, ...]]:
    stored, expected = stored_and_expected()
    assert stored == expected
    return stored


def test_involvement_follows_every_write(admin: Actor) -> None:
    tech = make_user(admin, "tech", "view-assigned", "edit")
    desk = make_user(admin, "desk", "view", "edit")
    first = new_order(admin, "Boiler", assignees=["tech"], scheduled="2030-01-10",
                      hours="2.5")
    second = new_order(admin, "Pump", assignees=["tech", "desk"])
    rows = assert_in_step()
    assert len(rows) == 3 and all(r[2] == 1 for r in rows)

    # a booking for an already-assigned user adds a reference, not a row
    booking = bookings.add_booking(admin, first, "2030-01-09 10:00", "phone", assignee="tech")
    rows = assert_in_step()
    assert [r[2] for r in rows if r[5] == first] == [2]

    # unassigning keeps the row while the booking still involves the user
    orders.unassign(admin, first, ["tech"])
    rows = assert_in_step()
    assert [r[2] for r in rows if r[5] == first] == [1]

    # the booking moves to someone else: the row moves with it
    bookings.edit_booking(admin, booking.id, assignee="desk")
    rows = assert_in_step()
    assert [(r[1], r[2]) for r in rows if r[5] == first] == [(desk.id, 1)]
    assert {r[1] for r in rows if r[5] == second} == {tech.id, desk.id}

    # the order's list keys are copied: date, hours, completed
    detail = orders.get_order(admin, first)
    orders.edit_order(admin, first, OrderInput(scheduled="2031-05-01", hours="4"),
                      base_version=detail.version)
    orders.set_completed(admin, second, True)
    rows = assert_in_step()
    assert {(r[5], r[4], r[6], r[3]) for r in rows if r[5] == first} == {
        (first, "2031-05-01", Decimal("4.00"), False)}
    assert all(r[3] for r in rows if r[5] == second)

    # deleting an order removes its rows
    orders.delete_order(admin, second)
    rows = assert_in_step()
    assert all(r[5] != second for r in rows)


def test_lists_and_sums_of_a_user_come_from_involvement(admin: Actor) -> None:
    tech = make_user(admin, "tech", "view-assigned")
    mine = [new_order(admin, f"Visit {n}", assignees=["tech"], hours="1.5",
                      scheduled=dt.date(2030, 1, 1) + dt.timedelta(days=n)) for n in range(5)]
    booked = new_order(admin, "Call back", scheduled="2030-02-01", hours="1")
    bookings.add_booking(admin, booked, "2030-01-20 09:00", "phone", assignee="tech")
    new_order(admin, "Someone else's", scheduled="2030-01-02", hours="9")
    orders.set_completed(admin, mine[0], True)
    assert_in_step()

    page = order_list.list_orders(tech, OrderFilter(completed=Completed.INCLUDE), limit=3)
    assert [r.serial for r in page.rows] == mine[1:4]
    rest = order_list.list_orders(tech, OrderFilter(completed=Completed.INCLUDE),
                                  after=page.next_cursor, limit=3)
    assert [r.serial for r in rest.rows] == [mine[4], booked, mine[0]]
    assert rest.next_cursor is None

    sums = order_list.totals(tech, OrderFilter(completed=Completed.INCLUDE))
    assert (sums.count, sums.hours) == (6, Decimal("8.50"))
    window = OrderFilter(scheduled_from=dt.date(2030, 1, 3), scheduled_to=dt.date(2030, 1, 31))
    assert order_list.totals(tech, window).count == 3  # mine[2..4]; mine[0] is completed
    by_admin = order_list.totals(admin, OrderFilter(assigned_to="tech"))
    assert (by_admin.count, by_admin.hours) == (5, Decimal("7.00"))
    # "mine" for an admin and a text filter on top of a user's involvement
    text = order_list.list_orders(tech, OrderFilter(text="call back"))
    assert [r.serial for r in text.rows] == [booked]


def test_concurrent_writers_keep_involvement_in_step(admin: Actor) -> None:
    """Four threads assign, unassign, book and move bookings on the same orders and
    users at once; afterwards the table still equals a rebuild (counts included)."""
    techs = [make_user(admin, f"tech{n}", "view-assigned", "edit").username for n in range(3)]
    serials = [new_order(admin, f"Shared {n}") for n in range(3)]
    booked = [bookings.add_booking(admin, s, "2030-01-09 10:00", "phone", assignee=techs[0]).id
              for s in serials]

    def work(seed: int) -> int:
        pick = random.Random(seed)
        done = 0
        for _ in range(25):
            serial, tech = pick.choice(serials), pick.choice(techs)
            action = pick.randrange(4)
            if action == 0:
                orders.assign(admin, serial, [tech])
            elif action == 1:
                orders.unassign(admin, serial, [tech])
            elif action == 2:
                bookings.add_booking(admin, serial, "2030-01-10 10:00", "phone", assignee=tech)
            else:
                bookings.edit_booking(admin, pick.choice(booked), assignee=tech)
            done += 1
        return done

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = [f.result(timeout=120) for f in [pool.submit(work, n) for n in range(4)]]
    assert results == [25] * 4
    rows = assert_in_step()
    assert rows and all(r[2] >= 1 for r in rows)
