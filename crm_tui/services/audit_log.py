"""Reading the audit trail (admins)."""

from __future__ import annotations

import json

from crm_tui.db.models import AuditEvent, Customer
from crm_tui.domain.errors import NotFound, ValidationError
from crm_tui.domain.records import Actor, AuditInfo
from crm_tui.services.base import AUDITED, fresh, reading, require_admin


def recent(actor: Actor, *, entity: str | None = None, entity_id: str | None = None,
           limit: int = 100) -> list[AuditInfo]:
    """The newest audit events, optionally of one kind of entity (one of AUDITED).

    Customers are stored by their internal id but named by their number, both in
    ``entity_id`` (a customer's number) and in each event's ``label``."""
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
        return [AuditInfo(e.id, e.at, e.actor, e.action, e.entity, e.entity_id, e.before,
                          e.after, _label(e, numbers)) for e in events]


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
