"""A dialog's row of buttons, where Left and Right move between the buttons."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button


class ButtonRow(Horizontal):
    """Buttons side by side: Left and Right move the focus along them (Tab still goes
    round the dialog), so "Right Enter" on "No / Leave" answers Leave."""

    BINDINGS = [
        Binding("left", "step(-1)", "Previous button", show=False),
        Binding("right", "step(1)", "Next button", show=False),
    ]

    def action_step(self, delta: int) -> None:
        """Focus the button ``delta`` places along from the focused one (round)."""
        buttons = [b for b in self.query(Button) if b.focusable]
        focused = self.screen.focused
        if not buttons or focused not in buttons:
            return
        index = (buttons.index(focused) + delta) % len(buttons)  # type: ignore[arg-type]
        self.screen.set_focus(buttons[index])
