"""Admin settings: statuses, list mode, channels, users and permissions, outbox, audit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from crm_tui.domain.errors import CrmError, PermissionDenied
from crm_tui.domain.records import Actor, AuditInfo, StatusInfo, UserInfo
from crm_tui.domain.text import printable
from crm_tui.services import settings, statuses, users
from crm_tui.tui.screens.admin_audit import AuditPane, recent_events
from crm_tui.tui.screens.admin_outbox import OutboxPane
from crm_tui.tui.screens.admin_settings import ChannelsPane, ListModePane, SettingsPane
from crm_tui.tui.screens.admin_statuses import StatusesPane
from crm_tui.tui.screens.admin_users import UsersPane
from crm_tui.tui.screens.base import CrmScreen
from crm_tui.tui.work import call_service

TABS: tuple[tuple[str, str], ...] = (
    ("tab-statuses", "Statuses"), ("tab-list", "List mode"), ("tab-channels", "Channels"),
    ("tab-users", "Users"), ("tab-outbox", "Outbox"), ("tab-audit", "Audit"),
)
PALETTE_TITLES: dict[str, str] = {
    "tab-statuses": "Statuses (the status list)",
    "tab-list": "List mode (how the order list sorts)",
    "tab-channels": "Channels (e-mail and SMS notifications)",
    "tab-users": "Users and permissions",
    "tab-outbox": "Outbox (e-mail and SMS sent, failed, retried)",
    "tab-audit": "Audit trail (who changed what)",
}
"""The tabs as the palette offers them from any screen (the words an admin would type:
"permissions", "sms")."""


@dataclass(frozen=True)
class AdminData:
    """Everything the admin screen shows, read in one go."""

    audit: list[AuditInfo]
    statuses: list[StatusInfo]
    settings: dict[str, Any]
    users: list[UserInfo]


def load_admin_data(actor: Actor) -> AdminData:
    """Read the screen's data; the services refuse non-admins."""
    values = settings.for_admin(actor)
    audit = recent_events(actor)
    return AdminData(audit=audit, statuses=statuses.list_statuses(), settings=values,
                     users=users.list_users(actor))


