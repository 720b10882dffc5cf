"""Editing the registers: a customer's, a facility's or a service object's details.

The search text of everything that shows a changed name is kept in step: a facility's
includes its customer's name, a service object's its customer's and facility's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from crm_tui.db.models import Customer, Facility, ServiceObject
from crm_tui.domain.errors import ChangedMeanwhile, FieldProblems, ValidationError
from crm_tui.domain.permissions import Perm
from crm_tui.domain.records import Actor, CustomerInfo, FacilityInfo, ServiceObjectInfo
from crm_tui.domain.text import name_key
from crm_tui.services import validate
from crm_tui.services.base import audit, fresh, require, writing
from crm_tui.services.near_duplicates import (
    check_duplicates,
    refuse_near_object,
    refuse_serial_twin,
)
from crm_tui.services.registers import (
    customer_blob,
    customer_by_id,
    customer_info,
    customer_row,
    facility_blob,
    facility_info,
    object_blob,
    refuse_taken_number,
    row_by_id,
    service_object_info,
)

CUSTOMER_FIELDS = ("name", "number", "address", "city", "phone", "email")
FACILITY_FIELDS = ("name", "address", "city", "latitude", "longitude")
OBJECT_FIELDS = ("name", "model", "serial_number")
EDIT_CHOICES = ("ask", "create")


def _known(kind: str, changes: Mapping[str, Any], allowed: Sequence[str],
           on_duplicate: str) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValidationError(f"Unknown {kind} fields: {', '.join(sorted(unknown))}")
    if on_duplicate not in EDIT_CHOICES:
        raise ValidationError(f"on_duplicate must be one of {', '.join(EDIT_CHOICES)}")


def _set_each(row: Any, changes: Mapping[str, Any],
              parse: Callable[[str, Any], Any]) -> None:
    """Set each changed field of ``row`` to ``parse(field, value)``; every field refused
    is named at once (FieldProblems): a latitude and a longitude both wrong took two
    saves to hear of."""
    problems = {}
    for key, value in changes.items():
        try:
            setattr(row, key, parse(key, value))
        except ValidationError as exc:
            problems[key] = str(exc)
    if problems:
        raise FieldProblems(problems)


def _customer_field(key: str, value: Any) -> Any:
    if key == "email":
        return validate.email(value)
    if key == "phone":
        return validate.phone(value)
    return validate.text(value, key, required=key in ("name", "number"), max_len=300)


def _facility_field(key: str, value: Any) -> Any:
    if key == "name":
        return validate.text(value, "facility", required=True)
    if key in ("address", "city"):
        return validate.text(value, key, max_len=300 if key == "address" else 120)
    return validate.coordinate(value, key, 90 if key == "latitude" else 180)


def _object_field(key: str, value: Any) -> Any:
    if key == "name":
        return validate.text(value, "service_object", required=True)
    if key == "model":
        return validate.text(value, "model")
    return validate.text(value, "serial", max_len=120)


def _shown(value: Any) -> str:
    return "" if value is None else str(value)


def _unchanged_since(what: str, read: Any, now: Any, fields: Sequence[str]) -> None:
    """ChangedMeanwhile if ``now`` differs from what the editor ``read`` (None: not
    checked) in any of ``fields``."""
    if read is None:
        return
    differ = {f: _shown(getattr(now, f)) for f in fields if getattr(read, f) != getattr(now, f)}
    if differ:
        raise ChangedMeanwhile(what, differ)


def _audit_change(actor: Actor, entity: str, entity_id: int, before: Any, after: Any,
                  version: int | None = None) -> bool:
    """Audit the fields that changed (not the version); False if none did."""
    old, new = before.__dict__, after.__dict__
    changed = [k for k in new if k != "version" and old.get(k) != new[k]]
    if changed:
        audit(actor, f"{entity}.edit", entity, entity_id, {k: old[k] for k in changed},
              {k: new[k] for k in changed}, version)
    return bool(changed)


def _each(query: Any, blob: Callable[[Any], str]) -> None:
    """Store ``blob(row)`` as the search text of each row of ``query`` that needs it."""
    model = query.model
    for row in query:
        text = blob(row)
        if text != row.search_text:
            model.update(search_text=text).where(model.id == row.id).execute()


def _reindex_customer_parts(customer: Customer) -> None:
    """A renamed customer: its facilities' and service objects' search texts."""
    sites = {f.id: f.name for f in Facility.select(Facility.id, Facility.name)
             .where(Facility.customer == customer)}
    _each(Facility.select().where(Facility.customer == customer),
          lambda f: facility_blob(f, customer.name))
    _each(ServiceObject.select().where(ServiceObject.customer == customer),
          lambda o: object_blob(o, customer.name, sites.get(o.facility_id)))


def edit_customer(actor: Actor, customer_id: int | str, *, base_version: int | None = None,
                  read: CustomerInfo | None = None, on_duplicate: str = "ask",
                  **changes: str) -> CustomerInfo:
    """Edit a customer's details (name, number, address, city, phone, email); the
    customer by id, or (a str) by number or name. ``read``, the customer as the editor
    showed it, makes a change by someone else since then raise ChangedMeanwhile (with
    their values); ``base_version`` the same, without them. A new name like another
    customer's raises NearDuplicate, as adding one does, unless ``on_duplicate`` is
    "create"."""
    _known("customer", changes, CUSTOMER_FIELDS, on_duplicate)
    with writing():
        actor = fresh(actor)
        require(actor, Perm.EDIT, action="edit customers")
        if isinstance(customer_id, str):
            customer_id = customer_row(customer_id).id
        customer = customer_by_id(customer_id, lock=True)
        if base_version is not None and base_version != customer.version:
            raise ValidationError(
                f"Customer {customer.number} was changed by someone else; reload and retry")
        before = customer_info(customer)
        _unchanged_since(f"Customer {customer.number}", read, before, CUSTOMER_FIELDS)
        _set_each(customer, changes, _customer_field)
        if "number" in changes and customer.number != before.number:
            refuse_taken_number(customer.number, customer.id)
        renamed = customer.name != before.name
        if renamed:
            check_duplicates("customer", customer.name,
                             Customer.select().where(Customer.id != customer.id), on_duplicate,
                             renaming=True)
        customer.name_key = name_key(customer.name)
        customer.search_text = customer_blob(customer)
        customer.version += 1
        customer.save()
        if renamed:
            _reindex_customer_parts(customer)
        after = customer_info(customer)
        _audit_change(actor, "customer", customer.id, before, after, customer.version)
        return after


def edit_facility(actor: Actor, facility_id: int, *, read: FacilityInfo | None = None,
                  on_duplicate: str = "ask", **changes: str | float | None) -> FacilityInfo:
    """Edit a facility (name, address, city, latitude, longitude; "" clears a
    coordinate). ``read``, the facility as the editor showed it, makes a change by
    someone else since then raise ChangedMeanwhile. A new name like another of the
    customer's facilities raises NearDuplicate unless ``on_duplicate`` is "create"."""
    _known("facility", changes, FACILITY_FIELDS, on_duplicate)
    with writing():
        actor = fresh(actor)
        require(actor, Perm.EDIT, action="edit facilities")
        facility = row_by_id(Facility, facility_id, "facility", lock=True)
        owner = Customer.get_by_id(facility.customer_id)
        before = facility_info(facility, owner.name)
        _unchanged_since(f"Facility '{before.name}'", read, before, FACILITY_FIELDS)
        _set_each(facility, changes, _facility_field)
        if (facility.latitude is None) != (facility.longitude is None):
            raise ValidationError("Give both latitude and longitude, or neither",
                                  "latitude" if facility.latitude is None else "longitude")
        renamed = facility.name != before.name
        if renamed:
            check_duplicates("facility", facility.name, Facility.select().where(
                (Facility.customer == owner) & (Facility.id != facility.id)), on_duplicate,
                renaming=True)
        facility.name_key = name_key(facility.name)
        facility.search_text = facility_blob(facility, owner.name)
        facility.save()
        if renamed:
            _each(ServiceObject.select().where(ServiceObject.facility == facility),
                  lambda o: object_blob(o, owner.name, facility.name))
        after = facility_info(facility, owner.name)
        _audit_change(actor, "facility", facility.id, before, after)
        return after


