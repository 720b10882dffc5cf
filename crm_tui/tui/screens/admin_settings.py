"""Settings panes: list mode and organisation; notification channels and gateways."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static

from crm_tui.domain.errors import CrmError, ValidationError
from crm_tui.domain.records import Actor
from crm_tui.domain.text import printable
from crm_tui.services import settings
from crm_tui.tui.screens.admin_common import AdminPane, plain
from crm_tui.tui.widgets.tick_list import TickBox
from crm_tui.tui.work import call_service


@dataclass(frozen=True)
class Field:
    """One setting on a form: an input, a secret, a choice or an on/off box."""

    key: str
    label: str
    kind: str = "input"  # input | secret | select | check | fixed (always on)
    choices: tuple[tuple[str, str], ...] = ()
    placeholder: str = ""


class FieldErrors(ValidationError):
    """Some typed values were refused; nothing was saved."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{key}: {msg}" for key, msg in errors.items()))
        self.errors = errors


def as_text(value: Any) -> str:
    """A setting's value as the text a form shows."""
    if isinstance(value, bool):
        return "on" if value else "off"
    return "" if value is None else str(value)


def save_settings(actor: Actor, changed: dict[str, str]) -> dict[str, Any]:
    """Check every typed value first, then save them all; returns the (masked) settings."""
    errors: dict[str, str] = {}
    for key, value in changed.items():
        try:
            settings.SPECS[key].parse(value)
        except ValidationError as exc:
            errors[key] = str(exc)
    if errors:
        raise FieldErrors(errors)
    for key, value in changed.items():
        settings.set_value(actor, key, value)
    return settings.for_admin(actor)


def _dom_id(key: str) -> str:
    return "set-" + key.replace(".", "-").replace("_", "-")


