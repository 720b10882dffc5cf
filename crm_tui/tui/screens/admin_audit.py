"""The audit pane: the newest changes, read-only, in the organisation's time zone."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable

from rich.text import Text
from textual.widget import Widget
from textual.widgets import DataTable, Static

from crm_tui.domain.records import Actor, AuditInfo
from crm_tui.domain.text import printable
from crm_tui.services import audit_log, timezone
from crm_tui.tui.screens.admin_common import AdminPane
from crm_tui.tui.widgets.order_table import Col, FittedTable, cell
from crm_tui.tui.work import call_service

AUDIT_LIMIT = 50


def recent_events(actor: Actor) -> list[AuditInfo]:
    """The newest events (admins only, says the service) with local times."""
    events = audit_log.recent(actor, limit=AUDIT_LIMIT)
    zone = timezone.zone()
    return [dataclasses.replace(e, at=e.at.replace(tzinfo=dt.UTC).astimezone(zone))
            for e in events]


def _load(raw: str) -> dict[str, object]:
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {"": raw}
    return data if isinstance(data, dict) else {"": data}


NONE = "(none)"


def summary(event: AuditInfo) -> str:
    """What changed, short: 'name: Won → Sold' or the new values."""
    before, after = _load(event.before), _load(event.after)
    parts = []
    for key in dict.fromkeys([*before, *after]):
        # a value cleared reads "(none)", not Python's "None" (QA21 L7)
        old, new = (NONE if v is None else v for v in (before.get(key), after.get(key)))
        if key in before and key in after:
            if old != new:
                parts.append(f"{key}: {old} → {new}")
        elif key in after:
            parts.append(f"{key}: {new}")
        else:
            parts.append(f"{key}: {old} → (gone)")
    if not parts:  # same before and after, e.g. a secret replaced by a secret
        parts = [f"{key}: {NONE if value is None else value}" for key, value in after.items()]
    return "; ".join(parts)


class AuditTable(FittedTable):
    """Audit events: who, what and which entity share the width with the change (at
    120 columns the action was cut at 13, "booking.undon")."""

    COLUMNS = (
        Col("at", "When", width=11),
        Col("who", "Who", share=12, minimum=8),
        Col("what", "What", share=18, minimum=14),
        Col("entity", "Entity", share=18, minimum=13),
        Col("change", "Change", share=52, minimum=10),
    )


class AuditPane(AdminPane):
    """The newest audit events; the highlighted one in full below the table."""

    DEFAULT_CSS = """
    AuditPane { height: 1fr; }
    AuditPane DataTable { height: 1fr; overflow-x: hidden; }
    AuditPane #audit-detail { height: auto; max-height: 4; padding: 0 1; background: $boost; }
    """

    def __init__(self) -> None:
        super().__init__(id="audit-pane")
        self.events: list[AuditInfo] = []

    def compose(self) -> Iterable[Widget]:
        """The event table, its empty state, the detail line."""
        yield AuditTable(id="audit-table")
        yield Static("", id="audit-empty", classes="empty-state")
        yield Static("", id="audit-detail")

    def reload(self) -> None:
        """Re-read the newest events."""
        call_service(self, recent_events, self.actor, done=self.show, group="audit-load")

    def show(self, events: list[AuditInfo]) -> None:
        """Fill the table, newest first."""
        self.events = list(events)
        self.query_one(AuditTable).put_rows((
            (str(event.id), [cell(event.at.strftime("%m-%d %H:%M")),
                             cell(event.actor or "system"), cell(event.action),
                             cell(event.subject),
                             cell(summary(event)[:200], "dim")]) for event in self.events),
            keep=True)
        empty = self.query_one("#audit-empty", Static)
        empty.update(f"No changes recorded yet. The newest {AUDIT_LIMIT} show here.")
        empty.display = not self.events
        self._detail()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Show the highlighted event in full."""
        self._detail()

    def _detail(self) -> None:
        detail = self.query_one("#audit-detail", Static)
        table = self.query_one(DataTable)
        if not self.events:
            detail.display = False
            return
        event = self.events[min(table.cursor_row, len(self.events) - 1)]
        detail.display = True
        detail.update(Text(printable(
            f"{event.at:%Y-%m-%d %H:%M} {event.actor or 'system'} {event.action} "
            f"{event.subject}: {summary(event) or '(no details)'}")))
