"""Contact orders: create (filling registers in), near-duplicates, serials, delete, audit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm_tui.db.database import db
from crm_tui.db.models import Assignment, Booking, Customer, Note
from crm_tui.domain.errors import NearDuplicate, NotFound, PermissionDenied, ValidationError
from crm_tui.domain.records import Actor, OrderFilter, OrderInput
from crm_tui.services import (
    bookings,
    notes,
    notifications,
    order_list,
    orders,
    registers,
    users,
)
from tests.conftest import make_user
from tests.services.helpers import (
    INCLUDE,
    assert_one_line,
    audit_events,
    loads,
    new_order,
    refused,
    serials,
    unchanged,
)


def test_unknown_customer_and_facility_are_created_with_their_details(admin: Actor) -> None:
    """Names not in the registers are created on save, with the contact details entered."""
    detail = orders.create_order(admin, OrderInput(
        subject="Annual service", customer="Nordic Pumps AB", facility="Harbour Depot",
        contact_name="Sara Lind", contact_phone="070-111 22 33",
        contact_email="sara@nordicpumps.se",
        facility_details={"address": "Kajen 3", "city": "Göteborg", "latitude": "57.7",
                          "longitude": "11.97"}))
    row = detail.row
    assert (row.customer, row.facility) == ("Nordic Pumps AB", "Harbour Depot")
    assert (row.contact.name, row.contact.phone, row.contact.email) == (
        "Sara Lind", "070-111 22 33", "sara@nordicpumps.se")
    customer = registers.get_customer(admin, row.customer_id)
    assert (customer.phone, customer.email) == ("070-111 22 33", "sara@nordicpumps.se")
    assert customer.number  # got a customer number
    facility = registers.get_facility(admin, detail.facility_id)
    assert (facility.address, facility.city, facility.customer_id) == (
        "Kajen 3", "Göteborg", row.customer_id)
    assert (facility.latitude, facility.longitude) == (57.7, 11.97)

    # Explicit customer details win over the contact's; both are found by search.
    other = orders.create_order(admin, OrderInput(
        subject="Quote", customer="Kyl & Värme i Luleå", contact_phone="070-000 00 01",
        customer_details={"city": "Luleå", "phone": "0920-123 45", "email": "info@kv.se"}))
    second = registers.get_customer(admin, other.row.customer_id)
    assert (second.city, second.phone, second.email) == ("Luleå", "0920-123 45", "info@kv.se")
    assert second.number != customer.number
    assert [h.id for h in registers.search(admin, "kyl & varme i lulea", "customers")] == [
        second.id]
    assert [h.title for h in registers.search(admin, "HARBOUR", "facilities")] == [
        "Harbour Depot"]

    # An existing name (or number) is reused, not duplicated.
    again = orders.create_order(admin, OrderInput(subject="Follow-up", customer="Nordic Pumps AB",
                                                  facility="Harbour Depot"))
    by_number = orders.create_order(admin, OrderInput(subject="By number",
                                                      customer=customer.number))
    assert again.row.customer_id == by_number.row.customer_id == customer.id
    assert again.facility_id == detail.facility_id
    with db.connection_context():
        assert Customer.select().count() == 2
    adds = audit_events(action="customer.add")
    assert [(e.actor, loads(e.after)["name"]) for e in adds] == [
        ("eva", "Nordic Pumps AB"), ("eva", "Kyl & Värme i Luleå")]
    assert len(audit_events(action="facility.add")) == 1


NEAR_DUPLICATES = [
    "bergstrom varme ab",        # case and accents
    "Bergström   Värme  AB",     # spacing
    "BERGSTRÖM VÄRME",           # no suffix
    "Bergström Värme Ltd",       # another suffix
    "Bergstrom-Varme AB",        # punctuation
]


def test_near_duplicate_customer_is_reported_before_creating(admin: Actor) -> None:
    """A near-duplicate name raises NearDuplicate naming the existing one; nothing is created."""
    berg = registers.add_customer(admin, "Bergström Värme AB", number="C-100")
    for variant in NEAR_DUPLICATES:
        with unchanged(), pytest.raises(NearDuplicate) as info:
            orders.create_order(admin, OrderInput(subject="Leak", customer=variant))
        error = info.value
        assert error.kind == "customer"
        assert [(c.id, c.name, c.number) for c in error.candidates] == [
            (berg.id, "Bergström Värme AB", "C-100")], variant
        message = assert_one_line(error)
        assert "Bergström Värme AB" in message and variant in message
        refused(lambda v=variant: registers.add_customer(admin, v), NearDuplicate)


def test_names_of_punctuation_alone_are_alike_only_when_the_same(admin: Actor) -> None:
    """Such names have no letters to compare: "+" looked like existing "-"."""
    dash = registers.add_customer(admin, "-")
    assert registers.add_customer(admin, "+").name == "+"
    refused(lambda: registers.add_customer(admin, " - "), NearDuplicate, match=("'-",))
    used = orders.create_order(admin, OrderInput(subject="x", customer="-",
                                                 on_duplicate="use-existing"))
    assert used.row.customer_id == dash.id


def test_near_duplicate_choices_use_existing_and_create(admin: Actor) -> None:
    """'use-existing' attaches the existing customer/facility; 'create' makes a new one."""
    berg = registers.add_customer(admin, "Bergström Värme AB")
    plant = registers.add_facility(admin, "Plant North", berg.id)
    used = orders.create_order(admin, OrderInput(subject="Leak", customer="bergstrom varme",
                                                 on_duplicate="use-existing"))
    assert used.row.customer_id == berg.id

    # Facility near-duplicates within the customer work the same way.
    with unchanged(), pytest.raises(NearDuplicate) as info:
        orders.create_order(admin, OrderInput(subject="x", customer_id=berg.id,
                                              facility="plant  NORTH"))
    assert info.value.kind == "facility"
    assert [c.id for c in info.value.candidates] == [plant.id]
    same_site = orders.create_order(admin, OrderInput(
        subject="x", customer_id=berg.id, facility="plant  NORTH", on_duplicate="use-existing"))
    assert same_site.facility_id == plant.id

    created = orders.create_order(admin, OrderInput(subject="New", customer="Bergstrom Varme Ltd",
                                                    on_duplicate="create"))
    assert created.row.customer_id != berg.id
    assert created.row.customer == "Bergstrom Varme Ltd"
    assert {h.title for h in registers.search(admin, "bergstrom", "customers")} == {
        "Bergström Värme AB", "Bergstrom Varme Ltd"}
    refused(lambda: orders.create_order(admin, OrderInput(subject="x", customer="Nya AB",
                                                          on_duplicate="maybe")),
            ValidationError, match=("on_duplicate",))


def test_creating_from_a_service_object_or_facility_fills_in_the_rest(admin: Actor) -> None:
    """A service object brings its facility and customer; a facility brings its customer."""
    acme = registers.add_customer(admin, "Acme")
    other = registers.add_customer(admin, "Other Co")
    plant = registers.add_facility(admin, "Plant North", acme.id)
    boiler = registers.add_service_object(admin, "Boiler B-1", facility=plant.id,
                                          model="Viessmann", serial_number="VX-1")
    loose = registers.add_service_object(admin, "Lift L-2", customer="Acme")

    from_object = orders.create_order(admin, OrderInput(subject="Check boiler",
                                                        service_object_id=boiler.id))
    assert (from_object.row.customer_id, from_object.facility_id,
            from_object.service_object_id) == (acme.id, plant.id, boiler.id)
    assert (from_object.row.customer, from_object.row.facility,
            from_object.row.service_object) == ("Acme", "Plant North", "Boiler B-1")

    by_name = orders.create_order(admin, OrderInput(subject="By serial", service_object="VX-1"))
    assert (by_name.row.customer_id, by_name.facility_id) == (acme.id, plant.id)

    from_facility = orders.create_order(admin, OrderInput(subject="Site visit",
                                                          facility_id=plant.id))
    assert (from_facility.row.customer_id, from_facility.service_object_id) == (acme.id, None)

    from_loose = orders.create_order(admin, OrderInput(subject="Lift",
                                                       service_object_id=loose.id))
    assert (from_loose.row.customer_id, from_loose.facility_id) == (acme.id, None)

    refused(lambda: orders.create_order(admin, OrderInput(
        subject="Mixed up", customer_id=other.id, service_object_id=boiler.id)),
        ValidationError, match=("another customer",))
    refused(lambda: orders.create_order(admin, OrderInput(subject="Nothing")),
            ValidationError, match=("customer",))


def test_another_customer_takes_the_old_ones_facility_and_object_off(admin: Actor) -> None:
    """Editing only the customer clears a facility and service object of the customer
    before (they stayed on an order not theirs); given with it, a new customer's own
    are kept; one named at the wrong customer is refused with that customer named."""
    acme = registers.add_customer(admin, "Acme")
    other = registers.add_customer(admin, "Other Co")
    plant = registers.add_facility(admin, "Plant North", acme.id)
    boiler = registers.add_service_object(admin, "Boiler B-1", facility=plant.id)
    site = registers.add_facility(admin, "Other Site", other.id)
    pump = registers.add_service_object(admin, "Pump P-9", facility=site.id)
    serial = orders.create_order(admin, OrderInput(
        subject="Check boiler", service_object_id=boiler.id)).serial

    moved = orders.edit_order(admin, serial, OrderInput(customer_id=other.id))
    assert (moved.row.customer, moved.facility_id, moved.service_object_id) == (
        "Other Co", None, None)
    both = orders.edit_order(admin, serial, OrderInput(
        customer_id=acme.id, facility_id=plant.id, service_object_id=boiler.id))
    assert (both.facility_id, both.service_object_id) == (plant.id, boiler.id)
    refused(lambda: orders.edit_order(admin, serial, OrderInput(
        customer_id=other.id, service_object="Boiler B-1")),
        NotFound, match=("Boiler B-1", "Other Co"))
    same = orders.edit_order(admin, serial, OrderInput(subject="Still Acme"))
    assert (same.facility_id, same.service_object_id) == (plant.id, boiler.id)
    by_object = orders.edit_order(admin, serial, OrderInput(service_object_id=pump.id))
    assert (by_object.row.customer, by_object.facility_id) == ("Other Co", site.id)


def test_serial_numbers_increase_and_are_never_reused(admin: Actor) -> None:
    """Serials go up by one; deleting the newest (or all) never frees a number."""
    first = [new_order(admin, f"Order {i}") for i in range(3)]
    assert first == list(range(first[0], first[0] + 3))
    orders.delete_order(admin, first[-1])
    assert new_order(admin, "After delete") == first[-1] + 1
    for serial in (*first[:-1], first[-1] + 1):
        orders.delete_order(admin, serial)
    assert order_list.totals(admin, INCLUDE).count == 0
    assert new_order(admin, "After deleting all") == first[-1] + 2
    with pytest.raises(NotFound):
        orders.get_order(admin, first[-1])


def test_complete_and_reopen(admin: Actor) -> None:
    """Completed orders keep their notes, drop out of the default list and sort last."""
    carol = make_user(admin, "carol", "view", "edit", "create")
    early = new_order(admin, "Early", scheduled="2026-01-05", hours="2")
    late = new_order(admin, "Late", scheduled="2026-06-05", hours="3")
    notes.add_note(carol, early, "First call")
    notes.add_note(carol, early, "Second call")

    done = orders.set_completed(carol, early, True)
    assert done.row.completed and done.row.completed_at is not None
    assert done.completed_by == "carol" and done.version == 2
    assert serials(order_list.list_orders(carol)) == [late]
    assert serials(order_list.list_orders(carol, INCLUDE)) == [late, early]
    assert [n.text for n in orders.get_order(carol, early).notes] == ["First call",
                                                                       "Second call"]
    assert order_list.totals(carol).hours == Decimal("3.00")
    assert order_list.totals(carol, INCLUDE).hours == Decimal("5.00")
    refused(lambda: orders.set_completed(carol, early, True), ValidationError,
            match=("already completed",))

    reopened = orders.set_completed(carol, early, False)
    assert not reopened.row.completed
    assert (reopened.row.completed_at, reopened.completed_by, reopened.version) == (None, None, 3)
    assert serials(order_list.list_orders(carol)) == [early, late]
    assert len(reopened.notes) == 2
    refused(lambda: orders.set_completed(carol, early, False), ValidationError,
            match=("not completed",))
    events = audit_events("order", early)
    assert [(e.action, e.actor, loads(e.before), loads(e.after), e.version)
            for e in events if e.action in ("order.complete", "order.reopen")] == [
        ("order.complete", "carol", {"completed": False}, {"completed": True}, 2),
        ("order.reopen", "carol", {"completed": True}, {"completed": False}, 3)]


def test_delete_keeps_a_full_snapshot_in_the_audit_trail(admin: Actor) -> None:
    """Deleting removes notes, bookings and assignments; the audit event holds all of it."""
    make_user(admin, "bob", "view-assigned")
    serial = new_order(admin, "Doomed", customer="Acme", contact_name="Sara", hours="1.25",
                       scheduled="2026-05-01", assignees=["bob"], status="Contacted")
    notes.add_note(admin, serial, "A note that must survive in the audit")
    bookings.add_booking(admin, serial, "2026-05-01 10:00", "meeting", assignee="bob")
    order_id = orders.get_order(admin, serial).row.id

    orders.delete_order(admin, serial)
    with pytest.raises(NotFound, match=rf"^Contact order {serial} was deleted by eva on "
                       r"\d{4}-\d\d-\d\d \d\d:\d\d$"):  # said who, to one in its form
        notes.add_note(admin, serial, "typed meanwhile")
    bob = users.get_actor("bob")  # who sees only his own orders is told no more than that
    with pytest.raises(NotFound, match=rf"^No contact order {serial}$"):
        orders.get_order(bob, serial)
    with db.connection_context():
        for model in (Note, Booking, Assignment):
            assert model.select().where(model.order == order_id).count() == 0, model.__name__
    [event] = audit_events("order", serial, action="order.delete")
    assert event.actor == "eva" and event.after == ""
    before = loads(event.before)
    assert before["subject"] == "Doomed" and before["hours"] == "1.25"
    assert before["scheduled"] == "2026-05-01" and before["assignees"] == ["bob"]
    assert before["contact_name"] == "Sara" and before["completed"] is False
    assert [(n["author"], n["text"]) for n in before["notes"]] == [
        ("eva", "A note that must survive in the audit")]
    assert [(b["kind"], b["assignee"]) for b in before["bookings"]] == [("meeting", "bob")]
    # bob's notifications survive the order, without a serial to open.
    kinds = [(n.kind, n.order_serial) for n in
             notifications.list_notifications(users.get_actor("bob"))]
    assert sorted(kinds) == [("assigned", None), ("booking-assigned", None)]


def test_every_change_is_audited_with_actor_before_and_after(admin: Actor) -> None:
    """Create, edit, assign, note and booking each leave an event; no-op edits leave none."""
    carol = make_user(admin, "carol", "view", "edit", "create", "assign")
    make_user(admin, "bob", "view-assigned")
    serial = new_order(carol, "Original", hours="1")
    [created] = audit_events("order", serial)
    assert (created.action, created.actor, created.before, created.version) == (
        "order.create", "carol", "", 1)
    assert loads(created.after)["subject"] == "Original"

    detail = orders.edit_order(carol, serial, OrderInput(subject="Renamed", hours="2.5"),
                               base_version=1)
    assert detail.version == 2
    edit = audit_events("order", serial, action="order.edit")[-1]
    assert (edit.actor, loads(edit.before), loads(edit.after), edit.version) == (
        "carol", {"subject": "Original", "hours": "1.00"},
        {"subject": "Renamed", "hours": "2.50"}, 2)

    same = orders.edit_order(admin, serial, OrderInput(subject="Renamed"), base_version=2)
    assert same.version == 2
    assert len(audit_events("order", serial, action="order.edit")) == 1

    orders.assign(carol, serial, ["bob"])
    assign = audit_events("order", serial, action="order.assign")[-1]
    assert (assign.actor, loads(assign.before), loads(assign.after), assign.version) == (
        "carol", {"assignees": []}, {"assignees": ["bob"]}, 3)

    notes.add_note(admin, serial, "Noted")
    note = audit_events("order", serial, action="note.add")[-1]
    assert note.actor == "eva" and loads(note.after)["text"] == "Noted"
    booking = bookings.add_booking(carol, serial, "2026-04-01 09:30", "digital")
    [event] = audit_events("booking", booking.id)
    assert (event.action, event.actor, loads(event.after)["kind"]) == (
        "booking.add", "carol", "digital")
    assert orders.get_order(admin, serial).version == 3  # notes and bookings keep the version


def test_assigning_notifies_new_assignees_only(admin: Actor) -> None:
    """Each newly assigned colleague gets one notification; the actor and old ones do not."""
    carol = make_user(admin, "carol", "view", "edit", "create", "assign")
    bob = make_user(admin, "bob", "view-assigned")
    dave = make_user(admin, "dave", "view-assigned")
    serial = new_order(carol, "Pump noise", assignees=["carol", "bob"])
    orders.assign(carol, serial, ["bob", "dave"])
    assert [(n.kind, n.text) for n in notifications.list_notifications(bob)] == [
        ("assigned", f"Carol assigned you contact order {serial}: Pump noise")]
    assert [n.kind for n in notifications.list_notifications(dave)] == ["assigned"]
    assert notifications.list_notifications(carol) == []
    assert orders.get_order(bob, serial).row.assignees == ("bob", "carol", "dave")
    assert order_list.list_orders(dave, OrderFilter(mine=True)).rows[0].serial == serial


def test_notifications_name_their_order(admin: Actor) -> None:
    """A notification about an order carries that order's serial (to open it)."""
    bob = make_user(admin, "bob", "view-assigned")
    serial = new_order(admin, "Pump noise", assignees=["bob"])
    assert [n.order_serial for n in notifications.list_notifications(bob)] == [serial]


