"""Registers: customers, facilities, service objects, and search (near-duplicates:
near_duplicates)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from peewee import JOIN, Model

from crm_tui.db import ids
from crm_tui.db.database import db, is_sqlite
from crm_tui.db.models import AuditEvent, Counter, Customer, Facility, ServiceObject
from crm_tui.db.search import matches, register_terms_condition
from crm_tui.domain.errors import (
    FieldProblems,
    NearDuplicate,
    NotFound,
    ValidationError,
)
from crm_tui.domain.permissions import Perm
from crm_tui.domain.records import (
    Actor,
    CustomerInfo,
    FacilityInfo,
    SearchHit,
    ServiceObjectInfo,
)
from crm_tui.domain.text import fold, name_key, search_blob, text_terms
from crm_tui.services import validate
from crm_tui.services.base import audit, fresh, reading, require, writing
from crm_tui.services.near_duplicates import (
    check_duplicates,
    refuse_near_object,
    refuse_serial_twin,
)

_PHONE_LIKE = re.compile(r"^\+?[\d\s\-()/.]+$")
REGISTERS = ("customers", "facilities", "service-objects")


def customer_info(c: Customer) -> CustomerInfo:
    """Read model of a customer row."""
    return CustomerInfo(c.id, c.number, c.name, c.address, c.city, c.phone, c.email, c.version)


def facility_info(f: Facility, customer_name: str | None = None) -> FacilityInfo:
    """Read model of a facility row."""
    return FacilityInfo(f.id, f.name, f.customer_id,
                        customer_name if customer_name is not None else f.customer.name,
                        f.address, f.city, f.latitude, f.longitude)


def service_object_info(s: ServiceObject) -> ServiceObjectInfo:
    """Read model of a service-object row."""
    return ServiceObjectInfo(s.id, s.name, s.customer_id,
                             s.customer.name if s.customer_id else None, s.facility_id,
                             s.facility.name if s.facility_id else None, s.model,
                             s.serial_number)


def _next_customer_number() -> str:
    Counter.insert(name="customer_number", value=1000).on_conflict_ignore().execute()
    while True:
        Counter.update(value=Counter.value + 1).where(
            Counter.name == "customer_number").execute()
        value = Counter.get(Counter.name == "customer_number").value
        number = str(value)
        if not Customer.select().where(Customer.number == number).exists():
            return number


def customer_blob(c: Customer) -> str:
    return search_blob(c.name, c.number, c.city, c.address, c.phone, c.email)


def checked(checks: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """Each field's value, by its check; every field refused named at once
    (FieldProblems; one a try, four slips took four tries)."""
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for field, check in checks.items():
        try:
            values[field] = check()
        except ValidationError as exc:
            problems[exc.field or field] = str(exc)
    if problems:
        raise FieldProblems(problems)
    return values


def refuse_taken_number(number: str, customer_id: int | None = None) -> None:
    """A ValidationError if another customer has ``number``, or a deleted one had it:
    given again, two customers' history came under one number in the audit."""
    if Customer.select().where((Customer.number == number)
                               & (Customer.id != (customer_id or 0))).exists():
        raise ValidationError(f"Customer number {number} is already taken", "number")
    copied = json.dumps({"number": number}, ensure_ascii=False)[1:-1]  # as the audit has it
    deleted = (AuditEvent.select(AuditEvent.before)
               .where((AuditEvent.action == "customer.delete")
                      & AuditEvent.before.contains(copied)).first())
    if deleted is not None:
        name = json.loads(deleted.before or "{}").get("name", "")
        raise ValidationError(f"Customer number {number} was {name}'s, deleted: a number "
                              "is not given twice (its history is under it); choose "
                              "another", "number")


