"""Dialogs that add to the registers from a card (a facility, a service object) or edit
a facility's or service object's details."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from crm_tui.domain.errors import ChangedMeanwhile, CrmError, NearDuplicate, ValidationError
from crm_tui.domain.records import Actor, FacilityInfo, ServiceObjectInfo
from crm_tui.domain.text import printable
from crm_tui.services import register_edits, registers
from crm_tui.tui.screens.filter_dialog import DIALOG_CSS
from crm_tui.tui.widgets.button_row import ButtonRow
from crm_tui.tui.widgets.picker import plain
from crm_tui.tui.work import call_service

NO_FACILITY = "(no facility)"


class RegisterDialog(ModalScreen[Any]):
    """Fields, an error line, Add and Cancel; returns what the service added, or None.

    A name like an existing one is refused once, with the existing one named; Add (or
    ctrl+s) again adds it anyway."""

    DEFAULT_CSS = DIALOG_CSS.format(name="RegisterDialog")
    BINDINGS = [
        Binding("ctrl+s", "add", "Add"),
        Binding("escape", "cancel", "Cancel"),
    ]
    TITLE_TEXT = ""
    ACTION = "Add"  # the button, and the verb of the hints
    FIELDS: Sequence[tuple[str, str, str]] = ()  # (key, label, placeholder)

    def __init__(self, actor: Actor, owner: str) -> None:
        super().__init__()
        self.actor = actor
        self.owner = owner  # who it is added to, for the title
        self.on_duplicate = "ask"
        self.read: Any = None  # an edit: the entry as shown (a change since is named)

    def compose(self) -> ComposeResult:
        """Title, the fields, an error line, buttons and a hint."""
        with Vertical():
            title = Text(self.TITLE_TEXT, style="bold")
            title.append(f"  ·  {printable(self.owner)}", style="dim")
            yield Static(title, classes="title")
            for key, label, placeholder in self.FIELDS:
                with Horizontal(classes="row"):
                    yield Label(label)
                    yield Input(placeholder=placeholder, id=f"r-{key}", compact=True)
            yield from self.compose_extra()
            yield Static("", id="register-error", classes="error-text")
            with ButtonRow(classes="buttons"):
                yield Button(self.ACTION, id="add", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
            yield Static(Text(f"Enter/ctrl+s {self.ACTION.lower()} · esc cancel"),
                         classes="hint")

    def compose_extra(self) -> ComposeResult:
        """Rows after the text fields."""
        return iter(())

    def on_mount(self) -> None:
        """Start in the first field (at once: keys typed already go there)."""
        self.query_one("#register-error").display = False
        for key, value in self.initial().items():
            self.query_one(f"#r-{key}", Input).value = printable(value)
        self.set_focus(self.query_one(f"#r-{self.FIELDS[0][0]}", Input))

    def initial(self) -> dict[str, str]:
        """What the fields start with."""
        return {}

    def value(self, key: str) -> str:
        """A field's text."""
        return self.query_one(f"#r-{key}", Input).value

    def show_error(self, message: str) -> None:
        """Show (or hide, for '') the error line."""
        error = self.query_one("#register-error", Static)
        error.update(Text(printable(message)))
        error.display = bool(message)

    @on(Input.Changed)
    def _edited(self, event: Input.Changed) -> None:
        """Another name (not another address): a near-duplicate is asked about again."""
        if event.input.id == f"r-{self.FIELDS[0][0]}":
            self.on_duplicate = "ask"

    def job(self) -> Callable[[], Any]:
        """The service call that adds, with the fields' values read now (on the UI
        thread; the call runs in a worker)."""
        raise NotImplementedError

    @on(Input.Submitted)
    @on(Button.Pressed, "#add")
    def action_add(self) -> None:
        """Add; errors stay in the dialog."""
        self.show_error("")
        call_service(self, self.job(), done=self.dismiss, failed=self._failed,
                     group="register")

    def _failed(self, exc: CrmError) -> None:
        verb = self.ACTION.lower()
        if isinstance(exc, NearDuplicate):
            self.on_duplicate = "create"
            self.show_error(f"{exc.kind.capitalize()} '{exc.name}' looks like existing "
                            f"'{exc.candidates[0].name}'. {self.ACTION} again to {verb} it "
                            "anyway.")
            return
        if isinstance(exc, ChangedMeanwhile):
            self.changed_meanwhile()
            self.show_error(f"{exc}. {self.ACTION} again to write yours over it, or esc.")
            return
        self.show_error(str(exc))
        field = exc.field if isinstance(exc, ValidationError) else None
        for widget in self.query(f"#r-{field}") if field else ():
            widget.focus()

    def changed(self, fields: dict[str, str]) -> dict[str, str]:
        """The fields whose text differs from what they started with, by the service's
        names (``fields`` maps a dialog key to its service name where they differ)."""
        start = self.initial()
        return {fields.get(key, key): self.value(key) for key in start
                if self.value(key) != printable(start[key])}

    def changed_meanwhile(self) -> None:
        """Someone changed what is being edited: read it anew, so that the fields not
        edited here show theirs (they kept the old values) and the next save writes
        over it (another change by then is named again)."""
        call_service(self, self.read_anew(), done=self._read_anew, group="reread")

    def read_anew(self) -> Callable[[], Any]:
        """The service call that reads the entry being edited."""
        raise NotImplementedError

    def _read_anew(self, entry: Any) -> None:
        start = self.initial()
        edited = {key for key in start if self.value(key) != printable(start[key])}
        self.take(entry)
        for key, value in self.initial().items():
            if key not in edited:
                self.query_one(f"#r-{key}", Input).value = printable(value)

    def take(self, entry: Any) -> None:
        """Edit ``entry`` from now on (as read anew)."""
        self.read = entry

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close without adding."""
        self.dismiss(None)


class AddFacilityDialog(RegisterDialog):
    """A new facility of a customer."""

    TITLE_TEXT = "Add a facility"
    FIELDS = (("facility", "Name", "e.g. Main plant"),
              ("address", "Address", ""), ("city", "City", ""))

    def __init__(self, actor: Actor, customer_id: int, customer_name: str) -> None:
        super().__init__(actor, customer_name)
        self.customer_id = customer_id

    def job(self) -> Callable[[], FacilityInfo]:
        """registers.add_facility."""
        return partial(registers.add_facility, self.actor, self.value("facility"),
                       self.customer_id, address=self.value("address"),
                       city=self.value("city"), on_duplicate=self.on_duplicate)


class AddServiceObjectDialog(RegisterDialog):
    """A new service object of a customer, at one of its facilities or none."""

    TITLE_TEXT = "Add a service object"
    FIELDS = (("service_object", "Name", "e.g. Heat pump (basement)"),
              ("model", "Model", ""), ("serial", "Serial no.", ""))

    def __init__(self, actor: Actor, customer_id: int, owner: str,
                 facilities: Sequence[tuple[str, int]], facility_id: int | None = None
                 ) -> None:
        super().__init__(actor, owner)
        self.customer_id = customer_id
        self.facilities = list(facilities)
        self.facility_id = facility_id

    def compose_extra(self) -> ComposeResult:
        """The facility: the customer's, or none."""
        with Horizontal(classes="row"):
            yield Label("Facility")
            yield Select([(plain(name), fid) for name, fid in self.facilities],
                         value=self.facility_id if self.facility_id is not None
                         else Select.NULL, prompt=NO_FACILITY, id="r-facility",
                         compact=True)

    def job(self) -> Callable[[], ServiceObjectInfo]:
        """registers.add_service_object."""
        chosen = self.query_one("#r-facility", Select).value
        return partial(registers.add_service_object, self.actor,
                       self.value("service_object"), customer=self.customer_id,
                       facility=chosen if isinstance(chosen, int) else None,
                       model=self.value("model"), serial_number=self.value("serial"),
                       on_duplicate=self.on_duplicate)


