"""A paged table of contact orders: feed it OrderRows, it posts OrderChosen on Enter."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.events import Resize
from textual.message import Message
from textual.widgets import DataTable

from crm_tui.domain.records import Cursor, OrderRow
from crm_tui.domain.text import printable
from crm_tui.tui.widgets.fast_table import FastTable

COMPLETED_STYLE = "#5c7cfa"
"""Completed orders: dark blue, as in the manual (readable on dark and light themes)."""


def cell(value: object, style: str = "", *, right: bool = False) -> Text:
    """User text as a safe, one-line table cell (never markup, no control codes)."""
    return Text(printable("" if value is None else str(value)).replace("\n", " "),
                style=style, no_wrap=True, overflow="ellipsis",
                justify="right" if right else "left")


@dataclass(frozen=True)
class Col:
    """A column: fixed width, or a share of the space left over (with a minimum). A
    fixed-width column grows to fit its widest cell (a serial of seven digits). Where
    the columns' least widths do not fit (a phone's 60 columns), those with a ``drop``
    go, the highest first: the rest show whole instead of all of them cut and scrolled
    sideways."""

    key: str
    label: str
    width: int = 0
    share: int = 0
    minimum: int = 4
    drop: int = 0


def kept_columns(columns: Sequence[Col], total: int, padding: int = 1) -> list[int]:
    """The indexes of ``columns`` shown at ``total`` cells (see Col.drop)."""
    kept = list(range(len(columns)))

    def least() -> int:
        return sum(2 * padding + (columns[i].width or columns[i].minimum) for i in kept) + 2

    while least() > total:
        droppable = [i for i in kept if columns[i].drop]
        if not droppable:
            break
        kept.remove(max(droppable, key=lambda i: columns[i].drop))
    return kept


def fit_widths(columns: Sequence[Col], total: int, padding: int = 1) -> list[int]:
    """Widths for ``columns`` so that the table fits ``total`` cells."""
    spare = total - sum(2 * padding + c.width for c in columns) - 2  # scrollbar
    shares = sum(c.share for c in columns) or 1
    widths = [c.width or max(c.minimum, spare * c.share // shares) for c in columns]
    flexible = [i for i, c in enumerate(columns) if c.share]
    left = total - 2 - sum(2 * padding + w for w in widths)
    if flexible and left > 0:
        widths[flexible[0]] += left
    for i in reversed(flexible):  # minimums raised past the width: the last ones give
        if left >= 0:
            break
        give = min(-left, widths[i] - columns[i].minimum)
        widths[i] -= give
        left += give
    return widths


class FittedTable(FastTable):
    """A row-cursor DataTable whose columns share the width; Home/End go to first/last row.

    Enter runs the screen's "open" action within the key press (a priority binding), so
    keys typed right after it reach the screen it opens. As a RowSelected message, the
    open came after those keys, which this table's screen then took: on the to-do, Enter
    and "done" typed at once marked the booking done. A click still selects the row.
    """

    BINDINGS = [
        Binding("enter", "screen.open", "Open", priority=True),
        Binding("home", "scroll_top", "First", show=False),
        Binding("end", "scroll_bottom", "Last", show=False),
    ]
    COLUMNS: Sequence[Col] = ()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Enter's "screen.open" is offered as the screen says ("Open" showed in the
        footer of the admin's outbox and audit, where Enter opens nothing)."""
        if action == "screen.open":
            return self.screen.check_action("open", parameters)
        return super().check_action(action, parameters)

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=False)
        self._widths: list[int] = []
        self._cells: list[tuple[str, list[Text]]] = []
        self._total = 80  # the width the columns were last fitted to
        self._content: dict[int, int] = {}  # widest cell of each fixed-width column
        self._kept: list[int] = list(range(len(self.COLUMNS)))  # the columns shown

    def on_mount(self) -> None:
        """Add the columns for the current width."""
        self._fit(max(self.size.width, 80))

    def _on_resize(self, event: Resize) -> None:
        super()._on_resize(event)
        if event.size.width:
            self._fit(event.size.width)

    def _columns(self) -> list[Col]:
        """The columns, each fixed-width one as wide as its widest cell needs."""
        return [replace(c, width=max(c.width, self._content.get(i, 0))) if c.width else c
                for i, c in enumerate(self.COLUMNS)]

    def _fit(self, width: int) -> None:
        self._total = width
        columns = self._columns()
        kept = kept_columns(columns, width, self.cell_padding)
        widths = fit_widths([columns[i] for i in kept], width, self.cell_padding)
        if (widths, kept) == (self._widths, self._kept):
            return
        self._widths, self._kept = widths, kept
        row = self.cursor_row
        self.clear(columns=True)
        for i, w in zip(kept, widths, strict=True):
            col = self.COLUMNS[i]
            self.add_column(Text(col.label, style="bold", no_wrap=True), width=w, key=col.key)
        for key, cells in self._cells:
            self.add_row(*self._shown(cells), key=key)
        if self._cells:
            self.move_cursor(row=min(row, len(self._cells) - 1), animate=False)

    def put_rows(self, rows: Iterable[tuple[str, list[Text]]], *, append: bool = False,
                 keep: bool = False) -> None:
        """Show rows of (key, cells); with ``append`` add after the current ones; with
        ``keep`` the cursor stays on its row's key if that row is still there (a list
        read anew while the user works in it: it went to the first row)."""
        kept = self.key_at() if keep and not append else None
        self._put_rows(rows, append=append)
        if kept is not None:
            self.select_key(kept)

    def _put_rows(self, rows: Iterable[tuple[str, list[Text]]], *, append: bool) -> None:
        if not append:
            self._cells = []
            self.clear()
            self._content = {}
        known = {key for key, _ in self._cells}
        fixed = [i for i, c in enumerate(self.COLUMNS) if c.width]
        content = dict(self._content)
        for key, cells in rows:
            if key in known:
                continue
            known.add(key)
            self._cells.append((key, cells))
            for i in fixed:
                content[i] = max(content.get(i, 0), cells[i].cell_len)
            if self.columns:
                self.add_row(*self._shown(cells), key=key)
        if content != self._content:
            self._content = content
            if self.columns:
                self._fit(self._total)

    def _shown(self, cells: list[Text]) -> list[Text]:
        """A row's cells in the columns shown."""
        if len(self._kept) == len(self.COLUMNS):
            return cells
        return [cells[i] for i in self._kept]

    def key_at(self, row: int | None = None) -> str | None:
        """The key of a row (default: the cursor's), or None when empty."""
        index = self.cursor_row if row is None else row
        if not 0 <= index < len(self._cells):
            return None
        return self._cells[index][0]

    def keys(self) -> list[str]:
        """Keys of all rows, in order."""
        return [key for key, _ in self._cells]

    def row_text(self, key: str) -> list[str]:
        """The plain text of a row's cells (for tests and copying)."""
        for k, cells in self._cells:
            if k == key:
                return [c.plain for c in cells]
        raise KeyError(key)

    def select_key(self, key: str) -> bool:
        """Put the cursor on the row with ``key``; False if it is not loaded."""
        for index, (k, _cells) in enumerate(self._cells):
            if k == key:
                self.move_cursor(row=index, animate=False)
                return True
        return False