def create_customer(actor: Actor, name: str, *, number: str | None = None,
                     address: str = "", city: str = "", phone: str = "", email: str = "",
                     on_duplicate: str = "ask") -> tuple[Customer, bool]:
    """Create a customer inside a unit of work; returns (row, created)."""
    require(actor, Perm.CREATE, action="add customers")

    def free_number() -> str | None:
        given = validate.text(number, "number", max_len=40) or None
        if given:
            refuse_taken_number(given)
        return given

    fields = checked({"name": lambda: validate.text(name, "customer", required=True),
                      "number": free_number,
                      "address": lambda: validate.text(address, "address", max_len=300),
                      "city": lambda: validate.text(city, "city", max_len=120),
                      "phone": lambda: validate.phone(phone),
                      "email": lambda: validate.email(email)})
    name, number = fields.pop("name"), fields.pop("number")
    existing = check_duplicates("customer", name, Customer.select(), on_duplicate)
    if existing is not None:
        return existing, False  # type: ignore[return-value]
    customer = Customer(name=name, name_key=name_key(name),
                        number=number or _next_customer_number(), **fields,
                        **ids.fresh(Customer))
    customer.search_text = customer_blob(customer)
    customer.save(force_insert=True)
    audit(actor, "customer.add", "customer", customer.id, None, customer_info(customer).__dict__)
    return customer, True


def add_customer(actor: Actor, name: str, *, number: str | None = None, address: str = "",
                 city: str = "", phone: str = "", email: str = "",
                 on_duplicate: str = "ask") -> CustomerInfo:
    """Add a customer; a near-duplicate name raises NearDuplicate unless told otherwise."""
    with writing():
        customer, _ = create_customer(fresh(actor), name, number=number, address=address,
                                       city=city, phone=phone, email=email,
                                       on_duplicate=on_duplicate)
        return customer_info(customer)


def row_by_id(model: type[Model], row_id: int, kind: str, *, lock: bool = False) -> Any:
    """A register row by id, or NotFound; with ``lock`` (edits) held until the
    transaction ends, so concurrent edits on PostgreSQL serialise and a check against
    what the editor read holds."""
    query = model.select().where(model.id == row_id)  # type: ignore[attr-defined]
    if lock and not is_sqlite():
        query = query.for_update()
    row = query.first()
    if row is None:
        raise NotFound(gone(kind, row_id))
    return row


def gone(kind: str, row_id: int) -> str:
    """Why there is no ``kind`` ``row_id``: deleted, naming it as users know it (its
    number and name), by whom and when; else that there is none. A card, a form or a
    pick held it ("No customer with id 228" told a user nothing)."""
    from crm_tui.services.timezone import to_local

    entity = kind.replace(" ", "_")
    deleted = (AuditEvent.select(AuditEvent.actor, AuditEvent.at, AuditEvent.before)
               .where((AuditEvent.entity == entity) & (AuditEvent.entity_id == str(row_id))
                      & (AuditEvent.action == f"{entity}.delete"))
               .order_by(AuditEvent.id.desc()).first())
    if deleted is None:
        return f"No {kind} with id {row_id}"
    try:
        was = json.loads(deleted.before or "{}")
    except ValueError:
        was = {}
    named = " ".join(str(part) for part in (was.get("number"), f"'{was.get('name')}'"
                                            if was.get("name") else None) if part)
    return (f"{kind.capitalize()} {named or row_id} was deleted by "
            f"{deleted.actor or 'the system'} on {to_local(deleted.at):%Y-%m-%d %H:%M}")


def customer_by_id(customer_id: int, *, lock: bool = False) -> Customer:
    """The customer row (see row_by_id)."""
    return row_by_id(Customer, customer_id, "customer", lock=lock)  # type: ignore[no-any-return]


def find_customer(ref: str) -> Customer:
    """A customer by number or exact name (case-insensitive); NotFound or ambiguous."""
    ref = ref.strip()
    by_number = Customer.get_or_none(Customer.number == ref)
    if by_number is not None:
        return by_number
    rows = _named(Customer, ref, Customer.select())
    if not rows:
        rows = list(Customer.select().where(Customer.name_key == name_key(ref)).limit(3))
    if not rows:
        raise NotFound(f"No customer with the number or name '{ref}'")
    if len(rows) > 1:
        numbers = ", ".join(r.number for r in rows)
        raise ValidationError(f"Several customers are named '{ref}' ({numbers}); "
                              "give the customer number instead", "customer")
    return rows[0]