class EditFacilityDialog(RegisterDialog):
    """A facility's details: name, address, city and coordinates."""

    TITLE_TEXT = "Edit the facility"
    ACTION = "Save"
    FIELDS = (("facility", "Name", ""), ("address", "Address", ""), ("city", "City", ""),
              ("latitude", "Latitude", "e.g. 59.33258 (or empty)"),
              ("longitude", "Longitude", "e.g. 18.0649 (or empty)"))

    def __init__(self, actor: Actor, facility: FacilityInfo) -> None:
        super().__init__(actor, facility.customer_name)
        self.facility = facility
        self.read = facility

    def initial(self) -> dict[str, str]:
        """The facility as it is."""
        f = self.facility
        return {"facility": f.name, "address": f.address, "city": f.city,
                "latitude": "" if f.latitude is None else str(f.latitude),
                "longitude": "" if f.longitude is None else str(f.longitude)}

    def read_anew(self) -> Callable[[], FacilityInfo]:
        """The facility as it is now."""
        return partial(registers.get_facility, self.actor, self.facility.id)

    def take(self, entry: FacilityInfo) -> None:
        """Edit the facility as read anew."""
        self.facility = self.read = entry

    def job(self) -> Callable[[], FacilityInfo]:
        """register_edits.edit_facility with the fields that changed."""
        return partial(register_edits.edit_facility, self.actor, self.facility.id,
                       read=self.read, on_duplicate=self.on_duplicate,
                       **self.changed({"facility": "name"}))


class EditServiceObjectDialog(RegisterDialog):
    """A service object's details: name, model, serial number."""

    TITLE_TEXT = "Edit the service object"
    ACTION = "Save"
    FIELDS = (("service_object", "Name", ""), ("model", "Model", ""),
              ("serial", "Serial no.", ""))

    def __init__(self, actor: Actor, obj: ServiceObjectInfo) -> None:
        super().__init__(actor, ", ".join(p for p in (obj.facility_name, obj.customer_name)
                                          if p))
        self.obj = obj
        self.read = obj

    def initial(self) -> dict[str, str]:
        """The object as it is."""
        return {"service_object": self.obj.name, "model": self.obj.model,
                "serial": self.obj.serial_number}

    def read_anew(self) -> Callable[[], ServiceObjectInfo]:
        """The service object as it is now."""
        return partial(registers.get_service_object, self.actor, self.obj.id)

    def take(self, entry: ServiceObjectInfo) -> None:
        """Edit the object as read anew."""
        self.obj = self.read = entry

    def job(self) -> Callable[[], ServiceObjectInfo]:
        """register_edits.edit_service_object with the fields that changed."""
        return partial(register_edits.edit_service_object, self.actor, self.obj.id,
                       read=self.read, on_duplicate=self.on_duplicate,
                       **self.changed({"service_object": "name", "serial": "serial_number"}))