def edit_service_object(actor: Actor, object_id: int, *, read: ServiceObjectInfo | None = None,
                        on_duplicate: str = "ask", **changes: str) -> ServiceObjectInfo:
    """Edit a service object (name, model, serial_number). ``read`` as for
    edit_facility; a new name like another's at the same place raises NearDuplicate
    unless ``on_duplicate`` is "create"; a serial number is one unit per customer."""
    _known("service object", changes, OBJECT_FIELDS, on_duplicate)
    with writing():
        actor = fresh(actor)
        require(actor, Perm.EDIT, action="edit service objects")
        obj = row_by_id(ServiceObject, object_id, "service object", lock=True)
        before = service_object_info(obj)
        _unchanged_since(f"Service object '{before.name}'", read, before, OBJECT_FIELDS)
        _set_each(obj, changes, _object_field)
        site = Facility.get_by_id(obj.facility_id) if obj.facility_id else None
        owner = Customer.get_by_id(obj.customer_id or site.customer_id)
        if obj.name != before.name and on_duplicate == "ask":
            refuse_near_object(obj, owner, site, renaming=True)
        if obj.serial_number and obj.serial_number != before.serial_number:
            refuse_serial_twin(obj, owner)
        obj.search_text = object_blob(obj, owner.name, site.name if site else None)
        obj.save()
        after = service_object_info(obj)
        _audit_change(actor, "service_object", obj.id, before, after)
        return after