def resolve_customer(actor: Actor, ref: str, details: dict[str, str],
                     on_duplicate: str) -> tuple[Customer, bool]:
    """An order's customer: by number or exact name, else created (near-dups reported)."""
    ref = validate.text(ref, "customer", required=True)
    by_number = Customer.get_or_none(Customer.number == ref)
    if by_number is not None:
        return by_number, False
    exact = _named(Customer, ref, Customer.select())[:2]  # in any case: not a new one
    if not exact:
        try:
            return create_customer(actor, ref, on_duplicate=on_duplicate, **details)
        except NearDuplicate:
            # Someone made a customer of this very name meanwhile (two orders for the
            # same new customer at once: on PostgreSQL the check waited for theirs):
            # theirs, as if this save had come after it.
            exact = _named(Customer, ref, Customer.select())[:2]
            if not exact:
                raise
    if len(exact) > 1:
        raise ValidationError(f"Several customers are named '{ref}'; give the customer number",
                              "customer")
    return exact[0], False


def facility_blob(f: Facility, customer_name: str) -> str:
    return search_blob(f.name, f.address, f.city, customer_name)


def create_facility(actor: Actor, customer: Customer, name: str, *, address: str = "",
                     city: str = "", latitude: float | str | None = None,
                     longitude: float | str | None = None,
                     on_duplicate: str = "ask") -> tuple[Facility, bool]:
    require(actor, Perm.CREATE, action="add facilities")
    fields = checked({"name": lambda: validate.text(name, "facility", required=True),
                      "address": lambda: validate.text(address, "address", max_len=300),
                      "city": lambda: validate.text(city, "city", max_len=120),
                      "latitude": lambda: validate.coordinate(latitude, "latitude", 90),
                      "longitude": lambda: validate.coordinate(longitude, "longitude", 180)})
    name, lat, lon = fields.pop("name"), fields["latitude"], fields["longitude"]
    if (lat is None) != (lon is None):
        raise ValidationError("Give both latitude and longitude, or neither",
                              "latitude" if lat is None else "longitude")
    existing = check_duplicates(
        "facility", name, Facility.select().where(Facility.customer == customer), on_duplicate)
    if existing is not None:
        return existing, False  # type: ignore[return-value]
    facility = Facility(customer=customer, name=name, name_key=name_key(name), **fields,
                        **ids.fresh(Facility))
    facility.search_text = facility_blob(facility, customer.name)
    facility.save(force_insert=True)
    audit(actor, "facility.add", "facility", facility.id, None,
          facility_info(facility, customer.name).__dict__)
    return facility, True


def add_facility(actor: Actor, name: str, customer: str | int, *, address: str = "",
                 city: str = "", latitude: float | str | None = None,
                 longitude: float | str | None = None,
                 on_duplicate: str = "ask") -> FacilityInfo:
    """Add a facility to an existing customer (given by id, number or name)."""
    with writing():
        actor = fresh(actor)
        owner = customer_row(customer)
        facility, _ = create_facility(actor, owner, name, address=address, city=city,
                                       latitude=latitude, longitude=longitude,
                                       on_duplicate=on_duplicate)
        return facility_info(facility, owner.name)


def resolve_facility(actor: Actor, customer: Customer, ref: str, details: dict[str, str],
                     on_duplicate: str) -> tuple[Facility, bool]:
    """An order's facility among the customer's, by exact name, else created."""
    ref = validate.text(ref, "facility", required=True)
    def same_name() -> Facility | None:
        return Facility.get_or_none((Facility.customer == customer) & (Facility.name == ref))

    exact = same_name()
    if exact is not None:
        return exact, False
    try:
        return create_facility(actor, customer, ref, on_duplicate=on_duplicate, **details)
    except NearDuplicate:
        exact = same_name()  # made meanwhile by another save (see resolve_customer)
        if exact is None:
            raise
        return exact, False


