"""Shared parts of the admin settings: the pane base class and small dialogs."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from crm_tui.domain.errors import CrmError, FieldProblems, ValidationError
from crm_tui.domain.records import Actor, UserInfo
from crm_tui.domain.text import printable
from crm_tui.services import users
from crm_tui.tui.work import call_service

if TYPE_CHECKING:
    from crm_tui.tui.app import CrmApp


def plain(value: object) -> Text:
    """User text as a safe, literal Text (no markup, no control codes)."""
    return Text(printable(str(value)))


class AdminPane(Vertical):
    """A pane of the admin screen: knows the acting user."""

    @property
    def crm(self) -> CrmApp:
        """The app, typed."""
        return cast("CrmApp", self.app)

    @property
    def actor(self) -> Actor:
        """The acting admin."""
        return self.crm.actor

    def saved(self, message: str) -> None:
        """A short confirmation toast (user text, so no markup)."""
        self.app.notify(printable(message), markup=False, timeout=3)


DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 64; max-width: 100%; height: auto; border: round $accent;
    background: $surface; padding: 0 1; }}
{name} .dialog-title {{ text-style: bold; padding-bottom: 1; }}
{name} .dialog-row {{ height: auto; }}
{name} .dialog-row Label {{ width: 10; padding-top: 1; }}
{name} .dialog-row Input {{ width: 1fr; }}
{name} .dialog-error {{ color: $error; }}
{name} .dialog-hint {{ color: $text-muted; }}
"""


class PromptDialog(ModalScreen[str | None]):
    """Ask for one line of text; Enter answers, Escape cancels."""

    DEFAULT_CSS = DIALOG_CSS.format(name="PromptDialog")
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, value: str = "", *, placeholder: str = "",
                 error: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder
        self.error = error  # why the answer before was refused (asked again with it)

    def compose(self) -> ComposeResult:
        """Title, the input, the error (if any), a hint."""
        with Vertical():
            yield Static(plain(self.title_text), classes="dialog-title")
            yield Input(self.value, placeholder=self.placeholder, id="answer")
            if self.error:
                yield Static(plain(self.error), classes="dialog-error", id="prompt-error")
            yield Static("Enter saves · Escape cancels", classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Answer with the text."""
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        """No answer."""
        self.dismiss(None)


class AddUserDialog(ModalScreen[UserInfo | None]):
    """Add a user (username, name, e-mail, phone), or edit one's name, e-mail and phone
    (``user`` given); every refused field is named at once."""

    # One line a field: with bordered fields the dialog, with an error shown, was taller
    # than an 80x24 screen (a phone over SSH) and its keys were cut off.
    DEFAULT_CSS = DIALOG_CSS.format(name="AddUserDialog") + """
AddUserDialog .dialog-row { margin-bottom: 1; }
AddUserDialog .dialog-row Label { padding-top: 0; }
"""
    BINDINGS = [Binding("ctrl+s", "save", "Save"), Binding("escape", "cancel", "Cancel")]
    FIELDS = (("username", "Username", "e.g. anna"), ("name", "Name", "e.g. Anna Berg"),
              ("email", "E-mail", "e.g. anna@example.com"),
              ("phone", "Phone", "e.g. +46 70 123 45 67"))

    def __init__(self, user: UserInfo | None = None) -> None:
        super().__init__()
        self.user = user  # the one edited; None adds one

    def compose(self) -> ComposeResult:
        """One row per field, the error line, the keys."""
        user = self.user
        start = ({"username": user.username, "name": user.display_name,
                  "email": user.email, "phone": user.phone} if user else {})
        with Vertical():
            title = Text("Add user") if user is None else Text.assemble(
                "Edit user ", plain(user.username))
            yield Static(title, classes="dialog-title")
            for key, label, placeholder in self.FIELDS:
                with Horizontal(classes="dialog-row"):
                    yield Label(label)
                    yield Input(printable(start.get(key, "")), placeholder=placeholder,
                                id=f"user-{key}", compact=True,
                                disabled=user is not None and key == "username")
            yield Static("", id="user-error", classes="dialog-error")
            yield Static("ctrl+s or Enter on the last field saves · Escape cancels",
                         classes="dialog-hint")

    def _value(self, key: str) -> str:
        return self.query_one(f"#user-{key}", Input).value

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter moves to the next field; on the last one it saves."""
        event.stop()
        if event.input.id == "user-phone":
            self.action_save()
        else:
            self.focus_next()

    def action_save(self) -> None:
        """Add or save the user through the service; errors stay in the dialog, every
        field's at once (one a save, it took three saves for three slips)."""
        actor = cast("CrmApp", self.app).actor
        details = {"display_name": self._value("name"), "email": self._value("email"),
                   "phone": self._value("phone")}
        if self.user is None:
            call_service(self, users.add_user, actor, self._value("username"), **details,
                         done=self.dismiss, failed=self._failed, group="add-user")
        else:
            call_service(self, users.update_profile, actor, self.user.username, **details,
                         done=self.dismiss, failed=self._failed, group="add-user")

    def _failed(self, error: CrmError) -> None:
        if isinstance(error, FieldProblems):
            self._show_problems(error.problems)
            return
        field = error.field if isinstance(error, ValidationError) else None
        self._show_problems({field or "": str(error)})

    def _show_problems(self, problems: dict[str, str]) -> None:
        self.query_one("#user-error", Static).update(plain("\n".join(problems.values())))
        first = next((key for key, *_ in self.FIELDS if key in problems), None)
        if first:
            self.query_one(f"#user-{first}", Input).focus()

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)
