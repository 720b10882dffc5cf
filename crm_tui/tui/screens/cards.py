"""What the register cards share (the facility and service-object cards are in
register_cards.py, the customer card in customer_card.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.widget import AwaitMount, Widget
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from crm_tui.domain.errors import CrmError, NotFound
from crm_tui.domain.permissions import Perm
from crm_tui.domain.records import (
    Cursor,
    FacilityInfo,
    OrderCounts,
    OrderInput,
    OrderPage,
    OrderRow,
    ServiceObjectInfo,
)
from crm_tui.services import order_list
from crm_tui.tui.screens.base import CrmScreen, tab_title
from crm_tui.tui.screens.dialogs import ConfirmDialog
from crm_tui.tui.widgets.order_table import Col, FittedTable, OrderTable
from crm_tui.tui.widgets.picker import plain
from crm_tui.tui.work import call_service

CARD_CSS = """
{name} #card-title {{ text-style: bold; padding: 0 1; height: 1; }}
{name} #card-info {{ padding: 0 1; height: auto; color: $text-muted; }}
{name} TabbedContent {{ height: 1fr; }}
{name} TabPane {{ padding: 0; }}
{name} .card-empty {{ padding: 1 2; color: $text-muted; }}
{name} .field-row {{ height: 1; margin: 0 1 1 1; }}
{name} .field-row Label {{ width: 10; }}
{name} .field-row Input {{ width: 1fr; }}
{name} #details-error {{ color: $error; padding: 0 1; height: auto; }}
"""


def join(*parts: str | None) -> str:
    """Non-empty parts joined with a middle dot."""
    return " · ".join(p for p in parts if p)


FACILITY_COLUMNS = (Col("name", "Facility", share=40, minimum=12),
                    Col("address", "Address", share=35, minimum=10),
                    Col("city", "City", share=25, minimum=8))
OBJECT_COLUMNS = (Col("name", "Service object", share=38, minimum=12),
                  Col("model", "Model", share=24, minimum=8),
                  Col("serial", "Serial no.", share=18, minimum=10),
                  Col("facility", "Facility", share=20, minimum=8, drop=1))
"""A card's facilities and service objects (a facility card's objects: the first
three)."""


class CardTable(FittedTable):
    """A card's register table (its facilities or service objects): Enter runs the
    card's "open" action within the key press; the columns share the width (at 80x24
    they took their widest cells, and the last, a service object's facility, showed
    three letters: "Huv")."""

    def __init__(self, columns: Sequence[Col], *, id: str | None = None) -> None:
        self.COLUMNS = tuple(columns)
        super().__init__(id=id)


class CardScreen(CrmScreen):
    """Shared parts of the cards: title, info line, tabs, an orders table."""

    SECTION = "Card"
    AUTO_FOCUS = "#orders-table"
    ORDER_PARTY = "customer"
    """What the orders table's fourth column names (see order_table.PARTIES)."""
    BINDINGS = [
        Binding("ctrl+n,a", "add_order", "Add order", show=True),
        Binding("o", "tab('orders')", "Orders", show=False),
        Binding("r,ctrl+r", "reload", "Reload", show=False),
        Binding("ctrl+d,delete", "delete_entry", "Delete", show=False,
                tooltip="Delete this entry (only one nothing uses; asks first)"),
        # Moves typed while the card loads wait for its rows (they were lost, and "a"
        # then added an order for another service object than the one moved to).
        *(Binding(key, f"hold('{action}')", show=False, priority=True) for key, action in (
            ("down", "cursor_down"), ("up", "cursor_up"), ("pagedown", "page_down"),
            ("pageup", "page_up"), ("home", "scroll_top"), ("end", "scroll_bottom"))),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.loaded = False
        self.orders: list[OrderRow] = []
        self.counts = OrderCounts()
        self._orders_after: Cursor | None = None  # where the next page of orders starts
        self._orders_generation = 0  # a page asked for before a reload is dropped
        self._loading_more = False
        self._on_load: list[Callable[[], None]] = []  # asked for before it had loaded
        self.gone = ""  # why the card's entry is not there (deleted meanwhile)

    def compose_body(self) -> Iterable[Widget]:
        """Title, info and the card's tabs."""
        yield Static(Text("Loading…"), id="card-title")
        yield Static(id="card-info")
        with TabbedContent(id="card-tabs"):
            yield from self.compose_tabs()

    def compose_tabs(self) -> Iterable[Widget]:
        """The card's tab panes (the orders pane comes first)."""
        with TabPane(tab_title("Orders"), id="orders"):
            yield OrderTable(party=self.ORDER_PARTY, id="orders-table")
            yield Static(classes="card-empty", id="orders-empty")

    def table(self, table_id: str, columns: Sequence[Col]) -> CardTable:
        """A row-cursor table; Enter opens its row within the key press (see FittedTable)."""
        return CardTable(columns, id=table_id)

    def on_mount(self) -> None:
        """Load."""
        self.action_reload()

    def on_screen_resume(self) -> None:
        """Reload when coming back from an order or another card."""
        self.refresh_data()

    def refresh_data(self) -> None:
        """Someone changed the data: load the card again."""
        if self.loaded:
            self.action_reload()

    def action_reload(self) -> None:
        """Load the card from the database: as many orders as are shown (at least a
        page), so the cursor stays on its order when coming back to the card."""
        self._orders_generation += 1
        self._loading_more = False
        limit = min(order_list.MAX_PAGE, max(order_list.CARD_PAGE, len(self.orders)))
        call_service(self, self.fetch, limit, done=self._loaded, failed=self._failed,
                     group="card")

    def fetch(self, order_limit: int) -> Any:
        """Read everything the card shows, with up to ``order_limit`` orders (runs in a
        worker thread)."""
        raise NotImplementedError

    def owner(self) -> dict[str, int]:
        """Whose orders the card shows, as ``order_list.orders_of`` takes it."""
        raise NotImplementedError

    NEEDS = {"add_order": Perm.CREATE, "delete_entry": Perm.DELETE}
    """The permission each action of the card needs (without it, its key is dimmed)."""

    def action_hold(self, action: str) -> None:
        """A table move typed before the card loaded: made once it has."""
        def move() -> None:
            table = self.focused
            if isinstance(table, DataTable):
                getattr(table, f"action_{action}")()

        self.when_loaded(move)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """An action the actor may not take is shown dimmed and does nothing (it was
        offered, and refused on pressing). Moves are held only while the card loads."""
        if action == "hold":
            return not self.loaded
        return super().check_action(action, parameters)

    def added(self, info: FacilityInfo | ServiceObjectInfo | None) -> None:
        """A facility or service object added from the card: say so, show it."""
        if info is not None:
            self.notify(plain(f"Added {info.name}").plain, markup=False)
            self.action_reload()

    def saved(self, info: FacilityInfo | ServiceObjectInfo | None) -> None:
        """The card's facility or service object edited: say so, show it."""
        if info is not None:
            self.notify(plain(f"Saved {info.name}").plain, markup=False)
            self.action_reload()

    def fetch_orders(self, order_limit: int) -> tuple[OrderPage, OrderCounts]:
        """The first page of the card's orders and their counts (runs in a worker)."""
        return order_list.card_orders(self.crm.actor, **self.owner(), limit=order_limit)

    def _loaded(self, data: Any) -> None:
        self.loaded, self.gone = True, ""
        self.show(data)
        waiting, self._on_load = self._on_load, []
        for action in waiting:
            action()

    def deleting(self, check_only: bool) -> Callable[[], object]:
        """The service call that deletes the card's entry (see register_deletes)."""
        raise NotImplementedError

    def named(self, info: Any) -> str:
        """The card's entry as the question and the toast name it."""
        raise NotImplementedError

    def action_delete_entry(self) -> None:
        """Delete the card's entry: the service's checks first (one in use is refused,
        naming its uses), then a question; then back."""
        call_service(self, self.deleting(True), done=self._ask_delete,
                     failed=self._not_deleted, group="delete-entry")

    def _ask_delete(self, info: object) -> None:
        what = self.named(info)

        def answered(yes: bool | None) -> None:
            if yes:
                call_service(self, self.deleting(False), done=self._deleted,
                             failed=self._not_deleted, group="delete-entry")

        self.app.push_screen(ConfirmDialog(f"Delete {what}? Nothing uses it.",
                                           title="Delete", yes="Delete"), answered)

    def _deleted(self, info: object) -> None:
        self.notify(plain(f"Deleted {self.named(info)}").plain, markup=False)
        CrmScreen.action_back(self)  # not the customer card's: nothing left to save

    def _not_deleted(self, exc: CrmError) -> None:
        self.notify(plain(str(exc)).plain, title="Not deleted", severity="error",
                    markup=False, timeout=8)

    def when_loaded(self, action: Callable[[], None]) -> None:
        """Run ``action`` now, or once the card has loaded if it has not yet: a key
        typed as the card opens ("a" to add an order here) is not lost."""
        if self.loaded:
            action()
        else:
            self._on_load.append(action)

    def show(self, data: Any) -> None:
        """Fill the card."""
        raise NotImplementedError

    def _failed(self, exc: CrmError) -> None:
        self._on_load.clear()  # the card says why it could not open
        # one deleted while open ("… was deleted by eva on …") is gone: a new order from
        # it opened an empty form that said so
        self.gone = str(exc) if isinstance(exc, NotFound) else ""
        self.query_one("#card-title", Static).update(Text(
            "No longer in the register" if self.gone and self.loaded
            else "Could not open the card"))
        self.query_one("#card-info", Static).update(plain(str(exc), style="bold red"))

    def set_title(self, title: Text, info: Text) -> None:
        """The card's heading and its info line."""
        self.query_one("#card-title", Static).update(title)
        self.query_one("#card-info", Static).update(info)

    def show_orders(self, rows: Sequence[OrderRow], after: Cursor | None,
                    counts: OrderCounts) -> None:
        """Fill the orders table with the first page(s): open ones first, completed after
        in dark blue; ``after`` is where the next page starts (None: these are all), and
        ``counts`` counts them all. The cursor stays on its order."""
        table = self.query_one("#orders-table", OrderTable)
        serial = table.current_serial
        self.orders = list(rows)
        self._orders_after = after
        self.counts = counts
        table.set_orders(self.orders, more=after is not None)
        if serial is not None:
            table.select_serial(serial)
        table.display = bool(self.orders)
        self._show_counts()

    def _show_counts(self) -> None:
        counts, tabs = self.counts, self.query_one(TabbedContent)
        tabs.get_tab("orders").label = tab_title("Orders", counts.total)
        empty = self.query_one("#orders-empty", Static)
        if not self.orders:
            actor = self.crm.actor
            # one who sees only their own orders is not told there are none at all
            mine = " assigned to you" if not actor.has(Perm.VIEW) else ""
            add = (" Press a (or ctrl+n) to add one." if actor.has(Perm.CREATE) else "")
            empty.update(Text(f"No contact orders{mine} yet.{add}"))
            return
        line = f"{counts.open} open, {counts.completed} completed (dark blue)."
        if not self.crm.actor.has(Perm.VIEW):  # not every order of the customer's
            line = f"Assigned to you: {line}"
        if self._orders_after is not None:
            line += f" {len(self.orders)} loaded; more load as you move down."
        empty.update(Text(line, style="dim"))

    @on(OrderTable.MoreWanted)
    def _more_wanted(self) -> None:
        """The cursor neared the last loaded order: read the next page."""
        self._read_more(to_end=False)

    @on(OrderTable.EdgeWanted)
    def _edge_wanted(self, event: OrderTable.EdgeWanted) -> None:
        """End with more orders to come: read the rest (as many as a page can hold, 500)
        and go to the last (End went to the last loaded one, a page at a time)."""
        if event.end:
            self._read_more(to_end=True)

    def _read_more(self, *, to_end: bool) -> None:
        if self._orders_after is None or (self._loading_more and not to_end):
            return
        self._loading_more = True
        if to_end:  # a page on its way is dropped: it is among the rows read here
            self._orders_generation += 1
        generation = self._orders_generation
        call_service(self, order_list.orders_of, self.crm.actor, **self.owner(),
                     after=self._orders_after,
                     limit=order_list.MAX_PAGE if to_end else order_list.CARD_PAGE,
                     done=lambda page: self._more_orders(generation, page, to_end),
                     failed=lambda exc: self._more_failed(generation, exc),
                     group="card-more")

    def _more_orders(self, generation: int, page: OrderPage, to_end: bool = False) -> None:
        if generation != self._orders_generation:
            return
        self._loading_more = False
        self.orders += page.rows
        self._orders_after = page.next_cursor
        table = self.query_one("#orders-table", OrderTable)
        table.add_orders(page.rows, more=page.next_cursor is not None)
        if to_end and table.row_count:
            table.move_cursor(row=table.row_count - 1, animate=False)
        self._show_counts()

    def _more_failed(self, generation: int, exc: CrmError) -> None:
        if generation != self._orders_generation:
            return
        self._loading_more = False
        self.query_one("#orders-empty", Static).update(plain(
            f"Could not load more orders: {exc} (r reloads the card)", style="bold red"))

    def fill(self, table_id: str, rows: Iterable[tuple[str, tuple[Text, ...]]]) -> int:
        """Replace a table's rows, the cursor staying on its entry (coming back from an
        order it was on the first row again); returns how many."""
        table = self.query_one(f"#{table_id}", CardTable)
        table.put_rows(((key, list(cells)) for key, cells in rows), keep=True)
        return len(table.keys())

    def action_tab(self, pane: str) -> None:
        """Show a tab and focus its table."""
        tabs = self.query_one(TabbedContent)
        tabs.active = pane
        tables = tabs.get_pane(pane).query(DataTable)
        if tables:  # at once: keys typed after the tab's key move in its table
            self.set_focus(tables.first())

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        self._open_row(event.data_table, event.row_key.value)

    def _open_row(self, table: DataTable[Text], key: str | None) -> AwaitMount | None:
        """Open the entry of ``table``'s row ``key`` (a click, or Enter)."""
        opener = self.openers().get(table.id or "")
        return opener(int(key)) if opener is not None and key else None

    @on(OrderTable.OrderChosen)
    def _order_chosen(self, event: OrderTable.OrderChosen) -> None:
        self.crm.open_order(event.serial)

    def action_open(self) -> AwaitMount | None:
        """Enter in a table: open its highlighted order, facility or service object
        (typed while the card loads: once it has)."""
        if not self.loaded:
            self.when_loaded(self.action_open)
            return None
        table = self.focused
        if isinstance(table, OrderTable):
            serial = table.current_serial
            return self.crm.open_order(serial) if serial is not None else None
        if isinstance(table, DataTable) and table.row_count:
            return self._open_row(table, table.coordinate_to_cell_key(
                table.cursor_coordinate).row_key.value)
        return None

    def openers(self) -> dict[str, Callable[[int], AwaitMount]]:
        """What Enter does in each register table, by table id."""
        return {}

    def prefill(self) -> OrderInput | None:
        """What a new order from this card knows."""
        raise NotImplementedError

    def highlighted(self, table_id: str) -> int | None:
        """The id of the highlighted row of a register table (None if it is empty)."""
        table = self.query_one(f"#{table_id}", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return int(key) if key else None

    def action_add_order(self) -> None:
        """New contact order pre-filled from this card (once it has loaded)."""
        self.when_loaded(self._add_order)

    def _add_order(self) -> None:
        if self.gone:
            self.notify(plain(self.gone).plain, title="No new order", severity="warning",
                        markup=False)
            return
        prefill = self.prefill()
        if prefill is not None:
            self.crm.open_order(None, prefill=prefill)