def _named(model: type[Model], ref: str, scope: Any, *, also: Any = None) -> list[Any]:
    """Up to three rows of ``scope`` (a select of ``model``) named ``ref``: exactly (or
    matching ``also``), else ignoring case. The case is compared in Python: SQLite's
    LOWER() folds only ASCII, so "DEPÅ ÅRE" would never find "Depå Åre". The search
    index narrows the rows to those whose folded text holds the folded name."""
    exact = model.name == ref
    rows = list(scope.where(exact if also is None else exact | also).limit(3))
    if rows:
        return rows
    folded, key = fold(ref), ref.casefold()
    if not folded:
        return []
    named = (row for row in scope.where(matches(model, folded)).iterator()
             if row.name.casefold() == key)
    return [row for _, row in zip(range(3), named, strict=False)]


def find_facility(ref: str, customer: Customer | None = None) -> Facility:
    """A facility by exact name (case-insensitive), optionally within a customer."""
    ref = ref.strip()
    query = Facility.select()
    if customer is not None:
        query = query.where(Facility.customer == customer)
    rows = _named(Facility, ref, query)
    if not rows:
        owner = f" of customer '{customer.name}'" if customer is not None else ""
        raise NotFound(f"No facility named '{ref}'{owner}")
    if len(rows) > 1:
        raise ValidationError(f"Several facilities are named '{ref}'; give the customer too",
                              "facility")
    return rows[0]


def find_service_object(ref: str, customer: Customer | None = None,
                        facility: Facility | None = None) -> ServiceObject:
    """A service object by exact name (case-insensitive) or serial number, within a
    customer/facility if given."""
    ref = ref.strip()
    query = ServiceObject.select()
    if facility is not None:
        query = query.where(ServiceObject.facility == facility)
    elif customer is not None:
        query = query.where(ServiceObject.customer == customer)
    rows = _named(ServiceObject, ref, query, also=ServiceObject.serial_number == ref)
    if not rows:
        owner = (f" at facility '{facility.name}'" if facility is not None else
                 f" of customer '{customer.name}'" if customer is not None else "")
        raise NotFound(f"No service object named '{ref}'{owner}")
    if len(rows) > 1:
        serials = ", ".join(r.serial_number or f"#{r.id}" for r in rows)
        raise ValidationError(f"Several service objects match '{ref}' ({serials}); "
                              "give its serial number", "service_object")
    return rows[0]


def add_service_object(actor: Actor, name: str, *, customer: str | int | None = None,
                       facility: str | int | None = None, model: str = "",
                       serial_number: str = "", on_duplicate: str = "create"
                       ) -> ServiceObjectInfo:
    """Add a service object at a customer and/or facility ("ask": a name like one at
    the same place raises NearDuplicate)."""
    with writing():
        obj = create_service_object(fresh(actor), name, customer=customer,
                                    facility=facility, model=model,
                                    serial_number=serial_number, on_duplicate=on_duplicate)
        assert obj is not None  # only same=True gives None
        return service_object_info(obj)


