"""Optimistic locking and concurrent writers (threads with their own connections)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from crm_tui.domain.errors import ConflictError, CrmError
from crm_tui.domain.records import Actor, OrderInput
from crm_tui.services import bookings, notes, order_list, orders, register_edits, registers
from tests.conftest import make_user
from tests.services.helpers import INCLUDE, assert_one_line, new_order, refused


def run_together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run each call in its own thread, released at once by a barrier; results or errors."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def worker(index: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[index] = exc

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a writer hung"
    return results


@pytest.fixture
def carol(admin: Actor) -> Actor:
    """A colleague who may edit."""
    return make_user(admin, "carol", "view", "create", "edit", "assign")


def test_second_edit_from_the_same_base_version_conflicts(admin: Actor, carol: Actor) -> None:
    """The second edit raises ConflictError naming what changed; nothing is overwritten."""
    serial = new_order(admin, "Original", hours="1", scheduled="2026-03-01")
    base = orders.get_order(admin, serial).version

    first = orders.edit_order(carol, serial, OrderInput(subject="Carol's subject"),
                              base_version=base)
    assert first.version == base + 1
    with pytest.raises(ConflictError) as info:
        orders.edit_order(admin, serial, OrderInput(subject="Eva's subject", hours="9"),
                          base_version=base)
    error = info.value
    assert error.fields == ["subject"]
    assert error.now == {"subject": "Carol's subject"}  # what the other side saved
    assert (error.serial, error.base_version, error.current_version) == (serial, base, base + 1)
    message = assert_one_line(error)
    assert "subject" in message and str(serial) in message
    shown = orders.get_order(admin, serial)
    assert (shown.row.subject, str(shown.row.hours), shown.version) == (
        "Carol's subject", str(first.row.hours), base + 1)

    # Several changes since the base: all are named, in a stable order.
    orders.edit_order(carol, serial, OrderInput(status="Won", scheduled="2026-04-01"),
                      base_version=base + 1)
    orders.assign(carol, serial, ["carol"])
    with pytest.raises(ConflictError) as info:
        orders.edit_order(admin, serial, OrderInput(hours="3"), base_version=base)
    assert info.value.fields == ["subject", "status", "scheduled", "assignees"]
    assert info.value.now == {"subject": "Carol's subject", "status": "Won",
                              "scheduled": "2026-04-01", "assignees": "carol"}
    assert "status (now 'Won')" in str(info.value)
    with pytest.raises(ConflictError) as info:
        orders.edit_order(admin, serial, OrderInput(hours="3"), base_version=base + 2)
    assert info.value.fields == ["assignees"]

    # The other version-checked writes refuse an old base too, changing nothing.
    current = orders.get_order(admin, serial).version
    refused(lambda: orders.set_completed(admin, serial, True, base_version=base),
            ConflictError, match=("subject",))
    refused(lambda: orders.assign(admin, serial, ["eva"], base_version=base), ConflictError)
    orders.set_completed(carol, serial, True, base_version=current)
    conflict = refused(lambda: orders.edit_order(admin, serial, OrderInput(hours="3"),
                                                 base_version=current), ConflictError)
    assert "completed" in conflict
    # Editing from the current version works.
    latest = orders.get_order(admin, serial).version
    assert orders.edit_order(admin, serial, OrderInput(hours="3"),
                             base_version=latest).version == latest + 1


def test_notes_and_bookings_do_not_conflict_with_edits(admin: Actor, carol: Actor) -> None:
    """Notes and bookings leave the order's version alone, so an open form can still save."""
    serial = new_order(admin, "Original")
    base = orders.get_order(admin, serial).version
    notes.add_note(carol, serial, "Called")
    booking = bookings.add_booking(carol, serial, "2026-03-10 09:00", "phone")
    assert orders.edit_order(admin, serial, OrderInput(subject="Still fine"),
                             base_version=base).version == base + 1

    # A booking has its own version.
    bookings.edit_booking(carol, booking.id, kind="meeting", base_version=booking.version)
    with pytest.raises(ConflictError) as info:
        bookings.edit_booking(admin, booking.id, minutes=90, base_version=booking.version)
    assert info.value.fields == ["booking"]
    [kept] = orders.get_order(admin, serial).bookings
    assert (kept.kind, kept.duration_minutes) == ("meeting", 30)


