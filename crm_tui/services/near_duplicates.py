"""Near-duplicates in the registers: a new or renamed customer, facility or service
object named like one that is there (the same name in another case or spelling, its
start typed, a letter or two off or two swapped), and a serial number given twice."""

from __future__ import annotations

from typing import Any

from peewee import fn

from crm_tui.db.database import db, is_sqlite
from crm_tui.db.models import Customer, Facility, ServiceObject
from crm_tui.domain.errors import Candidate, NearDuplicate, ValidationError
from crm_tui.domain.text import PREFIX_MIN, TYPO_EDITS, TYPO_MIN, keys_alike, name_key, names_alike

DUPLICATE_CHOICES = ("ask", "use-existing", "create")


def check_duplicates(kind: str, name: str, query: object, on_duplicate: str, *,
                     renaming: bool = False) -> object | None:
    """Near-duplicates of ``name`` in ``query``: raise (ask), return one (use-existing)."""
    if on_duplicate not in DUPLICATE_CHOICES:
        raise ValidationError(f"on_duplicate must be one of {', '.join(DUPLICATE_CHOICES)}")
    key = name_key(name)
    if not is_sqlite():
        # Serialise creators of the same name so two can't both pass the check.
        db.execute_sql("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{kind}:{key}",))
    model = query.model  # type: ignore[attr-defined]
    # A name of punctuation alone has no key: it is like the same punctuation only (all
    # such names were alike: "+" looked like existing "-")
    same = model.name_key == key if key else model.name == name.strip()
    rows = list(query.where(same).limit(5))  # type: ignore[attr-defined]
    if on_duplicate == "create":
        return None
    if rows and on_duplicate == "use-existing":
        return rows[0]
    # use-existing takes a name with the same key only: a slip is asked about
    similar = not rows
    rows = rows or similar_rows(model, query, name, key)
    if not rows:
        return None
    raise NearDuplicate(kind, name, [
        Candidate(kind, r.id, r.name, getattr(r, "number", None)) for r in rows],
        renaming=renaming, similar=similar)


SIMILAR_SCAN = 10_000  # keys sharing half of one that are tested for a slip


def similar_rows(model: Any, query: Any, name: str, key: str) -> list[Any]:
    """Up to five rows of ``query`` whose names look like a slip for ``name`` (its start
    typed, or a letter or two off or two swapped: names_alike; ``key`` is its key). The
    rows tested are those of about its length that start with its first letter (a slip
    is rarely there), or end with the second half of its key (for one that is); a create
    is rare enough to scan for them. (Rows sharing the first or the second half missed
    a swap across the middle, "Bergstorm Värme AB", and a slip in each half.)"""
    if len(key) < TYPO_MIN:
        return []
    half = len(key) // 2
    length = fn.LENGTH(model.name_key)
    near = ((model.name_key.startswith(key[0]) | model.name_key.endswith(key[half:]))
            & length.between(len(key) - TYPO_EDITS, len(key) + TYPO_EDITS))
    if len(key) >= PREFIX_MIN:
        near |= model.name_key.startswith(key)
    # keys only (a scan of their index), then the names of those near enough
    keys = query.where(near).select(model.id, model.name_key).limit(SIMILAR_SCAN).tuples()
    alike = [row_id for row_id, other in keys if keys_alike(key, other)]
    rows = query.where(model.id.in_(alike)).order_by(model.name) if alike else []
    return [row for row in rows if names_alike(name, row.name)][:5]


def refuse_near_object(obj: ServiceObject, owner: Customer, site: Facility | None, *,
                       renaming: bool = False) -> None:
    """NearDuplicate if another object at the same place (facility, else the customer's
    objects without one) has a name like ``obj``'s."""
    key = name_key(obj.name) or obj.name.strip()  # punctuation alone: that punctuation
    near = [o for o in ServiceObject.select().where(
        (ServiceObject.customer == owner) & (ServiceObject.facility == site)
        & (ServiceObject.id != (obj.id or 0))) if (name_key(o.name) or o.name.strip()) == key][:5]
    if near:
        raise NearDuplicate("service object", obj.name, [
            Candidate("service object", o.id, o.name, o.serial_number or None) for o in near],
            renaming=renaming)


def refuse_serial_twin(obj: ServiceObject, owner: Customer) -> None:
    """A ValidationError if another of the owner's objects has ``obj``'s serial number."""
    twin = _serial_twin(owner, obj.serial_number)
    if twin is not None and twin.id != obj.id:
        raise ValidationError(f"{owner.name} already has a service object with serial "
                              f"number {obj.serial_number}: '{twin.name}'", "serial")


def _serial_twin(owner: Customer, serial: str) -> ServiceObject | None:
    """The owner's service object with ``serial`` in any case: NB-0001 and nb-0001 (or
    SN-Å1 and sn-å1) are one unit. SQLite's LOWER() folds only ASCII: other serials
    are compared in Python among the owner's objects that have one."""
    mine = ServiceObject.select().where((ServiceObject.customer == owner)
                                        & (ServiceObject.serial_number != ""))
    if serial.isascii():
        return mine.where(fn.LOWER(ServiceObject.serial_number) == serial.lower()).first()
    key = serial.casefold()
    return next((o for o in mine.iterator() if o.serial_number.casefold() == key), None)
