"""The demo seeder: counts, invariants the services rely on, a lively to-do, determinism."""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo
from decimal import Decimal
from pathlib import Path

import pytest

from crm_tui.db.database import close_database, sqlite_url
from crm_tui.db.models import (
    NO_DATE,
    Booking,
    ContactOrder,
    Counter,
    Customer,
    Facility,
    Note,
    ServiceObject,
)
from crm_tui.domain.errors import ValidationError
from crm_tui.domain.records import Actor, Completed, OrderFilter, OrderInput, OrderRow
from crm_tui.domain.text import name_key, search_blob
from crm_tui.services import (
    bookings,
    demo,
    order_list,
    orders,
    registers,
    settings,
    setup,
    statuses,
    todo,
    users,
)
from crm_tui.services.base import reading

TODAY = dt.date(2025, 3, 12)  # a Wednesday
NOON = dt.datetime(2025, 3, 12, 12, 0)  # local time of the demo company
START_OF_DAY = dt.datetime(2025, 3, 12, tzinfo=zoneinfo.ZoneInfo("Europe/Stockholm"))
CUSTOMERS, ORDERS = 60, 300
ALL = OrderFilter(completed=Completed.INCLUDE)


@pytest.fixture
def seeded(db_url: str) -> demo.DemoSummary:
    """A small demo database."""
    return demo.seed(CUSTOMERS, ORDERS, seed=7, today=TODAY)


@pytest.fixture
def eva(seeded: demo.DemoSummary) -> Actor:
    """The demo admin."""
    return users.get_actor("eva")


