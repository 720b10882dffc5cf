"""The help screen: the keys of the screen it was opened from."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    """Lists the keys of the screen below, then the app-wide keys."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 80%; max-width: 90; height: 80%;
        border: round $accent; background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,q,f1,question_mark", "close", "Close")]

    def __init__(self, target: Screen[object]) -> None:
        super().__init__()
        self.target = target

    def compose(self) -> ComposeResult:
        """A table of key → action for the target screen."""
        table = Table(box=None, expand=True, show_header=True, header_style="bold")
        table.add_column("Key", no_wrap=True)
        table.add_column("Action")
        seen: set[tuple[str, str]] = set()
        for active in self.target.active_bindings.values():
            binding = active.binding
            if not binding.description or (binding.action, binding.description) in seen:
                continue
            seen.add((binding.action, binding.description))
            keys = self.app.get_key_display(binding)
            table.add_row(Text(keys), Text(binding.description))
        title = Text(f"Keys: {getattr(self.target, 'SECTION', '') or 'this screen'}",
                     style="bold")
        with VerticalScroll():
            yield Static(title)
            yield Static(table)
            yield Static(Text("ctrl+p opens the command palette: every action by name.",
                              style="italic"))

    def action_close(self) -> None:
        """Close help."""
        self.dismiss()