def create_service_object(actor: Actor, name: str, *, customer: str | int | None = None,
                          facility: str | int | None = None, model: str = "",
                          serial_number: str = "", same: bool = False,
                          on_duplicate: str = "create") -> ServiceObject | None:
    """add_service_object inside a unit of work; with ``same``, None instead of a copy
    of an identical object (name, owner, facility, model, serial) already there. With
    ``on_duplicate`` "ask", a name like one at the same place (facility, else the
    customer's objects without one) raises NearDuplicate."""
    require(actor, Perm.CREATE, action="add service objects")
    name = validate.text(name, "service_object", required=True)
    owner = None
    if customer is not None:
        owner = customer_row(customer)
    site = None
    if facility is not None:
        if isinstance(facility, int):
            site = Facility.get_or_none(Facility.id == facility)
            if site is None:
                raise NotFound(gone("facility", facility))
        else:
            site = find_facility(facility, owner)
        if owner is not None and site.customer_id != owner.id:
            raise ValidationError(f"Facility '{site.name}' does not belong to "
                                  f"customer '{owner.name}'", "facility")
        owner = owner or site.customer
    if owner is None:
        raise ValidationError("A service object needs a customer or a facility", "customer")
    obj = ServiceObject(name=name, customer=owner, facility=site,
                        model=validate.text(model, "model"),
                        serial_number=validate.text(serial_number, "serial", max_len=120),
                        **ids.fresh(ServiceObject))
    if same and ServiceObject.select().where(
            (ServiceObject.name == obj.name) & (ServiceObject.customer == owner)
            & (ServiceObject.facility == site) & (ServiceObject.model == obj.model)
            & (ServiceObject.serial_number == obj.serial_number)).exists():
        return None
    if on_duplicate == "ask":
        refuse_near_object(obj, owner, site)
    if obj.serial_number:
        refuse_serial_twin(obj, owner)
    obj.search_text = object_blob(obj, owner.name, site.name if site else None)
    obj.save(force_insert=True)
    audit(actor, "service_object.add", "service_object", obj.id, None,
          service_object_info(obj).__dict__)
    return obj


def object_blob(obj: ServiceObject, owner_name: str, site_name: str | None) -> str:
    """A service object's search text: its own fields, its customer's and facility's names."""
    return search_blob(obj.name, obj.model, obj.serial_number, owner_name, site_name)


def customer_row(ref: str | int) -> Customer:
    """A customer by id (an int), else by number or name (see find_customer)."""
    return customer_by_id(ref) if isinstance(ref, int) else find_customer(ref)


def search(actor: Actor, text: str, register: str = "all", limit: int = 50) -> list[SearchHit]:
    """Case- and accent-insensitive any-part search over the registers.

    On PostgreSQL the three registers (the register screen's default, searched on every
    keystroke) are searched at once, each on its own pooled connection: the server works
    on one while the client waits for or builds another (p95 28-36 ms → 17-22 ms at a
    million orders, in three back-to-back pairs of runs). On SQLite that gained nothing
    (its work holds the same two cores) and would warm a page cache per connection, so
    it searches them in turn.
    """
    if register not in (*REGISTERS, "all"):
        raise ValidationError(f"Unknown register '{register}'; use one of "
                              f"{', '.join(REGISTERS)} or all", "register")
    if limit < 1:
        raise ValidationError(f"A search shows at least one hit; the limit was {limit}",
                              "limit")
    folded = fold(text)
    if (_PHONE_LIKE.match(folded) and any(c.isdigit() for c in folded)
            and any(c in folded for c in " -()/.")):
        folded = re.sub(r"[\s\-()/.]", "", folded)  # rows are indexed without separators too
    names = REGISTERS if register == "all" else (register,)
    with reading():
        fresh(actor)
        if len(names) == 1 or is_sqlite():
            return [hit for name in names for hit in _SEARCHES[name](folded, limit)]
    pending = [_pool().submit(_searched, _SEARCHES[name], folded, limit) for name in names]
    return [hit for future in pending for hit in future.result()]


_search_pool: ThreadPoolExecutor | None = None
_search_pool_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _search_pool
    with _search_pool_lock:
        if _search_pool is None:
            _search_pool = ThreadPoolExecutor(len(REGISTERS), "register-search")
        return _search_pool


def _searched(search_one: Callable[[str, int], list[SearchHit]], folded: str,
              limit: int) -> list[SearchHit]:
    with reading():
        return search_one(folded, limit)


def _filtered(model: type[Model], folded: str, limit: int) -> tuple[str, list[Any]]:
    """' WHERE <test>' for a search of ``model`` in name order, and its parameters; no
    test for no text. The statements are written out (see register_condition)."""
    terms = text_terms(folded, join_short=False)
    if not terms:
        return "", []
    test, params = register_terms_condition(model, terms, limit)
    return f" WHERE {test}", params


