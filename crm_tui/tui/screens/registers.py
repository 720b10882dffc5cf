"""Registers: one search box over customers, facilities and service objects."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.actions import SkipAction
from textual.binding import Binding
from textual.events import Key, Resize
from textual.widget import AwaitMount, Widget
from textual.widgets import DataTable, Input, Static, Tab, Tabs

from crm_tui.domain.errors import CrmError
from crm_tui.domain.permissions import Perm
from crm_tui.domain.records import OrderInput, SearchHit
from crm_tui.services import registers
from crm_tui.tui.screens.base import CrmScreen
from crm_tui.tui.widgets.fast_table import FastTable
from crm_tui.tui.widgets.picker import highlight
from crm_tui.tui.work import call_service

REGISTER_TABS: tuple[tuple[str, str], ...] = (
    ("all", "All"), ("customers", "Customers"), ("facilities", "Facilities"),
    ("service-objects", "Service objects"),
)
KIND_LABELS = {"customers": "Customer", "facilities": "Facility",
               "service-objects": "Object"}
PLURALS = {"customers": "customers", "facilities": "facilities",
           "service-objects": "service objects"}
CHROME_ROWS = 11
"""Screen lines that are not result rows: header, search box, tabs, the table's own
header, hint and footer (an estimate for when the table has no size yet)."""
MIN_ROWS = 6
EMPTY_HINT = ("The registers are empty. Press ctrl+n for a new contact order and type a "
              "new customer name: the customer is added to the register when you save.")


@dataclass(frozen=True)
class MoreRow:
    """The line after a register's last shown hit, when it has more."""

    register: str


def _cut(text: Text) -> Text:
    """A cell that ends in "…" where its column cuts it."""
    text.no_wrap, text.overflow = True, "ellipsis"
    return text


