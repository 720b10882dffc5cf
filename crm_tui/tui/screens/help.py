"""The help screen: the keys of the screen it was opened from."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


def built_in(node: DOMNode, binding: Binding) -> bool:
    """True for a key that Textual's own widget gives (a field's cursor keys ...),
    false for the app's and its screens' keys."""
    for cls in type(node).__mro__:
        for own in cls.__dict__.get("BINDINGS", ()):
            action = own.action if isinstance(own, Binding) else own[1]
            if action == binding.action:
                return cls.__module__.startswith("textual.")
    return False


def keys_in_order(screen: Screen[object]) -> list[tuple[DOMNode, Binding]]:
    """The screen's active keys: the app's and its screens' first, then the keys of
    the focused Textual widget (cursor movement, selection), which came first."""
    active = [(item.node, item.binding) for item in screen.active_bindings.values()]
    return sorted(active, key=lambda pair: built_in(*pair))


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
        field_keys = False
        for node, binding in keys_in_order(self.target):
            if not binding.description or (binding.action, binding.description) in seen:
                continue
            seen.add((binding.action, binding.description))
            if not field_keys and built_in(node, binding):
                field_keys = True
                table.add_row(Text(""), Text("In the field:", style="bold"))
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
