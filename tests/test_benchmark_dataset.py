"""benchmarks/generate.py writes rows the services could have written (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from peewee import fn

from benchmarks.generate import NotEmpty, Summary, generate, populate
from crm_tui.db.database import close_database, db, is_sqlite, sqlite_url
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
    User,
)
from crm_tui.domain.records import OrderInput
from crm_tui.domain.text import name_key, search_blob
from crm_tui.services import orders, registers, users
from crm_tui.services.base import reading
from crm_tui.services.orders import _refresh_search
from crm_tui.services.registers import customer_blob, facility_blob

SCALE = 0.002
TODAY = dt.date(2026, 3, 2)


@pytest.fixture
def summary(db_url: str) -> Summary:
    """A small generated dataset in the test database."""
    return populate(SCALE, seed=3, today=TODAY)


def test_counts_follow_the_scale(summary: Summary) -> None:
    """Sizes are the issue's numbers times the scale; one customer has the card's orders."""
    counts = summary.counts
    assert (counts["customer"], counts["facility"], counts["service_object"]) == (200, 300, 400)
    assert (counts["contact_order"], counts["note"], counts["booking"]) == (2000, 6000, 600)
    assert counts["user"] == 6 and counts["assignment"] > 1000
    with reading():
        assert ContactOrder.select().where(ContactOrder.customer == 1).count() == 500
        assert not ContactOrder.select().where(
            ContactOrder.id.not_in(Note.select(Note.order))).exists()


def test_registers_keep_the_services_invariants(summary: Summary) -> None:
    """name_key and search_text are what the register services would have stored."""
    with reading():
        for c in Customer.select():
            assert c.name_key == name_key(c.name)
            assert c.search_text == customer_blob(c)
        for f in Facility.select(Facility, Customer).join(Customer):
            assert f.name_key == name_key(f.name)
            assert f.search_text == facility_blob(f, f.customer.name)
        query = (ServiceObject.select(ServiceObject, Customer, Facility)
                 .join(Customer, on=ServiceObject.customer == Customer.id).switch(ServiceObject)
                 .join(Facility, on=ServiceObject.facility == Facility.id))
        for s in query:
            assert s.facility.customer_id == s.customer_id
            assert s.search_text == search_blob(s.name, s.model, s.serial_number,
                                                s.customer.name, s.facility.name)
        numbers = [int(n) for (n,) in Customer.select(Customer.number).tuples()]
        assert Counter.get_by_id("customer_number").value == max(numbers)
        assert len(set(numbers)) == len(numbers)


def test_orders_keep_the_services_invariants(summary: Summary) -> None:
    """search_text, sort_date, completion and bookings as the order services keep them."""
    with reading():
        for o in ContactOrder.select():
            copy = ContactOrder(serial=o.serial, subject=o.subject, contact_name=o.contact_name,
                                contact_phone=o.contact_phone, contact_email=o.contact_email)
            _refresh_search(copy)
            assert o.search_text == copy.search_text
            assert o.sort_date == (o.scheduled or NO_DATE)
            assert o.hours >= 0
            assert o.completed == (o.completed_at is not None) == (o.completed_by_id is not None)
            if o.facility_id:
                assert Facility.get_by_id(o.facility_id).customer_id == o.customer_id
        (top,) = ContactOrder.select(fn.MAX(ContactOrder.serial)).tuples().get()
        assert Counter.get_by_id("order_serial").value == top == 2000
        for b in Booking.select():
            assert b.starts_at.tzinfo is None  # naive UTC
            assert b.done == (b.done_at is not None)
        technicians = [u.id for u in User.select().where(
            User.permissions.contains("view-assigned"))]
        for a in Assignment.select().where(Assignment.assigned_by.in_(technicians)):
            assert a.user_id == a.assigned_by_id  # technicians may only assign themselves
    if is_sqlite():
        with db.connection_context():
            assert db.execute_sql("PRAGMA foreign_key_check").fetchall() == []
            assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_services_carry_on_where_the_generator_stopped(summary: Summary) -> None:
    """New customers and orders get the next numbers (counters and id sequences are set)."""
    admin = users.get_actor("admin")
    customer = registers.add_customer(admin, "Zyxel Nykund AB", city="Lund")
    assert customer.number == "1201" and customer.id == 201
    order = orders.create_order(admin, OrderInput(subject="Första ordern", customer_id=1,
                                                  contact_name="Åsa Ek"))
    assert order.serial == 2001
    hits = registers.search(admin, "nykund", "customers")
    assert [h.id for h in hits] == [customer.id]


def test_a_database_with_data_is_refused(summary: Summary) -> None:
    """A second run into the same database changes nothing."""
    with pytest.raises(NotEmpty):
        populate(SCALE, seed=3, today=TODAY)
    with reading():
        assert Customer.select().count() == 200


def test_the_same_seed_makes_the_same_data(tmp_path: Path) -> None:
    """Two runs with one seed and day give identical tables."""
    dumps = []
    for name in ("a.db", "b.db"):
        generate(sqlite_url(tmp_path / name), 0.001, seed=11, today=TODAY)
        close_database()
        with sqlite3.connect(tmp_path / name) as conn:
            dumps.append([conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall()
                          for t in ("customer", "facility", "contact_order", "note", "booking")])
    assert dumps[0] == dumps[1]