def _search_customers(folded: str, limit: int) -> list[SearchHit]:
    where, params = _filtered(Customer, folded, limit)
    rows = db.execute_sql("SELECT id, name, number, city, phone FROM customer"
                          f"{where} ORDER BY name, id LIMIT {int(limit)}", params)
    return [SearchHit("customers", cid, name, " · ".join(x for x in (number, city, phone) if x),
                      number)
            for cid, name, number, city, phone in rows.fetchall()]


def _page_with_owner(model: type[Model], columns: str, folded: str, limit: int,
                     join: str = "JOIN") -> list[tuple[Any, ...]]:
    """A page of ``model`` (as ``r``) in name order: ``columns`` and its customer's name.
    The page is chosen first, so only its rows are joined with their owners."""
    table = model._meta.table_name
    where, params = _filtered(model, folded, limit)
    return db.execute_sql(
        f"SELECT {columns}, c.name FROM {table} AS r {join} customer AS c "
        f"ON c.id = r.customer_id WHERE r.id IN (SELECT id FROM {table}{where} "
        f"ORDER BY name, id LIMIT {int(limit)}) ORDER BY r.name, r.id", params).fetchall()


def _search_facilities(folded: str, limit: int) -> list[SearchHit]:
    return [SearchHit("facilities", fid, name, " · ".join(x for x in (owner, address, city) if x))
            for fid, name, address, city, owner in _page_with_owner(
                Facility, "r.id, r.name, r.address, r.city", folded, limit)]


def _search_service_objects(folded: str, limit: int) -> list[SearchHit]:
    return [SearchHit("service-objects", oid, name, " · ".join(
                x for x in (model, serial, owner) if x), serial)
            for oid, name, model, serial, owner in _page_with_owner(
                ServiceObject, "r.id, r.name, r.model, r.serial_number", folded, limit,
                join="LEFT OUTER JOIN")]


_SEARCHES: dict[str, Callable[[str, int], list[SearchHit]]] = {
    "customers": _search_customers, "facilities": _search_facilities,
    "service-objects": _search_service_objects}


def get_customer(actor: Actor, customer_id: int) -> CustomerInfo:
    """One customer's details."""
    with reading():
        fresh(actor)
        return customer_info(customer_by_id(customer_id))


def get_facility(actor: Actor, facility_id: int) -> FacilityInfo:
    """One facility's details."""
    with reading():
        fresh(actor)
        facility = Facility.get_or_none(Facility.id == facility_id)
        if facility is None:
            raise NotFound(gone("facility", facility_id))
        return facility_info(facility)


def get_service_object(actor: Actor, object_id: int) -> ServiceObjectInfo:
    """One service object's details."""
    with reading():
        fresh(actor)
        obj = ServiceObject.get_or_none(ServiceObject.id == object_id)
        if obj is None:
            raise NotFound(gone("service object", object_id))
        return service_object_info(obj)


def iter_customers(actor: Actor) -> Iterator[CustomerInfo]:
    """Every customer, by number (for export)."""
    with reading():
        fresh(actor)
        for c in Customer.select().order_by(Customer.id).iterator():
            yield customer_info(c)


def iter_facilities(actor: Actor) -> Iterator[FacilityInfo]:
    """Every facility (for export)."""
    with reading():
        fresh(actor)
        query = (Facility.select(Facility, Customer).join(Customer).order_by(Facility.id))
        for f in query:
            yield facility_info(f)


def iter_service_objects(actor: Actor) -> Iterator[ServiceObjectInfo]:
    """Every service object (for export)."""
    with reading():
        fresh(actor)
        query = (ServiceObject.select(ServiceObject, Customer, Facility)
                 .join(Customer, JOIN.LEFT_OUTER, on=ServiceObject.customer == Customer.id)
                 .switch(ServiceObject)
                 .join(Facility, JOIN.LEFT_OUTER, on=ServiceObject.facility == Facility.id)
                 .order_by(ServiceObject.id))
        for s in query:
            yield service_object_info(s)
