"""`co edit` says what an edit took with it."""

from __future__ import annotations

import json

from tests.cli.test_cli import cli_db, run

__all__ = ["cli_db"]  # the fixture, used by name


def test_another_customer_takes_the_facility_and_object_and_says_so(cli_db: str) -> None:
    """The facility and service object of the customer before leave the order; the
    edit's output names them, the order shows neither, and an edit naming its own
    facility keeps quiet about it."""
    run(cli_db, "customer", "add", "Zeta AB", "--number", "C-2")
    run(cli_db, "customer", "add", "Berg AB", "--number", "C-1")
    run(cli_db, "facility", "add", "Umeå plant", "--customer", "Berg AB")
    run(cli_db, "service-object", "add", "Heat pump", "--customer", "Berg AB",
        "--facility", "Umeå plant")
    serial = run(cli_db, "co", "add", "--subject", "Service", "--customer", "Berg AB",
                 "--facility", "Umeå plant", "--service-object", "Heat pump").stdout.strip()
    said = run(cli_db, "co", "edit", serial, "--customer", "C-2").stdout.splitlines()
    assert said == [f"Contact order {serial} saved (version 2)",
                    "Facility 'Umeå plant' left the order: it is Berg AB's, the customer "
                    "before",
                    "Service object 'Heat pump' left the order: it is Berg AB's, the "
                    "customer before"]
    shown = json.loads(run(cli_db, "co", "show", serial, "--json").stdout)
    assert (shown["customer"], shown["facility"], shown["service_object"]) == (
        "Zeta AB", None, None)
    said = run(cli_db, "co", "edit", serial, "--customer", "Berg AB", "--facility",
               "Umeå plant").stdout.splitlines()
    assert said == [f"Contact order {serial} saved (version 3)"]


def test_names_typed_new_are_named_as_added_to_the_registers(cli_db: str) -> None:
    """`co add` and `co edit` with a customer or facility name that is new made it
    without a word; now they say so (co add on standard error: its output is the
    number alone, for scripts)."""
    added = run(cli_db, "co", "add", "--subject", "Quote", "--customer", "Nordic Heat AB",
                "--facility", "Main plant")
    serial = added.stdout.strip()
    assert serial.isdigit()
    number = json.loads(run(cli_db, "search", "nordic heat", "--json").stdout)[0]
    assert added.stderr.strip() == (
        f"Added to the registers: customer Nordic Heat AB ({number['number']}), "
        "facility Main plant")
    said = run(cli_db, "co", "edit", serial, "--facility", "Second site").stdout
    assert said.splitlines()[1:] == ["Added to the registers: facility Second site"]
    again = run(cli_db, "co", "add", "--subject", "Again", "--customer", "Nordic Heat AB")
    assert again.stderr == ""


def test_completing_names_the_bookings_still_open(cli_db: str) -> None:
    """QA20 M4: completing said nothing of the order's open bookings, which stayed in
    the to-do (and reminded)."""
    serial = run(cli_db, "co", "add", "--subject", "Quote", "--customer", "Acme",
                 "--assign", "anna").stdout.strip()
    run(cli_db, "booking", "add", serial, "--at", "2031-05-28 10:00", "--kind", "phone",
        "--assignee", "anna")
    said = run(cli_db, "co", "complete", serial).stdout.strip()
    assert said == (f"Contact order {serial} completed; its open booking (phone "
                    "2031-05-28 10:00 for anna) stays in the to-do, without reminders "
                    "(d there marks one done)")
    run(cli_db, "co", "reopen", serial)
    booked = json.loads(run(cli_db, "co", "show", serial, "--json").stdout)["bookings"]
    run(cli_db, "booking", "done", str(booked[0]["id"]))
    said = run(cli_db, "co", "complete", serial).stdout.strip()
    assert said == f"Contact order {serial} completed"


def test_booking_add_done_before_marks_the_earlier_booking_done(cli_db: str) -> None:
    """`booking add --done-before ID`: the next contact booked, the one it follows
    marked done with it (as the to-do's b offers)."""
    serial = run(cli_db, "co", "add", "--subject", "Quote", "--customer", "Acme").stdout.strip()
    first = run(cli_db, "booking", "add", serial, "--at", "2031-05-28 10:00", "--kind",
                "phone").stdout.split(":")[0].split()[-1]
    said = run(cli_db, "booking", "add", serial, "--at", "2031-11-28 10:00", "--kind",
               "phone", "--done-before", first).stdout.splitlines()
    assert said[-1] == f"Booking {first} is done"
    booked = json.loads(run(cli_db, "co", "show", serial, "--json").stdout)["bookings"]
    assert [(b["id"], b["done"]) for b in booked][0] == (int(first), True)
    assert not booked[1]["done"]
