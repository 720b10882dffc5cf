"""HitTable's short cut paints exactly what the stock DataTable paints."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable

from crm_tui.tui.widgets.hit_table import HitTable
from crm_tui.tui.widgets.picker import highlight


def cells() -> list[tuple[Text, Text, Text]]:
    """Rows that exercise the short cut and the cases it leaves to DataTable."""
    long = "Ångströms Fastighetsförvaltning och Ventilationsservice i Norrland AB " * 2
    return [
        (Text("Customer", style="dim"), highlight("Bergström Värme AB", "bergstrom"),
         highlight("1001 · Stockholm · 08-043 32 18", "08")),
        (Text("Facility", style="dim"), highlight(long, "norr"), Text(long)),
        (Text(""), Text("more customers…", style="italic"), Text("Enter shows more",
                                                                 style="dim")),
        (Text("Object"), Text("東京 ポンプ 全角"), highlight("Ärlig ärlig ÄRLIG", "arlig")),
        (Text("Right", justify="right"), Text("cut…" * 40, overflow="ellipsis"),
         Text("tab\there")),
        (Text("x" * 30), Text("bold", style="bold red on blue"), Text("")),
    ]


class Tables(App[None]):
    """The same rows in a stock DataTable and in a HitTable."""

    def compose(self) -> ComposeResult:
        yield DataTable(id="stock", cursor_type="row", zebra_stripes=True)
        yield HitTable(id="fast", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        for table in self.query(DataTable):
            table.styles.height = 10
            table.add_column("Register", width=8)
            table.add_column("Name", width=30)
            table.add_column("Details")
            for row in cells():
                table.add_row(*(cell.copy() for cell in row))


def painted(table: DataTable[Text]) -> list[Strip]:
    """Every line the table paints, as strips (segments and styles)."""
    return table.render_lines(Region(0, 0, table.size.width, table.size.height))


async def test_short_cut_paints_the_same_strips() -> None:
    app = Tables()
    async with app.run_test(size=(120, 24)) as pilot:
        await pilot.pause()
        stock = app.query_one("#stock", DataTable)
        fast = app.query_one("#fast", HitTable)
        for cursor in (0, 1, 3):  # the cursor row has its own style
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
