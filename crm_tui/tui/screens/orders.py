"""The contact-order list: filter bar, totals, keyset pages, saved and favourite filters."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from functools import partial

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.containers import Horizontal
from textual.events import ScreenResume
from textual.timer import Timer
from textual.widget import AwaitMount, Widget
from textual.widgets import Input, Static

from crm_tui.domain.errors import AlreadyExists, CrmError
from crm_tui.domain.records import (
    Actor,
    Cursor,
    OrderFilter,
    OrderPage,
    OrderTotals,
    SavedFilterInfo,
)
from crm_tui.domain.text import printable
from crm_tui.services import filters, order_list
from crm_tui.tui.screens.base import CrmScreen
from crm_tui.tui.screens.dialogs import ConfirmDialog
from crm_tui.tui.screens.favourites_dialog import (
    FavouriteChoice,
    FavouritesDialog,
    NameDialog,
)
from crm_tui.tui.screens.filter_dialog import LIST_DEFAULT, FilterDialog, describe
from crm_tui.tui.widgets.order_table import OrderTable
from crm_tui.tui.widgets.picker import plain
from crm_tui.tui.work import call_service

PAGE = 100
MAX_RELOAD = 500


class EmptyState(Static, can_focus=True):
    """What the list says when it has no rows; it holds the focus the list had, so the
    keys it suggests reach the screen."""


class OrderListScreen(CrmScreen):
    """Contact orders, sorted as the admin says, completed last in dark blue."""

    SECTION = "Contact orders"
    AUTO_FOCUS = "OrderTable"
    page_size = PAGE
    DEFAULT_CSS = """
    OrderListScreen #filter-bar { height: 1; padding: 0 1; background: $boost; }
    OrderListScreen #filter-summary { width: 1fr; height: 1; }
    OrderListScreen #totals { width: auto; height: 1; text-style: bold; }
    OrderListScreen #search { margin: 0 1; }
    OrderListScreen #state { height: auto; padding: 1 2; color: $text-muted; }
    OrderListScreen #state.error { color: $error; }
    """
    BINDINGS = [
        Binding("escape", "back", "Back", show=False),
        Binding("n", "letter('new')", "New", priority=True),
        Binding("ctrl+n", "new", "New", show=False),
        Binding("f", "letter('filter')", "Filter", priority=True),
        Binding("ctrl+f", "filter", "Filter", show=False),
        Binding("slash", "search", "Search"),
        Binding("ctrl+s", "save_default", "Save settings",  # the manual's name for it
                tooltip="Save this filter as your default: the list opens with it"),
        Binding("o", "letter('favourites')", "Favourites", priority=True),
        Binding("ctrl+o", "favourites", "Favourites", show=False),
        Binding("b", "letter('save_favourite')", "Save as favourite", show=False,
                priority=True),
        Binding("ctrl+b", "save_favourite", "Save as favourite", show=False),
        Binding("x", "clear_filter", "Clear filter", show=False),
        Binding("r,ctrl+r", "refresh", "Refresh", show=False),
        # Enter in the search box, within the key press: the keys typed after it go to
        # the list, or to the order it opens (they were typed on into the search)
        Binding("enter", "search_enter", show=False, priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.criteria = LIST_DEFAULT
        self.totals: OrderTotals | None = None
        self.loaded = False
        self._cursor: Cursor | None = None  # after the last loaded order, if more follow
        self._before: Cursor | None = None  # at the first loaded one, if some come before
        self._generation = 0
        self._started = False
        self._skip_resume = False
        self._loading_more = False
        self._search_timer: Timer | None = None
        self._text_before_search: str | None = None  # the filter's text as "/" found it
        # and where the cursor was then (a number's filter shown meanwhile, back to it)
        self._place_before_search: tuple[Cursor | None, int] = (None, 0)

    def compose_body(self) -> Iterable[Widget]:
        """Filter bar with totals, quick search, the table and its state line."""
        with Horizontal(id="filter-bar"):
            yield Static(id="filter-summary")
            yield Static(id="totals")
        search = Input(placeholder="Search subject, contact, customer — Enter: go to list "
                       "(an order's number: open it)",
                       id="search", compact=True)
        search.display = False
        yield search
        yield OrderTable(id="orders")
        yield EmptyState(Text("Loading contact orders…"), id="state")

    @property
    def table(self) -> OrderTable:
        """The order table."""
        return self.query_one(OrderTable)

    # Loading ----------------------------------------------------------------

    def on_screen_resume(self, _event: ScreenResume) -> None:
        """First time: load the saved default filter; later: refresh (edits show)."""
        if not self._started:
            self._started = True
            self._generation += 1
            generation = self._generation
            call_service(self, _default_and_first_page, self.crm.actor,
                         self.crm.now().date(), self.page_size,
                         done=lambda found: self._started_with(generation, *found),
                         failed=self._default_failed, group="orders-start")
        elif self._skip_resume:
            self._skip_resume = False
        elif self.loaded:
            self.reload()
        # else the first page is still on its way: Textual resumes a mode's screen twice
        # when the mode starts (App._init_mode and App.switch_mode), and reloading then
        # read the list a second time, with the default filter, alongside the first.

    def refresh_data(self) -> None:
        """Someone changed the data: read the loaded rows and totals again."""
        if self.loaded:
            self.reload()

    def _started_with(self, generation: int, criteria: OrderFilter, resolved: OrderFilter,
                      page: OrderPage) -> None:
        if generation != self._generation:
            return  # the user chose a filter meanwhile
        self._show_criteria(criteria)
        self._first_page(generation, page, None, resolved)

    def _default_failed(self, exc: CrmError) -> None:
        self.notify(f"Could not list with your saved filter: {printable(str(exc))}",
                    severity="warning", markup=False)
        self.set_criteria(LIST_DEFAULT)

    def set_criteria(self, criteria: OrderFilter, *,
                     place: tuple[Cursor | None, int] = (None, 0)) -> None:
        """Use a new filter and list from the top, or around ``place`` (an order's
        position in the list, and the cursor's row)."""
        self._show_criteria(criteria)
        self.reload(keep=False, place=place)

    def _show_criteria(self, criteria: OrderFilter) -> None:
        self.criteria = criteria
        search = self.query_one("#search", Input)
        if (search.value.strip() or None) != criteria.text:
            search.value = criteria.text or ""
        search.display = bool(criteria.text) or search.has_focus
        self.query_one("#filter-summary", Static).update(
            Text.assemble(("Filter: ", "bold"), describe(criteria)))

    def reload(self, *, keep: bool = True,
               place: tuple[Cursor | None, int] = (None, 0)) -> None:
        """Read the first page(s) again; with ``keep`` stay on the same order, or go to
        ``place`` (see set_criteria)."""
        self._generation += 1
        generation, self._loading_more = self._generation, False
        table = self.table
        serial = table.current_serial if keep else place[0] and place[0].serial
        actor, criteria = self.crm.actor, self.criteria.resolved(self.crm.now().date())
        done = partial(self._first_page, generation, serial=serial, criteria=criteria)
        failed = partial(self._failed, generation)
        # The page first, the totals once it is in: on a 2-core machine the two queries
        # in parallel (beside the start-up's other reads) held the page back.
        position, row, rows = ((table.current_position, table.cursor_row, table.row_count)
                               if keep else (*place, place[1] + self.page_size))
        if keep and position is not None:
            # an order completed or reopened meanwhile went to the other end of the
            # list: the cursor stays at its place (on the order that took it), not
            # carried off with it
            done = partial(done, group=position.completed)
        if position is None:
            call_service(self, order_list.list_orders, actor, criteria,
                         limit=self.page_size, done=done, failed=failed, group="orders-page")
            return
        # the loaded rows again, at most MAX_RELOAD, around the cursor's order: re-read
        # from the top, an order past them was lost (and the cursor went to the top), and
        # one someone else removed took the cursor 100 rows away
        before = max(1, min(row, MAX_RELOAD // 2))
        after = max(self.page_size, min(MAX_RELOAD - before, rows - row))
        call_service(self, order_list.orders_around, actor, criteria, position,
                     before=before, after=after, done=done, failed=failed,
                     group="orders-page")

    def _load_totals(self, generation: int, criteria: OrderFilter) -> None:
        call_service(self, order_list.totals, self.crm.actor, criteria,
                     done=lambda totals: self._totals_loaded(generation, totals),
                     failed=lambda exc: None, group="orders-totals")

    def _first_page(self, generation: int, page: OrderPage, serial: int | None,
                    criteria: OrderFilter, group: bool | None = None) -> None:
        if generation != self._generation:
            return
        if group is not None and any(r.serial == serial and r.completed != group
                                     for r in page.rows):
            serial = None  # moved to the other group (see reload): stay at the place
        self._load_totals(generation, criteria)
        self._cursor, self._before = page.next_cursor, page.prev_cursor
        self.table.set_orders(page.rows, more=page.next_cursor is not None,
                              earlier=page.prev_cursor is not None, select=serial,
                              instead=page.anchor)
        self.loaded = True
        self._show_state()

    @on(OrderTable.EdgeWanted)
    def _edge_wanted(self, event: OrderTable.EdgeWanted) -> None:
        """Home: the first page (as the list opens); End: the last page, read from the
        end, with the cursor on its last order."""
        # no more pages past the loaded ones meanwhile: the cursor's move to the edge
        # asks for one, which would land in the page read here
        self._cursor = self._before = None
        if not event.end:
            self.reload(keep=False)
            return
        self._generation += 1
        generation, self._loading_more = self._generation, False
        call_service(self, order_list.list_orders, self.crm.actor,
                     self.criteria.resolved(self.crm.now().date()), last=True,
                     limit=self.page_size,
                     done=lambda page: self._last_page(generation, page),
                     failed=lambda exc: self._failed(generation, exc), group="orders-page")

    def _last_page(self, generation: int, page: OrderPage) -> None:
        if generation != self._generation:
            return
        self._cursor, self._before = None, page.prev_cursor
        self.table.set_orders(page.rows, earlier=page.prev_cursor is not None, at_end=True)

    @on(OrderTable.EarlierWanted)
    def _earlier_wanted(self) -> None:
        self._read_page(earlier=True)

    @on(OrderTable.MoreWanted)
    def _more_wanted(self) -> None:
        self._read_page(earlier=False)

    def _read_page(self, *, earlier: bool) -> None:
        """The page before the loaded rows (``earlier``), or the one after them."""
        edge = self._before if earlier else self._cursor
        if edge is None or self._loading_more:
            return
        self._loading_more = True
        generation = self._generation
        side = {"before": edge} if earlier else {"after": edge}
        call_service(self, order_list.list_orders, self.crm.actor,
                     self.criteria.resolved(self.crm.now().date()), **side,
                     limit=self.page_size,
                     done=lambda page: self._page_read(generation, page, earlier),
                     failed=lambda exc: self._failed(generation, exc), group="orders-more")

    def _page_read(self, generation: int, page: OrderPage, earlier: bool) -> None:
        if generation != self._generation:
            return
        self._loading_more = False
        if earlier:
            self._before = page.prev_cursor
            self.table.prepend_orders(page.rows, earlier=page.prev_cursor is not None)
        else:
            self._cursor = page.next_cursor
            self.table.add_orders(page.rows, more=page.next_cursor is not None)

    def _totals_loaded(self, generation: int, totals: OrderTotals) -> None:
        if generation != self._generation:
            return
        self.totals = totals
        noun = "order" if totals.count == 1 else "orders"
        self.query_one("#totals", Static).update(
            Text(f"{totals.count:,} {noun} · {totals.hours:,.2f} h"))

    def _failed(self, generation: int, exc: CrmError) -> None:
        if generation != self._generation:
            return
        self._loading_more = False
        self.loaded = True
        state = self.query_one("#state", Static)
        state.update(Text(f"Could not list the orders: {printable(str(exc))}\n"
                          "Press f to change the filter or x to clear it."))
        state.add_class("error")
        self._hide_table(state)

    def _hide_table(self, state: Static) -> None:
        """The state line instead of the list; the list's focus goes to it (it went to
        the search box, and the f, x or o the line suggests typed over the search)."""
        had_focus = self.table.has_focus or self.focused is None
        state.display, self.table.display = True, False
        if had_focus:
            state.focus()

    def _show_state(self) -> None:
        state = self.query_one("#state", Static)
        state.remove_class("error")
        empty = self.table.row_count == 0
        if not empty:
            state.display, self.table.display = False, True
            if state.has_focus or self.focused is None:
                self.table.focus()
            return
        self._hide_table(state)
        if self.criteria == LIST_DEFAULT:
            state.update(Text("No contact orders yet.\n\n"
                              "Press n to create the first one, 3 to search the "
                              "registers."))
        else:
            state.update(Text(f"No orders match the filter: {describe(self.criteria)}.\n\n"
                              "Press f to change the filter, x to clear it, "
                              "o for your favourites."))

    # Actions ----------------------------------------------------------------

    @on(OrderTable.OrderChosen)
    def _chosen(self, event: OrderTable.OrderChosen) -> None:
        self.crm.open_order(event.serial)

    def action_open(self) -> AwaitMount | None:
        """Open the highlighted order."""
        serial = self.table.current_serial
        return self.crm.open_order(serial) if serial is not None else None

    def action_new(self) -> AwaitMount:
        """Start a new contact order."""
        return self.crm.open_order(None)

    def action_filter(self) -> AwaitMount:
        """Edit the filter: the dialog opens within the key press and reads the statuses
        itself, so what is typed right after "f" goes into it."""
        self._skip_resume = True
        return self.app.push_screen(
            FilterDialog(self.criteria, None, self.crm.now().date()), self._filtered)

    def _filtered(self, criteria: OrderFilter | None) -> None:
        if criteria is not None:
            self.set_criteria(criteria)

    def action_search(self) -> None:
        """Show and focus the quick text search."""
        search = self.query_one("#search", Input)
        search.display = True
        self._text_before_search = self.criteria.text
        self._place_before_search = (self.table.current_position, self.table.cursor_row)
        self.set_focus(search)  # at once, so keys typed right after "/" land in the box

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        if (event.value.strip() or None) != self.criteria.text:
            self._search_timer = self.set_timer(0.3, self._apply_search)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Enter is the search box's only while it has the focus."""
        if action == "search_enter":
            return self.query_one("#search", Input).has_focus
        return True

    def action_search_enter(self) -> AwaitMount | None:
        """Apply the search and go to the list; an order's number opens that order (in
        the list it was one of those that contain the number, often on a later page)."""
        if self._search_timer is not None:
            self._search_timer.stop()
        search = self.query_one("#search", Input)
        text = search.value.strip()
        self.set_focus(self.table)  # at once: the keys after Enter are the list's
        if not (text.isdigit() and len(text) < 10):
            self._apply_search()
            return None
        # the list as it was before the number was typed, to come back to; the number
        # filters it only if there is no such order
        search.value = self._text_before_search or ""
        search.display = bool(search.value)
        self._apply_search(place=self._place_before_search)

        def missing() -> None:
            search.value = text
            search.display = True
            self._apply_search()

        return self.crm.open_order(int(text), missing_ok=missing)

    def _apply_search(self, *, place: tuple[Cursor | None, int] = (None, 0)) -> None:
        text = self.query_one("#search", Input).value.strip() or None
        if text != self.criteria.text:
            self.set_criteria(dataclasses.replace(self.criteria, text=text), place=place)

    def action_back(self) -> None:
        """Leave the search box (hidden when empty); else go back."""
        search = self.query_one("#search", Input)
        if search.has_focus:
            self.set_focus(self.table)
            search.display = bool(search.value.strip())
            return
        super().action_back()

    def action_clear_filter(self) -> None:
        """Show all orders (the completed last)."""
        self.set_criteria(LIST_DEFAULT)

    def action_refresh(self) -> None:
        """Read the list again."""
        self.reload()

    def action_save_default(self) -> None:
        """Save the current filter as my default: the list opens with it next time."""
        call_service(self, filters.save_default, self.crm.actor, self.criteria,
                     done=lambda _: self.notify("Saved: the list opens with this filter "
                                                "next time", title="Settings saved"),
                     group="save-filter")

    def action_save_favourite(self, name: str = "") -> AwaitMount:
        """Save the current filter as a named favourite (``name``: the one typed
        before, asked again)."""
        self._skip_resume = True
        return self.app.push_screen(NameDialog("Save the current filter as a favourite",
                                               name, check=filters.favorite_name),
                                    self._favourite_named)

    def _favourite_named(self, name: str | None, *, replace: bool = False) -> None:
        if not name:
            return
        criteria = self.criteria  # as it was when named (the list may move on meanwhile)
        call_service(self, filters.save_favorite, self.crm.actor, name, criteria,
                     replace=replace,
                     done=lambda info: self.notify(f"Favourite “{printable(info.name)}” saved",
                                                   markup=False),
                     failed=self._favourite_failed, group="save-filter")

    def _favourite_failed(self, exc: CrmError) -> None:
        if isinstance(exc, AlreadyExists):
            self._skip_resume = True
            self.app.push_screen(
                ConfirmDialog(f"Replace your favourite “{printable(exc.name)}” with the "
                              "current filter?", title="Favourite exists", yes="Replace"),
                # No: the name typed, asked again (the dialog closed, the name lost)
                lambda yes: self._favourite_named(exc.name, replace=True) if yes
                else self.action_save_favourite(exc.name))
            return
        self.notify(plain(str(exc)).plain, title="Not saved", severity="error", markup=False)

    def action_favourites(self) -> AwaitMount:
        """Pick one of my favourite filters."""
        self._skip_resume = True
        return self.app.push_screen(FavouritesDialog(), self._favourite_chosen)

    def _favourite_chosen(self, choice: FavouriteChoice | None) -> None:
        if choice == "save":
            self.action_save_favourite()
        elif isinstance(choice, SavedFilterInfo):
            self.set_criteria(choice.criteria)
            self.notify(f"Filter “{printable(choice.name)}”", markup=False)


def _default_and_first_page(actor: Actor, today: dt.date,
                            limit: int) -> tuple[OrderFilter, OrderFilter, OrderPage]:
    """The saved default filter, resolved for today, and its first page: one worker
    trip when the list first opens, not two (each waits for the busy start-up UI)."""
    criteria = filters.get_default(actor) or LIST_DEFAULT
    resolved = criteria.resolved(today)
    return criteria, resolved, order_list.list_orders(actor, resolved, limit=limit)