def allot(counts: Mapping[str, int], rows: int) -> dict[str, int]:
    """How many hits of each register to show in ``rows`` table lines.

    The lines are shared out one hit at a time, register by register, so each register
    shows its first hits on the first screen; a register that keeps hits back also
    needs a line for its "more" row. ``counts`` are the hits at hand per register.
    """
    shown = dict.fromkeys(counts, 0)

    def lines() -> int:
        return sum(n + (n < counts[key]) for key, n in shown.items())

    grew = True
    while grew:
        grew = False
        for key in counts:
            if shown[key] < counts[key]:
                shown[key] += 1
                if lines() <= rows:
                    grew = True
                else:
                    shown[key] -= 1
    return shown


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
        # priority: opened within the key press, so keys typed right after Enter reach
        # the card it opens, not the search box (see FittedTable)
        Binding("enter", "open", "Open", show=True, priority=True),
        Binding("ctrl+n,a", "add_order", "Add order", show=True),
        Binding("ctrl+r", "next_register", "Register", show=True,
                tooltip="Switch register: all / customers / facilities / service objects"),
        Binding("down", "cursor(1)", "Next result", show=False),
        Binding("up", "cursor(-1)", "Previous result", show=False),
        Binding("ctrl+f", "focus_search", "Search", show=False),
    ]
    NEEDS = {"add_order": Perm.CREATE}  # dimmed, and its key says so, without it

    def __init__(self) -> None:
        super().__init__()
        self.register_key = "all"
        self.hits: list[SearchHit] = []
        self.rows: list[SearchHit | MoreRow] = []
        self.query_text = ""
        self.loaded = False
        self._extra = 0  # rows added by "more" in a one-register view
        self._more_from: tuple[str, int] | None = None  # "more" in all: register, shown
        self._asked = 0  # the newest search started ...
        self._answered = 0  # ... and the newest one shown (or failed)
        self._rows_fitted = 0  # the screenful the shown results were fetched for
        self._widths: tuple[int, int] = (0, 0)  # of the Name and Details columns
        self._shown: tuple[str, int, int, list[SearchHit]] | None = None  # _show's answer
        self._hint: Text | None = None
        # a key's action waiting for the results of the text typed before it, and its end
        self._waiting: tuple[Callable[[], object], asyncio.Future[None]] | None = None

    def compose_body(self) -> Iterable[Widget]:
        """Search box, register switch, results and a hint line."""
        yield Input(placeholder="Search by name, number, city, phone… (no accents needed)",
                    id="search")
        tabs = Tabs(*(Tab(label, id=f"reg-{key}") for key, label in REGISTER_TABS),
                    id="register")
        tabs.can_focus = False
        yield tabs
        yield FastTable(id="hits", cursor_type="row", zebra_stripes=True)
        yield Static(Text("Searching…"), id="hint", classes="empty-state")

    def on_mount(self) -> None:
        """Columns, focus the search box, show the first entries."""
        self.query_one("#search", Input).focus()
        self.search_now()

    def on_screen_resume(self) -> None:
        """Refresh when coming back from a card or form (names may have changed); the
        search text kept is selected, so that a new search typed replaces it (it was
        typed on after it: "Hellström FastigheterSolrosen")."""
        search = self.query_one("#search", Input)
        if search.has_focus and search.value:
            search.select_all()
        self.refresh_data()

    def refresh_data(self) -> None:
        """Someone changed the data: search again (unless the user is typing)."""
        if self.loaded and not self.searching:
            self.search_now(keep_cursor=True)

    def on_resize(self, event: Resize) -> None:
        """A taller or shorter terminal: fetch a screenful for the new size."""
        if self.loaded:
            self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        if self.searching:
            return
        if self._fitting_rows() != self._rows_fitted:
            self.search_now(keep_cursor=True)
        elif self._column_widths() != self._widths and self._shown is not None:
            self._show(self._asked, *self._shown, keep_cursor=True)  # as wide as it is now

    def _column_widths(self) -> tuple[int, int]:
        """Name and Details share the table's width (they took the width of their
        longest cell, and Details ran off the screen with no sign of it): Name as
        wide as its longest entry, up to two fifths."""
        table = self.query_one("#hits", DataTable)
        free = max(table.size.width or self.size.width, 40) - 8 - 6 * table.cell_padding - 1
        longest = max((Text(row.title).cell_len for row in self.rows
                       if isinstance(row, SearchHit)), default=10)
        name = min(max(longest, 10), max(16, free * 2 // 5))
        return name, max(10, free - name)

    # Searching --------------------------------------------------------------

    @on(Input.Changed, "#search")
    def _typed(self, event: Input.Changed) -> None:
        # At once, no debounce: a search takes a few ms, a newer one cancels it and a
        # stale answer is dropped, so a key never waits for a timer.
        self._extra = 0
        self.search_now()

    def _fitting_rows(self) -> int:
        """Result rows that fit the table without scrolling."""
        table = self.query_one("#hits", DataTable)
        if table.display and table.size.height:  # less a horizontal scrollbar, if any
            visible = table.scrollable_content_region.height - (
                table.header_height if table.show_header else 0)
        else:
            visible = (self.size.height or self.app.size.height) - CHROME_ROWS
        return max(MIN_ROWS, visible)

    def search_now(self, *, keep_cursor: bool = False) -> None:
        """Search now for a screenful of results; a newer search cancels this one."""
        text = self.query_one("#search", Input).value
        register = self.register_key
        fitted = self._fitting_rows()
        rows = fitted + (self._extra if register != "all" else 0)
        self._asked += 1
        asked = self._asked
        # One more hit than fits tells whether a register has more than it shows.
        call_service(self, registers.search, self.crm.actor, text, register, rows + 1,
                     done=lambda hits: self._show(asked, text, fitted, rows, hits,
                                                  keep_cursor),
                     failed=lambda exc: self._failed(asked, exc), group="search",
                     exclusive=True)

    @property
    def searching(self) -> bool:
        """True while the newest search has not been shown yet."""
        return self._answered != self._asked

    def _show(self, asked: int, text: str, fitted: int, rows: int, hits: list[SearchHit],
              keep_cursor: bool) -> None:
        if asked != self._asked:
            return  # a newer search is on its way
        self._answered = asked
        self._rows_fitted = fitted
        self.loaded = True
        self.query_text = text
        groups: dict[str, list[SearchHit]] = {}
        for hit in hits:
            groups.setdefault(hit.register, []).append(hit)
        shown = allot({key: len(found) for key, found in groups.items()}, rows)
        self.hits, self.rows = [], []
        for key, found in groups.items():
            self.hits += found[:shown[key]]
            self.rows += found[:shown[key]]
            if shown[key] < len(found):
                self.rows.append(MoreRow(key))
        self._shown = (text, fitted, rows, hits)
        table = self.query_one("#hits", DataTable)
        cursor = table.cursor_row if keep_cursor else 0
        if self._more_from is not None and self._more_from[0] == self.register_key:
            cursor = self._more_from[1]  # the first hit that "more" brought
        self._more_from = None
        kept = self._row_key(self.current_row()) if keep_cursor else None
        widths = self._column_widths()
        if widths != self._widths or not table.columns:
            self._widths = widths
            table.clear(columns=True)
            table.add_column("Register", width=8, key="kind")
            table.add_column("Name", width=widths[0], key="name")
            table.add_column("Details", width=widths[1], key="details")
        else:
            table.clear()
        for row in self.rows:
            key = self._row_key(row)
            if isinstance(row, MoreRow):
                table.add_row(Text(""), *map(_cut, self._more_cells(row)), key=key)
            else:
                table.add_row(Text(KIND_LABELS.get(row.register, row.register), style="dim"),
                              _cut(highlight(row.title, text)),
                              _cut(highlight(row.subtitle, text)), key=key)
            if key == kept:
                cursor = table.row_count - 1
        if cursor and self.rows:
            table.move_cursor(row=min(cursor, len(self.rows) - 1))
        table.display = bool(self.rows)
        self.call_after_refresh(self._refit)  # the table may be taller or shorter now
        self._run_waiting()
        if self.hits:
            self._set_hint(Text(f"{len(self.hits)} shown · Enter opens the card · ctrl+n "
                                "adds a contact order for it", style="dim"))
        elif text.strip():
            self._set_hint(Text.assemble("No matches for ", (text.strip(), "bold"),
                                         ". Try part of the name, a number, city or phone."))
        else:
            self._set_hint(Text(EMPTY_HINT))

    @staticmethod
    def _row_key(row: SearchHit | MoreRow | None) -> str | None:
        if row is None:
            return None
        return f"more:{row.register}" if isinstance(row, MoreRow) else f"{row.register}:{row.id}"

    def _more_cells(self, row: MoreRow) -> tuple[Text, Text]:
        noun = PLURALS.get(row.register, row.register)
        if self.register_key == "all":
            action = f"Enter lists only {noun}"
        else:
            action = "Enter (or ↓ to here) shows more"
        return Text(f"more {noun}…", style="italic"), Text(action, style="dim")

    def _set_hint(self, text: Text) -> None:
        """Update the hint only when it changes (an update lays the screen out again)."""
        if text != self._hint:
            self._hint = text
            self.query_one("#hint", Static).update(text)

    def _failed(self, asked: int, exc: CrmError) -> None:
        if asked != self._asked:
            return
        self._answered = asked
        self._set_hint(Text(f"Search failed: {exc}", style="bold red"))
        if self._waiting is not None:
            _action, ended = self._waiting
            self._waiting = None
            if not ended.done():
                ended.set_result(None)  # nothing to act on: the keys go on

    @property
    def stale(self) -> bool:
        """True while the results shown are not those of the text typed (its search
        is on its way, or not even asked: the box's Changed message is still queued)."""
        return self.searching or self.query_one("#search", Input).value != self.query_text

    def when_current(self, action: Callable[[], object]) -> object:
        """Run a key's action on the results of the text typed before it: now, or once
        they are shown. Enter, ctrl+n or Down typed with the text took the results of
        the text before (another customer's card, an order for it). What this returns
        the app awaits before it handles the next key, so the keys after it wait too."""
        if not self.stale:
            return action()
        if self._waiting is not None and not self._waiting[1].done():
            self._waiting[1].set_result(None)  # (one key at a time: not expected)
        self._waiting = (action, asyncio.get_running_loop().create_future())
        return self._waiting[1]

    def _run_waiting(self) -> None:
        """The results of the text typed are shown: the waiting key's action, then the
        keys after it."""
        if self._waiting is None or self.stale:
            return  # typed on meanwhile: wait for those
        action, ended = self._waiting
        self._waiting = None
        done = action()

        async def finished() -> None:
            if inspect.isawaitable(done):
                await done
            if not ended.done():
                ended.set_result(None)

        asyncio.get_running_loop().create_task(finished())

    # Register switch --------------------------------------------------------

    @on(Tabs.TabActivated, "#register")
    def _tab(self, event: Tabs.TabActivated) -> None:
        register = (event.tab.id or "reg-all").removeprefix("reg-")
        if register != self.register_key:
            self.register_key = register
            self._extra = 0
            if self._more_from is not None and self._more_from[0] == register:
                self._extra = self._fitting_rows()  # what "all" showed, and a screenful
            else:
                self._more_from = None
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

    def current_row(self) -> SearchHit | MoreRow | None:
        """The highlighted row: a result or a "more" line."""
        table = self.query_one("#hits", DataTable)
        if not self.rows or table.cursor_row is None:
            return None
        return self.rows[min(max(table.cursor_row, 0), len(self.rows) - 1)]

    def current_hit(self) -> SearchHit | None:
        """The highlighted result (None on a "more" line)."""
        row = self.current_row()
        return row if isinstance(row, SearchHit) else None

    def show_more(self, register: str) -> None:
        """All registers: list only ``register``, a screenful more than "all" showed,
        the cursor on the first new one; one register: a screenful more."""
        if self.register_key == "all":
            self._more_from = (register, sum(hit.register == register for hit in self.hits))
            self.set_register(register)
        elif not self.searching:
            self._extra += self._fitting_rows()
            self.search_now(keep_cursor=True)

    @on(DataTable.RowHighlighted, "#hits")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        row = self.current_row()
        if isinstance(row, MoreRow) and self.register_key != "all":
            self.show_more(row.register)  # scrolling on past the last hit fetches more

    def action_cursor(self, step: int) -> object:
        """Move the result cursor from the search box (in the results of what was
        typed)."""
        table = self.query_one("#hits", DataTable)
        if table.has_focus:
            raise SkipAction()
        return self.when_current(table.action_cursor_down if step > 0
                                 else table.action_cursor_up)

    def action_focus_search(self) -> None:
        """Back to the search box (at once: the keys after it are typed there)."""
        self.set_focus(self.query_one("#search", Input))

    def section_entered(self) -> None:
        """F4 (or 3) lands in the search box, its text selected for a new search: from
        the results list, it left the focus there."""
        if not self.is_mounted:
            return  # opened for the first time: it starts in the search box
        search = self.query_one("#search", Input)
        self.set_focus(search)
        if search.value:
            search.select_all()

    def on_key(self, event: Key) -> None:
        """A letter with no key of its own, typed in the results list, starts a new
        search in the search box, which takes the focus ("hansson" typed there was
        dropped up to its "a", which added an order)."""
        table = self.query_one("#hits", DataTable)
        if not (table.has_focus and event.is_printable and event.character
                and event.key not in self.active_bindings):
            return
        event.stop()
        event.prevent_default()
        search = self.query_one("#search", Input)
        self.set_focus(search)  # which selects its text: the key, sent after, replaces it
        search.post_message(Key(event.key, event.character))

    @on(Input.Submitted, "#search")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_open()

    @on(DataTable.RowSelected, "#hits")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> object:
        """Open the highlighted entry's card (on a "more" line: show more), in the
        results of the text typed (see when_current)."""
        return self.when_current(self._open)

    def _open(self) -> AwaitMount | None:
        row = self.current_row()
        if isinstance(row, MoreRow):
            self.show_more(row.register)
            return None
        hit = self.current_hit()
        if hit is None:
            self.notify("Nothing to open: type to search first", severity="warning")
            return None
        if hit.register == "customers":
            return self.crm.open_customer(hit.id)
        if hit.register == "facilities":
            return self.crm.open_facility(hit.id)
        return self.crm.open_service_object(hit.id)

    def action_add_order(self) -> object:
        """New contact order from the highlighted entry (or a blank one), in the
        results of the text typed (see when_current)."""
        return self.when_current(self._add_order)

    def _add_order(self) -> AwaitMount | None:
        hit = self.current_hit()
        return self.crm.open_order(None, prefill=order_input_for(hit) if hit else None)
