"""The users pane: a permission matrix, add user, deactivate/activate."""

from __future__ import annotations

from collections import deque

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from crm_tui.domain.errors import CrmError
from crm_tui.domain.permissions import Perm
from crm_tui.domain.records import UserInfo
from crm_tui.domain.text import printable
from crm_tui.services import users
from crm_tui.tui.screens.admin_common import AddUserDialog, AdminPane
from crm_tui.tui.widgets.perm_matrix import (
    ACTIVE_COL,
    ADMIN_COL,
    USER_COL,
    PermMatrix,
    column_title,
    legend,
)
from crm_tui.tui.work import call_service

VIEWS = frozenset({Perm.VIEW.value, Perm.VIEW_ASSIGNED.value})  # one or the other


class UsersPane(AdminPane):
    """Who may do what: toggles apply at once (services re-read users on every call)."""

    DEFAULT_CSS = """
    UsersPane { height: 1fr; }
    UsersPane PermMatrix { height: 1fr; }
    UsersPane #user-detail { height: auto; padding: 0 1; background: $boost; }
    UsersPane #perm-legend { height: auto; color: $text-muted; padding: 0 1; }
    """
    BINDINGS = [
        Binding("a,ctrl+n", "add_user", "Add user"),
        Binding("e", "edit_user", "Edit user", tooltip="Name, e-mail and phone"),
        Binding("x,ctrl+t", "toggle_user", "On/off user", tooltip="Deactivate or activate"),
    ]

    def __init__(self) -> None:
        super().__init__(id="users-pane")
        # a user's cell switched again while the last switch is being saved waits for
        # it: computed from the row before that was saved, two quick presses saved the
        # same value twice (and Enter Enter left View off)
        self._saving: set[str] = set()
        self._queued: dict[str, deque[str]] = {}

    def compose(self) -> ComposeResult:
        """The matrix, a line about the highlighted cell, the legend."""
        yield PermMatrix(id="perm-matrix")
        yield Static("", id="user-detail")
        yield Static(Text("Space/Enter switches a cell. " + legend()), id="perm-legend")

    @property
    def matrix(self) -> PermMatrix:
        """The permission matrix."""
        return self.query_one(PermMatrix)

    def reload(self) -> None:
        """Re-read the users."""
        call_service(self, users.list_users, self.actor, done=self.show, group="users-load")

    def show(self, rows: list[UserInfo]) -> None:
        """Fill the matrix."""
        self.matrix.show(rows)
        self._describe()
        self._legend()

    def on_resize(self) -> None:
        """The legend is needed only while the headers are short."""
        self.call_after_refresh(self._legend)

    def _legend(self) -> None:
        self.query_one("#perm-legend").display = self.matrix.header_layout.name == "short"

    def on_data_table_cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        """Say what the highlighted cell means."""
        self._describe()

    def _describe(self) -> None:
        user = self.matrix.current_user()
        detail = self.query_one("#user-detail", Static)
        if user is None:
            detail.update("No users yet: press a to add one.")
            return
        column = self.matrix.current_column()
        text = Text()
        text.append(printable(user.username), style="bold")
        for part in (user.display_name, user.email, user.phone):
            if part:
                text.append(" · " + printable(part))
        if not user.active:
            text.append(" · deactivated", style="bold red")
        text.append("\n")
        if column == USER_COL:
            text.append("Move right to a permission; e edits the name, e-mail and phone; "
                        "a adds a user, x deactivates.")
        elif column == ACTIVE_COL:
            text.append(f"Active: {'yes' if user.active else 'no'} (inactive users cannot "
                        "log in)")
        elif column == ADMIN_COL:
            text.append(f"Admin: {'yes' if user.is_admin else 'no'} (admins can do everything "
                        "and reach these settings)")
        elif user.is_admin and column not in user.perms:
            # its cell shows ✓ (it said "no (implied: …)" beside it)
            text.append(f"{column_title(column)}: yes, as an admin")
            text.append(" (admins can do everything; not given on its own)", style="dim")
        else:
            held = column in user.perms
            text.append(f"{column_title(column)}: {'yes' if held else 'no'}")
            if column in VIEWS:  # ticking one cleared the other without a word
                other = column_title(next(iter(VIEWS - {column})))
                text.append(f" (one or the other: ticking it clears {other})", style="dim")
        detail.update(text)

    def on_perm_matrix_toggled(self, event: PermMatrix.Toggled) -> None:
        """Switch one cell through the services; the row shows what was stored."""
        if event.column == USER_COL:
            self._describe()
            return
        self._switch(event.user.username, event.column)

    def _switch(self, username: str, column: str) -> None:
        """Switch a cell of the user's, from the row as last saved (see _saving)."""
        if username in self._saving:
            self._queued.setdefault(username, deque()).append(column)
            return
        user = next((u for u in self.matrix.users if u.username == username), None)
        if user is None:
            return
        self._saving.add(username)
        if column == ACTIVE_COL:
            call_service(self, users.set_active, self.actor, username, not user.active,
                         done=self._active_set, failed=lambda exc: self._failed(username, exc),
                         group="users-write", exclusive=False)
            return
        perms, is_admin = set(user.perms), user.is_admin
        if column == ADMIN_COL:
            is_admin = not is_admin
        else:
            perms ^= {column}
            if column in VIEWS and column in perms:  # one view replaces the other
                perms -= VIEWS - {column}
        call_service(self, users.set_perms, self.actor, username, sorted(perms),
                     is_admin=is_admin, done=self._changed,
                     failed=lambda exc: self._failed(username, exc),
                     group="users-write", exclusive=False)

    def _changed(self, user: UserInfo) -> None:
        self.matrix.replace(user)
        self._describe()
        if not user.is_admin and not VIEWS & set(user.perms):
            # View off after it replaced "View only assigned" left no way to see orders
            self.app.notify(f"{user.username} now sees no contact orders: give View or "
                            "View only assigned", severity="warning", markup=False,
                            timeout=6)
        self._saving.discard(user.username)
        waiting = self._queued.get(user.username)
        if waiting:
            self._switch(user.username, waiting.popleft())

    def _active_set(self, info: UserInfo) -> None:
        self.saved(f"{info.username} {'activated' if info.active else 'deactivated'}")
        self._changed(info)

    def _failed(self, username: str, exc: CrmError) -> None:
        """Refused: said, and the switches typed after it are not made."""
        self._saving.discard(username)
        self._queued.pop(username, None)
        self.app.notify(printable(str(exc)), title="Not saved", severity="error",
                        markup=False, timeout=8)

    def action_toggle_user(self) -> None:
        """Deactivate or activate the highlighted user."""
        user = self.matrix.current_user()
        if user is not None:
            self._switch(user.username, ACTIVE_COL)

    def action_add_user(self) -> None:
        """Ask for a new user's details; the service checks them."""

        def added(info: UserInfo | None) -> None:
            if info is None:
                return
            self.saved(f"Added user {info.username}: now tick their permissions")
            call_service(self, users.list_users, self.actor,
                         done=lambda rows: self._show_at(rows, info.username),
                         group="users-load")

        self.app.push_screen(AddUserDialog(), added)

    def action_edit_user(self) -> None:
        """Edit the highlighted user's name, e-mail and phone."""
        user = self.matrix.current_user()
        if user is None:
            return

        def edited(info: UserInfo | None) -> None:
            if info is not None:
                self.saved(f"Saved user {info.username}")
                self.matrix.replace(info)
                self._describe()

        self.app.push_screen(AddUserDialog(user), edited)

    def _show_at(self, rows: list[UserInfo], username: str) -> None:
        self.show(rows)
        names = [u.username for u in rows]
        if username in names:
            self.matrix.move_cursor(row=names.index(username), column=3, animate=False)
        self.matrix.focus()
