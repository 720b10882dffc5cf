"""A DataTable whose plain one-line Text cells paint several times cheaper."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.widgets import DataTable

SegmentLines = list[list[Segment]]


def _plain_line(cell: object) -> bool:
    """A left-aligned, cropped one-line Text: what the short cut renders the same."""
    return (type(cell) is Text and cell.justify in (None, "default", "left")
            and cell.overflow in (None, "fold", "crop")
            and "\n" not in cell.plain and "\t" not in cell.plain)


class HitTable(DataTable[Text]):
    """The stock DataTable, with a short cut for the cells of a search as you type.

    Each keystroke replaces every visible cell, and DataTable renders a cell through
    Rich's general machinery (``Styled(Padding(cell))`` rendered into lines, wrapped,
    cropped and padded): about 0.15 ms a cell, 15 ms for a 160x48 screenful. A body
    cell that is a one-line ``Text`` comes out of that as the text's segments cropped
    or padded to the column, with the padding either side and the row's styles laid
    over them; this builds exactly that directly. Anything else (headers, row labels,
    fixed rows or columns, taller rows, other renderables) goes the stock way, and
    tests/tui/test_hit_table.py checks that both ways paint the same strips.
    """

    def _render_cell(self, row_index: int, column_index: int, base_style: Style, width: int,
                     cursor: bool = False, hover: bool = False) -> SegmentLines:
        if (row_index < self.fixed_rows or column_index < self.fixed_columns
                or row_index < 0 or column_index < 0):
            return super()._render_cell(row_index, column_index, base_style, width,
                                        cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        row = self.rows.get(row_key) if row_key is not None else None
        cell = self._data.get(row_key, {}).get(column_key) if row is not None else None
        if row is None or row.height != 1 or not _plain_line(cell):
            return super()._render_cell(row_index, column_index, base_style, width,
                                        cursor, hover)
        key = (row_key, column_key, base_style, cursor, hover, self._show_hover_cursor,
               self._update_count, self._pseudo_class_state, width)
        cached = self._cell_render_cache.get(key)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        component_style, post_style = self._get_styles_to_render_cell(
            False, False, False, hover, cursor, self.show_cursor, self._show_hover_cursor,
            self.cursor_foreground_priority == "css", self.cursor_background_priority == "css")
        console = self.app.console
        if cell.spans:
            segments = list(cell.render(console))
        else:  # render() leaves the text's own style to the caller when there are no spans
            segments = [Segment(cell.plain, console.get_style(cell.style) if cell.style
                                else None)]
        padding = self.cell_padding
        line = Segment.adjust_line_length(segments, max(0, width - 2 * padding))
        if padding:
            line = [Segment(" " * padding), *line, Segment(" " * padding)]
        pre_style = (base_style + Style.from_meta({"row": row_index, "column": column_index})
                     + component_style)
        lines = [list(Segment.apply_style(line, pre_style, post_style or None))]
        self._cell_render_cache[key] = lines
        return lines
