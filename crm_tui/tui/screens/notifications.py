"""Notifications: unread first (bold); open the order, mark one or all read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.events import ScreenResume
from textual.widget import AwaitMount, Widget
from textual.widgets import DataTable, Static

from crm_tui.domain.errors import CrmError
from crm_tui.domain.records import Actor, NotificationInfo
from crm_tui.domain.text import printable
from crm_tui.services import notifications
from crm_tui.services.timezone import to_local
from crm_tui.tui.screens.base import CrmScreen
from crm_tui.tui.widgets.order_table import Col, FittedTable, cell
from crm_tui.tui.work import call_service

EMPTY = ("No notifications yet.\n\nYou are notified here when someone assigns you an order "
         "or books you a contact.")


class NotificationTable(FittedTable):
    """When, order serial, text."""

    COLUMNS = (
        Col("when", "When", width=16),
        Col("serial", "Order", width=6),
        Col("text", "Notification", share=1, minimum=20),
    )


def load(actor: Actor) -> list[tuple[NotificationInfo, dt.datetime]]:
    """(In a worker) my notifications, read ones too, with their local time."""
    items = notifications.list_notifications(actor, include_read=True)
    return [(n, to_local(n.created_at)) for n in items]


def notification_cells(item: NotificationInfo, at: dt.datetime) -> list[Text]:
    """The cells of a notification; unread ones bold."""
    style = "" if item.read else "bold"
    return [cell(f"{at:%Y-%m-%d %H:%M}", style),
            cell(item.order_serial or "", style, right=True), cell(item.text, style)]


class NotificationsScreen(CrmScreen):
    """My notifications, newest unread first."""

    SECTION = "Notifications"
    AUTO_FOCUS = "NotificationTable"
    DEFAULT_CSS = """
    NotificationsScreen #notes-summary { height: 1; padding: 0 1; background: $boost; }
    NotificationsScreen #notes-state { height: auto; padding: 1 2; color: $text-muted; }
    NotificationsScreen #notes-state.error { color: $error; }
    NotificationsScreen #notes-detail { height: auto; max-height: 4; padding: 0 1;
        background: $boost; }
    """
    BINDINGS = [
        Binding("m", "mark_read", "Mark read"),
        Binding("a", "mark_all", "All read"),
        Binding("r,ctrl+r", "refresh", "Refresh", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[str, NotificationInfo] = {}
        self.loaded = False
        self._started = False

    def compose_body(self) -> Iterable[Widget]:
        """A summary line, the table and its empty/error state."""
        yield Static(id="notes-summary")
        yield NotificationTable(id="notifications")
        yield Static(Text("Loading notifications…"), id="notes-state")
        # the highlighted one in full: at 80 columns the text was cut, with no way to
        # read the rest but opening the order
        yield Static(id="notes-detail")

    @property
    def table(self) -> NotificationTable:
        """The notifications table."""
        return self.query_one(NotificationTable)

    def on_screen_resume(self, _event: ScreenResume) -> None:
        """Read the notifications whenever the screen is shown."""
        if self._started and not self.loaded:
            return  # the first read is on its way (a new mode's screen resumes twice)
        self._started = True
        self.reload()

    def refresh_data(self) -> None:
        """Someone changed the data (e.g. a new notification): read them again."""
        if self.loaded:
            self.reload()

    def reload(self, *, same_row: bool = False) -> None:
        """Read my notifications (read ones too); stay on the same one or the same row."""
        call_service(self, load, self.crm.actor,
                     done=lambda rows: self._loaded(rows, same_row), failed=self._failed,
                     group="notifications")

    def _loaded(self, rows: list[tuple[NotificationInfo, dt.datetime]],
                same_row: bool = False) -> None:
        items = [n for n, _at in rows]
        self.items = {str(n.id): n for n in items}
        current, row = self.table.key_at(), self.table.cursor_row
        self.table.put_rows((str(n.id), notification_cells(n, at)) for n, at in rows)
        if same_row and items:
            self.table.move_cursor(row=min(row, len(items) - 1), animate=False)
        elif current:
            self.table.select_key(current)
        self.loaded = True
        unread = sum(1 for n in items if not n.read)
        self.query_one("#notes-summary", Static).update(
            Text(f"{unread} unread · {len(items)} shown", style="bold" if unread else ""))
        state = self.query_one("#notes-state", Static)
        state.remove_class("error")
        state.display, self.table.display = not items, bool(items)
        state.update(Text(EMPTY))
        self._detail()

    @on(DataTable.RowHighlighted, "NotificationTable")
    def _highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._detail()

    def _detail(self) -> None:
        """The highlighted notification's whole text below the table."""
        detail = self.query_one("#notes-detail", Static)
        item = self.current()
        detail.display = item is not None
        if item is not None:
            detail.update(Text(printable(item.text)))

    def _failed(self, exc: CrmError) -> None:
        self.loaded = True
        state = self.query_one("#notes-state", Static)
        state.update(Text(f"Could not read notifications: {printable(str(exc))}"))
        state.add_class("error")
        state.display, self.table.display = True, False
        self.query_one("#notes-detail", Static).display = False

    def current(self) -> NotificationInfo | None:
        """The notification under the cursor."""
        key = self.table.key_at()
        return self.items.get(key) if key else None

    @on(DataTable.RowSelected, "NotificationTable")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> AwaitMount | None:
        """Open the notification's order and mark it read."""
        item = self.current()
        if item is None:
            return None
        if not item.read:
            self._mark(item.id)
        if item.order_serial is not None:
            # one no longer to be seen (unassigned, deleted) is said, not an empty form
            return self.crm.open_order(item.order_serial, missing_ok=True)
        self.notify(printable(item.text), markup=False)
        return None

    def action_mark_read(self) -> None:
        """Mark the highlighted notification read."""
        item = self.current()
        if item is not None and not item.read:
            self._mark(item.id)

    def action_mark_all(self) -> None:
        """Mark every notification read."""
        self._mark(None)

    def _mark(self, notification_id: int | None) -> None:
        call_service(self, notifications.mark_read, self.crm.actor, notification_id,
                     done=self._marked, group=f"mark-{notification_id}")

    def _marked(self, _count: int) -> None:
        self.crm.refresh_header()
        self.reload(same_row=True)

    def action_refresh(self) -> None:
        """Read the notifications again."""
        self.reload()