def test_customer_edit_from_an_old_version_is_refused(admin: Actor, carol: Actor) -> None:
    """Register edits check the version too."""
    acme = registers.add_customer(admin, "Acme", city="Lund")
    register_edits.edit_customer(carol, acme.id, city="Malmö", base_version=acme.version)
    refused(lambda: register_edits.edit_customer(admin, acme.id, city="Ystad",
                                            base_version=acme.version), CrmError,
            match=("changed",))
    assert registers.get_customer(admin, acme.id).city == "Malmö"


def test_notes_added_concurrently_are_all_kept(admin: Actor, carol: Actor) -> None:
    """Four writers adding five notes each at the same moment: all twenty are kept."""
    bob = make_user(admin, "bob", "view-assigned")
    serial = new_order(admin, "Busy order", assignees=["bob"])
    writers = {"eva": admin, "carol": carol, "bob": bob, "eva2": admin}

    def writer(name: str, actor: Actor) -> list[int]:
        return [notes.add_note(actor, serial, f"{name} note {i}").id for i in range(5)]

    results = run_together([lambda n=n, a=a: writer(n, a) for n, a in writers.items()])
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    kept = orders.get_order(admin, serial).notes
    assert sorted(n.text for n in kept) == sorted(
        f"{name} note {i}" for name in writers for i in range(5))
    assert len({n.id for n in kept}) == 20
    assert {n.author for n in kept} == {"eva", "carol", "bob"}


def test_orders_created_concurrently_get_distinct_serials(admin: Actor, carol: Actor) -> None:
    """Concurrent creates never share or skip a serial number."""
    registers.add_customer(admin, "Acme")

    def creator(actor: Actor, tag: str) -> list[int]:
        return [new_order(actor, f"{tag} {i}", customer="Acme") for i in range(3)]

    results = run_together([lambda: creator(admin, "a"), lambda: creator(carol, "b"),
                            lambda: creator(admin, "c"), lambda: creator(carol, "d")])
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    made = sorted(s for batch in results for s in batch)
    assert made == list(range(made[0], made[0] + 12))
    assert order_list.totals(admin, INCLUDE).count == 12


def _wait_for_lock_waiters(db_url: str, count: int, threads: list[threading.Thread]) -> None:
    """Poll pg_stat_activity until ``count`` backends wait on a lock (no fixed sleeps)."""
    import psycopg2

    conn = psycopg2.connect(db_url)
    conn.autocommit = True
    deadline = time.monotonic() + 20
    try:
        with conn.cursor() as cur:
            while time.monotonic() < deadline:
                cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                            "current_database() AND wait_event_type = 'Lock'")
                if cur.fetchone()[0] >= count:
                    return
                if not any(t.is_alive() for t in threads):
                    return  # all finished without blocking: the assertions will tell
        raise AssertionError(f"{count} writers never waited on the row lock")
    finally:
        conn.close()


def overlapping(db_url: str, lock_sql: str, params: tuple[Any, ...],
                calls: list[Callable[[], Any]]) -> list[Any]:
    """Run ``calls`` in threads so that they really overlap; results or errors.

    SQLite: released together by a barrier (its IMMEDIATE transactions serialise them).
    PostgreSQL: another connection holds a row lock (``lock_sql``) until every writer has
    done its reads and waits on that lock, then lets them all go.
    """
    if db_url.startswith("sqlite"):
        return run_together(calls)
    import psycopg2

    results: list[Any] = [None] * len(calls)
    threads = [threading.Thread(target=lambda i=i: results.__setitem__(i, _capture(calls[i])))
               for i in range(len(calls))]
    lock = psycopg2.connect(db_url)
    try:
        with lock.cursor() as cur:
            cur.execute(lock_sql, params)
            for thread in threads:
                thread.start()
            _wait_for_lock_waiters(db_url, len(calls), threads)
    finally:
        lock.rollback()
        lock.close()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a writer hung"
    return results


