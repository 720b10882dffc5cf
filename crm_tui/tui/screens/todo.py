"""The to-do panel: my open bookings as Overdue / Today / Upcoming."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.events import ScreenResume
from textual.widget import AwaitMount, Widget
from textual.widgets import DataTable, Static

from crm_tui.domain.errors import CrmError
from crm_tui.domain.permissions import Perm
from crm_tui.domain.records import BookingInfo, Todo, TodoItem
from crm_tui.domain.text import printable
from crm_tui.services import bookings, todo
from crm_tui.tui.screens.base import CrmScreen
from crm_tui.tui.screens.booking_dialog import BookingDialog
from crm_tui.tui.widgets.order_table import COMPLETED_STYLE, Col, FittedTable, cell
from crm_tui.tui.work import call_service, toast_error

GROUPS = (("overdue", "Overdue", "bold red"), ("today", "Today", "bold"),
          ("upcoming", "Upcoming", "bold"))
EMPTY = "Nothing to do — no open bookings.\n\nKeys: {keys}ctrl+p every command · F1 help"
SUGGESTED = (("n new contact order · ", Perm.CREATE), ("2 contact orders · ", None),
             ("3 search the registers · ", None))
"""The keys the empty to-do suggests, with the permission each needs (one who may not
make orders was offered n, and told no on pressing it)."""


class TodoTable(FittedTable):
    """Bookings under group header rows (the cursor skips the headers)."""

    COLUMNS = (
        Col("when", "When", width=16),
        Col("kind", "Kind", width=7),
        Col("serial", "No.", width=5),
        Col("subject", "Subject", share=45, minimum=10),
        Col("customer", "Customer", share=32, minimum=8),
        Col("status", "Status", share=23, minimum=6, drop=1),  # in the detail below
    )


def item_cells(item: TodoItem) -> list[Text]:
    """The cells of a booking; bookings of completed orders in dark blue."""
    style = COMPLETED_STYLE if item.completed else ""
    return [cell(f"{item.booking.at:%Y-%m-%d %H:%M}", style), cell(item.booking.kind, style),
            cell(item.order_serial, style, right=True), cell(item.subject, style),
            cell(item.customer, style), cell(item.status or "", style)]


class TodoScreen(CrmScreen):
    """My bookings: open the order, mark done, book the next contact."""

    SECTION = "To-do"
    AUTO_FOCUS = "TodoTable"
    DEFAULT_CSS = """
    TodoScreen #todo-summary { height: 1; padding: 0 1; background: $boost; }
    TodoScreen #todo-state { height: auto; padding: 1 2; color: $text-muted; }
    TodoScreen #todo-state.error { color: $error; }
    TodoScreen #todo-detail { height: 2; padding: 0 1; background: $boost;
        text-wrap: nowrap; text-overflow: ellipsis; }
    """
    BINDINGS = [
        Binding("d", "done", "Done"),
        Binding("b", "letter('book')", "Next booking", priority=True),
        Binding("u", "undo_done", "Undo done", show=False),
        Binding("n", "letter('new')", "New order", show=False, priority=True),
        Binding("r,ctrl+r", "refresh", "Refresh", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[str, TodoItem] = {}
        self.loaded = False
        self._started = False
        self._skip_resume = False
        self._last_row = 0
        self._done: list[BookingInfo] = []  # marked done here, the last one last (u)
        self._marking: set[int] = set()  # bookings marked done, on their way

    def compose_body(self) -> Iterable[Widget]:
        """A summary line, the bookings table and its empty/loading/error state."""
        yield Static(id="todo-summary")
        yield TodoTable(id="todo")
        yield Static(Text("Loading your bookings…"), id="todo-state")
        # the highlighted booking in full: at 60 columns its subject showed 9 letters
        # and its status one
        yield Static(id="todo-detail")

    @property
    def table(self) -> TodoTable:
        """The bookings table."""
        return self.query_one(TodoTable)

    def on_screen_resume(self, _event: ScreenResume) -> None:
        """Load on first show and whenever the user comes back (edits show)."""
        if self._started and not self.loaded:
            return  # the first read is on its way (a new mode's screen resumes twice)
        if self._skip_resume and self._started:
            self._skip_resume = False
            return
        self._started = True
        self.reload()

    def refresh_data(self) -> None:
        """Someone changed the data: read my bookings again."""
        if self.loaded:
            self.reload()

    def reload(self) -> None:
        """Read my bookings again."""
        call_service(self, todo.todo, self.crm.actor, now=self.crm.now(), done=self._loaded,
                     failed=self._failed, group="todo")

    def _loaded(self, result: Todo) -> None:
        current = self.table.key_at()
        row = self.table.cursor_row
        self.items = {}
        rows: list[tuple[str, list[Text]]] = []
        for name, title, style in GROUPS:
            group: tuple[TodoItem, ...] = getattr(result, name)
            if not group:
                continue
            rows.append((f"group:{name}", [Text(f"{title} ({len(group)})", style=style)]
                         + [Text("")] * 5))
            for item in group:
                key = f"b:{item.booking.id}"
                self.items[key] = item
                rows.append((key, item_cells(item)))
        self.table.put_rows(rows)
        if not (current and self.table.select_key(current)) and rows:
            self._last_row = -1
            self.table.move_cursor(row=min(max(row, 1), len(rows) - 1), animate=False)
            self._skip_header(self.table.cursor_row)
        self.loaded = True
        self._show_state(result)

    def _failed(self, exc: CrmError) -> None:
        self.loaded = True
        state = self.query_one("#todo-state", Static)
        state.update(Text(f"Could not read your bookings: {printable(str(exc))}"))
        state.add_class("error")
        state.display, self.table.display = True, False
        self.query_one("#todo-detail", Static).display = False

    def _show_state(self, result: Todo) -> None:
        counts = (len(result.overdue), len(result.today), len(result.upcoming))
        summary = Text()
        summary.append(f"{counts[0]} overdue", style="bold red" if counts[0] else "")
        summary.append(f" · {counts[1]} today · {counts[2]} upcoming")
        if result.more_upcoming:  # (it said 200, and the rest could not be reached)
            summary.append(" (the next ones; more later)", style="dim")
        self.query_one("#todo-summary", Static).update(summary)
        state = self.query_one("#todo-state", Static)
        state.remove_class("error")
        empty = not self.items
        state.display, self.table.display = empty, not empty
        if empty:
            actor = self.crm.actor
            state.update(Text(EMPTY.format(keys="".join(
                key for key, needed in SUGGESTED if needed is None or actor.has(needed)))))
        self._detail()
        self.refresh_bindings()  # Done and Next booking only with a booking to act on

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Done and Next booking are offered only when there is a booking."""
        if action == "done" or (action == "letter" and parameters == ("book",)):
            return bool(self.items)
        return True

    @on(DataTable.RowHighlighted, "TodoTable")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row != self.table.cursor_row:
            # an older highlight: the table's clear() before a reload (anyone's change,
            # a resize) highlights row 0 after the cursor went back to its booking, and
            # skipping that header took the cursor to the first booking: d then marked
            # a booking the user never chose done
            return
        self._skip_header(event.cursor_row)
        self._detail()

    def _detail(self) -> None:
        """The highlighted booking in full below the table, with its note."""
        detail = self.query_one("#todo-detail", Static)
        item = self.current()
        detail.display = item is not None and self.table.display
        if item is not None:
            # two lines, each cut with "…" where it runs out: the booking and its order;
            # who and where, and its note (wrapped, a long subject hid the note, and the
            # rows above moved as the line grew and shrank)
            booking = item.booking
            detail.update(Text(printable(
                f"{booking.at:%a %Y-%m-%d %H:%M} {booking.kind} · order "
                f"{item.order_serial}: {item.subject}") + "\n" + printable(" · ".join(
                    part for part in (item.customer, item.status,
                                      " ".join(booking.note.split())) if part))))

    def _skip_header(self, row: int) -> None:
        key = self.table.key_at(row)
        down = row >= self._last_row
        self._last_row = row
        if key is None or not key.startswith("group:"):
            return
        target = row + 1 if down or row == 0 else row - 1
        if self.table.key_at(target) is not None:
            self.table.move_cursor(row=target, animate=False)

    def current(self) -> TodoItem | None:
        """The booking under the cursor."""
        key = self.table.key_at()
        return self.items.get(key) if key else None

    @on(DataTable.RowSelected, "TodoTable")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> AwaitMount | None:
        """Open the booking's contact order."""
        item = self.current()
        return self.crm.open_order(item.order_serial) if item is not None else None

    def action_done(self) -> None:
        """Mark the highlighted booking done and go on to the next one at once, so "d d"
        marks two (the second marked the first again, still under the cursor)."""
        item = self.current()
        if item is None:
            self.notify("Choose a booking first", severity="warning")
            return
        booking_id = item.booking.id
        self._marking.add(booking_id)
        self._go_past_marked()

        def failed(exc: CrmError) -> None:
            self._marking.discard(booking_id)
            toast_error(self)(exc)
            self.reload()

        call_service(self, bookings.set_done, self.crm.actor, booking_id,
                     done=self._marked, failed=failed, group="todo-done", exclusive=False)

    def _go_past_marked(self) -> None:
        """The cursor to the next booking not being marked done (else the one before)."""
        keys = self.table.keys()
        row = self.table.cursor_row
        open_rows = [i for i, key in enumerate(keys) if key in self.items
                     and self.items[key].booking.id not in self._marking]
        target = next((i for i in open_rows if i > row), open_rows[-1] if open_rows else None)
        if target is not None:
            self._last_row = target
            self.table.move_cursor(row=target, animate=False)

    def _marked(self, info: BookingInfo) -> None:
        self._marking.discard(info.id)
        if info.done:
            self._done.append(info)
            self.notify(f"Done: {info.kind} for order {info.order_serial} · u to undo",
                        markup=False)
        self.reload()

    def action_undo_done(self) -> None:
        """Re-open the booking last marked done here; again, the one before it ("d d"
        and "u u" re-opened only the second, and the second u said nothing)."""
        if not self._done:
            self.notify("Nothing to undo: no booking was marked done here",
                        severity="warning")
            return
        booking = self._done.pop()
        call_service(self, bookings.set_done, self.crm.actor, booking.id, False,
                     done=self._marked, group="todo-done", exclusive=False)

    def action_book(self) -> AwaitMount | None:
        """Book the next contact for the highlighted booking's order."""
        item = self.current()
        if item is None:
            self.notify("Choose a booking first", severity="warning")
            return None
        self._skip_resume = True
        # a booking due already (overdue, or earlier today): the next one follows it
        now = self.crm.now().replace(tzinfo=None)  # local, as the booking's time
        due = item.booking if item.booking.at.replace(tzinfo=None) <= now else None
        return self.app.push_screen(BookingDialog(item.order_serial, follows=due),
                                    self._booked)

    def _booked(self, info: BookingInfo | None) -> None:
        if info is not None:
            self.notify(f"Booked: {info.kind} on {info.at:%Y-%m-%d %H:%M} for order "
                        f"{info.order_serial}", markup=False)
            self.reload()

    def action_new(self) -> AwaitMount:
        """Start a new contact order."""
        return self.crm.open_order(None)

    def action_refresh(self) -> None:
        """Read my bookings again."""
        self.reload()
