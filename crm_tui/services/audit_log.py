"""Reading the audit trail (admins)."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from crm_tui.db.models import AuditEvent, BaseModel, Customer, Facility, ServiceObject, Status
from crm_tui.domain.errors import NotFound, ValidationError
from crm_tui.domain.records import Actor, AuditInfo
from crm_tui.services.base import AUDITED, fresh, reading, require_admin


def recent(actor: Actor, *, entity: str | None = None, entity_id: str | None = None,
           limit: int = 100) -> list[AuditInfo]:
    """The newest audit events, optionally of one kind of entity (one of AUDITED).

    Customers are stored by their internal id but named by their number, both in
    ``entity_id`` (a customer's number) and in each event's ``label``. An order's
    events store its customer, facility, service object and status by id; they come
    back named ("Berg AB (1135)"), a deleted one from its deletion's copy."""
    if entity and entity not in AUDITED:
        raise ValidationError(f"No audited entity '{entity}': one of {', '.join(AUDITED)}",
                              "entity")
    with reading():
        actor = fresh(actor)
        require_admin(actor, "read the audit trail")
        query = AuditEvent.select().order_by(AuditEvent.id.desc()).limit(limit)
        if entity:
            query = query.where(AuditEvent.entity == entity)
        if entity_id and entity == "customer":
            ids = _customer_ids(entity_id.strip())
            if not ids:
                raise NotFound(f"No customer number {entity_id}")
            query = query.where(AuditEvent.entity_id.in_(ids))
        elif entity_id:
            query = query.where(AuditEvent.entity_id == entity_id)
        events = list(query)
        numbers = _customer_numbers({e.entity_id for e in events if e.entity == "customer"})
        names = _link_names(events)
        return [AuditInfo(e.id, e.at, e.actor, e.action, e.entity, e.entity_id,
                          _named(e, e.before, names), _named(e, e.after, names),
                          _label(e, numbers)) for e in events]


LINKS: dict[str, type[BaseModel]] = {"customer": Customer, "facility": Facility,
                                      "service_object": ServiceObject, "status": Status}
"""An order snapshot's fields that hold another entity's id, and its model."""


def _snapshot(event: AuditEvent, raw: str) -> dict[str, Any] | None:
    """An order event's before or after as a dict (None: another kind, or not one)."""
    if event.entity != "order" or not raw:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _link_names(events: list[AuditEvent]) -> dict[tuple[str, int], str]:
    """How users name the entities the order events link to, by (field, id)."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for event in events:
        for raw in (event.before, event.after):
            for field, value in (_snapshot(event, raw) or {}).items():
                if field in LINKS and type(value) is int:
                    wanted[field].add(value)
    names: dict[tuple[str, int], str] = {}
    for field, ids in wanted.items():
        model = LINKS[field]
        for row in model.select().where(model.id.in_(sorted(ids))):
            names[field, row.id] = _name(row.__data__)
        gone = [str(i) for i in ids if (field, i) not in names]
        for deleted in (AuditEvent.select(AuditEvent.entity_id, AuditEvent.before)
                        .where((AuditEvent.entity == field) & AuditEvent.entity_id.in_(gone)
                               & (AuditEvent.action == f"{field}.delete"))):
            try:
                was = json.loads(deleted.before or "{}")
            except ValueError:
                continue
            if isinstance(was, dict) and was.get("name"):
                names[field, int(deleted.entity_id)] = f"{_name(was)}, deleted"
    return names


def _name(values: dict[str, Any]) -> str:
    """A register entry or status as users name it: a customer with its number."""
    number = values.get("number")
    return f"{values.get('name')} ({number})" if number else str(values.get("name"))


def _named(event: AuditEvent, raw: str, names: dict[tuple[str, int], str]) -> str:
    """``raw`` with an order event's linked ids as names (an unknown one: "#id")."""
    data = _snapshot(event, raw)
    if not data or not any(type(data.get(field)) is int for field in LINKS):
        return raw
    return json.dumps({key: (names.get((key, value), f"#{value}")
                             if key in LINKS and type(value) is int else value)
                       for key, value in data.items()}, ensure_ascii=False)


def _customer_ids(number: str) -> list[str]:
    """The ids (as the audit stores them) of the customer with this number, and of any
    that had it: deleted, or numbered otherwise since (found in the events' copies)."""
    live = [str(c.id) for c in Customer.select(Customer.id).where(Customer.number == number)]
    quoted = json.dumps({"number": number}, ensure_ascii=False)[1:-1]  # "number": "…"
    had = (AuditEvent.select(AuditEvent.entity_id).distinct()
           .where((AuditEvent.entity == "customer")
                  & (AuditEvent.before.contains(quoted) | AuditEvent.after.contains(quoted))))
    return sorted({*live, *(e.entity_id for e in had)})


def _customer_numbers(ids: set[str]) -> dict[str, str]:
    """Customers' numbers by their ids (as the audit stores them)."""
    wanted = [int(i) for i in ids if i.isdigit()]
    if not wanted:
        return {}
    return {str(c.id): c.number for c in Customer.select(Customer.id, Customer.number)
            .where(Customer.id.in_(wanted))}


def _label(event: AuditEvent, numbers: dict[str, str]) -> str:
    """A customer as "customer <number>" (a deleted one's from the event's snapshot);
    other kinds keep their ids (no label)."""
    if event.entity != "customer":
        return ""
    number = numbers.get(event.entity_id)
    if number is None:
        try:
            number = json.loads(event.before or event.after or "{}").get("number")
        except (ValueError, AttributeError):
            number = None
    return f"customer {number}" if number else ""