class AdminScreen(CrmScreen):
    """Admin settings in tabs; every read and write is checked by the services."""

    SECTION = "Admin settings"
    DEFAULT_CSS = """
    AdminScreen TabbedContent { height: 1fr; }
    AdminScreen TabPane { padding: 0; height: 1fr; }
    AdminScreen #admin-state { padding: 1 2; height: auto; }
    """
    BINDINGS = [
        Binding("f8", "switch_tab(1)", "Next tab", tooltip="Next settings tab (f7: previous)"),
        Binding("f7", "switch_tab(-1)", "Previous tab", show=False),
        # priority: from a text field too (alt+digit is no character: see alt_digits)
        *(Binding(f"alt+{number}", f"show_tab('{tab_id}')",
                  f"{title} tab", show=False, priority=True)
          for number, (tab_id, title) in enumerate(TABS, start=1)),
    ]

    _wanted_tab: str | None = None

    def show_tab_when_loaded(self, tab_id: str) -> None:
        """Open a tab now, or once the settings have been read (the palette's "Admin
        settings: Users and permissions" from another section)."""
        tabs = self.query("#admin-tabs")  # none yet: the screen's first showing
        if tabs and tabs.first().display:
            self.action_show_tab(tab_id)
        else:
            self._wanted_tab = tab_id

    def compose_body(self) -> Iterable[Widget]:
        """The tabs (hidden until the services let us in) and a state line."""
        yield Static(Text("Loading admin settings…"), id="admin-state")
        tabs = TabbedContent(id="admin-tabs")
        tabs.display = False
        with tabs:  # the compose context adds it to the screen
            with TabPane("Statuses", id="tab-statuses"):
                yield StatusesPane()
            with TabPane("List mode", id="tab-list"):
                yield ListModePane(id="list-pane")
            with TabPane("Channels", id="tab-channels"):
                yield ChannelsPane(id="channels-pane")
            with TabPane("Users", id="tab-users"):
                yield UsersPane()
            with TabPane("Outbox", id="tab-outbox"):
                yield OutboxPane()
            with TabPane("Audit", id="tab-audit"):
                yield AuditPane()

    def on_screen_resume(self) -> None:
        """(Re)load everything each time the section is shown."""
        self.refresh_data()

    def refresh_data(self) -> None:
        """Re-read everything (the app calls this when someone changed the database),
        the outbox too when its tab is open: a worker's sends and failures showed only
        once another tab was chosen and this one again."""
        call_service(self, load_admin_data, self.crm.actor, done=self._loaded,
                     failed=self._refused, group="admin-load")
        tabs = self.query("#admin-tabs")
        if tabs and tabs.first().display and self.query_one(
                TabbedContent).active == "tab-outbox":
            self.query_one(OutboxPane).reload()

    def unsaved(self) -> list[str]:
        """Settings typed but not saved (Enter or ctrl+s saves them), by name and tab."""
        return [f"settings: {pane.field_labels(pane.dirty())} ({title} tab)"
                for pane, title in ((self.query_one(ListModePane), "List mode"),
                                    (self.query_one(ChannelsPane), "Channels"))
                if pane.dirty()]

    def discard(self) -> None:
        """Left without saving: the fields show the stored settings again."""
        for pane in self.query(SettingsPane):
            pane.discard()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Tab keys only once the services have let us in; the tables' Enter opens
        nothing here (the outbox and audit tables offered "Open")."""
        if action in ("switch_tab", "show_tab"):
            tabs = self.query("#admin-tabs")
            return bool(tabs and tabs.first().display)
        return action != "open"

    def _loaded(self, data: AdminData) -> None:
        first = not self.query_one("#admin-tabs").display
        self.query_one("#admin-state").display = False
        self.query_one("#admin-tabs").display = True
        self.refresh_bindings()
        self.query_one(StatusesPane).show(data.statuses)
        self.query_one(ListModePane).load(data.settings)
        self.query_one(ChannelsPane).load(data.settings)
        self.query_one(UsersPane).show(data.users)
        self.query_one(AuditPane).show(data.audit)
        self.crm.organisation = str(data.settings.get("organisation", ""))
        wanted, self._wanted_tab = self._wanted_tab, None
        if wanted:
            self.action_show_tab(wanted)
        elif first:
            self._focus_pane()

    def _refused(self, error: CrmError) -> None:
        """Show why instead of any data (non-admins, or a database error)."""
        tabs = self.query_one("#admin-tabs")
        tabs.display = False
        self.refresh_bindings()
        for table in tabs.query(DataTable):
            table.clear()
        state = self.query_one("#admin-state", Static)
        state.display = True
        if isinstance(error, PermissionDenied):
            message = f"Admin settings are for admins only.\n{error}"
        else:
            message = f"Could not load the admin settings:\n{error}"
        state.update(Text(printable(message), style="bold"))
        state.add_class("error-text")

    # Tabs ---------------------------------------------------------------------

    def action_switch_tab(self, step: int) -> None:
        """Go to the previous or next tab."""
        tabs = self.query_one(TabbedContent)
        ids = [tab_id for tab_id, _title in TABS]
        index = ids.index(tabs.active) if tabs.active in ids else 0
        self.action_show_tab(ids[(index + step) % len(ids)])

    def action_show_tab(self, tab_id: str) -> None:
        """Go to one tab and put the cursor in it, within the key press: the next F8
        typed ahead counts from this tab (focused later, the focus pulled the tabs back
        to the pane it was in, and F8 F8 F8 skipped about)."""
        self.query_one(TabbedContent).active = tab_id
        if not self._focus_first():
            self._focus_pane()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """Fresh audit events each time its tab is opened."""
        if event.pane.id == "tab-audit" and self.query_one("#admin-tabs").display:
            self.query_one(AuditPane).reload()
        if event.pane.id == "tab-outbox" and self.query_one("#admin-tabs").display:
            self.query_one(OutboxPane).reload()

    def _focus_pane(self) -> None:
        self.call_after_refresh(self._focus_first)

    def _focus_first(self) -> bool:
        """Focus the active pane's first field (at once); False if it has none yet."""
        pane = self.query_one(TabbedContent).active_pane
        if pane is None:
            return False
        for widget in pane.query("*"):
            if widget.focusable:
                self.set_focus(widget)
                return True
        return False