ORDER_COLUMNS = (
    Col("serial", "No.", width=5),
    Col("scheduled", "Scheduled", width=10),
    Col("subject", "Subject", share=38, minimum=12),
    Col("customer", "Customer", share=26, minimum=8),
    Col("status", "Status", share=19, minimum=6),
    Col("assignees", "Assigned", share=17, minimum=8, drop=1),
    Col("hours", "Hours", width=5, drop=2),
)


def _hours(hours: Decimal) -> str:
    """Time required: two decimals while that fits the column, else whole hours."""
    if not hours:
        return ""
    text = f"{hours:.2f}"
    return text if len(text) <= 5 else f"{hours:.0f}"


PARTIES = {"customer": "Customer", "facility": "Facility", "service_object": "Object",
           "contact": "Contact"}
"""What the fourth column can name, and its heading. A card names what differs from
row to row: a customer card's orders are all that customer's."""


def _party(row: OrderRow, party: str) -> str:
    if party == "contact":
        return row.contact.name
    return getattr(row, party) or ""


def order_cells(row: OrderRow, party: str = "customer") -> list[Text]:
    """The cells of an order (``party``: which of PARTIES the fourth column names);
    completed orders in dark blue."""
    style = COMPLETED_STYLE if row.completed else ""
    return [
        cell(row.serial, style, right=True),
        cell(row.scheduled.isoformat() if row.scheduled else "", style),
        cell(row.subject, style),
        cell(_party(row, party), style),
        cell(row.status or "", style),
        cell(", ".join(row.assignees), style),
        cell(_hours(row.hours), style, right=True),
    ]


