"""The top bar: organisation, section, acting user and unread notifications."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from crm_tui.domain.text import printable


class AppHeader(Static):
    """One line: organisation · section | user · unread count."""

    DEFAULT_CSS = """
    AppHeader { dock: top; height: 1; background: $primary; color: $text; padding: 0 1; }
    """

    organisation: reactive[str] = reactive("")
    section: reactive[str] = reactive("")
    user_label: reactive[str] = reactive("")
    unread: reactive[int] = reactive(0)

    def __init__(self, section: str = "") -> None:
        super().__init__()
        self.section = section

    def on_mount(self) -> None:
        """Follow the app's organisation, user and unread count."""
        if hasattr(self.app, "unread"):
            self.watch(self.app, "organisation", self._set_organisation)
            self.watch(self.app, "user_label", self._set_user)
            self.watch(self.app, "unread", self._set_unread)

    def _set_organisation(self, value: str) -> None:
        self.organisation = value

    def _set_user(self, value: str) -> None:
        self.user_label = value

    def _set_unread(self, value: int) -> None:
        self.unread = value

    def render(self) -> Text:
        """User text is appended as plain Text, never parsed as markup, and with its
        control characters shown escaped (an escape in the organisation's name ate the
        characters after it)."""
        text = Text()
        text.append(printable(self.organisation), style="bold")
        if self.section:
            text.append(f"  ›  {self.section}")
        right = Text()
        right.append(printable(self.user_label))
        right.append(f"  ✉ {self.unread}" if self.unread else "  ✉ 0",
                     style="bold reverse" if self.unread else "")
        width = self.size.width - 2
        gap = max(1, width - text.cell_len - right.cell_len)
        text.append(" " * gap)
        text.append_text(right)
        text.truncate(max(width, 1))
        return text
