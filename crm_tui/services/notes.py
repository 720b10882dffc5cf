"""Notes: append-only, each with author and time; the past is never rewritten."""

from __future__ import annotations

from crm_tui.db.models import ContactOrder, Note
from crm_tui.domain.errors import PermissionDenied
from crm_tui.domain.permissions import Perm
from crm_tui.domain.records import Actor, NoteInfo
from crm_tui.services import validate
from crm_tui.services.base import audit, fresh, writing
from crm_tui.services.timezone import to_local
from crm_tui.services.visibility import is_involved, visible_order


def require_order_work(actor: Actor, order: ContactOrder, action: str) -> None:
    """Notes and bookings: 'edit' holders, or the order's assignees (booking ones too)."""
    if actor.has(Perm.EDIT) or is_involved(actor, order):
        return
    raise PermissionDenied(
        f"{actor.username} may not {action}: needs the 'edit' permission or to be assigned")


def note_body(text: str) -> str:
    """A note's text, checked (line breaks kept, Windows ones made plain)."""
    return validate.text(text.replace("\r\n", "\n"), "note", required=True,
                         max_len=validate.MAX_NOTE, lines=True)


def append(actor: Actor, order: ContactOrder, body: str) -> NoteInfo:
    """Append a checked note to an order, inside the caller's unit of work."""
    require_order_work(actor, order, "add notes")
    note = Note.create(order=order, author=actor.id, body=body)
    audit(actor, "note.add", "order", order.serial, None, {"note": note.id,
                                                           "text": body[:200]})
    return NoteInfo(note.id, to_local(note.created_at), actor.username, actor.label, body)


def add_note(actor: Actor, serial: int, text: str) -> NoteInfo:
    """Append a note to an order."""
    body = note_body(text)
    with writing():
        actor = fresh(actor)
        return append(actor, visible_order(actor, serial), body)
