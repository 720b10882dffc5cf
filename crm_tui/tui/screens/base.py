"""The base of every screen: header, body, footer, and Escape to go back."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import events
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widget import AwaitMount, Widget
from textual.widgets import Input, TextArea

from crm_tui.domain.permissions import Perm
from crm_tui.tui.widgets.footer import CrmFooter
from crm_tui.tui.widgets.header import AppHeader

if TYPE_CHECKING:
    from crm_tui.tui.app import CrmApp


def tab_title(title: str, count: int | None = None) -> Content:
    """A tab's title with its first letter, the key that shows it (o, f, s, d on a
    card), underlined, and the count of its rows if known (a TabPane takes Content or
    markup, not a Text)."""
    text = Text.assemble((title[:1], "underline"), title[1:])
    if count is not None:
        text.append(f" {count}")
    return Content.from_text(text)


class CrmScreen(Screen[None]):
    """A section or a pushed page: header on top, footer with its keys below."""

    SECTION = ""
    BINDINGS = [Binding("escape", "back", "Back", show=False)]
    NEEDS: dict[str, Perm] = {}
    """Actions and the permission each needs: without it they are dimmed, and their
    key says so (it did nothing at all)."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """An action the user may not take (NEEDS) is dimmed: None."""
        needed = self.NEEDS.get(action)
        if needed is not None and not self.crm.actor.has(needed):
            return None
        return True

    def on_key(self, event: events.Key) -> None:
        """The key of an action the user may not take says which permission it needs."""
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            needed = self.NEEDS.get(binding.action.partition("(")[0])
            if needed is not None and not self.crm.actor.has(needed):
                event.stop()
                self.notify(f"{binding.description or 'This'} needs the '{needed.value}' "
                            "permission", severity="warning", markup=False)
                return

    @property
    def crm(self) -> CrmApp:
        """The app, typed."""
        return cast("CrmApp", self.app)

    def compose(self) -> ComposeResult:
        """Header, the screen's own widgets, footer."""
        yield AppHeader(section=self.SECTION)
        yield from self.compose_body()
        yield CrmFooter()

    def compose_body(self) -> Iterable[Widget]:
        """The screen's own widgets."""
        return ()

    def action_letter(self, action: str) -> AwaitMount | None:
        """A letter key that opens a screen, bound with priority so that it runs within
        the key press and what is typed next reaches the screen it opens (see
        FittedTable); where a text field has the focus, the letter is text instead."""
        if isinstance(self.focused, (Input, TextArea)):
            raise SkipAction()
        # The action returns the mounting of the screen it opens; the app awaits it
        # before it handles the next key, which so reaches the field that screen focuses
        # when it mounts (its first key would otherwise reach the screen before that).
        opened: AwaitMount | None = getattr(self, f"action_{action}")()
        return opened

    def unsaved(self) -> list[str]:
        """What leaving the screen would lose (typed but not saved), a phrase for each
        thing that holds some ("contact order 12: Subject, the typed note"); [] if none."""
        return []

    def discard(self) -> None:
        """The user chose to leave without saving: drop what was typed (a screen that
        stays, such as a section's, would show it again as if it were saved)."""

    def action_back(self) -> None:
        """Close a pushed screen (sections stay)."""
        if len(self.app.screen_stack) > 1:
            self.dismiss()