def _capture(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
        return exc


ORDER_ROW_LOCK = "SELECT id FROM contact_order WHERE serial = %s FOR UPDATE"


def test_concurrent_edits_from_the_same_base_version_let_exactly_one_win(
        db_url: str, admin: Actor, carol: Actor) -> None:
    """Two users save forms opened at the same version at the same moment: one conflicts."""
    serial = new_order(admin, "Original", hours="1")
    base = orders.get_order(admin, serial).version
    results = overlapping(db_url, ORDER_ROW_LOCK, (serial,), [
        lambda: orders.edit_order(carol, serial, OrderInput(subject="Carol's"),
                                  base_version=base),
        lambda: orders.edit_order(admin, serial, OrderInput(hours="5"), base_version=base),
    ])
    conflicts = [r for r in results if isinstance(r, ConflictError)]
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1 and len(conflicts) == 1, results
    shown = orders.get_order(admin, serial)
    assert shown.version == base + 1
    if winners[0].row.subject == "Carol's":
        assert conflicts[0].fields == ["subject"]
        assert (shown.row.subject, shown.row.hours) == ("Carol's", winners[0].row.hours)
    else:
        assert conflicts[0].fields == ["hours"]
        assert shown.row.subject == "Original"


def test_concurrent_customer_edits_from_the_same_version_let_exactly_one_win(
        db_url: str, admin: Actor, carol: Actor) -> None:
    """Two users save a customer's card opened at the same version: one is refused,
    and the saved customer has exactly the winner's change (none is lost silently)."""
    customer = registers.add_customer(admin, "Kund AB", city="Lund")
    results = overlapping(db_url, "SELECT id FROM customer WHERE id = %s FOR UPDATE",
                          (customer.id,), [
        lambda: register_edits.edit_customer(carol, customer.id, base_version=customer.version,
                                        city="Malmö"),
        lambda: register_edits.edit_customer(admin, customer.id, base_version=customer.version,
                                        phone="040-12 34 56"),
    ])
    winners = [r for r in results if not isinstance(r, Exception)]
    refused_ = [r for r in results if isinstance(r, CrmError)]
    assert len(winners) == 1 and len(refused_) == 1, results
    assert "changed by someone else" in str(refused_[0])
    saved = registers.get_customer(admin, customer.id)
    assert saved == winners[0] and saved.version == customer.version + 1
    assert (saved.city, saved.phone) in (("Malmö", ""), ("Lund", "040-12 34 56"))


def test_concurrent_assignments_of_the_same_user_do_not_crash(
        db_url: str, admin: Actor, carol: Actor) -> None:
    """Two people assign bob to the same order at once: bob is assigned once, no crash."""
    make_user(admin, "bob", "view-assigned")
    serial = new_order(admin, "Shared")
    results = overlapping(db_url, ORDER_ROW_LOCK, (serial,), [
        lambda: orders.assign(carol, serial, ["bob"]),
        lambda: orders.assign(admin, serial, ["bob"]),
    ])
    crashes = [r for r in results if isinstance(r, Exception) and not isinstance(r, CrmError)]
    assert crashes == [], crashes
    assert orders.get_order(admin, serial).row.assignees == ("bob",)


def test_concurrent_creates_with_the_same_new_customer_make_one_customer(
        db_url: str, admin: Actor, carol: Actor) -> None:
    """Two orders for the same new customer name at once do not make a duplicate
    customer, and both are saved for it: the second was refused as a near-duplicate of
    the customer the first had just made (QA16 L4), where one saved after the other
    would have used it."""
    registers.add_customer(admin, "Existing")  # the customer-number counter row exists
    results = overlapping(
        db_url, "SELECT * FROM counter WHERE name = %s FOR UPDATE", ("customer_number",), [
            lambda: orders.create_order(carol, OrderInput(subject="A", customer="Newco AB")),
            lambda: orders.create_order(admin, OrderInput(subject="B", customer="Newco AB")),
        ])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert [h.title for h in registers.search(admin, "newco", "customers")] == ["Newco AB"]
    assert {r.row.customer_id for r in results} == {
        registers.find_customer("Newco AB").id}


def test_concurrent_creates_with_the_same_new_facility_make_one_facility(
        db_url: str, admin: Actor, carol: Actor) -> None:
    """The same for a new facility of an existing customer: one facility, both saved."""
    from crm_tui.domain.text import name_key

    customer = registers.add_customer(admin, "Berg AB")
    results = overlapping(
        db_url, "SELECT pg_advisory_xact_lock(hashtext(%s))", (f"facility:{name_key('Lager 1')}",),
        [lambda: orders.create_order(carol, OrderInput(subject="A", customer_id=customer.id,
                                                       facility="Lager 1")),
         lambda: orders.create_order(admin, OrderInput(subject="B", customer_id=customer.id,
                                                       facility="Lager 1"))])
    assert not [r for r in results if isinstance(r, Exception)], results
    facilities = [h for h in registers.search(admin, "lager 1", "facilities")]
    assert [h.title for h in facilities] == ["Lager 1"]
    assert {r.facility_id for r in results} == {facilities[0].id}
