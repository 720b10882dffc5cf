"""Deleting a register entry made by mistake; one in use is refused, naming its uses
(on SQLite and PostgreSQL)."""

from __future__ import annotations

from crm_tui.domain.errors import NotFound, PermissionDenied, ValidationError
from crm_tui.domain.records import Actor, OrderInput
from crm_tui.services import audit_log, orders, register_deletes, registers
from tests.conftest import make_user
from tests.services.helpers import audit_events, refused


def test_an_entry_nothing_uses_is_deleted_and_one_in_use_is_refused(admin: Actor) -> None:
    """A customer with orders, facilities or objects, a facility with orders or objects
    and an object with orders stay, and the refusal names what uses them; deleted, an
    entry is gone from the search and the audit keeps it (a customer by its number)."""
    berg = registers.add_customer(admin, "Bergström Värme AB", number="C-1")
    plant = registers.add_facility(admin, "Östra Verket", "C-1")
    pump = registers.add_service_object(admin, "Heat pump", customer="C-1",
                                        facility=plant.id)
    order = orders.create_order(admin, OrderInput(subject="Service", customer_id=berg.id,
                                                  service_object_id=pump.id))
    refused(lambda: register_deletes.delete_customer(admin, "C-1"), ValidationError,
            match=("Customer C-1 'Bergström Värme AB' has 1 contact order, 1 facility "
                   "and 1 service object: only an entry nothing uses can be deleted",))
    refused(lambda: register_deletes.delete_facility(admin, plant.id), ValidationError,
            match=("Facility 'Östra Verket' of Bergström Värme AB has 1 contact order and "
                   "1 service object",))
    refused(lambda: register_deletes.delete_service_object(admin, pump.id),
            ValidationError, match=("Service object 'Heat pump' has 1 contact order",))
    # a completed order counts too: its history stays whole
    orders.set_completed(admin, order.serial, True)
    refused(lambda: register_deletes.delete_service_object(admin, pump.id),
            ValidationError, match=("1 contact order",))

    orders.delete_order(admin, order.serial)
    assert register_deletes.delete_service_object(admin, pump.id).name == "Heat pump"
    assert register_deletes.delete_facility(admin, plant.id).name == "Östra Verket"
    gone = register_deletes.delete_customer(admin, "Bergström Värme AB")
    assert (gone.number, gone.name) == ("C-1", "Bergström Värme AB")
    assert registers.search(admin, "bergstrom") == []
    refused(lambda: registers.get_customer(admin, berg.id), NotFound)
    assert [e.action for e in audit_events(action="customer.delete")] == ["customer.delete"]
    [event] = audit_log.recent(admin, entity="customer", limit=1)
    assert (event.action, event.subject) == ("customer.delete", "customer C-1")
    for what in ("facility", "service_object"):
        assert [e.action for e in audit_events(what)][-1] == f"{what}.delete"


def test_deleting_needs_the_delete_permission(admin: Actor) -> None:
    """Refused without 'delete', before anything is looked at."""
    anna = make_user(admin, "anna", "view", "edit", "create")
    registers.add_customer(admin, "Typo AB", number="C-9")
    refused(lambda: register_deletes.delete_customer(anna, "C-9"), PermissionDenied,
            match=("delete customers",))
    refused(lambda: register_deletes.delete_facility(anna, 1), PermissionDenied,
            match=("delete facilities",))
    refused(lambda: register_deletes.delete_customer(admin, "C-404"), NotFound,
            match=("C-404",))
    carl = make_user(admin, "carl", "view", "delete")
    assert register_deletes.delete_customer(carl, "C-9").name == "Typo AB"


