"""Permissions: every read path as a 'view-assigned' user; refused writes change nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from crm_tui.domain.errors import NotFound, PermissionDenied, ValidationError
from crm_tui.domain.records import Completed, OrderFilter, OrderInput
from crm_tui.services import (
    bookings,
    calendar,
    exchange,
    filters,
    notes,
    notifications,
    order_list,
    orders,
    register_edits,
    registers,
    settings,
    statuses,
    todo,
    users,
)
from tests.conftest import make_user
from tests.services.helpers import (
    INCLUDE,
    World,
    assert_one_line,
    db_state,
    refused,
    serials,
    unchanged,
    visible_serials,
)

# -- reads ---------------------------------------------------------------------------------


def test_view_assigned_user_sees_exactly_own_orders_on_every_read_path(world: World) -> None:
    """bob (only 'view-assigned') finds exactly his orders through every read path."""
    bob, s = world.bob, world.s
    everything = set(s.values())
    others = everything - world.bobs

    # The order list: one page, every page, each completed mode, and the totals.
    assert set(serials(order_list.list_orders(bob, INCLUDE, limit=500))) == world.bobs
    assert visible_serials(bob) == world.bobs
    assert set(serials(order_list.list_orders(bob))) == world.bobs - {s["done"]}
    only = OrderFilter(completed=Completed.ONLY)
    assert serials(order_list.list_orders(bob, only)) == [s["done"]]
    assert [r.serial for r in order_list.iter_orders(bob, INCLUDE, page_size=1)] == serials(
        order_list.list_orders(bob, INCLUDE, limit=500))
    total = order_list.totals(bob, INCLUDE)
    assert total.count == 3
    assert total.hours == Decimal("1.5") + Decimal("2") + Decimal("0.25")

    # Filters never widen what he sees: carol's orders through 'assigned to carol' or text.
    assert set(serials(order_list.list_orders(
        bob, OrderFilter(assigned_to="carol", completed=Completed.INCLUDE)))) == {s["booked"]}
    assert serials(order_list.list_orders(
        bob, OrderFilter(text="secret", completed=Completed.INCLUDE))) == []
    assert order_list.totals(bob, OrderFilter(text="secret", completed=Completed.INCLUDE)
                             ).count == 0

    # Showing one order: his own, and "not found" (not "forbidden") for the others.
    for serial in world.bobs:
        assert orders.get_order(bob, serial).serial == serial
    for serial in others:
        with pytest.raises(NotFound) as info:
            orders.get_order(bob, serial)
        assert str(info.value) == f"No contact order {serial}"  # same as a missing one

    # Register search: register hits only, never an order.
    hits = registers.search(bob, "acme")
    assert hits, "the register search itself must work for bob"
    assert {h.register for h in hits} <= set(registers.REGISTERS)
    assert {h.title for h in hits} == {"Acme", "Plant North", "Heat pump HP-9"}
    assert registers.search(bob, "secret") == []
    assert registers.search(bob, "carol deal") == []

    # Customer card: the customer's registers, but only bob's orders of that customer.
    card = order_list.customer_card(bob, world.acme.id)
    assert card.customer.name == "Acme"
    assert [f.name for f in card.facilities] == ["Plant North"]
    assert set(serials(card.orders)) == {s["own"], s["booked"]}
    assert set(serials(order_list.customer_card(bob, world.berg.id).orders)) == {s["done"]}

    # Orders of a facility / of a service object ('booked' got the plant from its pump).
    assert serials(order_list.orders_of(bob, facility_id=world.plant.id)) == [
        s["own"], s["booked"]]
    assert serials(order_list.orders_of(bob, service_object_id=world.pump.id)) == [s["booked"]]

    # To-do: his own bookings; a colleague's to-do is refused.
    mine = todo.todo(bob)
    items = mine.overdue + mine.today + mine.upcoming
    assert [i.order_serial for i in items] == [s["booked"]]
    assert all(i.booking.assignee == "bob" for i in items)
    message = refused(lambda: todo.todo(bob, "carol"), PermissionDenied, match=("carol",))
    assert "bob" in message

    # Exports: the CSV of orders and the calendar of bookings hold only his.
    out = io.StringIO()
    assert exchange.export_csv(bob, "orders", out) == 3
    exported = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert {int(r["serial"]) for r in exported} == world.bobs
    assert "secret" not in out.getvalue()
    assert {int(r["serial"]) for r in exchange.rows_of(bob, "orders")} == world.bobs
    ics = calendar.export_ics(bob).decode()
    assert "Acme booked call" in ics and ics.count("BEGIN:VEVENT") == 1
    assert "secret" not in ics
    refused(lambda: calendar.export_ics(bob, "carol"), PermissionDenied, match=("carol",))


def test_view_user_and_admin_see_everything(world: World) -> None:
    """The control group: 'view' and admin see all six orders on the same paths."""
    everything = set(world.s.values())
    assert visible_serials(world.carol) == everything
    assert visible_serials(world.admin) == everything
    assert order_list.totals(world.carol, INCLUDE).count == 6
    assert len(order_list.customer_card(world.carol, world.acme.id).orders) == 4
    bobs_todo = todo.todo(world.carol, "bob")
    assert [i.order_serial for i in bobs_todo.overdue + bobs_todo.today + bobs_todo.upcoming
            ] == [world.s["booked"]]


def test_user_without_view_permission_reads_nothing(world: World) -> None:
    """A user with no view permission is refused by every order read path."""
    nina = make_user(world.admin, "nina", "create", "edit", "assign")
    s = world.s
    reads: dict[str, Callable[[], Any]] = {
        "list_orders": lambda: order_list.list_orders(nina),
        "totals": lambda: order_list.totals(nina),
        "iter_orders": lambda: list(order_list.iter_orders(nina)),
        "get_order": lambda: orders.get_order(nina, s["own"]),
        "customer_card": lambda: order_list.customer_card(nina, world.acme.id),
        "orders_of": lambda: order_list.orders_of(nina, facility_id=world.plant.id),
        "todo": lambda: todo.todo(nina),
        "export orders": lambda: exchange.export_csv(nina, "orders", io.StringIO()),
        "export calendar": lambda: calendar.export_ics(nina),
    }
    for name, call in reads.items():
        with pytest.raises(PermissionDenied) as info:
            call()
        message = assert_one_line(info.value)
        assert "nina" in message and "view" in message, (name, message)


# -- refused writes ------------------------------------------------------------------------


def test_writes_without_permission_are_refused_and_change_nothing(world: World) -> None:
    """Each write without its permission raises PermissionDenied naming it; no row changes."""
    admin, bob, s = world.admin, world.bob, world.s
    dave = make_user(admin, "dave", "view", "assign-self")
    erin = make_user(admin, "erin", "view", "create")
    frank = make_user(admin, "frank", "view", "edit")
    new = OrderInput(subject="Sneaky", customer="Brand New Customer Ltd")
    cases: list[tuple[str, Callable[[], Any], tuple[str, ...]]] = [
        ("create", lambda: orders.create_order(bob, new), ("bob", "create")),
        ("create customer", lambda: registers.add_customer(bob, "Other Co"), ("create",)),
        ("add facility", lambda: registers.add_facility(bob, "Shed", world.acme.id),
         ("create",)),
        ("edit", lambda: orders.edit_order(bob, s["own"], OrderInput(subject="Mine now")),
         ("bob", "edit")),
        ("edit customer", lambda: register_edits.edit_customer(bob, world.acme.id, city="X"),
         ("edit",)),
        ("complete", lambda: orders.set_completed(bob, s["own"], True), ("edit",)),
        ("reopen", lambda: orders.set_completed(bob, s["done"], False), ("edit",)),
        ("delete", lambda: orders.delete_order(bob, s["own"]), ("bob", "delete")),
        ("delete without delete", lambda: orders.delete_order(world.carol, s["own"]),
         ("carol", "delete")),
        ("edit without edit", lambda: orders.edit_order(erin, s["own"],
                                                        OrderInput(hours="9")), ("edit",)),
        ("assign others", lambda: orders.assign(bob, s["own"], ["carol"]), ("assign",)),
        ("assign self w/o assign-self", lambda: orders.assign(bob, s["booked"], ["bob"]),
         ("assign-self",)),
        ("assign-self assigns others", lambda: orders.assign(dave, s["nobodys"], ["carol"]),
         ("dave", "'assign'")),
        ("edit assigning others", lambda: orders.edit_order(
            frank, s["nobodys"], OrderInput(subject="y", assignees=["bob"])), ("assign",)),
        ("unassign others", lambda: orders.unassign(frank, s["own"], ["bob"]), ("assign",)),
        ("booking for colleague", lambda: bookings.add_booking(
            bob, s["own"], "2026-04-01 10:00", "phone", assignee="carol"), ("assign",)),
        ("note on unrelated order", lambda: notes.add_note(erin, s["nobodys"], "hi"),
         ("edit",)),
        ("settings", lambda: settings.set_value(bob, "list_sort", "serial"), ("admin",)),
        ("settings as non-admin with all perms",
         lambda: settings.set_value(world.carol, "channels.email", "on"), ("admin",)),
        ("add status", lambda: statuses.add_status(world.carol, "Hacked"), ("admin",)),
        ("rename status", lambda: statuses.rename_status(bob, "Won", "Lost too"), ("admin",)),
        ("move status", lambda: statuses.move_status(bob, "Won", 1), ("admin",)),
        ("deactivate status", lambda: statuses.set_status_active(bob, "Won", False),
         ("admin",)),
        ("delete status", lambda: statuses.delete_status(bob, "Lost"), ("admin",)),
        ("add user", lambda: users.add_user(world.carol, "mallory", perms=["view"]),
         ("admin",)),
        ("set perms", lambda: users.set_perms(bob, "bob", ["view", "edit", "delete"]),
         ("admin",)),
        ("make admin", lambda: users.set_perms(world.carol, "carol", [], is_admin=True),
         ("admin",)),
        ("deactivate user", lambda: users.set_active(bob, "carol", False), ("admin",)),
        ("edit other profile", lambda: users.update_profile(bob, "carol", email="x@y.se"),
         ("admin",)),
    ]
    failures = []
    for name, call, match in cases:
        try:
            refused(call, PermissionDenied, match=match)
        except AssertionError as exc:  # collect all, report together
            failures.append(f"{name}: {exc}")
        except Exception as exc:  # noqa: BLE001 - report the wrong error type by case
            failures.append(f"{name}: raised {type(exc).__name__}: {exc}")
    assert not failures, "\n".join(failures)


def test_allowed_self_assignment_and_own_notes_work(world: World) -> None:
    """'assign-self' may assign oneself; an assignee may add notes and own bookings."""
    dave = make_user(world.admin, "dave", "view", "assign-self")
    detail = orders.assign(dave, world.s["nobodys"], ["dave"])
    assert detail.row.assignees == ("dave",)
    assert notes.add_note(world.bob, world.s["own"], "Called, no answer").author == "bob"
    booking = bookings.add_booking(world.bob, world.s["own"], "2026-04-01 10:00", "phone")
    assert booking.assignee == "bob"


def test_an_order_created_by_one_who_sees_only_their_own_is_theirs(world: World) -> None:
    """A technician (view-assigned) who creates an order is assigned it: it vanished
    from their sight once saved, with no one assigned. One who sees everything is not
    assigned what they create for others."""
    tech = make_user(world.admin, "tess", "view-assigned", "create")
    mine = orders.create_order(tech, OrderInput(subject="Found a leak",
                                                customer_id=world.acme.id))
    assert mine.row.assignees == ("tess",)
    assert orders.get_order(tech, mine.serial).serial == mine.serial
    assert mine.serial in [r.serial for r in order_list.list_orders(tech).rows]
    assert notifications.list_notifications(tech) == []  # not told of their own act
    desk = make_user(world.admin, "desk", "view", "create", "assign")
    theirs = orders.create_order(desk, OrderInput(subject="For bob",
                                                  customer_id=world.acme.id,
                                                  assignees=["bob"]))
    assert theirs.row.assignees == ("bob",)


def test_a_new_order_is_sent_on_to_anyone_without_assign(world: World) -> None:
    """Journeys 2 and 6: Bob (view-assigned, create, assign-self) sends the order he
    creates on to Anna, who is notified (refused, the order stayed with Bob and Anna
    never heard of it: QA20 M1). Changing who is assigned afterwards needs 'assign'."""
    admin = world.admin
    tech = make_user(admin, "tomas", "view-assigned", "create", "assign-self")
    anna = make_user(admin, "anna2", "view", "edit")
    sent = orders.create_order(tech, OrderInput(subject="Wants a quote",
                                                customer_id=world.acme.id,
                                                assignees=["anna2"]))
    assert sent.row.assignees == ("anna2", "tomas")  # he keeps seeing it
    assert [n.order_serial for n in notifications.list_notifications(anna)] == [sent.serial]
    refused(lambda: orders.assign(tech, sent.serial, ["bob"]), PermissionDenied,
            match=("assign",))
    refused(lambda: orders.unassign(tech, sent.serial, ["anna2"]), PermissionDenied,
            match=("assign",))


def test_refused_note_on_invisible_order_is_not_found(world: World) -> None:
    """bob cannot add notes or bookings to orders he cannot see (and learns nothing)."""
    s = world.s
    refused(lambda: notes.add_note(world.bob, s["carols"], "hi"), NotFound)
    refused(lambda: bookings.add_booking(world.bob, s["carols"], "2026-04-01 10:00", "phone"),
            NotFound)
    refused(lambda: orders.assign(world.bob, s["carols"], ["bob"]), NotFound)


# -- permission changes and deactivation ----------------------------------------------------


def test_permission_changes_apply_to_an_existing_actor_at_once(world: World) -> None:
    """Services re-read the user: an Actor made before a change obeys the new set."""
    admin, bob, carol, s = world.admin, world.bob, world.carol, world.s
    everything = set(s.values())

    users.set_perms(admin, "carol", ["view-assigned"])
    assert "view" in carol.perms  # the stale object still says 'view'...
    assert visible_serials(carol) == {s["booked"], s["carols"], s["carol_call"]}
    refused(lambda: orders.create_order(carol, OrderInput(subject="x", customer="Acme")),
            PermissionDenied)

    users.set_perms(admin, "bob", ["view", "create"])
    assert visible_serials(bob) == everything
    serial = orders.create_order(bob, OrderInput(subject="Now allowed", customer="Acme")).serial
    assert orders.get_order(bob, serial).created_by == "bob"

    users.set_perms(admin, "bob", [])
    with pytest.raises(PermissionDenied):
        order_list.list_orders(bob)

    users.set_perms(admin, "bob", [], is_admin=True)
    assert statuses.add_status(bob, "Escalated").name == "Escalated"


def test_deactivated_user_is_refused_everywhere(world: World) -> None:
    """A deactivated user's Actor no longer reads or writes anything."""
    admin, bob, s = world.admin, world.bob, world.s
    users.set_active(admin, "bob", False)
    with pytest.raises(PermissionDenied):
        users.get_actor("bob")
    calls: dict[str, Callable[[], Any]] = {
        "list_orders": lambda: order_list.list_orders(bob),
        "totals": lambda: order_list.totals(bob),
        "get_order": lambda: orders.get_order(bob, s["own"]),
        "search": lambda: registers.search(bob, "acme"),
        "customer_card": lambda: order_list.customer_card(bob, world.acme.id),
        "orders_of": lambda: order_list.orders_of(bob, facility_id=world.plant.id),
        "todo": lambda: todo.todo(bob),
        "notifications": lambda: notifications.list_notifications(bob),
        "list_users": lambda: users.list_users(bob),
        "add_note": lambda: notes.add_note(bob, s["own"], "still here?"),
        "add_booking": lambda: bookings.add_booking(bob, s["own"], "2026-04-01 10:00",
                                                    "phone"),
        "save_default": lambda: filters.save_default(bob, OrderFilter(mine=True)),
        "save_favorite": lambda: filters.save_favorite(bob, "Mine", OrderFilter(mine=True)),
    }
    failures = []
    for name, call in calls.items():
        try:
            message = refused(call, PermissionDenied)
            assert "bob" in message
        except Exception as exc:  # noqa: BLE001 - collect every path that lets bob in
            failures.append(f"{name}: {type(exc).__name__}: {exc}")
    assert not failures, "\n".join(failures)
    # And nobody can hand him work any more.
    refused(lambda: orders.assign(admin, s["nobodys"], ["bob"]), ValidationError,
            match=("deactivated",))


