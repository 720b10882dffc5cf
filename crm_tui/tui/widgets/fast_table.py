"""A DataTable whose one-line Text cells paint several times cheaper."""

from __future__ import annotations

from collections.abc import Iterable

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

SegmentLines = list[list[Segment]]


def _one_line(cell: object) -> bool:
    """A Text the short cut renders exactly as Rich does: one line, no tabs, not wrapped,
    left/right/default justified, cropped, folded or cut with an ellipsis."""
    return (type(cell) is Text and cell.no_wrap is not False
            and cell.justify in (None, "default", "left", "right")
            and cell.overflow in (None, "fold", "crop", "ellipsis")
            and "\n" not in cell.plain and "\t" not in cell.plain)


class FastTable(DataTable[Text]):
    """The stock DataTable, with a short cut for cells that are one line of Text.

    DataTable renders every cell through Rich's general machinery (``Styled(Padding(
    cell))`` rendered into lines, then split, cropped and padded): about 0.15 ms a
    cell, so a 160x48 screen of search results took ~15 ms and a page of orders ~40 ms
    to paint, every time the rows change. For a body cell that is one line of Text
    (the rows of this app) the result is the text fitted to the column by Rich's own
    ``Text.wrap`` (justify, crop or ellipsis), padded, with the row's styles laid over
    it; this builds that directly. Anything else (headers, row labels, fixed rows or
    columns, taller rows, other renderables) goes the stock way.
    tests/tui/test_fast_table.py checks that both ways paint the same strips.

    Likewise, after rows are added DataTable measures every new cell to size its
    columns (~10-20 ms for a page of 100 orders); when every column has a fixed width
    and the new rows have no labels and a fixed height, the measures change nothing
    and only the scrollable size is worked out.
    """

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        keys = list(new_rows)
        rows = [row for row in map(self.rows.get, keys) if row is not None]  # may be gone
        if (any(column.auto_width for column in self.columns.values())
                or any(row.label is not None or row.auto_height for row in rows)):
            super()._update_dimensions(keys)
            return
        width = sum(column.get_render_width(self) for column in self.columns.values())
        header = self.header_height if self.show_header else 0
        self.virtual_size = Size(width + self._row_label_column_width,
                                 self._total_row_height + header)

    def _render_cell(self, row_index: int, column_index: int, base_style: Style, width: int,
                     cursor: bool = False, hover: bool = False) -> SegmentLines:
        inner = width - 2 * self.cell_padding
        row_key = self._row_locations.get_key(row_index) if row_index >= 0 else None
        column_key = self._column_locations.get_key(column_index)
        row = self.rows.get(row_key) if row_key is not None else None
        cell = self._data.get(row_key, {}).get(column_key) if row is not None else None
        if (row is None or row.height != 1 or inner <= 0 or not _one_line(cell)
                or row_index < self.fixed_rows or column_index < self.fixed_columns):
            return super()._render_cell(row_index, column_index, base_style, width,
                                        cursor, hover)
        assert isinstance(cell, Text)
        key = (row_key, column_key, base_style, cursor, hover, self._show_hover_cursor,
               self._update_count, self._pseudo_class_state, width)
        cached = self._cell_render_cache.get(key)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        component_style, post_style = self._get_styles_to_render_cell(
            False, False, False, hover, cursor, self.show_cursor, self._show_hover_cursor,
            self.cursor_foreground_priority == "css", self.cursor_background_priority == "css")
        console = self.app.console
        line = cell
        if cell.justify not in (None, "default") or cell.cell_len > inner:
            line = cell.wrap(console, inner, justify=cell.justify or "default",
                             overflow=cell.overflow or "fold", no_wrap=True)[0]
        if line.spans:
            segments = list(line.render(console))
        else:  # render() leaves the text's own style to the caller when there are no spans
            segments = [Segment(line.plain, console.get_style(line.style) if line.style
                                else None)]
        fitted = Segment.adjust_line_length(segments, inner)
        if self.cell_padding:
            pad = Segment(" " * self.cell_padding)
            fitted = [pad, *fitted, pad]
        pre_style = (base_style + Style.from_meta({"row": row_index, "column": column_index})
                     + component_style)
        lines = [list(Segment.apply_style(fitted, pre_style, post_style or None))]
        self._cell_render_cache[key] = lines
        return lines
