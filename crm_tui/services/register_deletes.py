"""Deleting a register entry made by mistake: a customer, facility or service object
that nothing uses (no contact order, no facility or service object of its own).

Entries in use are refused, naming what uses them: their orders' history stays whole.
Two customers named alike are not merged here; the one made by mistake is deleted once
its orders are moved (edited) to the other. Needs the 'delete' permission.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from crm_tui.db import ids
from crm_tui.db.models import ContactOrder, Customer, Facility, ServiceObject
from crm_tui.domain.errors import ValidationError
from crm_tui.domain.permissions import Perm
from crm_tui.domain.records import Actor, CustomerInfo, FacilityInfo, ServiceObjectInfo
from crm_tui.domain.text import plural
from crm_tui.services.base import audit, fresh, require, writing
from crm_tui.services.registers import (
    customer_by_id,
    customer_info,
    customer_row,
    facility_info,
    row_by_id,
    service_object_info,
)


def _refuse_if_used(what: str, uses: Iterable[tuple[int, str, str]]) -> None:
    """Refuse deleting ``what`` while anything uses it: (count, one, several) each."""
    named = [plural(count, one, several) for count, one, several in uses if count]
    if named:
        listed = named[0] if len(named) == 1 else (", ".join(named[:-1]) + " and "
                                                   + named[-1])
        raise ValidationError(f"{what} has {listed}: only an entry nothing uses can be "
                              "deleted")


def _orders_of(field: Any, row_id: int) -> int:
    """Every contact order on it, open or completed, whoever may see them."""
    return ContactOrder.select().where(field == row_id).count()  # type: ignore[no-any-return]


Info = TypeVar("Info", CustomerInfo, FacilityInfo, ServiceObjectInfo)


def _gone(actor: Actor, row: Any, before: Info, check_only: bool) -> Info:
    """Delete ``row`` (checked: nothing uses it), its id never to be given again, with an
    audit event holding ``before``; with ``check_only`` nothing. Returns ``before``."""
    if not check_only:
        entity = type(row)._meta.table_name  # customer, facility, service_object
        ids.retire(type(row), [row.id])
        row.delete_instance()
        audit(actor, f"{entity}.delete", entity, row.id, before.__dict__, None)
    return before


def delete_customer(actor: Actor, customer: int | str, *,
                    check_only: bool = False) -> CustomerInfo:
    """Delete a customer (by id, or by number or name) that has no contact orders,
    facilities or service objects; returns it as it was. ``check_only``: every check,
    and nothing deleted (to ask "Delete …?" only of what can be)."""
    with writing():
        actor = fresh(actor)
        require(actor, Perm.DELETE, action="delete customers")
        row = customer_by_id(customer_row(customer).id if isinstance(customer, str)
                             else customer, lock=True)
        _refuse_if_used(f"Customer {row.number} '{row.name}'", (
            (_orders_of(ContactOrder.customer, row.id), "contact order", "contact orders"),
            (Facility.select().where(Facility.customer == row.id).count(), "facility",
             "facilities"),
            (ServiceObject.select().where(ServiceObject.customer == row.id).count(),
             "service object", "service objects")))
        return _gone(actor, row, customer_info(row), check_only)


def delete_facility(actor: Actor, facility_id: int, *,
                    check_only: bool = False) -> FacilityInfo:
    """Delete a facility that no contact order or service object is at (see
    delete_customer)."""
    with writing():
        actor = fresh(actor)
        require(actor, Perm.DELETE, action="delete facilities")
        row = row_by_id(Facility, facility_id, "facility", lock=True)
        before = facility_info(row, Customer.get_by_id(row.customer_id).name)
        _refuse_if_used(f"Facility '{row.name}' of {before.customer_name}", (
            (_orders_of(ContactOrder.facility, row.id), "contact order", "contact orders"),
            (ServiceObject.select().where(ServiceObject.facility == row.id).count(),
             "service object", "service objects")))
        return _gone(actor, row, before, check_only)


def delete_service_object(actor: Actor, object_id: int, *,
                          check_only: bool = False) -> ServiceObjectInfo:
    """Delete a service object that no contact order is about (see delete_customer)."""
    with writing():
        actor = fresh(actor)
        require(actor, Perm.DELETE, action="delete service objects")
        row = row_by_id(ServiceObject, object_id, "service object", lock=True)
        before = service_object_info(row)
        _refuse_if_used(f"Service object '{row.name}'", (
            (_orders_of(ContactOrder.service_object, row.id), "contact order",
             "contact orders"),))
        return _gone(actor, row, before, check_only)