def test_deactivated_user_cannot_use_saved_filters_or_counts(world: World) -> None:
    """Saved filters and the unread count also refuse a deactivated user."""
    bob = world.bob
    filters.save_favorite(bob, "Mine", OrderFilter(mine=True))
    filters.save_default(bob, OrderFilter(mine=True))
    users.set_active(world.admin, "bob", False)
    before = db_state()
    leaks = []
    for name, call in {
        "get_default": lambda: filters.get_default(bob),
        "favorites": lambda: filters.favorites(bob),
        "delete_favorite": lambda: filters.delete_favorite(bob, "Mine"),
        "unread_count": lambda: notifications.unread_count(bob),
    }.items():
        try:
            call()
            leaks.append(name)
        except PermissionDenied:
            pass
    assert not leaks, f"deactivated bob was let in by: {', '.join(leaks)}"
    assert db_state() == before


def test_refused_write_inside_a_larger_change_rolls_back_everything(world: World) -> None:
    """A refusal after other rows were touched (new customer, subject) leaves no trace."""
    erin = make_user(world.admin, "erin", "view", "create", "edit")
    fiona = make_user(world.admin, "fiona", "view", "create")  # no notes on others' orders
    with unchanged(), pytest.raises(PermissionDenied):
        orders.create_order(fiona, OrderInput(subject="x", customer="Totally New Customer",
                                              facility="New Site", assignees=["bob"]),
                            note="Called them")
    version = orders.get_order(erin, world.s["nobodys"]).version
    with unchanged(), pytest.raises(PermissionDenied):
        orders.edit_order(erin, world.s["nobodys"],
                          OrderInput(subject="changed", hours="5", assignees=["carol"]))
    assert orders.get_order(erin, world.s["nobodys"]).version == version