def aware(moment: dt.datetime) -> dt.datetime:
    """A service datetime as aware UTC (naive ones are stored UTC)."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def all_rows(actor: Actor) -> list[OrderRow]:
    """Every order the actor may see, completed ones included."""
    return list(order_list.iter_orders(actor, ALL))


def test_summary_matches_what_the_services_see(seeded: demo.DemoSummary, eva: Actor) -> None:
    assert (seeded.users, seeded.customers, seeded.orders) == (5, CUSTOMERS, ORDERS)
    assert order_list.totals(eva, ALL).count == ORDERS
    customers = registers.search(eva, "", "customers", limit=1000)
    facilities = registers.search(eva, "", "facilities", limit=1000)
    objects = registers.search(eva, "", "service-objects", limit=1000)
    assert (len(customers), len(facilities), len(objects)) == (
        seeded.customers, seeded.facilities, seeded.service_objects)
    assert seeded.facilities >= CUSTOMERS and seeded.service_objects >= seeded.facilities
    with reading():
        assert (Note.select().count(), Booking.select().count()) == (seeded.notes,
                                                                     seeded.bookings)
    assert ORDERS <= seeded.notes <= 4 * ORDERS
    assert all(1 <= len(orders.get_order(eva, r.serial).notes) <= 4 for r in all_rows(eva)[::10])
    completed = order_list.totals(eva, OrderFilter(completed=Completed.ONLY)).count
    assert completed == round(ORDERS * 0.25)
    assert demo.is_seeded()


def test_users_have_their_permission_sets(seeded: demo.DemoSummary, eva: Actor) -> None:
    listed = {u.username: u for u in users.list_users(eva)}
    assert set(listed) == {"eva", "anna", "bob", "carl", "dina"}
    assert listed["eva"].is_admin and listed["eva"].display_name == "Eva Lind"
    assert set(listed["anna"].perms) == {"view", "edit", "create", "assign", "assign-self"}
    assert listed["anna"].display_name == "Anna Berg" and listed["anna"].email
    assert listed["anna"].phone
    assert set(listed["bob"].perms) == {"view-assigned", "create", "assign-self"}
    assert set(listed["carl"].perms) == {"view", "edit", "create", "delete", "assign"}
    assert listed["dina"].perms == ("view",)
    assert not any(listed[u].is_admin for u in ("anna", "bob", "carl", "dina"))


def test_settings_and_statuses(seeded: demo.DemoSummary) -> None:
    assert settings.get("organisation") == "Nordvärme Service AB"
    assert settings.get("timezone") == "Europe/Stockholm"
    listed = statuses.list_statuses()
    assert [s.name for s in listed] == ["New lead", "Contacted", "Meeting booked",
                                         "Offer requested", "Waiting for customer", "Won",
                                         "Lost"]
    assert [s.position for s in listed] == list(range(1, 8))
    assert all(s.in_use > 0 for s in listed)
    assert sum(s.in_use for s in listed) < ORDERS  # a few orders have no status


def test_search_folds_accents(seeded: demo.DemoSummary, eva: Actor) -> None:
    titles = lambda text, reg="customers": [h.title for h in registers.search(eva, text, reg)]  # noqa: E731
    assert "Bergström Värme AB" in titles("bergstrom")
    assert "Ängelholms Bostäder" in titles("angelholm")
    assert "Öberg & Söner" in titles("OBERG & soner")
    assert "Åkesson Fastigheter" in titles("akesson")
    hits = registers.search(eva, "goteborg", "facilities", limit=1000)
    assert hits and all("Göteborg" in h.subtitle for h in hits)
    obj = registers.search(eva, "", "service-objects", limit=1)[0]
    assert [h.id for h in registers.search(eva, obj.number.lower(), "service-objects")] == [
        obj.id]


def test_register_rows_keep_service_invariants(seeded: demo.DemoSummary) -> None:
    with reading():
        rows = list(Customer.select().order_by(Customer.id))
        assert [c.number for c in rows] == [str(1001 + i) for i in range(CUSTOMERS)]
        for c in rows:
            assert c.name_key == name_key(c.name)
            assert c.search_text == registers.customer_blob(c)
            assert c.city and c.address and c.phone and c.email
        for f in Facility.select():
            assert f.name_key == name_key(f.name)
            assert f.search_text == registers.facility_blob(f, f.customer.name)
            assert 55.0 < f.latitude < 69.1 and 10.9 < f.longitude < 24.2  # Sweden
        serials = set()
        for s in ServiceObject.select():
            assert s.facility.customer_id == s.customer_id
            assert s.search_text == search_blob(s.name, s.model, s.serial_number,
                                                s.customer.name, s.facility.name)
            serials.add(s.serial_number)
        assert len(serials) == seeded.service_objects
        assert Counter.get_by_id("customer_number").value == 1000 + CUSTOMERS
        assert Counter.get_by_id("order_serial").value == ORDERS


def test_order_rows_keep_service_invariants(seeded: demo.DemoSummary, eva: Actor) -> None:
    rows = all_rows(eva)
    assert sorted(r.serial for r in rows) == list(range(1, ORDERS + 1))
    for r in rows:
        assert r.sort_date == (r.scheduled or NO_DATE)
        assert Decimal(0) <= r.hours <= Decimal(40) and r.hours == r.hours.quantize(
            Decimal("0.01"))
        assert r.contact.name and r.contact.phone
        assert (r.completed_at is not None) == r.completed
    dated = [r.scheduled for r in rows if r.scheduled]
    assert min(dated) >= TODAY - dt.timedelta(days=560) and min(dated) < TODAY - dt.timedelta(
        days=365)
    assert max(dated) <= TODAY + dt.timedelta(days=280) and max(dated) > TODAY + dt.timedelta(
        days=180)
    assert len(dated) < ORDERS  # some orders are not scheduled
    with reading():
        for o in ContactOrder.select():
            expected = ContactOrder(serial=o.serial, subject=o.subject,
                                    contact_name=o.contact_name,
                                    contact_phone=o.contact_phone,
                                    contact_email=o.contact_email)
            orders._refresh_search(expected)
            assert o.search_text == expected.search_text
    for r in rows[::7]:
        detail = orders.get_order(eva, r.serial)
        assert (detail.completed_by is not None) == r.completed
        if r.completed:
            assert detail.completed_by in ("eva", "anna", "carl")
        times = [n.at for n in detail.notes]
        assert times == sorted(times) and detail.created_at <= times[0]
        assert times[-1] <= START_OF_DAY + dt.timedelta(hours=8)  # nothing after seeding
        if r.completed_at is not None:
            assert aware(detail.created_at) < aware(r.completed_at)
        assert all(n.author in ("eva", "anna", "bob", "carl") for n in detail.notes)


def test_bookings_are_local_working_hours_stored_as_utc(seeded: demo.DemoSummary) -> None:
    with reading():
        rows = list(Booking.select(Booking, ContactOrder.serial, ContactOrder.completed)
                    .join(ContactOrder).objects())
        infos = [(bookings.booking_info(b, b.serial), bool(b.completed)) for b in rows]
    assert len(infos) == seeded.bookings
    assert all(b.starts_at.tzinfo is None for b in rows)
    assert {b.kind for b, _ in infos} == {"phone", "meeting", "digital", "email"}
    for info, completed in infos:
        assert dt.time(8, 0) <= info.at.time() <= dt.time(16, 45), info
        assert info.at.minute % 15 == 0
        assert info.at.utcoffset() in (dt.timedelta(hours=1), dt.timedelta(hours=2))
        assert info.reminder_at is None or info.reminder_at < info.at
        if info.done:
            assert info.at.date() < TODAY
        if completed:
            assert info.done
    assert any(i.reminder_at is not None for i, _ in infos)


@pytest.mark.parametrize("username", ["anna", "bob"])
def test_todo_is_lively(seeded: demo.DemoSummary, username: str) -> None:
    actor = users.get_actor(username)
    listed = todo.todo(actor, now=NOON)
    assert len(listed.overdue) >= 2 and len(listed.today) >= 2 and len(listed.upcoming) >= 3
    assert all(i.booking.assignee == username and not i.booking.done
               for i in listed.overdue + listed.today + listed.upcoming)
    assert all(i.booking.at.date() < TODAY for i in listed.overdue)
    assert all(i.booking.at.date() == TODAY for i in listed.today)
    assert all(i.booking.at.date() > TODAY for i in listed.upcoming)


def test_bob_sees_only_his_share(seeded: demo.DemoSummary, eva: Actor) -> None:
    bob = users.get_actor("bob")
    mine = all_rows(bob)
    assert ORDERS * 0.2 <= len(mine) < ORDERS
    for r in mine[::5]:
        detail = orders.get_order(bob, r.serial)
        assert "bob" in r.assignees or any(b.assignee == "bob" for b in detail.bookings)


def test_later_numbers_continue_after_the_demo(seeded: demo.DemoSummary, eva: Actor) -> None:
    added = registers.add_customer(eva, "Nybyggda Hus i Lund AB")
    assert added.number == str(1001 + CUSTOMERS)
    anna = users.get_actor("anna")
    order = orders.create_order(anna, OrderInput(subject="Ny förfrågan", customer="1001"))
    assert order.serial == ORDERS + 1


def test_seeding_twice_is_refused(seeded: demo.DemoSummary) -> None:
    assert demo.is_seeded()
    with pytest.raises(ValidationError, match="already holds customers"):
        demo.seed(CUSTOMERS, ORDERS, seed=7, today=TODAY)
    assert order_list.totals(users.get_actor("eva"), ALL).count == ORDERS


def test_refuses_a_database_in_use_and_writes_nothing(db_url: str) -> None:
    assert not demo.is_seeded()
    admin = users.bootstrap_admin("root")
    registers.add_customer(admin, "Riktig Kund AB")
    assert demo.is_seeded()
    with pytest.raises(ValidationError, match="empty database"):
        demo.seed(10, 20, today=TODAY)
    assert [u.username for u in users.list_users(admin)] == ["root"]
    assert settings.get("organisation") == "My company"


def test_existing_users_are_reused_untouched(db_url: str) -> None:
    admin = users.bootstrap_admin("eva")
    users.add_user(admin, "bob", display_name="Robert", perms=["view"])
    demo.seed(12, 40, today=TODAY)
    listed = {u.username: u for u in users.list_users(admin)}
    assert len(listed) == 5
    assert listed["eva"].display_name == "eva" and listed["eva"].is_admin
    assert listed["bob"].display_name == "Robert" and listed["bob"].perms == ("view",)
    assert todo.todo(users.get_actor("bob"), now=NOON).today


def _fingerprint() -> tuple[list[tuple[str, ...]], list[tuple[object, ...]]]:
    eva = users.get_actor("eva")
    customers = [(h.number, h.title, h.subtitle) for h in
                 registers.search(eva, "", "customers", limit=1000)]
    rows = [(r.serial, r.subject, r.customer, r.facility, r.service_object, r.contact,
             r.status, r.scheduled, r.hours, r.assignees, r.completed, r.completed_at)
            for r in all_rows(eva)]
    return sorted(customers), sorted(rows, key=lambda r: r[0])  # type: ignore[arg-type,return-value]


def test_same_seed_and_day_give_the_same_data(db_url: str, tmp_path: Path) -> None:
    demo.seed(40, 150, seed=3, today=TODAY)
    first = _fingerprint()
    setup.open_database(sqlite_url(tmp_path / "again.db"))
    demo.seed(40, 150, seed=3, today=TODAY)
    assert _fingerprint() == first
    close_database()
    setup.open_database(sqlite_url(tmp_path / "other.db"))
    demo.seed(40, 150, seed=4, today=TODAY)
    other = _fingerprint()
    assert [c[1] for c in other[0]] != [c[1] for c in first[0]]
    assert [r[1] for r in other[1]] != [r[1] for r in first[1]]


@pytest.mark.parametrize(("customers", "count"), [(100, 500), (3, 8), (1, 0)])
def test_sizes_scale(db_url: str, customers: int, count: int) -> None:
    summary = demo.seed(customers, count, today=TODAY)
    assert (summary.customers, summary.orders) == (customers, count)
    eva = users.get_actor("eva")
    assert order_list.totals(eva, ALL).count == count
    assert len(registers.search(eva, "", "customers", limit=1000)) == customers


@pytest.mark.parametrize(("customers", "count"), [(0, 10), (10, -1)])
def test_bad_sizes_are_refused(db_url: str, customers: int, count: int) -> None:
    with pytest.raises(ValidationError):
        demo.seed(customers, count, today=TODAY)
    assert not demo.is_seeded()


def test_default_size_is_quick(db_url: str) -> None:
    started = time.perf_counter()
    summary = demo.seed(today=TODAY)
    elapsed = time.perf_counter() - started
    assert summary.customers >= 200 and summary.orders >= 1000
    assert summary.notes >= summary.orders and summary.bookings >= summary.orders // 2
    assert elapsed < 5.0, f"seeding took {elapsed:.2f} s"