class SettingsPane(AdminPane):
    """A form of settings. Choices save at once; typed fields with Enter or ctrl+s."""

    DEFAULT_CSS = """
    SettingsPane { height: 1fr; }
    SettingsPane > VerticalScroll { height: 1fr; padding: 0 1; }
    SettingsPane .field-row { height: 1; max-width: 100; }
    SettingsPane .field-row > Label { width: 18; }
    SettingsPane .field-row > Input, SettingsPane .field-row > Select { width: 1fr; }
    SettingsPane .field-row > Checkbox { width: 1fr; }
    SettingsPane Checkbox.-textual-compact:focus { border: none !important; }
    SettingsPane .field-error { color: $error; margin-left: 18; height: auto; }
    SettingsPane .form-heading { text-style: bold; color: $accent; height: 1; margin-top: 1; }
    SettingsPane .form-note { color: $text-muted; height: auto; }
    SettingsPane .form-warning { color: $warning; height: auto; margin-top: 1; }
    """
    BINDINGS = [Binding("ctrl+s", "save", "Save", tooltip="Save the typed fields")]
    FIELDS: tuple[Field | str, ...] = ()
    NOTE = "Choices save at once; typed fields save with Enter or ctrl+s."

    def __init__(self, id: str) -> None:
        super().__init__(id=id)
        self.loaded: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        """Headings, one row per field, an error line under each."""
        with VerticalScroll(can_focus=False):  # fields scroll into view as they get focus
            yield Static(self.NOTE, classes="form-note")
            warnings = Static("", classes="form-warning")
            warnings.display = False
            yield warnings
            for item in self.FIELDS:
                if isinstance(item, str):
                    yield Static(item, classes="form-heading")
                    continue
                with Horizontal(classes="field-row"):
                    yield from self._widgets(item)
                if item.kind == "fixed":
                    continue
                error = Static("", id=_dom_id(item.key) + "-error", classes="field-error")
                error.display = False
                yield error

    def _widgets(self, field: Field) -> ComposeResult:
        dom_id = _dom_id(field.key)
        if field.kind == "fixed":
            yield Label("")
            yield TickBox(field.label, value=True, disabled=True, compact=True)
            return
        if field.kind == "check":
            yield Label("")
            yield TickBox(field.label, id=dom_id, compact=True)
            return
        yield Label(field.label)
        if field.kind == "select":
            yield Select(field.choices, allow_blank=False, id=dom_id, compact=True)
        else:
            yield Input(placeholder=field.placeholder, password=field.kind == "secret",
                        id=dom_id, compact=True)

    def fields(self) -> list[Field]:
        """The fields of this form."""
        return [item for item in self.FIELDS
                if isinstance(item, Field) and item.kind != "fixed"]

    def widget(self, key: str) -> Widget:
        """The widget editing ``key``."""
        return self.query_one("#" + _dom_id(key))

    def current(self, field: Field) -> str:
        """What the widget for ``field`` holds now, as text."""
        widget = self.widget(field.key)
        if isinstance(widget, Checkbox):
            return "on" if widget.value else "off"
        if isinstance(widget, Select):
            return "" if widget.is_blank() else str(widget.value)
        assert isinstance(widget, Input)
        return widget.value

    def _put(self, field: Field, value: str) -> None:
        widget = self.widget(field.key)
        if isinstance(widget, Checkbox):
            widget.value = value == "on"
            widget.label = f"{field.label}: {value}"
        elif isinstance(widget, Select):
            if value in (choice for _label, choice in field.choices):
                widget.value = value
        elif isinstance(widget, Input):
            widget.value = value

    def problems(self, values: dict[str, Any]) -> list[str]:
        """What is wrong with the stored values as a whole (shown above the fields)."""
        return []

    def warn(self, values: dict[str, Any]) -> None:
        """Show the problems of the stored values (or nothing)."""
        problems = self.problems(values)
        line = self.query_one(".form-warning", Static)
        line.update(plain("\n".join(f"⚠ {p}" for p in problems)))
        line.display = bool(problems)

    def load(self, values: dict[str, Any], *, force: tuple[str, ...] = ()) -> None:
        """Show stored values; typed fields the admin is editing are left alone."""
        self.warn(values)
        for field in self.fields():
            new = as_text(values.get(field.key))
            if field.kind == "secret" and new == "{}":
                new = ""  # an empty JSON secret is shown as nothing set
            old = self.loaded.get(field.key)
            untouched = old is None or self.current(field) == old
            self.loaded[field.key] = new
            if untouched or field.key in force or field.kind in ("check", "select"):
                self._put(field, new)

    def field_labels(self, keys: Iterable[str]) -> str:
        """The labels of settings, as the form shows them."""
        labels = {field.key: field.label for field in self.fields()}
        return ", ".join(labels.get(key, key) for key in keys)

    def dirty(self) -> dict[str, str]:
        """Typed fields that differ from what is stored (an untouched secret never does)."""
        changed = {}
        for field in self.fields():
            if field.kind in ("input", "secret"):
                value = self.current(field)
                if field.key in self.loaded and value != self.loaded[field.key]:
                    changed[field.key] = value
        return changed

    def discard(self) -> None:
        """Typed fields back to what is stored, their errors gone."""
        fields = {field.key: field for field in self.fields()}
        for key in self.dirty():
            self._put(fields[key], self.loaded[key])
        self.show_errors({})

    def show_errors(self, errors: dict[str, str]) -> None:
        """Put each message under its field; clear the others."""
        for field in self.fields():
            line = self.query_one("#" + _dom_id(field.key) + "-error", Static)
            message = errors.get(field.key, "")
            line.update(plain(message))
            line.display = bool(message)

    # Saving -------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in any field saves the form."""
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        """Save the typed fields that changed."""
        changed = self.dirty()
        if not changed:
            self.show_errors({})
            self.saved("Nothing changed")
            return
        call_service(self, save_settings, self.actor, changed,
                     done=lambda values: self._saved(values, tuple(changed)),
                     failed=self._failed, group=f"save-{self.id}", exclusive=False)

    def _saved(self, values: dict[str, Any], keys: tuple[str, ...]) -> None:
        self.show_errors({})
        self.load(values, force=keys)
        if "organisation" in keys:
            self.crm.organisation = str(values["organisation"])
        self.saved("Saved " + ", ".join(keys))

    def _failed(self, error: CrmError) -> None:
        errors = error.errors if isinstance(error, FieldErrors) else {}
        self.show_errors(errors)
        self.app.notify(printable(str(error)), title="Not saved", severity="error",
                        markup=False, timeout=8)

    def _save_choice(self, key: str, value: str) -> None:
        """Save a choice or on/off box at once; put it back if refused."""
        if self.loaded.get(key) in (None, value):
            return
        field = next(f for f in self.fields() if f.key == key)

        def done(values: dict[str, Any]) -> None:
            self.loaded[key] = as_text(values[key])
            self.warn(values)
            self.show_errors({})
            self.saved(f"{field.label.strip()}: {self.describe(field, self.loaded[key])}")

        def failed(error: CrmError) -> None:
            self._put(field, self.loaded[key])
            self._failed(error)

        call_service(self, save_settings, self.actor, {key: value}, done=done, failed=failed,
                     group=f"save-{key}")

    def describe(self, field: Field, value: str) -> str:
        """A stored value as the admin reads it."""
        for label, choice in field.choices:
            if choice == value:
                return label
        return value

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        """On/off boxes save at once."""
        event.stop()
        field = next(f for f in self.fields() if _dom_id(f.key) == event.checkbox.id)
        value = "on" if event.value else "off"
        event.checkbox.label = f"{field.label}: {value}"
        self._save_choice(field.key, value)

    def on_select_changed(self, event: Select.Changed) -> None:
        """Choices save at once."""
        event.stop()
        if event.select.is_blank():
            return
        key = next(f.key for f in self.fields() if _dom_id(f.key) == event.select.id)
        self._save_choice(key, str(event.value))


