"""`fetch`: rows read with one fetchall and only the converting columns converted, the
same as peewee's own `.tuples()` gives, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from peewee import JOIN, DateField, DateTimeField, fn

from benchmarks.generate import populate
from crm_tui.db.database import fetch, read_date, read_datetime
from crm_tui.db.models import (
    Booking,
    ContactOrder,
    Customer,
    Facility,
    ServiceObject,
    Status,
    User,
)
from crm_tui.services.base import reading
from crm_tui.services.timezone import to_local
from crm_tui.services.visibility import ROW_FIELDS, ROW_READS, _remembered, row_query, to_rows

VALUES: tuple[Any, ...] = (
    "2026-11-28", "2026-11-28 10:00:00", "2026-11-28 10:00:00.123456",
    "2026-11-28T10:00:00Z", "2026-11-28 10:00:00+01:00", "", None, "not a date",
    dt.datetime(2026, 1, 1, 5, 30), dt.date(2026, 1, 2))


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_date_and_time_readers_give_what_peewee_gives(value: Any) -> None:
    assert read_datetime(value) == DateTimeField().python_value(value)
    assert type(read_datetime(value)) is type(DateTimeField().python_value(value))
    assert read_date(value) == DateField().python_value(value)
    assert type(read_date(value)) is type(DateField().python_value(value))


def test_fetch_gives_the_rows_peewee_gives(db_url: str) -> None:
    """The order list's rows (dates, decimals, booleans, nulls, names; its select list
    written out), bookings (times, nullable times) and an aggregate, against
    `.tuples()`."""
    populate(0.001, seed=3, today=dt.date(2026, 3, 2))
    with reading():
        # row_query() writes its select list out; peewee reads the same columns so:
        orders = (ContactOrder.select(*ROW_FIELDS, Customer.name, Facility.name,
                                      ServiceObject.name, Status.name)
                  .join(Customer, on=ContactOrder.customer == Customer.id).switch(ContactOrder)
                  .join(Facility, JOIN.LEFT_OUTER, on=ContactOrder.facility == Facility.id)
                  .switch(ContactOrder)
                  .join(ServiceObject, JOIN.LEFT_OUTER,
                        on=ContactOrder.service_object == ServiceObject.id)
                  .switch(ContactOrder)
                  .join(Status, JOIN.LEFT_OUTER, on=ContactOrder.status == Status.id)
                  .order_by(ContactOrder.id))
        written_out = fetch(row_query().order_by(ContactOrder.id), ROW_READS)
        assert written_out == list(orders.tuples())
        # to_rows converts the same columns in the pass that builds the rows
        built = to_rows(row_query().order_by(ContactOrder.id))
        assert [(r.id, r.scheduled, r.sort_date, r.hours, r.completed,
                 r.completed_at and r.completed_at.replace(tzinfo=None)) for r in built] == [
            (row[0], row[10], row[11], row[12], row[13],
             row[14] and to_local(row[14]).replace(tzinfo=None)) for row in written_out]
        assert {type(r.hours) for r in built} == {Decimal}
        assert any(r.scheduled is None for r in built) and any(r.completed_at for r in built)
        assert [tuple(map(type, row)) for row in written_out] == [
            tuple(map(type, row)) for row in orders.tuples()]
        bookings = (Booking.id, Booking.starts_at, Booking.remind_at, Booking.done,
                    Booking.done_at, Booking.order, Booking.note, User.username)
        queries = [
            (orders, (*ROW_FIELDS, Customer.name, Facility.name, ServiceObject.name,
                      Status.name)),
            (Booking.select(*bookings).join(User, on=Booking.assignee == User.id)
             .order_by(Booking.id), bookings),
            (Customer.select().order_by(Customer.id), Customer._meta.sorted_fields),
            (ContactOrder.select(fn.COUNT(ContactOrder.id), fn.SUM(ContactOrder.hours)),
             (None, None)),
        ]
        for query, reads in queries:
            expected = list(query.tuples())
            assert len(expected) > 0
            assert fetch(query, reads) == expected
            assert [tuple(map(type, row)) for row in fetch(query, reads)] == [
                tuple(map(type, row)) for row in expected]
        orders = fetch(*queries[0])
        completed = [row for row in orders if row[13]]
        assert completed and all(isinstance(row[14], dt.datetime) for row in completed)
        assert all(isinstance(row[12], Decimal) and isinstance(row[11], dt.date)
                   for row in orders)
        assert any(row[2] is None for row in fetch(*queries[1]))  # reminders not set


def test_remembered_values_are_parsed_once_and_kept_bounded() -> None:
    """Order rows share parsed dates and hours: each value is parsed once, a lookup
    gives the same object, and a full dict is emptied rather than growing."""
    parsed: list[str] = []

    def parse(value: str) -> dt.date:
        parsed.append(value)
        return dt.date.fromisoformat(value)

    known, new = _remembered(parse, size=3)
    days = ["2026-01-01", "2026-01-02", "2026-01-01", "2026-01-03"]
    got = [known.get(d) or new(d) for d in days]
    assert got == [dt.date.fromisoformat(d) for d in days]
    assert parsed == ["2026-01-01", "2026-01-02", "2026-01-03"]
    assert got[0] is got[2]
    assert new("2026-01-04") == dt.date(2026, 1, 4)
    assert len(known) == 1  # it was full: emptied, then the new value kept
