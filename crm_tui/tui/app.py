"""The CRM app: sections as modes, header data, palette, theme, data refresh."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen

from crm_tui.domain.records import Actor, OrderInput
from crm_tui.services import notifications, settings, users
from crm_tui.services.setup import open_database
from crm_tui.services.timezone import local_now
from crm_tui.tui.screens.admin import AdminScreen
from crm_tui.tui.screens.help import HelpScreen
from crm_tui.tui.screens.notifications import NotificationsScreen
from crm_tui.tui.screens.orders import OrderListScreen
from crm_tui.tui.screens.registers import RegisterScreen
from crm_tui.tui.screens.todo import TodoScreen
from crm_tui.tui.work import call_service

SECTIONS: dict[str, tuple[str, str]] = {
    # mode: (title, keys)
    "todo": ("To-do", "f2,1"),
    "orders": ("Contact orders", "f3,2"),
    "registers": ("Registers", "f4,3"),
    "notifications": ("Notifications", "f5,4"),
    "admin": ("Admin settings", "f6,5"),
}


class CrmApp(App[None]):
    """crm-tui: to-do, contact orders, registers, notifications, admin settings."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "crm-tui"
    MODES = {
        "todo": TodoScreen,
        "orders": OrderListScreen,
        "registers": RegisterScreen,
        "notifications": NotificationsScreen,
        "admin": AdminScreen,
    }
    BINDINGS = [
        *(Binding(keys, f"section('{mode}')", title, id=f"section.{mode}")
          for mode, (title, keys) in SECTIONS.items()),
        Binding("f1,question_mark", "help", "Help", id="help"),
        Binding("ctrl+q", "quit", "Quit", id="quit"),
    ]

    organisation: reactive[str] = reactive("")
    unread: reactive[int] = reactive(0)
    user_label: reactive[str] = reactive("")

    def __init__(self, db_url: str, actor: Actor, *,
                 clock: Callable[[], dt.datetime] | None = None,
                 refresh_seconds: float = 2.0) -> None:
        super().__init__()
        self.db_url = db_url
        self.actor = actor
        self.clock = clock
        self.refresh_seconds = refresh_seconds
        self.user_label = actor.label
        open_database(db_url)

    def now(self) -> dt.datetime:
        """The current local time (fixed in snapshot tests)."""
        return self.clock() if self.clock else local_now()

    def on_mount(self) -> None:
        """Open on the to-do panel; load header data and the user's theme."""
        self.switch_mode("todo")
        call_service(self, self._load_start, done=self._started, group="start")
        if self.refresh_seconds > 0:
            self.set_interval(self.refresh_seconds, self.refresh_header)

    def _load_start(self) -> tuple[str, dict[str, str], int, Actor]:
        return (settings.get("organisation"), users.get_preferences(self.actor),
                notifications.unread_count(self.actor), users.get_actor(self.actor.username))

    def _started(self, result: tuple[str, dict[str, str], int, Actor]) -> None:
        self.organisation, prefs, self.unread, self.actor = result
        theme = prefs.get("theme")
        if theme and theme in self.available_themes:
            self.theme = theme
        self.watch(self, "theme", self._save_theme, init=False)

    def _save_theme(self, theme: str) -> None:
        call_service(self, users.set_preference, self.actor, "theme", theme, group="theme")

    def refresh_header(self) -> None:
        """Re-read the unread count and the acting user (permissions may change)."""
        call_service(self, lambda: (notifications.unread_count(self.actor),
                                    users.get_actor(self.actor.username)),
                     done=self._refreshed, group="header")

    def _refreshed(self, result: tuple[int, Actor]) -> None:
        self.unread, self.actor = result
        self.user_label = self.actor.label

    # Sections and navigation ------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The admin section exists only for admins: no key, no palette entry."""
        if action == "section" and parameters and parameters[0] == "admin":
            return self.actor.is_admin
        return True

    def action_section(self, mode: str) -> None:
        """Switch to a section."""
        if mode == "admin" and not self.actor.is_admin:
            self.notify("Admin settings are for admins only", severity="warning")
            return
        while len(self.screen_stack) > 1 and not isinstance(self.screen, HelpScreen):
            self.pop_screen()
        self.switch_mode(mode)

    def action_help(self) -> None:
        """Show the keys of the current screen."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def open_order(self, serial: int | None = None, *,
                   prefill: OrderInput | None = None) -> None:
        """Open the contact-order form: an existing order, or a new one (pre-filled)."""
        from crm_tui.tui.screens.order_form import OrderFormScreen

        self.push_screen(OrderFormScreen(serial, prefill=prefill))

    def open_customer(self, customer_id: int) -> None:
        """Open a customer card."""
        from crm_tui.tui.screens.cards import CustomerCardScreen

        self.push_screen(CustomerCardScreen(customer_id))

    def open_facility(self, facility_id: int) -> None:
        """Open a facility card."""
        from crm_tui.tui.screens.cards import FacilityCardScreen

        self.push_screen(FacilityCardScreen(facility_id))

    def open_service_object(self, object_id: int) -> None:
        """Open a service-object card."""
        from crm_tui.tui.screens.cards import ServiceObjectCardScreen

        self.push_screen(ServiceObjectCardScreen(object_id))

    # Command palette --------------------------------------------------------

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Every section and every action of the current screen, by name."""
        for mode, (title, _keys) in SECTIONS.items():
            if mode != "admin" or self.actor.is_admin:
                yield SystemCommand(f"Go to {title}", f"Open the {title} section",
                                    lambda mode=mode: self.action_section(mode))
        seen = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if (not binding.description or binding.action in seen
                    or binding.action.startswith("section(") or not active.enabled):
                continue
            seen.add(binding.action)
            yield SystemCommand(binding.description,
                                binding.tooltip or f"Key: {self.get_key_display(binding)}",
                                lambda node=active.node, action=binding.action:
                                self.run_action(action, node))
        yield from super().get_system_commands(screen)
