"""The customer card: details (editable in place), facilities, service objects, orders."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widget import AwaitMount, Widget
from textual.widgets import Input, Label, Static, TabbedContent, TabPane, Tabs

from crm_tui.domain.errors import ChangedMeanwhile, CrmError, NearDuplicate, ValidationError
from crm_tui.domain.permissions import Perm
from crm_tui.domain.records import CustomerCard, CustomerInfo, OrderInput, ServiceObjectInfo
from crm_tui.domain.text import printable
from crm_tui.services import order_list, register_deletes, register_edits
from crm_tui.tui.screens.base import tab_title
from crm_tui.tui.screens.cards import (
    CARD_CSS,
    FACILITY_COLUMNS,
    OBJECT_COLUMNS,
    CardScreen,
    join,
)
from crm_tui.tui.screens.dialogs import ConfirmDialog
from crm_tui.tui.screens.register_dialog import AddFacilityDialog, AddServiceObjectDialog
from crm_tui.tui.widgets.order_table import cell
from crm_tui.tui.widgets.picker import plain
from crm_tui.tui.work import call_service

CUSTOMER_FIELDS = (("name", "Name"), ("number", "Number"), ("address", "Address"),
                   ("city", "City"), ("phone", "Phone"), ("email", "E-mail"))


class CustomerCardScreen(CardScreen):
    """A customer: details (editable), facilities, service objects and all its orders."""

    SECTION = "Customer"
    ORDER_PARTY = "facility"
    DEFAULT_CSS = CARD_CSS.format(name="CustomerCardScreen")
    BINDINGS = [
        Binding("f", "tab('facilities')", "Facilities", show=False),
        Binding("s", "tab('objects')", "Service objects", show=False),
        Binding("d", "tab('details')", "Details", show=False),
        Binding("e", "edit", "Edit details", show=True),
        Binding("ctrl+s", "save_details", "Save details", show=True),
        Binding("plus", "add_register", "Add facility/object", show=False,
                tooltip="On the Facilities or Service objects tab: add one"),
        # Tab goes round the details being edited: past the last one, the focus left
        # them for the card, whose letters are keys (typing on ran "a": a new order).
        Binding("tab", "detail_field(1)", show=False, priority=True),
        Binding("shift+tab", "detail_field(-1)", show=False, priority=True),
    ]
    NEEDS = {"add_order": Perm.CREATE, "add_register": Perm.CREATE, "edit": Perm.EDIT,
             "save_details": Perm.EDIT, "delete_entry": Perm.DELETE}

    def __init__(self, customer_id: int) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.customer: CustomerInfo | None = None
        self.facilities: list[tuple[str, int]] = []  # for a new service object
        self.objects: dict[int, ServiceObjectInfo] = {}  # for a new order's prefill
        self._like_other: str | None = None  # a name the user was told is like another's
        # The customer as the details being edited were read: a save is refused once
        # when someone changed it since, naming their values (see register_edits).
        self._read: CustomerInfo | None = None
        self._read_anew = False  # refused so: the next reload is what the user saw

    def compose_tabs(self) -> Iterable[Widget]:
        """Orders, facilities, service objects, details."""
        yield from super().compose_tabs()
        with TabPane(tab_title("Facilities"), id="facilities"):
            yield self.table("facilities-table", FACILITY_COLUMNS)
        with TabPane(tab_title("Service objects"), id="objects"):
            yield self.table("objects-table", OBJECT_COLUMNS)
        with TabPane(tab_title("Details"), id="details"), Vertical():
            for key, label in CUSTOMER_FIELDS:
                with Horizontal(classes="field-row"):
                    yield Label(label)
                    yield Input(id=f"c-{key}", compact=True)
            yield Static(id="details-error")
            yield Static(Text(self.details_hint(), style="dim"), classes="card-empty")

    def details_hint(self) -> str:
        """How the details are edited; to one who may not, that they are read only
        (it told them how to save)."""
        if not self.crm.actor.has(Perm.EDIT):
            return "Read only: changing the details needs the 'edit' permission"
        return "ctrl+s saves the details · Esc leaves the fields (then o, f, s switch tabs)"

    def fetch(self, order_limit: int) -> CustomerCard:
        """The customer card from the services."""
        return order_list.customer_card(self.crm.actor, self.customer_id, order_limit)

    def owner(self) -> dict[str, int]:
        """The customer's orders."""
        return {"customer_id": self.customer_id}

    def show(self, data: CustomerCard) -> None:
        """Details, facilities, service objects and orders.

        A reload (someone changed something) keeps the details being edited: a field
        the user changed keeps what they typed, the others show the stored values, and
        a field someone else changed meanwhile is named: saving is refused once, and
        writes over it the second time."""
        c = data.customer
        edited = self.changes()
        self.customer = c
        title = plain(c.name, style="bold")
        title.append(f"  ·  customer {c.number}", style="dim")
        self.set_title(title, plain(join(c.address, c.city, c.phone, c.email)))
        pending = {key for key, value in edited.items() if value != printable(getattr(c, key))}
        may_edit = self.crm.actor.has(Perm.EDIT)
        for key, _label in CUSTOMER_FIELDS:
            field = self.query_one(f"#c-{key}", Input)
            field.disabled = not may_edit  # read-only: typing was refused on save
            if key not in pending:
                field.value = printable(getattr(c, key))
        base = self._read
        clashes = [f"{label} (now {printable(getattr(c, key)) or 'empty'!r})"
                   for key, label in CUSTOMER_FIELDS if key in pending
                   and base is not None and getattr(base, key) != getattr(c, key)]
        if not pending or self._read_anew or base is None:
            self._read, self._read_anew = c, False  # saving writes over theirs
        else:  # their other fields show, and are what the user saw; the typed ones not
            self._read = replace(c, **{key: getattr(base, key) for key in pending})
        if clashes and self._read is not c:
            self.query_one("#details-error", Static).update(plain(
                f"Changed by someone else meanwhile: {', '.join(clashes)}. ctrl+s names "
                "it again; ctrl+s once more saves what you typed over it."))
        elif not pending:
            self.query_one("#details-error", Static).update("")
        self.facilities = [(f.name, f.id) for f in data.facilities]
        self.objects = {s.id: s for s in data.service_objects}
        count = self.fill("facilities-table", ((str(f.id), (
            cell(f.name), cell(f.address), cell(f.city))) for f in data.facilities))
        tabs = self.query_one(TabbedContent)
        tabs.get_tab("facilities").label = tab_title("Facilities", count)
        count = self.fill("objects-table", ((str(s.id), (
            cell(s.name), cell(s.model), cell(s.serial_number), cell(s.facility_name)))
            for s in data.service_objects))
        tabs.get_tab("objects").label = tab_title("Service objects", count)
        self.show_orders(data.orders, data.next_cursor, data.counts)

    def openers(self) -> dict[str, Callable[[int], AwaitMount]]:
        """Orders open the form, facilities and objects their cards."""
        return super().openers() | {"facilities-table": self.crm.open_facility,
                                    "objects-table": self.crm.open_service_object}

    def prefill(self) -> OrderInput | None:
        """The customer; on the Facilities tab the highlighted facility, on Service
        objects the highlighted object (and its facility); else its only facility."""
        tab = self.query_one(TabbedContent).active
        table_id = {"facilities": "facilities-table", "objects": "objects-table"}.get(tab)
        chosen = self.highlighted(table_id) if table_id else None
        if chosen is not None and tab == "objects":
            obj = self.objects.get(chosen)
            if obj is not None:
                return OrderInput(customer_id=self.customer_id, facility_id=obj.facility_id,
                                  service_object_id=obj.id)
        if chosen is not None and tab == "facilities":
            return OrderInput(customer_id=self.customer_id, facility_id=chosen)
        only = self.facilities[0][1] if len(self.facilities) == 1 else None
        return OrderInput(customer_id=self.customer_id, facility_id=only)

    def action_add_register(self) -> AwaitMount | None:
        """On the Facilities tab add a facility, on Service objects a service object."""
        if self.customer is None:
            return None
        tab = self.query_one(TabbedContent).active
        if tab == "facilities":
            return self.app.push_screen(AddFacilityDialog(
                self.crm.actor, self.customer_id, self.customer.name), self.added)
        if tab == "objects":
            return self.app.push_screen(AddServiceObjectDialog(
                self.crm.actor, self.customer_id, self.customer.name, self.facilities),
                self.added)
        self.notify("On the Facilities (f) or Service objects (s) tab, + adds one there")
        return None

    def _detail_fields(self) -> list[Input]:
        return [self.query_one(f"#c-{key}", Input) for key, _label in CUSTOMER_FIELDS]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Tab goes round the details only from one of them."""
        if action == "detail_field":
            return self.focused in self._detail_fields()
        return super().check_action(action, parameters)

    def action_detail_field(self, step: int) -> None:
        """The next (or previous) detail, round from the last to the first."""
        fields = self._detail_fields()
        at = fields.index(self.focused) if self.focused in fields else 0
        # at once: Tab and the text typed after it went one field late
        self.set_focus(fields[(at + step) % len(fields)])

    def deleting(self, check_only: bool) -> Callable[[], object]:
        """register_deletes.delete_customer."""
        return partial(register_deletes.delete_customer, self.crm.actor, self.customer_id,
                       check_only=check_only)

    def named(self, info: Any) -> str:
        """"customer 1001 Berg AB"."""
        return f"customer {info.number} {info.name}"

    def action_edit(self) -> None:
        """Edit the details in place (dimmed without the edit permission)."""
        self.query_one(TabbedContent).active = "details"
        self.set_focus(self.query_one("#c-name", Input))  # at once: typing follows

    def changes(self) -> dict[str, str]:
        """Details edited but not saved."""
        if self.customer is None:
            return {}
        return {key: self.query_one(f"#c-{key}", Input).value.strip()
                for key, _label in CUSTOMER_FIELDS
                if self.query_one(f"#c-{key}", Input).value.strip()
                != printable(getattr(self.customer, key))}

    def unsaved(self) -> list[str]:
        """Edited details not saved, by name."""
        labels = dict(CUSTOMER_FIELDS)
        changed = [labels[key] for key in self.changes()]
        return [f"the customer's {', '.join(changed)}"] if changed else []

    def action_back(self) -> None:
        """Out of a details field to the tabs (where o, f, s and d switch them: in a
        field they were typed, and Escape left the card); else back, asking first if
        edited details are unsaved."""
        if isinstance(self.focused, Input) and self.focused in self._detail_fields():
            self.set_focus(self.query_one(TabbedContent).query_one(Tabs))
            return
        if not self.changes():
            super().action_back()
            return
        self.app.push_screen(ConfirmDialog("Leave without saving the customer's details?"
                                           f"\nNot saved: {'; '.join(self.unsaved())}",
                                           title="Unsaved changes", yes="Leave"),
                             lambda yes: super(CustomerCardScreen, self).action_back()
                             if yes else None)

    def action_save_details(self) -> None:
        """Save the edited details (refused if someone changed them meanwhile)."""
        changes = self.changes()
        if self.customer is None or not changes:
            self.notify("No changes to the details to save")
            return
        agreed = changes.get("name") is not None and changes.get("name") == self._like_other
        call_service(self, register_edits.edit_customer, self.crm.actor, self.customer_id,
                     read=self._read, on_duplicate="create" if agreed else "ask",
                     **changes,
                     done=self._saved, failed=self._save_failed, group="save")

    def _saved(self, customer: CustomerInfo) -> None:
        self.notify(plain(f"Saved {customer.name}").plain, markup=False)
        self.action_reload()

    def _save_failed(self, exc: CrmError) -> None:
        if isinstance(exc, ChangedMeanwhile):
            # their values show in the fields not edited here; the next save writes over
            self._read_anew = True
            self.action_reload()
            exc = ValidationError(f"{exc}. ctrl+s again saves yours over it.")
        if isinstance(exc, NearDuplicate):
            # as adding a customer asks: once; saving the same name again saves it
            self._like_other = exc.name
            first = exc.candidates[0]
            exc = ValidationError(f"Another customer is named like this: '{first.name}' "
                                  f"({first.number}). ctrl+s again saves it anyway.", "name")
        self.query_one("#details-error", Static).update(plain(str(exc)))
        if isinstance(exc, ValidationError) and exc.field:
            for widget in self.query(f"#c-{exc.field}"):
                widget.focus()
        self.notify(plain(str(exc)).plain, title="Not saved", severity="error", markup=False)
