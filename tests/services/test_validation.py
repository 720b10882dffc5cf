"""Bad input is refused with one readable line and no change; odd text is stored as given."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from crm_tui.domain.errors import CrmError, NotFound, ValidationError
from crm_tui.domain.records import Actor, OrderFilter, OrderInput
from crm_tui.services import bookings, notes, order_list, orders, registers, settings, todo
from tests.conftest import make_user
from tests.services.helpers import assert_one_line, audit_events, new_order, refused

LONG = "x" * 10_000
MARKUP = "[bold red]x[/]"
ESCAPE = "\x1b]0;pwned\x07"
CSI = "\x1b[2J\x1b[31mred\x1b[0m"

# (label, OrderInput fields, expected error, words the message must contain)
BAD_FIELDS: list[tuple[str, dict[str, Any], type[CrmError], tuple[str, ...]]] = [
    ("empty subject", {"subject": ""}, ValidationError, ("subject", "empty")),
    ("blank subject", {"subject": "   \t "}, ValidationError, ("subject", "empty")),
    ("10,000-character subject", {"subject": LONG}, ValidationError,
     ("subject", "10000", "500")),
    ("negative hours", {"hours": "-1"}, ValidationError, ("hours", "-1")),
    ("negative float hours", {"hours": -0.5}, ValidationError, ("hours",)),
    ("non-numeric hours", {"hours": "two"}, ValidationError, ("hours", "two")),
    ("NaN hours", {"hours": "NaN"}, ValidationError, ("hours",)),
    ("infinite hours", {"hours": "inf"}, ValidationError, ("hours",)),
    ("huge hours", {"hours": "1e12"}, ValidationError, ("hours",)),
    ("too many hours", {"hours": "100000"}, ValidationError, ("at most 10,000", "100000")),
    ("hours with an exponent", {"hours": "1e2"}, ValidationError, ("hours", "1e2")),
    ("hours with an underscore", {"hours": "1_000"}, ValidationError, ("hours", "1_000")),
    ("three decimals", {"hours": "0.001"}, ValidationError, ("two decimals", "0.001")),
    ("three decimals, rounding up", {"hours": "2.555"}, ValidationError, ("2.555",)),
    ("30 February", {"scheduled": "2026-02-30"}, ValidationError, ("2026-02-30", "date")),
    ("not a date", {"scheduled": "next tuesday"}, ValidationError,
     ("date", "today, tomorrow, +N days, +Nw weeks or +Nm months")),
    ("day-first date", {"scheduled": "30/01/2026"}, ValidationError, ("date",)),
    ("year 9999", {"scheduled": "9999-12-31"}, ValidationError,
     ("9999-12-31", "1900", "2199")),
    ("year 1", {"scheduled": "0001-01-01"}, ValidationError, ("0001-01-01", "year")),
    ("unknown status", {"status": "Teleported"}, ValidationError, ("status", "Teleported")),
    ("unknown assignee", {"assignees": ["ghost"]}, NotFound, ("ghost",)),
    ("one unknown assignee", {"assignees": ["carol", "ghost"]}, NotFound, ("ghost",)),
    ("bad contact e-mail", {"contact_email": "not-an-email"}, ValidationError, ("e-mail",)),
    ("bad contact phone", {"contact_phone": "call me maybe"}, ValidationError, ("phone",)),
    ("long contact name", {"contact_name": LONG}, ValidationError, ("contact name",)),
    ("unknown service object", {"service_object": "Flux capacitor"}, NotFound,
     ("Flux capacitor",)),
    ("unknown customer id", {"customer_id": 987654}, NotFound, ("987654",)),
    ("unknown facility id", {"facility_id": 987654}, NotFound, ("987654",)),
]


def _check_all(cases: list[tuple[str, Callable[[], Any], type[CrmError], tuple[str, ...]]]
               ) -> None:
    failures = []
    for label, call, error, words in cases:
        try:
            refused(call, error, match=words)
        except Exception as exc:  # noqa: BLE001 - collect every case, report together
            failures.append(f"{label}: {type(exc).__name__}: {exc}")
    assert not failures, "\n".join(failures)


@pytest.fixture
def carol(admin: Actor) -> Actor:
    """A user who may create, edit and assign."""
    return make_user(admin, "carol", "view", "create", "edit", "assign")


def test_bad_input_to_create_is_refused_and_changes_nothing(admin: Actor, carol: Actor) -> None:
    """Each bad field (with an otherwise valid order) raises one line; no row appears."""
    new_order(admin, "Existing", customer="Acme")
    cases = []
    for label, fields, error, words in BAD_FIELDS:
        data = {"subject": "Boiler check", "customer": "Acme", **fields}
        cases.append((label, lambda d=data: orders.create_order(carol, OrderInput(**d)),
                      error, words))
    # A new customer and facility in the same call must not be left behind either (these
    # fields are checked only after the registers were written to).
    late = ("unknown status", "unknown assignee", "one unknown assignee",
            "unknown service object")
    for label, fields, error, words in [case for case in BAD_FIELDS if case[0] in late]:
        data = {"subject": "Boiler check", "customer": "Brand New Customer",
                "facility": "Brand New Site", **fields}
        cases.append((f"{label} + new customer",
                      lambda d=data: orders.create_order(carol, OrderInput(**d)), error, words))
    cases += [
        ("no subject", lambda: orders.create_order(carol, OrderInput(customer="Acme")),
         ValidationError, ("subject",)),
        ("empty customer", lambda: orders.create_order(
            carol, OrderInput(subject="x", customer="")), ValidationError, ("customer",)),
        ("10,000-character customer", lambda: orders.create_order(
            carol, OrderInput(subject="x", customer=LONG)), ValidationError, ("customer",)),
        ("10,000-character facility", lambda: orders.create_order(
            carol, OrderInput(subject="x", customer="Acme", facility=LONG)),
         ValidationError, ("facility",)),
    ]
    _check_all(cases)


def test_bad_input_to_edit_is_refused_and_changes_nothing(admin: Actor, carol: Actor) -> None:
    """Each bad field raises one line; the order, its version and the registers stay."""
    serial = new_order(admin, "Existing", customer="Acme", hours="2", scheduled="2026-03-01")
    orders.edit_order(carol, serial, OrderInput(subject="Edited once"))
    version = orders.get_order(carol, serial).version
    cases = []
    for label, fields, error, words in BAD_FIELDS:
        if label.startswith("unknown customer id"):
            continue
        # Pair the bad field with a good one so a half-applied edit would show.
        data = {"hours": "7", **fields}
        cases.append((label, lambda d=data: orders.edit_order(carol, serial, OrderInput(**d),
                                                              base_version=version),
                      error, words))
    cases += [
        ("unknown serial", lambda: orders.edit_order(carol, 424242, OrderInput(subject="x")),
         NotFound, ("424242",)),
        ("unknown customer id", lambda: orders.edit_order(
            carol, serial, OrderInput(customer_id=987654)), NotFound, ("987654",)),
        ("new customer + unknown user", lambda: orders.edit_order(
            carol, serial, OrderInput(customer="Brand New Customer", assignees=["ghost"])),
         NotFound, ("ghost",)),
        ("new facility + bad status", lambda: orders.edit_order(
            carol, serial, OrderInput(facility="Brand New Site", status="Nope")),
         ValidationError, ("status",)),
        ("assign unknown serial", lambda: orders.assign(carol, 424242, ["carol"]), NotFound,
         ("424242",)),
        ("assign nobody", lambda: orders.assign(carol, serial, []), ValidationError,
         ("assign",)),
        ("complete unknown serial", lambda: orders.set_completed(carol, 424242, True),
         NotFound, ("424242",)),
        ("delete unknown serial", lambda: orders.delete_order(admin, 424242), NotFound,
         ("424242",)),
        ("show unknown serial", lambda: orders.get_order(carol, 424242), NotFound,
         ("424242",)),
        ("empty note", lambda: notes.add_note(carol, serial, "  \n "), ValidationError,
         ("note",)),
        ("note on unknown serial", lambda: notes.add_note(carol, 424242, "hi"), NotFound,
         ("424242",)),
    ]
    _check_all(cases)
    detail = orders.get_order(carol, serial)
    assert (detail.version, detail.row.subject, detail.row.hours) == (
        version, "Edited once", Decimal(2))


def test_bad_input_to_add_booking_is_refused_and_changes_nothing(admin: Actor,
                                                                carol: Actor) -> None:
    """Bad times, kinds, durations, users and serials raise one line; no booking appears."""
    settings.set_value(admin, "timezone", "Europe/Stockholm")
    serial = new_order(admin, "Existing", customer="Acme")
    ok = {"at": "2026-03-10 09:00", "kind": "phone"}
    bad: list[tuple[str, dict[str, Any], type[CrmError], tuple[str, ...]]] = [
        ("30 February", {"at": "2026-02-30 10:00"}, ValidationError, ("2026-02-30",)),
        ("no time format", {"at": "tomorrow at ten"}, ValidationError, ("YYYY-MM-DD",)),
        ("25 o'clock", {"at": "2026-03-10 25:00"}, ValidationError, ("25:00",)),
        ("year 9999", {"at": "9999-12-31 23:59"}, ValidationError, ("9999", "2199")),
        ("year 1900 less a day", {"at": "1899-12-31 12:00"}, ValidationError, ("year",)),
        ("a date without a time", {"at": "2026-12-02"}, ValidationError,
         ("2026-12-02", "no time")),
        ("a time the clocks skip", {"at": "2026-03-29 02:30"}, ValidationError,
         ("02:30", "does not exist", "Europe/Stockholm")),
        ("unknown kind", {"kind": "fax"}, ValidationError, ("fax", "phone")),
        ("negative minutes", {"minutes": "-5"}, ValidationError, ("duration",)),
        ("non-numeric minutes", {"minutes": "half an hour"}, ValidationError,
         ("duration",)),
        ("negative reminder", {"remind_before": -10}, ValidationError, ("reminder",)),
        ("non-numeric reminder", {"remind_before": "soon"}, ValidationError, ("reminder",)),
        ("unknown assignee", {"assignee": "ghost"}, NotFound, ("ghost",)),
        ("10,000-character note", {"note": LONG}, ValidationError, ("note",)),
    ]
    cases = [(label, lambda f={**ok, **fields}: bookings.add_booking(carol, serial, **f),
              error, words) for label, fields, error, words in bad]
    cases.append(("unknown serial", lambda: bookings.add_booking(carol, 424242, **ok),
                  NotFound, ("424242",)))
    cases.append(("edit unknown booking", lambda: bookings.edit_booking(carol, 424242,
                                                                        kind="phone"),
                  NotFound, ("424242",)))
    _check_all(cases)
    assert orders.get_order(carol, serial).bookings == ()
    booked = bookings.add_booking(carol, serial, "2026-03-29 03:30", "phone")  # just after
    for bad_at in ("2026-03-29 02:00", "2199-12-31"):
        refused(lambda at=bad_at: bookings.edit_booking(carol, booked.id, at=at),
                ValidationError)
    assert orders.get_order(carol, serial).bookings == (booked,)
    autumn = bookings.add_booking(carol, serial, "2026-10-25 02:30", "phone")  # shown twice
    assert autumn.at.isoformat() == "2026-10-25T02:30:00+02:00"
    offset = bookings.add_booking(carol, serial, "2026-12-01 10:00+05:00", "phone")
    assert offset.at.isoformat() == "2026-12-01T06:00:00+01:00"  # an instant: it exists


def test_markup_and_terminal_escapes_are_stored_exactly(admin: Actor) -> None:
    """Rich markup and escape codes in subject, customer, contact and note come back as is."""
    subject = f"{MARKUP} {ESCAPE} boiler {CSI}"
    customer = f"{MARKUP} Evil {ESCAPE} Corp"
    contact = f"{ESCAPE}{MARKUP}"
    body = f"{CSI}\n{MARKUP}\n{ESCAPE} end"
    detail = orders.create_order(admin, OrderInput(subject=subject, customer=customer,
                                                   contact_name=contact, facility=MARKUP))
    serial = detail.serial
    notes.add_note(admin, serial, body)
    bookings.add_booking(admin, serial, "2026-03-10 09:00", "phone", note=ESCAPE)

    shown = orders.get_order(admin, serial)
    assert shown.row.subject == subject
    assert shown.row.customer == customer
    assert shown.row.contact.name == contact
    assert shown.row.facility == MARKUP
    assert [n.text for n in shown.notes] == [body]
    assert [b.note for b in shown.bookings] == [ESCAPE]
    [row] = order_list.list_orders(admin).rows
    assert (row.subject, row.customer) == (subject, customer)
    assert registers.get_customer(admin, row.customer_id).name == customer
    assert [h.title for h in registers.search(admin, "evil", "customers")] == [customer]
    assert order_list.customer_card(admin, row.customer_id).customer.name == customer
    items = todo.todo(admin)
    assert [i.subject for i in items.overdue + items.today + items.upcoming] == [subject]
    # Found by its visible words, and the audit trail keeps the exact text too.
    assert [r.subject for r in order_list.list_orders(admin, OrderFilter(text="boiler")).rows
            ] == [subject]
    [created] = audit_events("order", serial, action="order.create")
    assert json.loads(created.after)["subject"] == subject


def test_error_messages_do_not_echo_escape_codes_as_extra_lines(admin: Actor) -> None:
    """An error about user text stays one line even when that text holds newlines."""
    with pytest.raises(ValidationError) as info:
        orders.create_order(admin, OrderInput(subject="x", customer="Acme",
                                              status=f"bad\nstatus{ESCAPE}"))
    assert_one_line(info.value)


def test_hours_read_back_the_same_on_both_databases(admin: Actor) -> None:
    """Time required comes back with two decimals ('2.00') whatever the database."""
    serial = new_order(admin, "Hours", hours="2")
    other = new_order(admin, "Hours", hours="2.5")
    assert [str(orders.get_order(admin, s).row.hours) for s in (serial, other)] == [
        "2.00", "2.50"]


@pytest.mark.parametrize("call", [
    lambda a: registers.add_customer(a, "Zebra\nNewline AB"),
    lambda a: registers.add_facility(a, "Depå\r\nNorr", "Acme"),
    lambda a: orders.create_order(a, OrderInput(subject="Two\nlines", customer="Acme")),
    lambda a: orders.create_order(a, OrderInput(subject="s", customer="Acme",
                                                contact_name="Sven\u2028Ek")),
    lambda a: settings.set_value(a, "organisation", "Nordvärme\nAB"),
], ids=["customer", "facility", "subject", "contact", "organisation"])
def test_names_are_one_line(admin: Actor, call: Callable[[Actor], Any]) -> None:
    """A name with a line break showed as its first line only: refused, saying why.
    Notes keep their lines."""
    registers.add_customer(admin, "Acme")
    refused(lambda: call(admin), ValidationError, match=("contains a line break",))


def test_notes_keep_their_lines(admin: Actor) -> None:
    serial = orders.create_order(admin, OrderInput(subject="s", customer="Acme")).serial
    assert notes.add_note(admin, serial, "One\r\ntwo\n\tthree").text == "One\ntwo\n\tthree"


def test_a_nul_character_is_refused_on_both_databases(admin: Actor) -> None:
    """A NUL in a note (or a name) is refused with a message: SQLite stored it and
    PostgreSQL's driver failed on it, which reached the user as no message."""
    serial = orders.create_order(admin, OrderInput(subject="s", customer="Acme")).serial
    refused(lambda: notes.add_note(admin, serial, "before\x00after"), ValidationError,
            match=("Note contains a NUL character",))
    refused(lambda: registers.add_customer(admin, "Nul\x00 AB"), ValidationError,
            match=("Customer contains a NUL character",))
    assert [n.text for n in orders.get_order(admin, serial).notes] == []
