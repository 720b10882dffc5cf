"""Reading the audit trail (admins)."""

from __future__ import annotations

from crm_tui.db.models import AuditEvent
from crm_tui.domain.errors import ValidationError
from crm_tui.domain.records import Actor, AuditInfo
from crm_tui.services.base import AUDITED, fresh, reading, require_admin


def recent(actor: Actor, *, entity: str | None = None, entity_id: str | None = None,
           limit: int = 100) -> list[AuditInfo]:
    """The newest audit events, optionally of one kind of entity (one of AUDITED)."""
    if entity and entity not in AUDITED:
        raise ValidationError(f"No audited entity '{entity}': one of {', '.join(AUDITED)}",
                              "entity")
    with reading():
        actor = fresh(actor)
        require_admin(actor, "read the audit trail")
        query = AuditEvent.select().order_by(AuditEvent.id.desc()).limit(limit)
        if entity:
            query = query.where(AuditEvent.entity == entity)
        if entity_id:
            query = query.where(AuditEvent.entity_id == entity_id)
        return [AuditInfo(e.id, e.at, e.actor, e.action, e.entity, e.entity_id, e.before,
                          e.after) for e in query]
