"""The CRM app: sections as modes, header data, palette, theme, data refresh."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import logging
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from textual import events
from textual.app import SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import AwaitMount
from textual.widgets import DataTable, Input, Tabs, TextArea
from textual.worker import Worker, get_current_worker

from crm_tui.db import changes
from crm_tui.domain.errors import CrmError, InactiveUser
from crm_tui.domain.permissions import Perm
from crm_tui.domain.records import Actor, DraftInfo, NotificationInfo, OrderInput
from crm_tui.domain.text import printable
from crm_tui.services import drafts, notifications, orders, settings, users
from crm_tui.services.setup import open_database
from crm_tui.services.timezone import local_now
from crm_tui.tui import alt_digits  # noqa: F401  (alt+digit is a key, not a character)
from crm_tui.tui.key_order import KeysInOrder
from crm_tui.tui.screens.help import HelpScreen, built_in, keys_in_order
from crm_tui.tui.screens.orders import OrderListScreen
from crm_tui.tui.screens.todo import TodoScreen
from crm_tui.tui.work import call_service, toast_error

log = logging.getLogger(__name__)
WATCH_RETRY_S = 0.5  # first wait before the change watcher is made again; doubles
WATCH_RETRY_MAX_S = 10.0
GC_QUIET_S = 0.5
"""A full garbage collection waits until the user has not typed for this long ..."""
GC_LATEST_S = 30.0
"""... or until this long after the previous one, whichever comes first."""

SECTIONS: dict[str, tuple[str, str, str, str]] = {
    # mode: (title, short footer label, function key, digit)
    "todo": ("To-do", "To-do", "f2", "1"),
    "orders": ("Contact orders", "Orders", "f3", "2"),
    "registers": ("Registers", "Registers", "f4", "3"),
    "notifications": ("Notifications", "Inbox", "f5", "4"),
    "admin": ("Admin settings", "Admin", "f6", "5"),
}


def _registers() -> Screen[None]:
    from crm_tui.tui.screens.registers import RegisterScreen

    return RegisterScreen()


def _notifications() -> Screen[None]:
    from crm_tui.tui.screens.notifications import NotificationsScreen

    return NotificationsScreen()


def _admin() -> Screen[None]:
    from crm_tui.tui.screens.admin import AdminScreen

    return AdminScreen()


class CrmApp(KeysInOrder):
    """crm-tui: to-do, contact orders, registers, notifications, admin settings."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "crm-tui"
    # The to-do (the first screen) and the order list are imported with the app; the
    # other sections only when first opened (the admin screens alone take ~20 ms).
    MODES = {
        "todo": TodoScreen,
        "orders": OrderListScreen,
        "registers": _registers,
        "notifications": _notifications,
        "admin": _admin,
    }
    BINDINGS = [
        # Help first: on an 80-column terminal (a phone) the footer is cut after the
        # screen's own keys and one or two sections, and F1 lists everything else.
        Binding("f1,question_mark", "help", "Help", id="help"),
        *(Binding(fkey, f"section('{mode}')", label, tooltip=f"Go to {title}",
                  id=f"section.{mode}")
          for mode, (title, label, fkey, _digit) in SECTIONS.items()),
        # The digits switch from lists only: on a form's checkbox or drop-down they
        # were a form's "1" typed ahead, and asked to leave it (see check_action).
        *(Binding(digit, f"section_digit('{mode}')", show=False)
          for mode, (_title, _label, _fkey, digit) in SECTIONS.items()),
        Binding("ctrl+q", "quit", "Quit", show=False, id="quit"),
        # A note editor (TextArea) takes F6 to select a line: ahead of it, F6 goes to
        # Admin settings there too, as everywhere else.
        Binding("f6", "section_over_editor('admin')", show=False, priority=True),
        # for one who is not an admin, whose F6 (Admin) is not there: said, not nothing
        Binding("f6", "admins_only", show=False),
    ]

    organisation: reactive[str] = reactive("")
    unread: reactive[int] = reactive(0)
    user_label: reactive[str] = reactive("")

    def __init__(self, db_url: str, actor: Actor, *,
                 clock: Callable[[], dt.datetime] | None = None,
                 refresh_seconds: float = 2.0, watch_changes: bool = True,
                 notice: str = "") -> None:
        super().__init__()
        self.notice = notice  # told on start (a database made anew)
        self.farewell = ""  # why the app ended, for the terminal once it is back
        self.db_url = db_url
        self.actor = actor
        self.clock = clock
        self.refresh_seconds = refresh_seconds
        self.watch_changes = watch_changes
        self._latest_notification: int | None = None  # known once started
        self._input_at = self._full_gc_at = time.monotonic()
        self._gc_threshold: tuple[int, int, int] | None = None
        self.user_label = actor.label
        open_database(db_url)

    def now(self) -> dt.datetime:
        """The current local time (fixed in snapshot tests)."""
        return self.clock() if self.clock else local_now()

    def _handle_exception(self, error: Exception) -> None:
        """An error nothing handled ends the app (Textual's way, which shows it on the
        screen the app leaves: over SSH the user's phone). It is written to app.log
        first, with its traceback, for the admin; nothing kept it (QA17 M1)."""
        from crm_tui.tui import log_file

        log.error("The app ended on an unexpected error", exc_info=error)
        path = log_file.written_to()
        self.farewell = ("crm-tui stopped on an unexpected error"
                         + (f"; the details are in {path}" if path else "") + ".")
        super()._handle_exception(error)

    def on_mount(self) -> None:
        """Open on the to-do panel; load header data and the user's theme."""
        self.switch_mode("todo")
        if self.notice:
            self.notify(printable(self.notice), severity="warning", timeout=15,
                        markup=False)
        self.call_after_refresh(self._tune_gc)
        call_service(self, self._load_start, done=self._started, group="start")
        if self.refresh_seconds > 0:
            self.set_interval(self.refresh_seconds, self.refresh_header)
        if self.watch_changes:
            self.run_worker(self._watch_database, thread=True, group="changes",
                            exit_on_error=False, name="watch changes")

    def _tune_gc(self) -> None:
        """Keep full garbage collections away from keystrokes.

        A full (generation 2) collection walks every tracked object and stalled a
        keystroke for 25-40 ms every ten or so keys. Everything loaded so far (modules,
        classes, styles, the first screen) lives as long as the app, so it is frozen out
        of those walks; and the full collections themselves run from a timer once the
        user pauses (GC_QUIET_S), or GC_LATEST_S after the previous one at the latest,
        instead of whenever Python's allocation counters say so. Young generations are
        still collected as usual.
        """
        gc.freeze()
        self._gc_threshold = gc.get_threshold()
        young, middle, _old = self._gc_threshold
        gc.set_threshold(young, middle, 1_000_000)
        self._full_gc_at = time.monotonic()
        self.set_interval(GC_QUIET_S / 2, self._full_gc_when_quiet, name="full gc")

    def _full_gc_when_quiet(self) -> None:
        now = time.monotonic()
        if gc.get_count()[2] < 10:  # as often as Python would: after 10 middle collections
            return
        if now - self._input_at >= GC_QUIET_S or now - self._full_gc_at >= GC_LATEST_S:
            gc.collect()
            self._full_gc_at = time.monotonic()

    def on_unmount(self) -> None:
        """Give the process its usual garbage collection back (tests run many apps)."""
        if self._gc_threshold is not None:
            gc.set_threshold(*self._gc_threshold)
            gc.unfreeze()
            self._gc_threshold = None

    async def on_event(self, event: events.Event) -> None:
        """Note when the user last typed or moved the mouse (see _tune_gc); a paste of
        several lines into a one-line field keeps them all, joined."""
        if isinstance(event, events.InputEvent):
            self._input_at = time.monotonic()
        if isinstance(event, events.Paste) and isinstance(self.focused, Input):
            lines = [line.strip() for line in event.text.splitlines() if line.strip()]
            if len(lines) > 1:
                # the field took the first line alone, and dropped the rest unsaid
                event.text = " ".join(lines)
                self.notify("The pasted lines were joined into one: this field holds "
                            "one line", timeout=4)
        await super().on_event(event)

    def _watch_database(self) -> None:
        """Thread: wake the UI when another user (or process) changes the database. A
        watcher whose connection is lost (a PostgreSQL restart, a killed connection) is
        made again, and the screen read again for what it missed: live updates stopped
        for good, without a word, until the app was restarted."""
        worker = get_current_worker()
        retry_s, lost = WATCH_RETRY_S, False
        while not worker.is_cancelled:
            try:
                watcher = changes.watcher()
            except Exception:  # noqa: BLE001 - the database is away: try again later
                log.warning("cannot watch the database for changes; trying again in %s s",
                            retry_s, exc_info=not lost)
                lost = True
                self._pause_watching(worker, retry_s)
                retry_s = min(retry_s * 2, WATCH_RETRY_MAX_S)
                continue
            if lost:
                log.warning("watching the database for changes again")
                self.call_from_thread(self.data_changed)  # what changed meanwhile
            retry_s, lost = WATCH_RETRY_S, False
            try:
                while not worker.is_cancelled:
                    if watcher.wait(0.5) and not worker.is_cancelled:
                        self.call_from_thread(self.data_changed)
            except Exception:  # noqa: BLE001 - its connection ended: made again above
                log.warning("lost the database's change notices; reconnecting",
                            exc_info=True)
                lost = True
            finally:
                with contextlib.suppress(Exception):
                    watcher.close()

    @staticmethod
    def _pause_watching(worker: Worker[None], seconds: float) -> None:
        """Wait ``seconds`` in the watcher's thread, or less if the app is ending."""
        deadline = time.monotonic() + seconds
        while not worker.is_cancelled and time.monotonic() < deadline:
            time.sleep(0.1)

    def data_changed(self) -> None:
        """Someone changed the data: refresh the header and the visible screen."""
        self.refresh_header()
        refresh = getattr(self.screen, "refresh_data", None)
        if callable(refresh):
            refresh()

    def _load_start(self) -> tuple[str, dict[str, str], int, Actor, int, list[DraftInfo],
                                   list[DraftInfo]]:
        kept = drafts.all_of(self.actor)
        there = orders.existing(self.actor, [d.serial for d in kept if d.serial is not None])
        return (settings.get("organisation"), users.get_preferences(self.actor),
                notifications.unread_count(self.actor), users.get_actor(self.actor.username),
                notifications.latest_id(self.actor),
                [d for d in kept if d.serial is None or d.serial in there],
                [d for d in kept if d.serial is not None and d.serial not in there])

    def _started(self, result: tuple[str, dict[str, str], int, Actor, int,
                                    list[DraftInfo], list[DraftInfo]]) -> None:
        (self.organisation, prefs, self.unread, self.actor, self._latest_notification,
         kept, orphans) = result
        for gone in orphans:
            # its order was deleted since: the note typed there is shown once, and goes
            self.notify(f"Contact order {gone.serial} was deleted since you worked on it"
                        + (f"; the note you had typed: {printable(gone.note)}"
                           if gone.note.strip() else ""),
                        title="Unsaved work", timeout=30, markup=False)
            call_service(self, drafts.drop, self.actor, gone.serial, group="drafts",
                         exclusive=False)
        if kept:  # an earlier session ended with unsaved work: say where it waits
            where = ", ".join(f"contact order {d.serial}" if d.serial is not None
                              else "a new contact order (n on the list)" for d in kept[:5])
            # short: on a phone a long toast covered half the screen
            self.notify(f"Kept from another session: {where}. Open it to go on.",
                        title="Unsaved work", timeout=15)
        theme = prefs.get("theme")
        if theme and theme in self.available_themes:
            self.theme = theme
        self.watch(self, "theme", self._save_theme, init=False)

    def _save_theme(self, theme: str) -> None:
        call_service(self, users.set_preference, self.actor, "theme", theme, group="theme")

    def refresh_header(self) -> None:
        """Re-read the unread count and the acting user (permissions may change)."""
        latest = self._latest_notification
        call_service(self, lambda: (notifications.unread_count(self.actor),
                                    users.get_actor(self.actor.username),
                                    [] if latest is None else
                                    notifications.newer_than(self.actor, latest)),
                     done=self._refreshed, failed=self._header_failed, group="header")

    def _header_failed(self, exc: CrmError) -> None:
        """A deactivated user's session ends (over SSH too) with a word why; other
        errors are shown as usual."""
        if isinstance(exc, InactiveUser):
            # Printed once the terminal is back (see farewell): Textual printed an exit
            # message on the app's own screen, which then went with it. Short lines: on
            # a phone a long one wrapped, and ssh's "Connection ... closed." covered it.
            self.farewell = ("Your account was deactivated: the session ended.\n"
                             "Ask an admin if this is a mistake.")
            self.exit(return_code=1)
            return
        toast_error(self)(exc)

    def _refreshed(self, result: tuple[int, Actor, list[NotificationInfo]]) -> None:
        self.unread, self.actor, fresh = result
        self.user_label = self.actor.label
        for note in fresh:
            self._latest_notification = max(self._latest_notification or 0, note.id)
            self.notify(printable(note.text), title="Notification", markup=False, timeout=6)

    # Sections and navigation ------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The admin section exists only for admins: no key, no palette entry."""
        if action in ("section", "section_digit") and parameters and parameters[0] == "admin":
            if not self.actor.is_admin:
                return False
        if action == "section_digit":
            from crm_tui.tui.screens.orders import EmptyState

            return self.focused is None or isinstance(self.focused,
                                                      (DataTable, Tabs, EmptyState))
        if action == "section_over_editor":
            return self.actor.is_admin and isinstance(self.focused, TextArea)
        if action == "admins_only":
            return not self.actor.is_admin
        return True

    def action_admins_only(self) -> None:
        """F6 pressed by one who is not an admin."""
        self.notify("Admin settings are for admins only", severity="warning")

    def action_section_over_editor(self, mode: str) -> None:
        """A section's key pressed in a text editor that binds it too."""
        self.action_section(mode)

    def action_section_digit(self, mode: str) -> None:
        """A section's digit, pressed on a list."""
        self.action_section(mode)

    def action_section(self, mode: str) -> None:
        """Switch to a section; asks first if a screen left behind holds unsaved work."""
        if mode == "admin" and not self.actor.is_admin:
            self.notify("Admin settings are for admins only", severity="warning")
            return
        self._unless_unsaved_kept("Leave without saving your changes?", "Leave",
                                  lambda: self._switch_section(mode))

    def open_admin_tab(self, tab_id: str) -> None:
        """Switch to the admin settings on one of their tabs (from the palette)."""

        def go() -> None:
            self._switch_section("admin")
            show = getattr(self.screen, "show_tab_when_loaded", None)
            if show is not None:
                show(tab_id)

        if not self.actor.is_admin:
            self.notify("Admin settings are for admins only", severity="warning")
            return
        self._unless_unsaved_kept("Leave without saving your changes?", "Leave", go)

    def _switch_section(self, mode: str) -> None:
        while len(self.screen_stack) > 1 and not isinstance(self.screen, HelpScreen):
            self.pop_screen()
        self.switch_mode(mode)
        entered = getattr(self.screen, "section_entered", None)
        if entered is not None:  # where the section's key lands (registers: the search)
            entered()

    async def action_quit(self) -> None:
        """Quit; asks first if a screen holds unsaved work."""
        self._unless_unsaved_kept("Quit without saving your changes?", "Quit", self.exit)

    def _unless_unsaved_kept(self, question: str, yes: str, go: Callable[[], object]) -> None:
        """Run ``go`` at once, or, if a screen in the stack holds unsaved work (an order
        form's edits or typed note, a customer's edited details), once the user agrees
        to lose it. Leaving used to drop it without a word."""
        from crm_tui.tui.screens.base import CrmScreen
        from crm_tui.tui.screens.dialogs import ConfirmDialog

        if isinstance(self.screen, ConfirmDialog):
            return  # a question is already open: answer it first
        holding = [s for s in self.screen_stack if isinstance(s, CrmScreen) and s.unsaved()]
        if not holding:
            go()
            return

        def answered(agreed: bool | None) -> None:
            if agreed:
                for screen in holding:
                    screen.discard()
                go()

        lost = "; ".join(what for screen in holding for what in screen.unsaved())
        self.push_screen(ConfirmDialog(f"{question}\nNot saved: {lost}",
                                       title="Unsaved changes", yes=yes), answered)

    def action_help(self) -> None:
        """Show the keys of the current screen."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def open_order(self, serial: int | None = None, *, prefill: OrderInput | None = None,
                   missing_ok: bool | Callable[[], None] = False) -> AwaitMount | None:
        """Open the contact-order form: an existing order, or a new one (pre-filled).

        Like the other openers it returns the new screen's mounting: an action that
        returns it is done, for the app, once the screen has mounted and focused its
        field, and only then does the app handle the next key (see
        CrmScreen.action_letter). With ``missing_ok`` an order that is not there (or not
        the user's to see) closes the form again with a word instead of an error (and
        calls it, if it is a function)."""
        from crm_tui.tui.screens.order_form import OrderFormScreen

        if serial is None and not self.actor.has(Perm.CREATE):
            # refused up front: the form opened, to refuse only on saving
            self.notify(f"{self.actor.username} may not create contact orders: needs the "
                        "'create' permission", severity="warning", markup=False)
            return None
        beneath = next((s for s in self.screen_stack
                        if isinstance(s, OrderFormScreen) and s.serial == serial
                        and (serial is not None or s.is_dirty())), None)
        if beneath is not None:
            # The same order (or a new one being written) open already, under a card
            # reached from it (ctrl+g): back to it. A second form took its draft, and
            # saving both added the note twice, or made the order twice (QA21 M1).
            while self.screen is not beneath:
                self.pop_screen()
            beneath.refresh_data()  # as it is now (a note added from the card meanwhile)
            self.notify("Back to the new contact order you were writing" if serial is None
                        else f"Back to contact order {serial}, open already")
            return None
        return self.push_screen(OrderFormScreen(serial, prefill=prefill,
                                                missing_ok=missing_ok))

    def open_customer(self, customer_id: int) -> AwaitMount:
        """Open a customer card."""
        from crm_tui.tui.screens.customer_card import CustomerCardScreen

        return self.push_screen(CustomerCardScreen(customer_id))

    def open_facility(self, facility_id: int) -> AwaitMount:
        """Open a facility card."""
        from crm_tui.tui.screens.register_cards import FacilityCardScreen

        return self.push_screen(FacilityCardScreen(facility_id))

    def open_service_object(self, object_id: int) -> AwaitMount:
        """Open a service-object card."""
        from crm_tui.tui.screens.register_cards import ServiceObjectCardScreen

        return self.push_screen(ServiceObjectCardScreen(object_id))

    # Command palette --------------------------------------------------------

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Every section and every action of the current screen, by name (Quit once:
        Textual offers it too, with the other app-wide commands). A field's own cursor
        and editing keys are in help, not here: "del" found only "Delete character
        left" and the like."""
        for mode, (title, *_keys) in SECTIONS.items():
            if mode != "admin" or self.actor.is_admin:
                yield SystemCommand(f"Go to {title}", f"Open the {title} section",
                                    lambda mode=mode: self.action_section(mode))
        from crm_tui.tui.screens.admin import PALETTE_TITLES, AdminScreen

        if self.actor.is_admin and not isinstance(screen, AdminScreen):  # there: its tabs
            for tab_id, title in PALETTE_TITLES.items():
                yield SystemCommand(f"Admin settings: {title}", "Open this admin tab",
                                    lambda tab_id=tab_id: self.open_admin_tab(tab_id))
        seen = set()
        enabled = {(item.node, item.binding) for item in screen.active_bindings.values()
                   if item.enabled}
        for node, binding in keys_in_order(screen):
            # a letter binding's action, run from here, is the action it wraps
            action = re.sub(r"^letter\('(\w+)'\)$", r"\1", binding.action)
            if (not binding.description or action in seen or action == "quit"
                    or action.startswith("section(") or (node, binding) not in enabled
                    or built_in(node, binding)):
                continue
            seen.add(action)
            yield SystemCommand(binding.description,
                                binding.tooltip or f"Key: {self.get_key_display(binding)}",
                                lambda node=node, action=action: self.run_action(action, node))
        # Textual's own, but Screenshot: it wrote to ~/Downloads on the host the app runs
        # on (the server, over SSH), and failed where that folder is not there
        yield from (command for command in super().get_system_commands(screen)
                    if command.title != "Screenshot")