class ListModePane(SettingsPane):
    """How the order list is sorted; organisation, time zone, document size limit."""

    FIELDS = (
        "Contact-order list",
        Field("list_sort", "Sort list by", "select",
              (("Scheduled date", "scheduled"), ("Serial number", "serial"))),
        "Organisation",
        Field("organisation", "Name", placeholder="Shown in the header"),
        Field("timezone", "Time zone", placeholder="e.g. Europe/Stockholm"),
        Field("documents.max_mb", "Max document MB", placeholder="e.g. 20"),
    )


class ChannelsPane(SettingsPane):
    """Notification channels on/off and the SMTP and SMS gateway settings."""

    FIELDS = (
        "Channels",
        Field("channels.in_app", "In-app notifications (always on)", "fixed"),
        Field("channels.email", "E-mail notifications", "check"),
        Field("channels.sms", "SMS notifications", "check"),
        "E-mail (SMTP)",
        Field("smtp.host", "Host", placeholder="(not set) e.g. smtp.example.com"),
        Field("smtp.port", "Port", placeholder="25, 587 or 465"),
        Field("smtp.security", "Security", "select",
              (("None", "none"), ("STARTTLS", "starttls"), ("SSL/TLS", "ssl"))),
        Field("smtp.username", "Username"),
        Field("smtp.password", "Password", "secret", placeholder="(not set)"),
        Field("smtp.from", "From address", placeholder="(not set) e.g. crm@example.com"),
        "SMS gateway (HTTP)",
        Field("sms.url", "URL", placeholder="(not set) e.g. https://sms.example.com/send"),
        Field("sms.method", "Method", "select",
              (("POST", "POST"), ("GET", "GET"), ("PUT", "PUT"))),
        Field("sms.headers", "Headers (JSON)", "secret", placeholder="{}"),
        Field("sms.body", "Body", placeholder='{"to": "{number}", "text": "{text}"}'),
    )
    NOTE = ("In-app notifications are always on. Choices save at once; typed fields save "
            "with Enter or ctrl+s. Secrets are never shown: leave them as they are to keep "
            "them.")

    def problems(self, values: dict[str, Any]) -> list[str]:
        """A channel that is on but cannot send."""
        return settings.channel_problems(values)