def test_an_order_and_its_service_object_are_at_the_same_facility(admin: Actor) -> None:
    """Another facility on an order kept its object from the first one (the order showed
    one place, its object another); a facility named with an object elsewhere was
    quietly replaced by the object's. Both are refused, naming where the object is."""
    acme = registers.add_customer(admin, "Acme")
    north = registers.add_facility(admin, "Plant North", acme.id)
    south = registers.add_facility(admin, "Plant South", acme.id)
    boiler = registers.add_service_object(admin, "Boiler B-1", facility=north.id)
    loose = registers.add_service_object(admin, "Lift L-2", customer="Acme")
    serial = orders.create_order(admin, OrderInput(
        subject="Check boiler", service_object_id=boiler.id)).serial
    for change in (OrderInput(facility_id=south.id), OrderInput(facility="Plant South"),
                   OrderInput(facility="")):
        refused(lambda change=change: orders.edit_order(admin, serial, change),
                ValidationError, match=("'Boiler B-1' is at facility 'Plant North'",))
    refused(lambda: orders.create_order(admin, OrderInput(
        subject="s", customer="Acme", facility="Plant South", service_object="Boiler B-1")),
        ValidationError, match=("not at 'Plant South'",))
    # Moved together, or the object cleared with it, is fine; an object at no facility
    # goes with any.
    moved = orders.edit_order(admin, serial, OrderInput(facility_id=south.id,
                                                        service_object=""))
    assert (moved.facility_id, moved.service_object_id) == (south.id, None)
    anywhere = orders.edit_order(admin, serial, OrderInput(service_object_id=loose.id))
    assert (anywhere.facility_id, anywhere.service_object_id) == (south.id, loose.id)
    named = orders.create_order(admin, OrderInput(subject="s", customer="Acme",
                                                  facility="plant north",
                                                  service_object="Boiler B-1"))
    assert (named.facility_id, named.service_object_id) == (north.id, boiler.id)
    # An object named on an edit is looked for at the order's customer (other
    # customers' objects of that name made it ambiguous).
    other = registers.add_customer(admin, "Other Co")
    registers.add_service_object(admin, "Boiler B-1", customer=other.id)
    edited = orders.edit_order(admin, named.serial, OrderInput(facility="Plant North",
                                                                service_object="Boiler B-1"))
    assert edited.service_object_id == boiler.id


def test_a_new_order_and_its_first_note_are_saved_together(admin: Actor) -> None:
    """Saved one after the other, a dropped connection between them kept the order and
    lost its note. One who may not add the note saves neither, and is told how."""
    created = orders.create_order(admin, OrderInput(subject="Leak", customer="Acme AB"),
                                  note="Called.\r\nWants an offer in March.")
    assert [(n.author, n.text) for n in created.notes] == [
        (admin.username, "Called.\nWants an offer in March.")]
    assert orders.get_order(admin, created.serial).notes == created.notes
    seller = make_user(admin, "sam", "view", "create")  # may create, not add notes
    with unchanged():
        refused(lambda: orders.create_order(seller, OrderInput(subject="x", customer="Acme AB"),
                                            note="Hello"),
                PermissionDenied, match=("may not add notes", "without the note"))
    with unchanged():
        refused(lambda: orders.create_order(admin, OrderInput(subject="x", customer="Acme AB"),
                                            note="x" * 200_001), ValidationError,
                match=("note",))
    assert orders.create_order(seller, OrderInput(subject="x", customer="Acme AB"),
                               note="   ").notes == ()
