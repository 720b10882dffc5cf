"""Users × permissions as a table of on/off cells; space or Enter toggles one."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from crm_tui.domain.permissions import ALL_PERMS, PERM_LABELS
from crm_tui.domain.records import UserInfo
from crm_tui.domain.text import printable

SHORT_LABELS: dict[str, str] = {
    "view": "View", "view-assigned": "Only", "edit": "Edit", "create": "New",
    "delete": "Del", "assign": "Asgn", "assign-self": "Self", "delete-files": "Files",
}
"""Column headers at 80 columns; the legend and the status line give the full names."""

WRAPPED_LABELS: dict[str, str] = {
    "view-assigned": "View only\nassigned", "assign-self": "Assign\nitself",
    "delete-files": "Delete\nuploaded files",
}
"""The full labels over two header lines (for mid-size terminals)."""

USER_COL, ACTIVE_COL, ADMIN_COL = "user", "active", "admin"
COLUMNS: tuple[str, ...] = (USER_COL, ACTIVE_COL, ADMIN_COL, *ALL_PERMS)
YES = Text("✓", style="bold green")
NO = Text("·", style="dim")
IMPLIED = Text("✓", style="dim green")


def column_title(column: str) -> str:
    """The full name of a matrix column."""
    names = {USER_COL: "User", ACTIVE_COL: "Active", ADMIN_COL: "Admin"}
    return names.get(column) or PERM_LABELS[column]


def legend() -> str:
    """What the short column headers mean."""
    return " · ".join(f"{SHORT_LABELS[p]} = {PERM_LABELS[p]}" for p in ALL_PERMS
                      if SHORT_LABELS[p] != PERM_LABELS[p])


@dataclass(frozen=True)
class Layout:
    """How wide the headers are: 'short', 'wrapped' (two lines) or 'full'."""

    name: str
    user_width: int


def layout_for(width: int) -> Layout:
    """The widest header style that fits ``width`` columns."""
    if width >= 150:
        return Layout("full", 22)
    if width >= 112:
        return Layout("wrapped", 22)
    return Layout("short", 14)


class PermMatrix(DataTable[Text]):
    """Rows are users, columns are active, admin and the eight permissions."""

    BINDINGS = [
        Binding("space,enter", "toggle", "Toggle", tooltip="Switch the highlighted cell"),
    ]

    class Toggled(Message):
        """The admin asked to switch one cell."""

        def __init__(self, user: UserInfo, column: str) -> None:
            super().__init__()
            self.user = user
            self.column = column

    def __init__(self, *, id: str | None = None) -> None:
        # the user column stays as the cells scroll sideways (at 60 columns the names
        # went off the screen on the right-hand permissions)
        super().__init__(cursor_type="cell", zebra_stripes=True, id=id, fixed_columns=1)
        self.users: list[UserInfo] = []
        self.header_layout = Layout("", 0)

    def on_resize(self, event: events.Resize) -> None:
        """Pick the header style that fits the new width."""
        if layout_for(event.size.width).name != self.header_layout.name:
            self.show(self.users)

    def _build_columns(self) -> None:
        self.header_layout = layout_for(self.size.width or 80)
        self.clear(columns=True)
        self.header_height = 2 if self.header_layout.name == "wrapped" else 1
        self.add_column("User", key=USER_COL, width=self.header_layout.user_width)
        self.add_column("On" if self.header_layout.name == "short" else "Active", key=ACTIVE_COL)
        self.add_column("Admin", key=ADMIN_COL)
        for perm in ALL_PERMS:
            if self.header_layout.name == "short":
                label = SHORT_LABELS[perm]
            elif self.header_layout.name == "wrapped":
                label = WRAPPED_LABELS.get(perm, PERM_LABELS[perm])
            else:
                label = PERM_LABELS[perm]
            self.add_column(Text(label, justify="center"), key=perm)

    def cells(self, user: UserInfo) -> list[Text]:
        """One row: name, active, admin, then a mark per permission."""
        style = "" if user.active else "dim strike"
        cells = [Text(printable(user.username), style=style),
                 YES if user.active else Text("no", style="bold red"),
                 YES if user.is_admin else NO]
        for perm in ALL_PERMS:
            if perm in user.perms:
                cells.append(YES)
            else:
                cells.append(IMPLIED if user.is_admin else NO)
        return cells

    def show(self, users: list[UserInfo]) -> None:
        """Fill the matrix, keeping the cursor where it was."""
        where = self.cursor_coordinate
        self.users = list(users)
        self._build_columns()
        for user in self.users:
            self.add_row(*self.cells(user), key=user.username)
        if self.users:
            self.move_cursor(row=min(where.row, len(self.users) - 1), column=where.column,
                             animate=False)

    def replace(self, user: UserInfo) -> None:
        """Update one user's row after a change."""
        for index, old in enumerate(self.users):
            if old.username == user.username:
                self.users[index] = user
                for column, cell in zip(COLUMNS, self.cells(user), strict=True):
                    self.update_cell(user.username, column, cell)
                return

    def current_user(self) -> UserInfo | None:
        """The user on the cursor's row."""
        if not self.users:
            return None
        return self.users[min(self.cursor_row, len(self.users) - 1)]

    def current_column(self) -> str:
        """The key of the column under the cursor."""
        return COLUMNS[min(self.cursor_column, len(COLUMNS) - 1)]

    def action_toggle(self) -> None:
        """Ask to switch the highlighted cell."""
        user = self.current_user()
        if user is not None:
            self.post_message(self.Toggled(user, self.current_column()))
