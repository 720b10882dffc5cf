"""The status list pane: add, rename, reorder, deactivate, delete unused statuses."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Label, Static

from crm_tui.domain.errors import CrmError
from crm_tui.domain.records import StatusInfo
from crm_tui.domain.text import printable
from crm_tui.services import statuses
from crm_tui.tui.screens.admin_common import AdminPane, PromptDialog
from crm_tui.tui.screens.dialogs import ConfirmDialog
from crm_tui.tui.work import call_service


class StatusTable(DataTable[Text]):
    """The ordered statuses, one row each; Home and End go to the first and the last
    (a DataTable's own go to the first and last column)."""

    BINDINGS = [
        Binding("home", "scroll_top", "First", show=False),
        Binding("end", "scroll_bottom", "Last", show=False),
    ]


def _add_columns(table: DataTable[Text]) -> None:
    table.add_column("#", key="pos", width=3)
    table.add_column("Status", key="name")
    table.add_column("Active", key="active", width=6)
    table.add_column("Orders", key="used", width=6)


class StatusesPane(AdminPane):
    """The admin's ordered status list; statuses in use are never lost."""

    DEFAULT_CSS = """
    StatusesPane { height: 1fr; }
    StatusesPane StatusTable { height: 1fr; }
    StatusesPane #status-new-row { height: 1; }
    StatusesPane #status-new { width: 1fr; }
    StatusesPane .pane-hint { color: $text-muted; height: auto; }
    """
    BINDINGS = [
        Binding("n,ctrl+n", "focus_new", "New", tooltip="Type a new status name"),
        Binding("r,ctrl+r", "rename", "Rename"),
        Binding("left_square_bracket,ctrl+up", "move(-1)", "Up", tooltip="Move the status up"),
        Binding("right_square_bracket,ctrl+down", "move(1)", "Down",
                tooltip="Move the status down"),
        Binding("space,ctrl+t", "toggle_active", "On/off",
                tooltip="Deactivate or activate the status"),
        Binding("delete,ctrl+d", "delete", "Delete", tooltip="Delete an unused status"),
        Binding("escape", "focus_table", "Back to the list", show=False),
        # within the key press: "n Alpha Enter n Beta Enter" typed at once made "Alpha"
        # and "AlphanBeta" (the field kept the focus and its text while it was added)
        Binding("enter", "add_new", show=False, priority=True),
    ]

    def __init__(self) -> None:
        super().__init__(id="statuses-pane")
        self.rows: list[StatusInfo] = []

    def compose(self) -> ComposeResult:
        """The table, the new-status input, a hint."""
        table = StatusTable(cursor_type="row", zebra_stripes=True, id="status-table")
        _add_columns(table)
        yield table
        yield Static("", id="status-empty", classes="empty-state")
        with Horizontal(id="status-new-row"):
            yield Label("New status ")
            # no max_length: it stopped typing (and cut a paste) without a word; the
            # service names the limit
            yield Input(placeholder="type a name, Enter adds it at the end", id="status-new",
                        compact=True)
        yield Static("Deactivated statuses stay on their orders but are not offered for "
                     "new ones. Only unused statuses can be deleted.", classes="pane-hint")

    def on_mount(self) -> None:
        """Empty until loaded."""
        self.query_one("#status-empty").display = False

    @property
    def table(self) -> StatusTable:
        """The status table."""
        return self.query_one(StatusTable)

    def current(self) -> StatusInfo | None:
        """The status under the cursor."""
        if not self.rows:
            return None
        return self.rows[min(self.table.cursor_row, len(self.rows) - 1)]

    def reload(self, keep: str | None = None) -> None:
        """Re-read the list; keep the cursor on the status named ``keep``."""
        call_service(self, statuses.list_statuses,
                     done=lambda rows: self.show(rows, keep), group="statuses-load")

    def show(self, rows: list[StatusInfo], keep: str | None = None) -> None:
        """Fill the table, keeping the cursor on ``keep`` (or where it was)."""
        table = self.table
        keep = keep or (self.current().name if self.current() else None)
        self.rows = list(rows)
        # The columns too: a long name deleted left the name column as wide as it was,
        # pushing Active and Orders off an 80-column screen.
        table.clear(columns=True)
        _add_columns(table)
        cursor = 0
        for index, info in enumerate(self.rows):
            style = "" if info.active else "dim italic"
            table.add_row(Text(str(index + 1), style=style),
                          Text(printable(info.name), style=style),
                          Text("yes" if info.active else "no", style=style),
                          Text(str(info.in_use), style=style), key=str(info.id))
            if keep is not None and info.name.casefold() == keep.casefold():
                cursor = index
        if self.rows:
            table.move_cursor(row=cursor, animate=False)
        empty = self.query_one("#status-empty", Static)
        empty.display = not self.rows
        empty.update("No statuses yet: type a name below and press Enter to add the first.")

    # Actions ----------------------------------------------------------------

    def action_focus_new(self) -> None:
        """Put the cursor in the new-status input."""
        # at once: "n" and a name typed on lost the name's first letter to the list
        self.screen.set_focus(self.query_one("#status-new", Input))

    def action_focus_table(self) -> None:
        """Leave the input for the list."""
        self.screen.set_focus(self.table)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Enter adds from the new-status field only."""
        if action == "add_new":
            return self.query_one("#status-new", Input).has_focus
        return True

    def action_add_new(self) -> None:
        """Add the typed status at the end of the list; the field is emptied and the
        list has the focus at once, as after any add (n starts the next one)."""
        field = self.query_one("#status-new", Input)
        name = field.value.strip()
        if not name:
            # the focus stays here: on the list, the letters typed next were its keys
            # (space deactivated a status, r renamed it)
            self.app.notify("Type a name for the new status, then Enter (Esc: back to "
                            "the list)", severity="warning", timeout=4)
            return
        field.value = ""
        self.screen.set_focus(self.table)

        def added(info: StatusInfo) -> None:
            self.saved(f"Added status '{info.name}'")
            self.reload(keep=info.name)

        def refused(exc: CrmError) -> None:  # the name back, to be fixed
            field.value = name
            self.screen.set_focus(field)
            self.app.notify(printable(str(exc)), title="Not added", severity="error",
                            markup=False, timeout=8)

        call_service(self, statuses.add_status, self.actor, name, done=added,
                     failed=refused, group="statuses-write", exclusive=False)

    def action_rename(self) -> None:
        """Ask for a new name for the highlighted status."""
        info = self.current()
        if info is None:
            return

        def ask(value: str, error: str = "") -> None:
            self.app.push_screen(PromptDialog(f"Rename status '{info.name}'", value,
                                              error=error), answered)

        def answered(new: str | None) -> None:
            if new is None or new.strip() == info.name:  # an empty name: refused, said why
                return
            # refused (a name taken): asked again with what was typed and why (the
            # dialog had closed, dropping the text, with only a toast saying why)
            call_service(self, statuses.rename_status, self.actor, info.name, new,
                         done=lambda renamed: self._renamed(info.name, renamed),
                         failed=lambda exc: ask(new, str(exc)),
                         group="statuses-write", exclusive=False)

        ask(info.name)

    def _renamed(self, old: str, info: StatusInfo) -> None:
        self.saved(f"Renamed '{old}' to '{info.name}'")
        self.reload(keep=info.name)

    def action_move(self, step: int) -> None:
        """Move the highlighted status one place up (-1) or down (+1)."""
        info = self.current()
        if info is None:
            return
        target = self.rows.index(info) + 1 + step
        if not 1 <= target <= len(self.rows):
            return
        call_service(self, statuses.move_status, self.actor, info.name, target,
                     done=lambda rows: self.show(rows, keep=info.name),
                     group="statuses-write", exclusive=False)

    def action_toggle_active(self) -> None:
        """Deactivate an active status or activate a deactivated one."""
        info = self.current()
        if info is None:
            return

        def toggled(new: StatusInfo) -> None:
            self.saved(f"Status '{new.name}' {'activated' if new.active else 'deactivated'}")
            self.reload(keep=new.name)

        call_service(self, statuses.set_status_active, self.actor, info.name, not info.active,
                     done=toggled, group="statuses-write", exclusive=False)

    def action_delete(self) -> None:
        """Delete the highlighted status if no order uses it (the service decides)."""
        info = self.current()
        if info is None:
            return

        # the cursor goes on to the next status (it went to the first, and a second
        # Delete was aimed at "New lead")
        names = [row.name for row in self.rows]
        at = names.index(info.name) if info.name in names else 0
        neighbours = names[at + 1:at + 2] or names[max(at - 1, 0):at]

        def deleted(_: None) -> None:
            self.saved(f"Deleted status '{info.name}'")
            self.reload(keep=neighbours[0] if neighbours else None)

        def delete() -> None:
            call_service(self, statuses.delete_status, self.actor, info.name, done=deleted,
                         group="statuses-write", exclusive=False)

        if info.in_use:
            delete()  # refused by the service with its own message
            return
        # the app's one question: No has the focus, so an Enter typed ahead keeps it
        self.app.push_screen(ConfirmDialog(f"Delete the unused status '{info.name}'?",
                                           title="Delete status", yes="Delete"),
                             lambda yes: delete() if yes else None)
