"""Helpers shared by the service tests: database snapshots, error checks, a small world."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from crm_tui.db.database import db
from crm_tui.db.models import ALL_MODELS, AuditEvent
from crm_tui.domain.errors import CrmError
from crm_tui.domain.records import (
    Actor,
    Completed,
    CustomerInfo,
    FacilityInfo,
    OrderFilter,
    OrderInput,
    ServiceObjectInfo,
)
from crm_tui.services import order_list, orders, registers
from tests.conftest import make_user

INCLUDE = OrderFilter(completed=Completed.INCLUDE)


def _key_fields(model: type[Any]) -> list[Any]:
    key = model._meta.primary_key
    names = getattr(key, "field_names", None)  # a CompositeKey
    return [model._meta.fields[n] for n in names] if names else [key]


def db_state() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, ordered by primary key: equal states = nothing changed."""
    with db.connection_context():
        return {
            model.__name__: list(model.select().order_by(*_key_fields(model)).tuples())
            for model in ALL_MODELS
        }


def diff_state(before: dict[str, list[tuple[Any, ...]]],
               after: dict[str, list[tuple[Any, ...]]]) -> list[str]:
    """Readable differences between two db_state() results (empty = unchanged)."""
    out = []
    for table, rows in before.items():
        if rows != after[table]:
            added = [r for r in after[table] if r not in rows]
            removed = [r for r in rows if r not in after[table]]
            out.append(f"{table}: +{added} -{removed}")
    return out


@contextlib.contextmanager
def unchanged() -> Iterator[None]:
    """Assert the block leaves every table exactly as it was."""
    before = db_state()
    yield
    changes = diff_state(before, db_state())
    assert not changes, "database changed: " + "; ".join(changes)


def assert_one_line(exc: BaseException, *, max_len: int = 300) -> str:
    """The error's message is one readable line; returns it."""
    assert isinstance(exc, CrmError), f"{type(exc).__name__} is not a CrmError: {exc!r}"
    message = str(exc)
    assert message.strip(), "empty error message"
    assert "\n" not in message and "\r" not in message, f"multi-line message: {message!r}"
    assert len(message) <= max_len, f"message too long ({len(message)} chars)"
    assert "Traceback" not in message
    control = [c for c in message if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0]
    assert not control, f"control characters in message: {message!r}"
    return message


def refused(call: Callable[[], Any], error: type[CrmError], *,
            match: tuple[str, ...] = ()) -> str:
    """``call`` raises ``error`` with a one-line message containing ``match``; nothing changes."""
    with unchanged(), pytest.raises(error) as info:
        call()
    message = assert_one_line(info.value)
    for part in match:
        assert part.lower() in message.lower(), f"{part!r} not in {message!r}"
    return message


def audit_events(entity: str | None = None, entity_id: Any = None,
                 action: str | None = None) -> list[AuditEvent]:
    """Audit events (oldest first), optionally narrowed."""
    with db.connection_context():
        query = AuditEvent.select().order_by(AuditEvent.id)
        if entity is not None:
            query = query.where(AuditEvent.entity == entity)
        if entity_id is not None:
            query = query.where(AuditEvent.entity_id == str(entity_id))
        if action is not None:
            query = query.where(AuditEvent.action == action)
        return list(query)


def loads(raw: str) -> Any:
    """JSON of an audit before/after column ('' = None)."""
    return json.loads(raw) if raw else None


def new_order(actor: Actor, subject: str = "Service visit", customer: str = "Acme",
              **fields: Any) -> int:
    """Create an order and return its serial."""
    return orders.create_order(actor, OrderInput(subject=subject, customer=customer,
                                                 **fields)).serial


def serials(rows: Any) -> list[int]:
    """Serial numbers of order rows (or of a page)."""
    rows = getattr(rows, "rows", rows)
    return [r.serial for r in rows]


def visible_serials(actor: Actor, criteria: OrderFilter = INCLUDE) -> set[int]:
    """Every serial the list shows the actor (all pages)."""
    return {r.serial for r in order_list.iter_orders(actor, criteria, page_size=2)}


@dataclass
class World:
    """Users, registers and orders for the permission tests.

    Orders (who is involved):
      own        - assigned to bob, at facility Plant North
      booked     - assigned to carol, bob is the assignee of a booking; has the pump
                   (so also Plant North, filled in from the pump)
      carols     - assigned to carol only, at Plant North, has the pump
      done       - assigned to bob, customer Bergström, completed
      nobodys    - no assignees, customer Bergström
      carol_call - no assignees, a booking for carol
    """

    admin: Actor
    bob: Actor
    carol: Actor
    acme: CustomerInfo
    berg: CustomerInfo
    plant: FacilityInfo
    pump: ServiceObjectInfo
    s: dict[str, int] = field(default_factory=dict)

    @property
    def bobs(self) -> set[int]:
        """Exactly the orders bob is involved in."""
        return {self.s["own"], self.s["booked"], self.s["done"]}


def build_world(admin: Actor) -> World:
    """Create the World through the services, as the admin."""
    from crm_tui.services import bookings

    bob = make_user(admin, "bob", "view-assigned")
    carol = make_user(admin, "carol", "view", "create", "edit", "assign")
    acme = registers.add_customer(admin, "Acme", city="Malmö", phone="040-12 34 56")
    berg = registers.add_customer(admin, "Bergström Värme AB", city="Umeå")
    plant = registers.add_facility(admin, "Plant North", acme.id, city="Lund")
    pump = registers.add_service_object(admin, "Heat pump HP-9", facility=plant.id,
                                        model="NIBE F2120", serial_number="SN-4711")
    world = World(admin, bob, carol, acme, berg, plant, pump)
    s = world.s
    s["own"] = new_order(admin, "Acme own visit", customer_id=acme.id, facility_id=plant.id,
                         assignees=["bob"], hours="1.5", scheduled="2026-03-01")
    s["booked"] = new_order(admin, "Acme booked call", customer_id=acme.id,
                            service_object_id=pump.id, assignees=["carol"], hours="2",
                            scheduled="2026-03-02")
    s["carols"] = new_order(admin, "Acme secret carol deal", customer_id=acme.id,
                            facility_id=plant.id, service_object_id=pump.id,
                            assignees=["carol"], hours="4", scheduled="2026-03-03")
    s["done"] = new_order(admin, "Berg finished job", customer_id=berg.id, assignees=["bob"],
                          hours="0.25", scheduled="2026-02-01")
    s["nobodys"] = new_order(admin, "Berg secret unassigned", customer_id=berg.id, hours="8")
    s["carol_call"] = new_order(admin, "Acme secret call for carol", customer_id=acme.id,
                                hours="3")
    bookings.add_booking(admin, s["booked"], "2026-03-10 09:00", "phone", assignee="bob")
    bookings.add_booking(admin, s["carol_call"], "2026-03-11 10:00", "meeting",
                         assignee="carol")
    orders.set_completed(admin, s["done"], True)
    return world
