"""FastTable's short cut paints exactly what the stock DataTable paints."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable

from crm_tui.domain.records import Actor
from crm_tui.tui.app import CrmApp
from crm_tui.tui.widgets.fast_table import FastTable
from crm_tui.tui.widgets.order_table import COMPLETED_STYLE, Col, cell
from crm_tui.tui.widgets.picker import highlight
from tests.tui.conftest import settle

LONG = "Ångströms Fastighetsförvaltning och Ventilationsservice i Norrland AB " * 2


def cells() -> list[tuple[Text, ...]]:
    """Rows that exercise the short cut and the cases it leaves to DataTable."""
    return [
        # Register search: dim, highlighted, plain, too long for the column.
        (Text("Customer", style="dim"), highlight("Bergström Värme AB", "bergstrom"),
         highlight("1001 · Stockholm · 08-043 32 18", "08"), Text("")),
        (Text("Facility", style="dim"), highlight(LONG, "norr"), Text(LONG), Text("x")),
        (Text(""), Text("more customers…", style="italic"),
         Text("Enter shows more", style="dim"), Text(" ")),
        (Text("Object"), Text("東京 ポンプ 全角 東京 ポンプ 全角 東京 ポンプ 全角 東京"),
         highlight("Ärlig ärlig ÄRLIG", "arlig"), Text("東京東京東京東京東京")),
        # Order lists: cell() is one line, cut with an ellipsis, left or right aligned.
        (cell(20417, right=True), cell(LONG), cell("Göteborg", COMPLETED_STYLE),
         cell("7.50", right=True)),
        (cell("   padded  ", right=True), cell("trailing   "), cell(None),
         cell(LONG, COMPLETED_STYLE, right=True)),
        (Text.assemble(("Bold", "bold"), " then ", ("red", "red")),
         Text("bold", style="bold red on blue"), Text("Right", justify="right"),
         Text("left", justify="left", style="underline")),
        # Left to DataTable: wrapped, tabs, centred, several lines, plain strings.
        (Text("wraps " * 10, no_wrap=False), Text("tab\there"), Text("mid", justify="center"),
         Text("two\nlines")),
        ("plain [b]string[/b]", 12.5, None, Text("ignore " * 10, overflow="ignore")),
    ]


class Tables(App[None]):
    """The same rows in a stock DataTable and in a FastTable."""

    def compose(self) -> ComposeResult:
        yield DataTable(id="stock", cursor_type="row", zebra_stripes=True)
        yield FastTable(id="fast", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        for table in self.query(DataTable):
            table.styles.height = 12
            table.add_column("Register", width=8)
            table.add_column("Name", width=30)
            table.add_column("Details")
            table.add_column("Hours", width=6)
            for row in cells():
                table.add_row(*(c.copy() if isinstance(c, Text) else c for c in row))


def painted(table: DataTable[Text]) -> list[Strip]:
    """Every line the table paints, as strips (segments and styles)."""
    return table.render_lines(Region(0, 0, table.size.width, table.size.height))


async def test_short_cut_paints_the_same_strips() -> None:
    app = Tables()
    async with app.run_test(size=(150, 30)) as pilot:
        await pilot.pause()
        stock = app.query_one("#stock", DataTable)
        fast = app.query_one("#fast", FastTable)
        for cursor in (0, 1, 4, 5):  # the cursor row has its own style
            for focused in (False, True):  # so has a focused table
                strips = []
                for table in (stock, fast):
                    table.move_cursor(row=cursor)
                    if focused:
                        table.focus()
                    else:
                        app.set_focus(None)
                    await pilot.pause()
                    strips.append(painted(table))
                expected, got = strips
                assert [s.text for s in got] == [s.text for s in expected]
                assert [list(s) for s in got] == [list(s) for s in expected]


class FixedTables(App[None]):
    """Fixed-width columns only (as in the order list): no cell needs measuring."""

    def compose(self) -> ComposeResult:
        yield DataTable(id="stock", cursor_type="row")
        yield FastTable(id="fast", cursor_type="row")

    def on_mount(self) -> None:
        for table in self.query(DataTable):
            table.styles.height = 12
            for label, width in (("No.", 6), ("Subject", 24), ("Customer", 18)):
                table.add_column(label, width=width)
            for row in cells()[:6]:
                table.add_row(*(c.copy() for c in row[:3]))


async def test_fixed_width_columns_size_the_table_without_measuring() -> None:
    app = FixedTables()
    async with app.run_test(size=(150, 30)) as pilot:
        await pilot.pause()
        stock = app.query_one("#stock", DataTable)
        fast = app.query_one("#fast", FastTable)
        app.set_focus(None)  # a focused table paints its header and cursor differently
        await pilot.pause()
        for _ in range(2):  # as built, then with a page appended
            assert fast.virtual_size == stock.virtual_size
            assert [list(s) for s in painted(fast)] == [list(s) for s in painted(stock)]
            for table in (stock, fast):
                for number in range(20):
                    table.add_row(cell(number, right=True), cell(LONG), cell("Umeå"))
            await pilot.pause()
        assert fast.virtual_size.height == 1 + 6 + 20 + 20


def test_columns_whose_minimums_add_up_past_the_width_still_fit() -> None:
    """The audit table at 80 columns: its shared columns' minimums came to more than
    the width, and the last column ran past the edge without its "…"."""
    from crm_tui.tui.screens.admin_audit import AuditTable
    from crm_tui.tui.widgets.order_table import fit_widths

    for total in (80, 120):
        widths = fit_widths(AuditTable.COLUMNS, total)
        assert sum(widths) + 2 * len(widths) + 2 == total, (total, widths)
        assert all(w >= c.minimum for w, c in zip(widths, AuditTable.COLUMNS, strict=True))


def test_columns_that_cannot_all_fit_drop_the_least_needed() -> None:
    """At a phone's 60 columns the order list's minimums came to 70: every column was
    cut to a few letters and the table scrolled sideways. The hours go first, then the
    assignees; at 80 all are there; columns without a drop stay however narrow."""
    from crm_tui.tui.screens.todo import TodoTable
    from crm_tui.tui.widgets.order_table import ORDER_COLUMNS, kept_columns

    def keys(columns: tuple[Col, ...], total: int) -> list[str]:
        return [columns[i].key for i in kept_columns(columns, total)]

    everything = [c.key for c in ORDER_COLUMNS]
    assert keys(ORDER_COLUMNS, 80) == everything
    assert keys(ORDER_COLUMNS, 66) == everything[:-1]
    assert keys(ORDER_COLUMNS, 60) == everything[:-2]
    assert keys(ORDER_COLUMNS, 20) == everything[:-2]
    assert keys(TodoTable.COLUMNS, 60) == [c.key for c in TodoTable.COLUMNS][:-1]


async def test_the_order_list_at_60_columns_shows_whole_columns(
        eva: Actor, make_app: Callable[..., CrmApp]) -> None:
    """On a phone the list fits without sideways scrolling; back at 80 columns the
    hours and assignees return, the cursor on the same order."""
    from tests.tui.test_orders_list import add_order, clock, open_orders

    for day in range(1, 6):
        add_order(eva, "Bergström Värme AB", f"Service visit {day}", days=day)
    app = make_app("eva", clock=clock)
    async with app.run_test(size=(60, 20)) as pilot:
        screen = await open_orders(app, pilot)
        table = screen.table
        assert [str(k.value) for k in table.columns] == [
            "serial", "scheduled", "subject", "customer", "status"]
        assert table.virtual_size.width <= table.size.width
        await pilot.press("down", "down")
        await pilot.resize_terminal(80, 24)
        await settle(app, pilot)
        assert [str(k.value) for k in table.columns][-2:] == ["assignees", "hours"]
        assert table.virtual_size.width <= table.size.width
        assert table.key_at() == table.keys()[2]


def test_each_word_of_a_search_is_highlighted() -> None:
    """The register search finds words anywhere; each is highlighted where it is."""
    from crm_tui.tui.widgets.picker import match_spans

    assert match_spans("Forsberg Värme AB", "varme forsberg") == [(0, 8), (9, 14)]
    assert match_spans("Forsberg Värme AB", '"berg värme"') == [(4, 14)]
    assert match_spans("Forsberg Värme AB", "") == []


async def test_a_cards_service_objects_fit_80_columns(
        eva: Actor, make_app: Callable[..., CrmApp]) -> None:
    """At 80x24 a customer card's service objects took their widest cells, and the
    last column, the facility, showed three letters ("Huv", QA20 L4): the columns
    share the width, each cut with "…"; Enter still opens the highlighted one."""
    from crm_tui.services import registers
    from crm_tui.tui.screens.cards import CardTable
    from crm_tui.tui.screens.register_cards import ServiceObjectCardScreen

    berg = registers.add_customer(eva, "Restaurang Solrosen")
    site = registers.add_facility(eva, "Huvudkontor", berg.id)
    pump = registers.add_service_object(
        eva, "District heating substation (boiler room)", customer=berg.id,
        facility=site.id, model="Cetetherm Maxi Flex", serial_number="CE25646901")
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.open_customer(berg.id)
        await settle(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        table = app.screen.query_one("#objects-table", CardTable)
        assert table.virtual_size.width <= table.size.width
        assert table.row_text(str(pump.id))[3] == "Huvudkontor"
        assert "Huvudkontor" in app.export_screenshot()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ServiceObjectCardScreen)
