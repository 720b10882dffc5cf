"""A search-as-you-type picker (the manual's magnifying glass) and safe text helpers."""

from __future__ import annotations

import asyncio
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from crm_tui.domain.text import fold, printable, text_terms
from crm_tui.tui.work import call_service

MATCH_STYLE = "bold black on #ffd43b"
DEBOUNCE_SECONDS = 0.05  # short: a keystroke to fresh results stays within 100 ms


def plain(value: object, style: str = "") -> Text:
    """User text as a Text: never markup, control characters made visible."""
    return Text(printable("" if value is None else str(value)), style=style)


def match_spans(value: str, query: str) -> list[tuple[int, int]]:
    """Spans of ``value`` that match ``query`` ignoring case, accents and spacing: each
    of its words (text_terms), as the register search finds them."""
    needles = text_terms(query, join_short=False)
    if not needles or not value:
        return []
    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(value):
        if char.isspace():
            part = "" if folded and folded[-1] == " " else " "
        elif char.isascii():
            part = char.lower()  # what fold() gives for one ASCII character, much cheaper
        else:
            part = fold(char) or ("" if unicodedata.combining(char) else char.casefold())
        for piece in part:
            folded.append(piece)
            origin.append(index)
    haystack = "".join(folded)
    spans: list[tuple[int, int]] = []
    for needle in needles:
        start = haystack.find(needle)
        while start >= 0:
            end = start + len(needle) - 1
            spans.append((origin[start], origin[end] + 1))
            start = haystack.find(needle, start + len(needle))
    return sorted(spans)


def highlight(value: str | None, query: str, style: str = "") -> Text:
    """``value`` as safe Text with the parts matching ``query`` highlighted."""
    raw = value or ""
    safe = printable(raw)
    text = Text(safe, style=style)
    if safe == raw:  # offsets only line up when nothing was escaped
        for start, end in match_spans(raw, query):
            text.stylize(MATCH_STYLE, start, end)
    return text


@dataclass(frozen=True)
class PickItem:
    """One entry offered by a picker."""

    id: int
    title: str
    subtitle: str = ""
    number: str = ""


Source = Callable[[str], Sequence[PickItem]]


