"""Boxes that say whether they are ticked without colour: a SelectionList (that also has
a highlighted row as soon as it has the focus) and a Checkbox."""

from __future__ import annotations

from rich.segment import Segment
from textual import events
from textual.binding import Binding
from textual.strip import Strip
from textual.widgets import Checkbox, SelectionList
from textual.widgets.option_list import OptionDoesNotExist

TICKED, UNTICKED = "X", " "


class TickList(SelectionList[str]):
    """The stock list draws the same "X" in every box, ticked or not, told apart by
    colour alone (lost on a monochrome phone terminal); and it takes the focus with
    no row highlighted, so Space and Enter did nothing until an arrow key."""

    def render_line(self, y: int) -> Strip:
        """The stock line, with the box's mark saying whether it is ticked."""
        strip = super().render_line(y)
        try:
            selection = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return strip
        segments = list(strip)
        if len(segments) < 4:  # not a line with a box
            return strip
        mark = TICKED if selection.value in self.selected else UNTICKED
        segments[1] = Segment(mark, segments[1].style)
        return Strip(segments, strip.cell_length)

    def on_focus(self, event: events.Focus) -> None:
        """Highlight the first row if none is."""
        if self.highlighted is None and self.option_count:
            self.highlighted = 0


class TickBox(Checkbox):
    """A Checkbox whose box is empty when it is off (the stock one draws "X" either
    way, told apart by colour alone)."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # noqa: N802 - Textual's name
        """X when on, a space when off."""
        return TICKED if self.value else UNTICKED


class SpaceTickBox(TickBox, inherit_bindings=False):
    """A TickBox in a form whose Enter submits it: Space ticks, Enter goes on to the
    form (the box took Enter to tick, in a dialog that says Enter applies)."""

    BINDINGS = [Binding("space", "toggle_button", "Toggle", show=False)]
