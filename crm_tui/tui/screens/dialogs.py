"""Modal dialogs: confirm, near-duplicate choice, and edit conflict."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from crm_tui.domain.errors import Candidate, ConflictError, NearDuplicate
from crm_tui.domain.text import printable
from crm_tui.tui.widgets.button_row import ButtonRow
from crm_tui.tui.widgets.picker import plain

FIELD_LABELS = {
    "subject": "Subject", "customer": "Customer", "facility": "Facility",
    "service_object": "Service object", "contact_name": "Contact name",
    "contact_phone": "Contact phone", "contact_email": "Contact e-mail", "status": "Status",
    "scheduled": "Scheduled", "hours": "Hours", "assignees": "Assignees",
    "completed": "Completed",
}

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 90%; max-width: 76; height: auto; max-height: 90%;
    border: thick $accent; background: $surface; padding: 0 1; }}
{name} .dialog-title {{ text-style: bold; padding: 0 0 1 0; }}
{name} Horizontal {{ height: auto; align: right middle; padding: 1 0 0 0; }}
{name} Button {{ margin: 0 0 0 1; min-width: 10; }}
"""


def field_names(fields: Sequence[str]) -> str:
    """Readable names of order fields, comma separated."""
    return ", ".join(FIELD_LABELS.get(f, f) for f in fields) or "unknown fields"


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question that loses something on yes (unsaved work, an order): y or the
    yes button confirms; n, Escape or Enter cancel. No has the focus, so an Enter typed
    ahead (F3 and Enter to open a row of the list) keeps the work instead of leaving."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ConfirmDialog")
    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, message: str, *, title: str = "Please confirm",
                 yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.message = message
        self.title_text = title
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        """Title, message and two buttons."""
        with Vertical():
            yield Static(plain(self.title_text), classes="dialog-title")
            yield Static(plain(self.message))
            with ButtonRow():
                yield Button(Text(self.no), id="no")
                yield Button(Text(self.yes), id="yes", variant="primary")

    def on_mount(self) -> None:
        """Focus the safe answer."""
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        """Answer the question."""
        self.dismiss(value)


DuplicateChoice = Candidate | Literal["create"] | None


class NearDuplicateDialog(ModalScreen[DuplicateChoice]):
    """A new name looks like existing entries: use one of them, or create it anyway."""

    DEFAULT_CSS = DIALOG_CSS.format(name="NearDuplicateDialog") + """
    NearDuplicateDialog OptionList { height: auto; max-height: 12; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, error: NearDuplicate) -> None:
        super().__init__()
        self.error = error

    def compose(self) -> ComposeResult:
        """The question and one option per candidate, then 'create new'."""
        kind = self.error.kind
        title = Text(f"Is this an existing {kind}?")
        message = Text(f"The new {kind} name ")
        message.append_text(plain(f"'{self.error.name}'", style="bold"))
        message.append(" looks like an existing one. Choose it, or create a new one:")
        options: list[Option] = []
        for index, candidate in enumerate(self.error.candidates):
            prompt = Text("Use existing: ")
            prompt.append_text(plain(candidate.name, style="bold"))
            if candidate.number:
                prompt.append_text(plain(f"  ({candidate.number})"))
            options.append(Option(prompt, id=f"c{index}"))
        create = Text(f"Create a new {kind}: ")
        create.append_text(plain(self.error.name, style="bold"))
        options.append(Option(create, id="create"))
        with Vertical():
            yield Static(title, classes="dialog-title")
            yield Static(message)
            yield OptionList(*options)
            yield Static(Text("Enter chooses · Escape cancels the save", style="dim"))

    def on_mount(self) -> None:
        """Start on the first existing candidate."""
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == "create":
            self.dismiss("create")
        else:
            self.dismiss(self.error.candidates[event.option_index])

    def action_cancel(self) -> None:
        """Cancel the save."""
        self.dismiss(None)


ConflictChoice = Literal["reload", "reapply"] | None
SAVED_LINES = 6  # fields shown with their new value; more are named on one line (80x24)


class ConflictDialog(ModalScreen[ConflictChoice]):
    """Someone saved the order first: show what changed; reload or re-apply mine."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ConflictDialog") + """
    ConflictDialog #conflict-theirs { text-wrap: nowrap; text-overflow: ellipsis; }
    """
    BINDINGS = [
        Binding("r", "choose('reload')", "Reload"),
        Binding("a", "choose('reapply')", "Re-apply mine"),
        Binding("escape", "choose(None)", "Keep editing"),
    ]

    def __init__(self, error: ConflictError, mine: Sequence[str]) -> None:
        super().__init__()
        self.error = error
        self.mine = list(mine)

    def compose(self) -> ComposeResult:
        """What they changed (with what they saved), what I changed, and the choices."""
        error = self.error
        theirs = error.fields
        both = [f for f in self.mine if f in theirs]
        intro = Text(f"Contact order {error.serial} was changed by someone else "
                     f"(version {error.base_version} → {error.current_version}).\n")
        saved = Text()  # a line a field, cut to fit (CSS)
        more = Text()  # the fields past those lines, by name, wrapped
        saved.append("Changed by them: ", style="bold")
        if any(f in error.now for f in theirs):
            # the fields changed by both first: their values are the ones to weigh
            ordered = both + [f for f in theirs if f not in both]
            shown = ordered if len(ordered) <= SAVED_LINES else ordered[:SAVED_LINES - 1]
            for name in shown:
                saved.append(f"\n  {FIELD_LABELS.get(name, name)}: ", style="bold")
                value = printable(" ".join(error.now.get(name, "").split())) or "(empty)"
                saved.append(value, style="bold red" if name in both else "yellow")
            if rest := [f for f in ordered if f not in shown]:  # their names in full
                more.append(f"  and {len(rest)} more: {field_names(rest)}", style="yellow")
        else:
            saved.append(field_names(theirs), style="yellow")
        mine = Text()
        mine.append("Your changes:    ", style="bold")
        mine.append(field_names(self.mine))
        if both:
            mine.append("\nChanged by both: ", style="bold")
            mine.append(field_names(both), style="bold red")
        mine.append("\nReload shows their version and drops your changes. Re-apply saves "
                    "your changed fields on top of theirs. Notes are kept either way.")
        with Vertical():
            yield Static(Text("The order changed while you edited it"), classes="dialog-title")
            yield Static(intro, id="conflict-intro")
            yield Static(saved, id="conflict-theirs")
            if more:
                yield Static(more, id="conflict-more")
            yield Static(mine, id="conflict-mine")
            with ButtonRow():
                yield Button(Text("Keep editing"), id="cancel")
                yield Button(Text("Reload (r)"), id="reload", variant="warning")
                yield Button(Text("Re-apply mine (a)"), id="reapply", variant="primary")

    @property
    def text(self) -> str:
        """The dialog's words, as plain text."""
        return "\n".join(static.content.plain for static in self.query(
                          "#conflict-intro, #conflict-theirs, #conflict-more, #conflict-mine"
                          ).results(Static)
                          if isinstance(static.content, Text))

    def on_mount(self) -> None:
        """Focus re-apply: the choice that loses nothing."""
        self.query_one("#reapply", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_choose(None if event.button.id == "cancel" else event.button.id)

    def action_choose(self, choice: str | None) -> None:
        """Close with the choice."""
        self.dismiss(choice)  # type: ignore[arg-type]
