"""The footer: the keys that fit whole, the screen's own first, then Back, Help, sections."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

NARROW = 100  # columns below which the footer leaves out padding (a phone, 80x24)
PALETTE_WIDTH = 13  # "▏^p palette" docked on the right
FIRST_KEYS = 3  # a screen's keys that come before Back and Help when room is short


def _width(key: str, description: str, compact: bool) -> int:
    """Columns a FooterKey takes (see its CSS: padding, or a margin when compact)."""
    return len(key) + len(description) + (2 if compact else 3)


class CrmFooter(Footer):
    """Textual's footer, cut to the keys that fit whole: the screen's own keys, "esc
    Back" on a page opened over a section (Escape went unnamed), F1 Help, then the
    section keys. At 80 columns a key was cut in the middle ("f3 O") and the palette key
    drawn over the last one. Help and ctrl+p list everything."""

    def compose(self) -> ComposeResult:
        """The keys that fit, in that order, and the palette key on the right."""
        if not self._bindings_ready:
            return
        width = self.app.size.width
        compact = width < NARROW
        self.set_reactive(Footer.compact, compact)
        self.set_class(compact, "-compact")
        active = self.screen.active_bindings
        seen: set[str] = set()
        own: list[tuple[Binding, bool, str]] = []
        help_: list[tuple[Binding, bool, str]] = []
        sections: list[tuple[Binding, bool, str]] = []
        for _node, binding, enabled, tooltip in active.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            ident = binding.id or ""
            group = (sections if ident.startswith("section.") else
                     help_ if ident == "help" else own)
            group.append((binding, enabled, tooltip))
        if self._over_a_section():
            help_.insert(0, (Binding("escape", "back", "Back"), True, "Go back"))
        # what fits, by importance: the screen's first keys, Back and Help, its other
        # keys, the sections; shown in the order the screen gives
        room = width - PALETTE_WIDTH
        fitting: set[int] = set()
        for key in own[:FIRST_KEYS] + help_ + own[FIRST_KEYS:] + sections:
            needs = _width(self.app.get_key_display(key[0]), key[0].description, compact)
            if key in sections and (needs > room or len(fitting) < len(own) + len(help_)):
                break  # sections after all of the screen's keys, and in their order
            if needs <= room:
                room -= needs
                fitting.add(id(key))
        for binding, enabled, tooltip in [k for k in own + help_ + sections
                                          if id(k) in fitting]:
            yield FooterKey(binding.key, self.app.get_key_display(binding),
                            binding.description, binding.action, disabled=not enabled,
                            tooltip=tooltip).data_bind(compact=Footer.compact)
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE and palette:
            _node, binding, enabled, tooltip = palette
            yield FooterKey(binding.key, self.app.get_key_display(binding),
                            binding.description, binding.action,
                            classes="-command-palette", disabled=not enabled,
                            tooltip=binding.tooltip or binding.description)

    def _over_a_section(self) -> bool:
        """Whether the screen is a page opened over a section (Escape closes it)."""
        stack = self.app.screen_stack
        return len(stack) > 1 and self.screen is not stack[0]

    def on_resize(self) -> None:
        """Fit the keys to the new width."""
        if self._bindings_ready and self.is_attached:
            self.call_after_refresh(self.recompose)