class OrderTable(FittedTable):
    """Contact orders: serial, scheduled, subject, customer (or ``party``: see
    PARTIES), status, assignees, hours.

    ``set_orders`` replaces the rows, ``add_orders`` appends a page, ``prepend_orders``
    puts one before them. Set ``more`` when another page exists: the table posts
    ``MoreWanted`` once the cursor nears the end; ``earlier`` when rows come before the
    first loaded one: ``EarlierWanted`` near the top. Home and End past what is loaded
    post ``EdgeWanted``.
    """

    COLUMNS = ORDER_COLUMNS
    NEAR_END = 15

    @dataclass
    class OrderChosen(Message):
        """The user pressed Enter on an order."""

        table: OrderTable
        serial: int

    @dataclass
    class MoreWanted(Message):
        """The cursor is near the last loaded row and more rows exist."""

        table: OrderTable

    @dataclass
    class EarlierWanted(Message):
        """The cursor is near the first loaded row and rows exist before it."""

        table: OrderTable

    @dataclass
    class EdgeWanted(Message):
        """Home or End, with rows past the loaded ones on that side: the first page, or
        the last, is wanted in place of what is loaded."""

        table: OrderTable
        end: bool

    def __init__(self, *, party: str = "customer", id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.party = party
        self.COLUMNS = tuple(replace(c, key=party, label=PARTIES[party])
                             if c.key == "customer" else c for c in ORDER_COLUMNS)
        self.more = False
        self.earlier = False
        self._positions: dict[str, Cursor] = {}  # each loaded order's place in the list
        self._asked = False
        self._asked_earlier = False

    def on_mount(self) -> None:
        """Also ask for more rows when scrolled (mouse wheel) near the end."""
        super().on_mount()
        self.watch(self, "scroll_y", self._scrolled, init=False)

    def _scrolled(self, value: float) -> None:
        if value >= self.max_scroll_y - self.NEAR_END:
            self._check_near_end(force=True)

    def set_orders(self, rows: Iterable[OrderRow], *, more: bool = False,
                   earlier: bool = False, at_end: bool = False,
                   select: int | None = None, instead: int = 0) -> None:
        """Replace the rows; the cursor goes to the order ``select`` if it is there,
        else to the row ``instead`` (the one that took a gone order's place), or the
        last row with ``at_end`` (before the table asks for the rows past its ends: on
        the first row it asked for those before it)."""
        rows = list(rows)
        self._positions = {str(r.serial): Cursor.at(r) for r in rows}
        self.put_rows((str(r.serial), order_cells(r, self.party)) for r in rows)
        found = select is not None and self.select_serial(select)
        if not found and self.row_count:
            last = self.row_count - 1
            self.move_cursor(row=last if at_end else min(instead, last), animate=False)
        self.more, self._asked = more, False
        self.earlier, self._asked_earlier = earlier, False
        self._check_near_end()
        self._check_near_top()

    def prepend_orders(self, rows: Iterable[OrderRow], *, earlier: bool = False) -> None:
        """Put a page of rows before the loaded ones; the cursor stays on its order."""
        rows = list(rows)
        self._positions.update((str(r.serial), Cursor.at(r)) for r in rows)
        new = [(str(r.serial), order_cells(r, self.party)) for r in rows]
        row = self.cursor_row
        self.put_rows(new + self._cells)
        if new and self.row_count:
            self.move_cursor(row=min(row + len(new), self.row_count - 1), animate=False)
        self.earlier, self._asked_earlier = earlier, False
        self._check_near_top()

    def action_scroll_top(self) -> None:
        """Home: the first row; if rows come before the loaded ones, the first page."""
        if self.earlier:
            self.post_message(self.EdgeWanted(self, end=False))
        super().action_scroll_top()

    def action_scroll_bottom(self) -> None:
        """End: the last row; if more rows come after the loaded ones, the last page (it
        loaded one more page a press)."""
        if self.more:
            self.post_message(self.EdgeWanted(self, end=True))
        super().action_scroll_bottom()

    def add_orders(self, rows: Iterable[OrderRow], *, more: bool = False) -> None:
        """Append a page of rows."""
        rows = list(rows)
        self._positions.update((str(r.serial), Cursor.at(r)) for r in rows)
        self.put_rows(((str(r.serial), order_cells(r, self.party)) for r in rows),
                      append=True)
        self.more, self._asked = more, False
        self._check_near_end()

    @property
    def current_position(self) -> Cursor | None:
        """The place in the list of the order under the cursor."""
        key = self.key_at()
        return self._positions.get(key) if key is not None else None

    @property
    def serials(self) -> list[int]:
        """Serials of the loaded rows, in order."""
        return [int(k) for k in self.keys()]

    @property
    def current_serial(self) -> int | None:
        """The serial under the cursor."""
        key = self.key_at()
        return int(key) if key is not None else None

    def select_serial(self, serial: int) -> bool:
        """Put the cursor on an order if it is loaded."""
        return self.select_key(str(serial))

    def _check_near_end(self, *, force: bool = False) -> None:
        near = force or self.cursor_row >= self.row_count - self.NEAR_END
        if self.more and not self._asked and near:
            self._asked = True
            self.post_message(self.MoreWanted(self))

    def _check_near_top(self) -> None:
        """The cursor (not a scroll: a table being refilled scrolls to its top) near the
        first loaded row, with rows before it."""
        if (self.earlier and not self._asked_earlier and self.row_count
                and self.cursor_row < self.NEAR_END):
            self._asked_earlier = True
            self.post_message(self.EarlierWanted(self))

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table is self:
            self._check_near_end()
            self._check_near_top()

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table is not self:
            return
        event.stop()
        serial = self.current_serial
        if serial is not None:
            self.post_message(self.OrderChosen(self, serial))