def test_a_deleted_entry_s_id_is_never_given_again(admin: Actor) -> None:
    """SQLite gave the id of the newest row, once deleted, to the next row made: an
    order form that had picked the deleted customer saved its order to the customer
    made after it (QA18 H1); so with facilities, objects, orders and their bookings.
    Ids are not given twice now, and the stale one is named as deleted."""
    from crm_tui.services import bookings

    registers.add_customer(admin, "Acme", number="C-1")
    stale = registers.add_customer(admin, "Zeta Stale AB", number="C-2")  # the newest
    site = registers.add_facility(admin, "Old Lager", "C-2")
    unit = registers.add_service_object(admin, "Old Pump", customer="C-2")
    order = orders.create_order(admin, OrderInput(subject="Old", customer="Acme"))
    booked = bookings.add_booking(admin, order.serial, "2027-03-01 09:00", "phone")
    orders.delete_order(admin, order.serial)
    register_deletes.delete_service_object(admin, unit.id)
    register_deletes.delete_facility(admin, site.id)
    register_deletes.delete_customer(admin, "C-2")

    victim = registers.add_customer(admin, "Innocent Victim AB", number="C-3")
    new_site = registers.add_facility(admin, "New Lager", "C-3")
    new_unit = registers.add_service_object(admin, "New Pump", customer="C-3")
    new_order = orders.create_order(admin, OrderInput(subject="New", customer="Acme"))
    new_booking = bookings.add_booking(admin, new_order.serial, "2027-03-02 09:00", "phone")
    assert victim.id > stale.id and new_site.id > site.id and new_unit.id > unit.id
    assert new_order.row.id > order.row.id and new_booking.id > booked.id
    # the form that had picked the deleted customer: refused, naming it, not saved
    # to Innocent Victim AB
    message = refused(lambda: orders.create_order(admin, OrderInput(
        subject="Stale form", customer_id=stale.id)), NotFound)
    assert message.startswith("Customer C-2 'Zeta Stale AB' was deleted by eva on ")
    message = refused(lambda: registers.get_facility(admin, site.id), NotFound)
    assert message.startswith("Facility 'Old Lager' was deleted by eva on ")
    # and the audit's label is the deleted customer's own number
    events = audit_log.recent(admin, entity="customer", entity_id="C-2")
    assert [(e.action, e.subject) for e in events] == [
        ("customer.delete", "customer C-2"), ("customer.add", "customer C-2")]


def test_a_booking_of_a_deleted_order_names_the_order_as_deleted(admin: Actor) -> None:
    """A to-do's d on a booking whose order was deleted meanwhile said "No booking
    1009" (QA19 M1): it names the order, deleted by whom and when."""
    from crm_tui.services import bookings

    order = orders.create_order(admin, OrderInput(subject="Gone", customer="Acme"))
    booked = bookings.add_booking(admin, order.serial, "2027-03-01 09:00", "phone")
    other = bookings.add_booking(admin, orders.create_order(admin, OrderInput(
        subject="Kept", customer="Acme")).serial, "2027-03-02 09:00", "phone")
    orders.delete_order(admin, order.serial)
    message = refused(lambda: bookings.set_done(admin, booked.id), NotFound)
    assert message.startswith(f"The booking's order is gone: Contact order {order.serial} "
                              "was deleted by eva on ")
    assert bookings.set_done(admin, other.id).done
    refused(lambda: bookings.set_done(admin, 999_999), NotFound, match=("No booking 999999",))


def test_a_deleted_customer_s_number_is_not_given_again(admin: Actor) -> None:
    """A number given again after its customer was deleted put two customers' history
    under one number in the audit (QA19 L6)."""
    from crm_tui.services import register_edits

    registers.add_customer(admin, "QA Card Stale", number="1225")
    register_deletes.delete_customer(admin, "1225")
    refused(lambda: registers.add_customer(admin, "QA Reuse", number="1225"),
            ValidationError, match=("Customer number 1225 was QA Card Stale's, deleted",))
    other = registers.add_customer(admin, "Other AB", number="1226")
    refused(lambda: register_edits.edit_customer(admin, other.id, number="1225"),
            ValidationError, match=("was QA Card Stale's, deleted",))
    assert register_edits.edit_customer(admin, other.id, number="1227").number == "1227"
    assert register_edits.edit_customer(admin, other.id, city="Umeå").number == "1227"
