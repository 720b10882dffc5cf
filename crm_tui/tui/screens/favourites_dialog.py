"""The favourite-name prompt and the favourites picker of the order list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from crm_tui.domain.errors import CrmError, ValidationError
from crm_tui.domain.records import SavedFilterInfo
from crm_tui.domain.text import printable
from crm_tui.services import filters
from crm_tui.tui.screens.dialogs import ConfirmDialog
from crm_tui.tui.screens.filter_dialog import DIALOG_CSS, describe
from crm_tui.tui.work import call_service


class NameDialog(ModalScreen[str | None]):
    """Ask for a name (e.g. of a favourite filter)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="NameDialog")
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, value: str = "",
                 check: Callable[[str], str] | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.initial = value
        self.check = check  # raises ValidationError for a name refused (the dialog stays)

    def compose(self) -> ComposeResult:
        """Title, one input, an error line and a hint."""
        with Vertical():
            yield Static(Text(self.title_text), classes="title")
            with Horizontal(classes="row"):
                yield Label("Name")
                yield Input(self.initial, id="name", compact=True)
            yield Static("", id="name-error", classes="error-text")
            yield Static(Text("Enter saves · esc cancels"), classes="hint")

    def on_mount(self) -> None:
        """Type straight away."""
        self.query_one("#name-error").display = False
        self.query_one("#name", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        problem = "Give it a name" if not name else ""
        if name and self.check is not None:
            try:
                name = self.check(name)
            except ValidationError as exc:  # what was typed stays, to be fixed
                problem = str(exc)
        if problem:
            error = self.query_one("#name-error", Static)
            error.update(Text(problem))
            error.display = True
            return
        self.dismiss(name)

    def action_cancel(self) -> None:
        """Close without a name."""
        self.dismiss(None)


FavouriteChoice = SavedFilterInfo | Literal["save"]


class FavouritesDialog(ModalScreen[FavouriteChoice | None]):
    """Pick a favourite filter (Enter), delete one (Delete), or save the current one (s)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="FavouritesDialog") + """
    FavouritesDialog OptionList { height: auto; max-height: 12; }
    """
    BINDINGS = [
        Binding("s,ctrl+b", "save", "Save current"),
        Binding("delete", "delete", "Delete"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.favourites: list[SavedFilterInfo] = []

    def compose(self) -> ComposeResult:
        """The favourites, a status line and a hint."""
        with Vertical():
            yield Static(Text("Favourite filters"), classes="title")
            yield OptionList(id="favourites")
            yield Static(Text("Loading…"), id="fav-status", classes="hint")
            yield Static(Text("Enter apply · s save current filter · Delete remove · "
                              "esc cancel"), classes="hint")

    def on_mount(self) -> None:
        """Load the user's favourites."""
        self._load()

    def _load(self) -> None:
        actor = self.app.actor  # type: ignore[attr-defined]
        call_service(self, filters.favorites, actor, done=self._loaded, failed=self._failed,
                     group="favourites")

    def _loaded(self, favourites: list[SavedFilterInfo]) -> None:
        self.favourites = favourites
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(Text.assemble(
            (printable(f.name), "bold"), "  ", (describe(f.criteria), "dim")), id=str(f.id))
            for f in favourites])
        status = self.query_one("#fav-status", Static)
        status.update(Text("" if favourites else
                           "No favourites yet — press s to save the current filter."))
        status.display = not favourites
        options.display = bool(favourites)
        if favourites:
            options.highlighted = 0
        options.focus()

    def _failed(self, exc: CrmError) -> None:
        self.query_one("#fav-status", Static).update(Text(str(exc), style="bold red"))

    def _current(self) -> SavedFilterInfo | None:
        index = self.query_one(OptionList).highlighted
        return self.favourites[index] if index is not None and self.favourites else None

    @on(OptionList.OptionSelected)
    def _chosen(self) -> None:
        current = self._current()
        if current is not None:
            self.dismiss(current)

    def action_save(self) -> None:
        """Save the list's current filter as a new favourite."""
        self.dismiss("save")

    def action_delete(self) -> None:
        """Forget the highlighted favourite, once confirmed."""
        current = self._current()
        if current is None:
            return
        self.app.push_screen(ConfirmDialog(f"Delete your favourite “{printable(current.name)}”?",
                                           title="Delete favourite", yes="Delete"),
                             lambda yes: self._delete(current) if yes else None)

    def _delete(self, favourite: SavedFilterInfo) -> None:
        actor = self.app.actor  # type: ignore[attr-defined]
        call_service(self, filters.delete_favorite, actor, favourite.name,
                     done=lambda _: self._load(), failed=self._failed, group="favourites")

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)