class Picker(Vertical):
    """An Input that searches as you type and offers matches below it."""

    DEFAULT_CSS = """
    Picker { height: auto; width: 1fr; }
    Picker > OptionList { display: none; overlay: screen; constrain: none inside;
        height: auto; max-height: 8; border: tall $accent; background: $surface; }
    Picker.-open > OptionList { display: block; }
    Picker > .picker-hint { height: auto; color: $text-muted; display: none; }
    Picker > .picker-hint.-shown { display: block; }
    Picker > .picker-hint.-new { color: $warning; }
    """
    BINDINGS = [
        Binding("down", "move(1)", "Next match", show=False),
        Binding("up", "move(-1)", "Previous match", show=False),
        Binding("escape", "close", "Close list", show=False),
    ]

    class Chosen(Message):
        """The user chose an existing entry."""

        def __init__(self, picker: Picker, item: PickItem) -> None:
            super().__init__()
            self.picker = picker
            self.item = item

        @property
        def control(self) -> Picker:
            """The picker (for @on selectors)."""
            return self.picker

    class LookedUp(Message):
        """A value set with no entry was looked up (for the hint; see refresh_hint)."""

        def __init__(self, picker: Picker) -> None:
            super().__init__()
            self.picker = picker

        @property
        def control(self) -> Picker:
            """The picker (for @on selectors)."""
            return self.picker

    class Edited(Message):
        """The user typed: the text no longer names a chosen entry."""

        def __init__(self, picker: Picker, value: str) -> None:
            super().__init__()
            self.picker = picker
            self.value = value

        @property
        def control(self) -> Picker:
            """The picker (for @on selectors)."""
            return self.picker

    def __init__(self, noun: str, *, source: Source | None = None, creatable: bool = True,
                 placeholder: str = "", id: str | None = None) -> None:
        super().__init__(id=id)
        self.noun = noun
        self.source = source
        self.creatable = creatable
        self.placeholder = placeholder
        self.item: PickItem | None = None
        self.last_item: PickItem | None = None  # the entry last chosen (kept while typing)
        self.text = ""  # the typed text, readable from worker threads
        self._items: list[PickItem] = []
        self._quiet: str | None = None
        self._timer: Timer | None = None
        self._set_count = 0  # set_value calls: a search asked for before one is stale
        self._listing: asyncio.Future[None] | None = None  # a Down waiting for matches

    def compose(self) -> ComposeResult:
        """The text box, the hint line and the list of matches."""
        yield Input(placeholder=self.placeholder, compact=True)
        yield Static(classes="picker-hint")
        options = OptionList()
        options.can_focus = False
        yield options

    @property
    def input(self) -> Input:
        """The text box."""
        return self.query_one(Input)

    @property
    def value(self) -> str:
        """The text typed (stripped)."""
        return self.input.value.strip()

    @property
    def chosen_id(self) -> int | None:
        """The id of the chosen entry, if the text names one."""
        return self.item.id if self.item else None

    def set_value(self, text: str, item: PickItem | None = None) -> None:
        """Set the text (shown safely) and the chosen entry, without searching."""
        text = printable(text)
        self.item, self.text = item, text.strip()
        self.last_item = item or (self.last_item if text.strip() else None)
        if self.input.value != text:
            self._quiet = text
            self.input.value = text
            # after the name chosen (the cursor stayed where the typing had stopped, and
            # "XX" typed on made "Kontor TXXäby")
            self.input.cursor_position = len(text)
        # A search of what was typed before (its timer, or its answer still on the way:
        # a save right after typing) would open the list over the value set now.
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._set_count += 1
        self._close()
        self._items = []
        self._show_hint()
        if item is None:
            self.refresh_hint()

    def refresh_hint(self) -> None:
        """Look up the entries named like a value set with no entry (a draft brought
        back, a name carried over), for the hint alone: the list stays closed. It called
        an existing customer "+ new customer" until something was typed."""
        if self.item is not None or not self.value or self.source is None:
            return
        asked, text = self._set_count, self.value

        def found(items: Sequence[PickItem]) -> None:
            if asked == self._set_count and self.value == text and self.item is None:
                self._items = list(items)
                self._show_hint()
                self.post_message(self.LookedUp(self))

        call_service(self, self.source, text, done=found, group="pick", exclusive=True)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._quiet is not None and event.value == self._quiet:
            self._quiet = None
            return
        self._quiet = None
        self.item, self.text = None, event.value.strip()
        if self.last_item is not None and self.text == self.last_item.title:
            # typed back to the name it had (a letter added and taken away): the same
            # entry, not a name to look up again (it unlinked the order's facility)
            self.item = self.last_item
        self._show_hint()
        self.post_message(self.Edited(self, event.value))
        if self.item is None:
            self._schedule()
        else:
            if self._timer is not None:
                self._timer.stop()
                self._timer = None
            self._close()

    def _schedule(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_SECONDS, self.search_now)

    def search_now(self) -> None:
        """Search for the current text at once (stale searches are cancelled)."""
        self._timer = None
        if self.source is None:
            return
        asked = self._set_count
        call_service(self, self.source, self.value,
                     done=lambda items: self._found(items, asked),
                     failed=self._not_found, group="pick", exclusive=True)

    def _not_found(self, exc: Exception) -> None:
        self._listed()
        self.app.notify(plain(str(exc)).plain, title="Search failed", severity="error",
                        markup=False)

    def _listed(self) -> None:
        """A Down waiting for the matches (see action_move): the keys after it go on."""
        if self._listing is not None and not self._listing.done():
            self._listing.set_result(None)
        self._listing = None

    def _found(self, items: Sequence[PickItem], asked: int) -> None:
        if asked != self._set_count:
            self._listed()
            return  # the value was set meanwhile
        self._items = list(items)
        options = self.query_one(OptionList)
        options.clear_options()
        query = self.value
        for index, item in enumerate(self._items):
            prompt = highlight(item.title, query)
            if item.subtitle:
                prompt.append("  ")
                prompt.append_text(highlight(item.subtitle, query, style="dim"))
            options.add_option(Option(prompt, id=str(index)))
        if self._items and self.input.has_focus:
            options.highlighted = 0
            self.add_class("-open")
        else:
            self._close()
        self._show_hint()
        self._listed()

    def _close(self) -> None:
        self.remove_class("-open")

    @property
    def is_open(self) -> bool:
        """True while the list of matches shows."""
        return self.has_class("-open")

    def exact_match(self) -> PickItem | None:
        """The one listed entry whose name is exactly the typed text."""
        same = [i for i in self._items if i.title.strip() == self.value]
        return same[0] if len(same) == 1 else None

    def _show_hint(self) -> None:
        hint = self.query_one(".picker-hint", Static)
        text = Text()
        new = False
        if self.item is not None:
            text.append("✓ ", style="green")
            text.append_text(plain(self.item.subtitle or self.item.number or "existing"))
        elif self.value and self.exact_match() is not None:
            text.append(f"= the existing {self.noun} of that name is used")
        elif self.value and self.creatable:
            text.append(f"+ new {self.noun}: created on save (↓ lists matches)")
            new = True
        elif self.value:
            text.append(f"No {self.noun} chosen: ↓ lists matches")
            new = True
        hint.update(text)
        hint.set_class(bool(text.plain), "-shown")
        hint.set_class(new, "-new")

    def action_move(self, step: int) -> object:
        """Move in the list; when closed, ↓ searches and opens it, and the keys after it
        wait for the matches (Down and Enter typed with the name found no list yet: the
        name was saved as a new customer or facility)."""
        if not self.is_open:
            if step > 0 and self.source is not None:
                if self._timer is not None:
                    self._timer.stop()
                self._listed()
                self._listing = asyncio.get_running_loop().create_future()
                self.search_now()
                return self._listing
            raise SkipAction()
        options = self.query_one(OptionList)
        if step > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def action_close(self) -> None:
        """Close the list (Escape goes back when it is already closed)."""
        if not self.is_open:
            raise SkipAction()
        self._close()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        options = self.query_one(OptionList)
        if self.is_open and options.highlighted is not None:
            event.stop()
            self._choose(options.highlighted)

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(event.option_index)

    @on(Input.Blurred)
    def _left(self, event: Input.Blurred) -> None:
        self._close()

    def _choose(self, index: int) -> None:
        if not 0 <= index < len(self._items):
            return
        item = self._items[index]
        self.set_value(item.title, item)
        self.post_message(self.Chosen(self, item))
