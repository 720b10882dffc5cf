"""The fields of the contact-order form: inputs, pickers, status, assignees, messages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList, Select, SelectionList, Static
from textual.widgets.selection_list import Selection

from crm_tui.domain.dates import absolute_day
from crm_tui.domain.errors import ValidationError
from crm_tui.domain.permissions import Perm
from crm_tui.domain.records import Actor, BookingInfo, OrderInput, StatusInfo, UserInfo
from crm_tui.domain.text import printable
from crm_tui.services import registers
from crm_tui.tui.order_form_model import (
    LABELS,
    LINKS,
    ORDER,
    PLACEHOLDERS,
    VALIDATORS,
    FormValues,
    customers_matching,
    facilities_matching,
    objects_matching,
)
from crm_tui.tui.widgets.picker import Picker, PickItem, plain
from crm_tui.tui.widgets.tick_list import TickList
from crm_tui.tui.work import call_service

if TYPE_CHECKING:
    from crm_tui.tui.app import CrmApp

TEXT_FIELDS = tuple(VALIDATORS)


class OrderFields(VerticalScroll, can_focus=False):
    """Every field of an order, with a message line under each; bookings below."""

    DEFAULT_CSS = """
    OrderFields .row { height: auto; }
    OrderFields .row > Label { width: 13; }
    OrderFields .row > Input, OrderFields .row > Select { width: 1fr; }
    OrderFields #assignees { height: auto; max-height: 6; width: 1fr; }
    OrderFields .field-error { color: $error; display: none; margin: 0 0 0 13; }
    OrderFields .field-error.-shown { display: block; }
    OrderFields .field-hint { color: $text-muted; margin: 0 0 0 13; height: auto; }
    OrderFields #bookings { height: auto; color: $text-muted; margin: 1 0 0 0; }
    """
    # Priority: the next field takes the focus within the key press, so keys typed
    # right after Enter go there (moved on by the field's Submitted message, they were
    # still typed into the field left: "abc" Enter "xyz" gave "abcxy" and "z").
    BINDINGS = [Binding("enter", "next_field", "Next field", show=False, priority=True)]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.statuses: list[StatusInfo] = []
        self.users: list[UserInfo] = []
        self.creating = False  # a new order: its assignees are whom it is sent on to
        self._pickers: dict[str, Picker] = {}
        # a facility and object cleared as the customer's name was edited, and whose they
        # were: the name typed back restores them
        self._cleared: tuple[PickItem | None, dict[str, tuple[str, PickItem | None]]] = (
            None, {})

    @property
    def actor(self) -> Actor:
        """The acting user."""
        return cast("CrmApp", self.app).actor

    def compose(self) -> ComposeResult:
        """One row per field, then the bookings."""
        for name in ORDER:
            yield from self._field(name)
        yield Static(id="bookings")

    def _field(self, name: str) -> Iterable[Widget]:
        with Horizontal(classes="row"):
            yield Label(LABELS[name])
            if name in LINKS:
                noun = "service object" if name == "service_object" else name
                yield Picker(noun, id=name, source=getattr(self, f"_source_{name}"),
                             creatable=name != "service_object",
                             placeholder=PLACEHOLDERS[name])
            elif name == "status":
                yield Select([], prompt="(no status)", id="status", compact=True)
            elif name == "assignees":
                yield TickList(id="assignees", compact=True)
            else:
                yield Input(placeholder=PLACEHOLDERS.get(name, ""), id=name, compact=True)
        yield Static(classes="field-error", id=f"{name}-error")
        if name == "assignees":
            yield Static(classes="field-hint", id="assignees-hint")

    def on_mount(self) -> None:
        """Keep the pickers at hand (their sources run in worker threads)."""
        self._pickers = {name: self.query_one(f"#{name}", Picker) for name in LINKS}

    def picker(self, name: str) -> Picker:
        """The customer, facility or service-object picker."""
        return self._pickers[name]

    # Showing values ---------------------------------------------------------

    def show(self, values: FormValues, *, creating: bool | None = None) -> None:
        """Put values into the fields (of a new order with ``creating``; left out, as
        they were: a new order's draft brought back is still new)."""
        if creating is not None:
            self.creating = creating
        self._cleared = (None, {})
        for name in TEXT_FIELDS:
            self.query_one(f"#{name}", Input).value = getattr(values, name)
        for name in LINKS:
            link_id, text = getattr(values, f"{name}_id"), getattr(values, name)
            self.picker(name).set_value(text, PickItem(link_id, text) if link_id else None)
        self.set_statuses(values.status)
        self.set_assignees(values.assignees)
        self.clear_errors()

    def show_new(self, pre: OrderInput, links: dict[str, PickItem]) -> None:
        """A new order, pre-filled with what the caller knew."""
        self.creating = True
        self._cleared = (None, {})
        for name in TEXT_FIELDS:
            self.query_one(f"#{name}", Input).value = printable(str(getattr(pre, name) or ""))
        for name in LINKS:
            item = links.get(name)
            self.picker(name).set_value(item.title if item else getattr(pre, name) or "", item)
        self.set_statuses(pre.status or (self.statuses[0].name if self.statuses else ""))
        self.set_assignees(tuple(pre.assignees or ()))

    def offer_statuses(self, offered: list[StatusInfo], current: str) -> None:
        """Other statuses to offer (one renamed, added or deactivated meanwhile), with
        ``current`` chosen."""
        self.statuses = offered
        self.set_statuses(current)

    def set_statuses(self, current: str) -> None:
        """The admin's active statuses, plus the order's own if it was deactivated."""
        names = [s.name for s in self.statuses]
        options = [(plain(n), n) for n in names]
        if current and current not in names:
            options.append((plain(f"{current} (inactive)"), current))
        select = self.query_one("#status", Select)
        select.set_options(options)
        select.value = current if current else Select.NULL

    def set_assignees(self, chosen: tuple[str, ...]) -> None:
        """Users to tick: anyone with 'assign', only me with 'assign-self'; on a new
        order anyone (creating it sends it on: orders.create_order)."""
        anyone = self.actor.has(Perm.ASSIGN) or (self.creating
                                                 and self.actor.has(Perm.CREATE))
        myself = anyone or self.actor.has(Perm.ASSIGN_SELF)
        box = self.query_one("#assignees", SelectionList)
        box.clear_options()
        for user in self.users:
            if not user.active and user.username not in chosen:
                continue
            allowed = anyone or (myself and user.username == self.actor.username)
            label = plain(user.display_name or user.username)
            if user.display_name and user.display_name != user.username:
                label.append(f" ({user.username})", style="dim")
            box.add_option(Selection(label, user.username, user.username in chosen,
                                     disabled=not allowed))
        # why the others are greyed out (they just did not tick)
        hint = self.query_one("#assignees-hint", Static)
        hint.update("" if anyone else "Assigning others needs the 'assign' permission"
                    + ("" if myself else "; yourself, 'assign-self'"))
        hint.display = not anyone

    def show_bookings(self, bookings: Sequence[BookingInfo], saved: bool) -> None:
        """The order's bookings, one per line."""
        text = Text("Bookings: ", style="bold")
        if not bookings:
            text.append("none yet · ctrl+b books the next contact" if saved
                        else "save the order first, then ctrl+b books", style="dim")
        for b in bookings:
            text.append(f"\n {b.at:%Y-%m-%d %H:%M} {b.kind} → ")
            text.append_text(plain(b.assignee))
            if b.reminder_at is not None:
                text.append(f" · reminder {b.reminder_at:%Y-%m-%d %H:%M}", style="dim")
            if b.done:
                text.append(" · done", style="green")
        self.query_one("#bookings", Static).update(text)

    # Reading and checking ---------------------------------------------------

    def values(self) -> FormValues:
        """What the fields hold now."""
        texts = {n: self.query_one(f"#{n}", Input).value.strip() for n in TEXT_FIELDS}
        links: dict[str, object] = {}
        for name in LINKS:
            picker = self.picker(name)
            links[name], links[f"{name}_id"] = picker.value, picker.chosen_id
        status = self.query_one("#status", Select).value
        chosen = self.query_one("#assignees", SelectionList).selected
        return FormValues(**texts, **links,  # type: ignore[arg-type]
                          status=status if isinstance(status, str) else "",
                          assignees=tuple(sorted(str(u) for u in chosen)))

    def show_error(self, name: str, message: str) -> None:
        """Show (or with '' clear) the message under a field."""
        for label in self.query(f"#{name}-error").results(Static):
            label.update(plain(message))
            label.set_class(bool(message), "-shown")

    def clear_errors(self) -> None:
        """Hide every message."""
        for label in self.query(".field-error.-shown").results(Static):
            label.update("")
            label.remove_class("-shown")

    def check_field(self, name: str) -> bool:
        """Validate one field now and show its message ('today' or '+7' in Scheduled
        becomes the date it means)."""
        validator = VALIDATORS.get(name)
        if validator is None:
            return True
        if name == "scheduled":
            field = self.query_one("#scheduled", Input)
            day = absolute_day(field.value, cast("CrmApp", self.app).now().date())
            if day != field.value:
                field.value = day
        try:
            validator(self.query_one(f"#{name}", Input).value)
        except ValidationError as exc:
            self.show_error(name, str(exc))
            return False
        self.show_error(name, "")
        return True

    @on(Input.Blurred)
    def _left_field(self, event: Input.Blurred) -> None:
        if event.input.id in VALIDATORS:
            self.check_field(event.input.id)

    @on(Input.Changed)
    def _edited_field(self, event: Input.Changed) -> None:
        name = event.input.id or ""
        if name in VALIDATORS and self.query_one(f"#{name}-error").has_class("-shown"):
            self.check_field(name)

    def validate_all(self) -> list[str]:
        """Check every field; returns the bad ones in form order (first one focused)."""
        bad = [name for name in VALIDATORS if not self.check_field(name)]
        if not self.picker("customer").value:
            self.show_error("customer", "Customer: type a name, or ↓ to choose one")
            bad.append("customer")
        else:
            self.show_error("customer", "")
        bad.sort(key=ORDER.index)
        if bad:
            self.query_one(f"#{bad[0]}").focus()
        return bad

    # Pickers ----------------------------------------------------------------

    def _source_customer(self, text: str) -> list[PickItem]:
        return customers_matching(self.actor, text)

    def _named(self, name: str) -> PickItem | None:
        """The entry a picker names: chosen, or typed out in full (saving uses that one;
        a customer typed, not picked, offered no facilities and called every facility
        "new")."""
        picker = self.picker(name)
        return picker.item or (picker.exact_match() if picker.text else None)

    def _new_customer(self) -> bool:
        return self._named("customer") is None and bool(self.picker("customer").text)

    def _source_facility(self, text: str) -> list[PickItem]:
        return facilities_matching(self.actor, text, self._named("customer"),
                                   self._new_customer())

    def _source_service_object(self, text: str) -> list[PickItem]:
        return objects_matching(self.actor, text, self._named("customer"),
                                self._named("facility"), self._new_customer())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Enter moves on from a text field; in a picker whose list is open it picks
        the highlighted entry (the field's own Enter), elsewhere it is the widget's."""
        if action != "next_field":
            return True
        focused = self.screen.focused
        if not isinstance(focused, Input):
            return False
        picker = next((p for p in self._pickers.values() if focused.parent is p), None)
        return not (picker is not None and picker.is_open
                    and picker.query_one(OptionList).highlighted is not None)

    def action_next_field(self) -> None:
        """Enter in a field moves on to the next one."""
        self.screen.focus_next()

    @on(Picker.Edited, "#customer")
    @on(Picker.Chosen, "#customer")
    def _customer_changed(self, event: Picker.Edited | Picker.Chosen) -> None:
        """Another customer: a facility or service object chosen for the one before is
        cleared (it belongs to that customer); a name only typed stays, to be looked up
        at the new one. The customer's name typed back (a letter deleted and typed
        again) is that customer again, with what was cleared. A customer given clears
        the "type a name" error."""
        customer = self.picker("customer")
        if customer.value:
            self.show_error("customer", "")
        owner, links = self._cleared
        back = (event.item if isinstance(event, Picker.Chosen) else
                owner if owner is not None and customer.value.casefold()
                == printable(owner.title).strip().casefold() else None)
        if owner is not None and back is not None and back.id == owner.id:
            customer.set_value(customer.input.value, owner)
            for name, (text, item) in links.items():
                if not self.picker(name).value:  # not where something else was typed
                    self.picker(name).set_value(text, item)
            self._cleared = (None, {})
            return
        if isinstance(event, Picker.Chosen):
            owner, links = None, {}  # another customer chosen: theirs are not coming back
            self._cleared = (None, {})
        chosen = {name: (self.picker(name).value, self.picker(name).item)
                  for name in ("facility", "service_object")
                  if self.picker(name).item is not None}
        if chosen:
            # kept for the customer they belong to, should its name be typed back
            self._cleared = (customer.last_item if owner is None else owner,
                             links | chosen)
            for name in chosen:
                self.picker(name).set_value("", None)

    @on(Picker.LookedUp, "#customer")
    def _customer_looked_up(self) -> None:
        """A customer's name set with no entry was looked up: the facility and object
        typed with it are looked up again, within that customer."""
        for name in ("facility", "service_object"):
            self.picker(name).refresh_hint()

    @on(Picker.Edited, "#facility, #service_object")
    def _link_edited(self, event: Picker.Edited) -> None:
        """Another facility or object typed: the save's message about it is gone (it
        stayed until the next save)."""
        self.show_error(event.picker.id or "", "")

    @on(Picker.Chosen, "#facility, #service_object")
    def _link_chosen(self, event: Picker.Chosen) -> None:
        self.show_error(event.picker.id or "", "")
        if self.picker("customer").item is not None:
            return
        fetch = (registers.get_facility if event.picker.id == "facility"
                 else registers.get_service_object)
        call_service(self, fetch, self.actor, event.item.id, done=self._fill_links,
                     group="links")

    def _fill_links(self, info: object) -> None:
        """A facility or object chosen first fills in its customer (and facility)."""
        customer_id = getattr(info, "customer_id", None)
        if customer_id is not None:
            name = getattr(info, "customer_name", "") or ""
            self.picker("customer").set_value(name, PickItem(customer_id, name))
        facility_id = getattr(info, "facility_id", None)
        facility = self.picker("facility")
        if facility_id is not None and facility.item is None:
            name = getattr(info, "facility_name", "") or ""
            facility.set_value(name, PickItem(facility_id, name))
