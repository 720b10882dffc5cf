"""Registers: one search box over customers, facilities and service objects."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual import on
from textual.actions import SkipAction
from textual.binding import Binding
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static, Tab, Tabs

from crm_tui.domain.records import OrderInput, SearchHit
from crm_tui.services import registers
from crm_tui.tui.screens.base import CrmScreen
from crm_tui.tui.widgets.picker import DEBOUNCE_SECONDS, highlight
from crm_tui.tui.work import call_service

REGISTER_TABS: tuple[tuple[str, str], ...] = (
    ("all", "All"), ("customers", "Customers"), ("facilities", "Facilities"),
    ("service-objects", "Service objects"),
)
KIND_LABELS = {"customers": "Customer", "facilities": "Facility",
               "service-objects": "Object"}
EMPTY_HINT = ("The registers are empty. Press ctrl+n for a new contact order and type a "
              "new customer name: the customer is added to the register when you save.")


def order_input_for(hit: SearchHit) -> OrderInput:
    """A new order pre-filled from a register entry."""
    if hit.register == "customers":
        return OrderInput(customer_id=hit.id)
    if hit.register == "facilities":
        return OrderInput(facility_id=hit.id)
    return OrderInput(service_object_id=hit.id)


class RegisterScreen(CrmScreen):
    """Type to search the registers; Enter opens the card; ctrl+n adds an order."""

    SECTION = "Registers"
    DEFAULT_CSS = """
    RegisterScreen #search { margin: 0 1; }
    RegisterScreen Tabs { height: 2; margin: 0 1; }
    RegisterScreen #hits { height: 1fr; }
    RegisterScreen #hint { height: auto; }
    """
    BINDINGS = [
        Binding("enter", "open", "Open", show=True),
        Binding("ctrl+n,a", "add_order", "Add order", show=True),
        Binding("ctrl+r", "next_register", "Register", show=True,
                tooltip="Switch register: all / customers / facilities / service objects"),
        Binding("down", "cursor(1)", "Next result", show=False),
        Binding("up", "cursor(-1)", "Previous result", show=False),
        Binding("ctrl+f", "focus_search", "Search", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.register_key = "all"
        self.hits: list[SearchHit] = []
        self.query_text = ""
        self.loaded = False
        self._timer: Timer | None = None

    def compose_body(self) -> Iterable[Widget]:
        """Search box, register switch, results and a hint line."""
        yield Input(placeholder="Search by name, number, city, phone… (no accents needed)",
                    id="search")
        tabs = Tabs(*(Tab(label, id=f"reg-{key}") for key, label in REGISTER_TABS),
                    id="register")
        tabs.can_focus = False
        yield tabs
        table: DataTable[Text] = DataTable(id="hits", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static(Text("Searching…"), id="hint", classes="empty-state")

    def on_mount(self) -> None:
        """Columns, focus the search box, show the first entries."""
        table = self.query_one("#hits", DataTable)
        table.add_column("Register", width=8, key="kind")
        table.add_column("Name", key="name")
        table.add_column("Details", key="details")
        self.query_one("#search", Input).focus()
        self.search_now()

    def on_screen_resume(self) -> None:
        """Refresh when coming back from a card or form (names may have changed)."""
        self.refresh_data()

    def refresh_data(self) -> None:
        """Someone changed the data: search again (unless the user is typing)."""
        if self.loaded and not self.searching:
            self.search_now()

    # Searching --------------------------------------------------------------

    @on(Input.Changed, "#search")
    def _typed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_SECONDS, self.search_now)

    def search_now(self) -> None:
        """Search now; a newer search cancels this one."""
        self._timer = None
        text = self.query_one("#search", Input).value
        register = self.register_key
        call_service(self, registers.search, self.crm.actor, text, register, 50,
                     done=lambda hits: self._show(text, register, hits),
                     failed=self._failed, group="search", exclusive=True)

    @property
    def searching(self) -> bool:
        """True while a search is waiting or running."""
        return self._timer is not None or any(
            w.node is self and w.group == "search" and w.is_running for w in self.workers)

    def _show(self, text: str, register: str, hits: list[SearchHit]) -> None:
        if text != self.query_one("#search", Input).value or register != self.register_key:
            return  # a newer search is on its way
        self.loaded = True
        self.query_text = text
        self.hits = hits
        table = self.query_one("#hits", DataTable)
        table.clear()
        for hit in hits:
            table.add_row(Text(KIND_LABELS.get(hit.register, hit.register), style="dim"),
                          highlight(hit.title, text), highlight(hit.subtitle, text),
                          key=f"{hit.register}:{hit.id}")
        table.display = bool(hits)
        hint = self.query_one("#hint", Static)
        if hits:
            hint.update(Text(f"{len(hits)} shown · Enter opens the card · ctrl+n adds a "
                             "contact order for it", style="dim"))
        elif text.strip():
            hint.update(Text.assemble("No matches for ", (text.strip(), "bold"),
                                      ". Try part of the name, a number, city or phone."))
        else:
            hint.update(Text(EMPTY_HINT))

    def _failed(self, exc: Exception) -> None:
        self.query_one("#hint", Static).update(
            Text(f"Search failed: {exc}", style="bold red"))

    # Register switch --------------------------------------------------------

    @on(Tabs.TabActivated, "#register")
    def _tab(self, event: Tabs.TabActivated) -> None:
        register = (event.tab.id or "reg-all").removeprefix("reg-")
        if register != self.register_key:
            self.register_key = register
            self.search_now()

    def action_next_register(self) -> None:
        """Cycle all → customers → facilities → service objects."""
        keys = [key for key, _ in REGISTER_TABS]
        nxt = keys[(keys.index(self.register_key) + 1) % len(keys)]
        self.query_one("#register", Tabs).active = f"reg-{nxt}"

    def set_register(self, register: str) -> None:
        """Show one register (or 'all')."""
        self.query_one("#register", Tabs).active = f"reg-{register}"

    # Results ----------------------------------------------------------------

    def current_hit(self) -> SearchHit | None:
        """The highlighted result."""
        table = self.query_one("#hits", DataTable)
        if not self.hits or table.cursor_row is None:
            return None
        return self.hits[min(max(table.cursor_row, 0), len(self.hits) - 1)]

    def action_cursor(self, step: int) -> None:
        """Move the result cursor from the search box."""
        table = self.query_one("#hits", DataTable)
        if table.has_focus:
            raise SkipAction()
        if step > 0:
            table.action_cursor_down()
        else:
            table.action_cursor_up()

    def action_focus_search(self) -> None:
        """Back to the search box."""
        self.query_one("#search", Input).focus()

    @on(Input.Submitted, "#search")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_open()

    @on(DataTable.RowSelected, "#hits")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        """Open the highlighted entry's card."""
        hit = self.current_hit()
        if hit is None:
            self.notify("Nothing to open: type to search first", severity="warning")
            return
        if hit.register == "customers":
            self.crm.open_customer(hit.id)
        elif hit.register == "facilities":
            self.crm.open_facility(hit.id)
        else:
            self.crm.open_service_object(hit.id)

    def action_add_order(self) -> None:
        """New contact order from the highlighted entry (or a blank one)."""
        hit = self.current_hit()
        self.crm.open_order(None, prefill=order_input_for(hit) if hit else None)
