"""The audit trail names what an order links to (stored by id), a deleted entry too
(on SQLite and PostgreSQL)."""

from __future__ import annotations

from crm_tui.domain.records import Actor, OrderInput
from crm_tui.services import audit_log, orders, register_deletes, registers, statuses
from tests.services.helpers import audit_events, loads


def test_an_orders_customer_facility_object_and_status_are_named(admin: Actor) -> None:
    """An edit moving an order to another customer and status reads as names, before
    and after; the stored events keep the ids; a deleted customer is named from its
    deletion's copy."""
    statuses.add_status(admin, "Offer sent")
    old = registers.add_customer(admin, "Bergström Värme AB", number="C-1")
    plant = registers.add_facility(admin, "Östra Verket", "C-1")
    pump = registers.add_service_object(admin, "Heat pump", customer="C-1",
                                        facility=plant.id)
    new = registers.add_customer(admin, "Zeta AB", number="C-2")
    order = orders.create_order(admin, OrderInput(subject="Service", customer_id=old.id,
                                                  service_object_id=pump.id))
    orders.edit_order(admin, order.serial, OrderInput(customer_id=new.id,
                                                      status="Offer sent"))
    stored = loads(audit_events("order", order.serial, "order.edit")[-1].before)
    assert stored["customer"] == old.id and stored["facility"] == plant.id

    register_deletes.delete_service_object(admin, pump.id)
    register_deletes.delete_facility(admin, plant.id)
    register_deletes.delete_customer(admin, "C-1")
    edit, create = audit_log.recent(admin, entity="order", limit=2)
    assert (edit.action, create.action) == ("order.edit", "order.create")
    before, after = loads(edit.before), loads(edit.after)
    assert before["customer"] == "Bergström Värme AB (C-1), deleted"
    assert before["facility"] == "Östra Verket, deleted"
    assert before["service_object"] == "Heat pump, deleted"
    assert after["customer"] == "Zeta AB (C-2)"
    assert after["facility"] is None and after["service_object"] is None
    assert after["status"] == "Offer sent"
    assert loads(create.after)["customer"] == "Bergström Värme AB (C-1), deleted"
    # other kinds of events are as stored
    [added] = audit_log.recent(admin, entity="customer", entity_id="C-2", limit=1)
    assert loads(added.after)["id"] == new.id
