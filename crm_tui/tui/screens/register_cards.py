"""The facility and service-object cards (what cards share is in cards.py; the
customer card, which edits, in customer_card.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from textual.binding import Binding
from textual.widget import AwaitMount, Widget
from textual.widgets import TabbedContent, TabPane

from crm_tui.domain.permissions import Perm
from crm_tui.domain.records import (
    FacilityInfo,
    OrderCounts,
    OrderInput,
    OrderPage,
    ServiceObjectInfo,
)
from crm_tui.services import order_list, register_deletes, registers
from crm_tui.tui.screens.base import tab_title
from crm_tui.tui.screens.cards import CARD_CSS, OBJECT_COLUMNS, CardScreen, join
from crm_tui.tui.screens.register_dialog import (
    AddServiceObjectDialog,
    EditFacilityDialog,
    EditServiceObjectDialog,
)
from crm_tui.tui.widgets.order_table import cell
from crm_tui.tui.widgets.picker import plain


class FacilityCardScreen(CardScreen):
    """A facility: where it is, its service objects and its orders."""

    SECTION = "Facility"
    ORDER_PARTY = "service_object"
    DEFAULT_CSS = CARD_CSS.format(name="FacilityCardScreen")
    BINDINGS = [
        Binding("s", "tab('objects')", "Service objects", show=False),
        Binding("c", "customer", "Customer", show=True),
        Binding("plus", "add_object", "Add service object", show=True,
                tooltip="A new service object at this facility"),
        Binding("e", "edit", "Edit", show=True, tooltip="The facility's name, address, "
                "city and coordinates"),
    ]
    NEEDS = {"add_order": Perm.CREATE, "add_object": Perm.CREATE, "edit": Perm.EDIT,
             "delete_entry": Perm.DELETE}

    def __init__(self, facility_id: int) -> None:
        super().__init__()
        self.facility_id = facility_id
        self.facility: FacilityInfo | None = None

    def compose_tabs(self) -> Iterable[Widget]:
        """Orders and service objects."""
        yield from super().compose_tabs()
        with TabPane(tab_title("Service objects"), id="objects"):
            yield self.table("objects-table", OBJECT_COLUMNS[:3])

    def fetch(self, order_limit: int) -> tuple[FacilityInfo, list[ServiceObjectInfo],
                                               tuple[OrderPage, OrderCounts]]:
        """The facility, its objects and orders."""
        actor = self.crm.actor
        facility = registers.get_facility(actor, self.facility_id)
        card = order_list.customer_card(actor, facility.customer_id, order_limit=0)
        objects = [s for s in card.service_objects if s.facility_id == self.facility_id]
        return facility, objects, self.fetch_orders(order_limit)

    def owner(self) -> dict[str, int]:
        """The facility's orders."""
        return {"facility_id": self.facility_id}

    def action_add_object(self) -> AwaitMount | None:
        """A new service object here."""
        f = self.facility
        if f is None:
            return None
        self.query_one(TabbedContent).active = "objects"
        return self.app.push_screen(AddServiceObjectDialog(
            self.crm.actor, f.customer_id, f"{f.name}, {f.customer_name}",
            [(f.name, f.id)], facility_id=f.id), self.added)

    def deleting(self, check_only: bool) -> Callable[[], object]:
        """register_deletes.delete_facility."""
        return partial(register_deletes.delete_facility, self.crm.actor, self.facility_id,
                       check_only=check_only)

    def named(self, info: Any) -> str:
        """"facility Lager of Berg AB"."""
        return f"facility {info.name} of {info.customer_name}"

    def action_edit(self) -> AwaitMount | None:
        """Edit the facility's details."""
        if self.facility is None:
            return None
        return self.app.push_screen(EditFacilityDialog(self.crm.actor, self.facility),
                                    self.saved)

    def show(self, data: tuple[FacilityInfo, list[ServiceObjectInfo],
                               tuple[OrderPage, OrderCounts]]) -> None:
        """Fill the card."""
        facility, objects, (orders, counts) = data
        self.facility = facility
        title = plain(facility.name, style="bold")
        title.append("  ·  facility of ", style="dim")
        title.append_text(plain(facility.customer_name))
        coords = (f"{facility.latitude:.5f}, {facility.longitude:.5f}"
                  if facility.latitude is not None and facility.longitude is not None else "")
        self.set_title(title, plain(join(facility.address, facility.city, coords)))
        count = self.fill("objects-table", ((str(s.id), (
            cell(s.name), cell(s.model), cell(s.serial_number))) for s in objects))
        self.query_one(TabbedContent).get_tab("objects").label = tab_title("Service objects", count)
        self.show_orders(orders.rows, orders.next_cursor, counts)

    def openers(self) -> dict[str, Callable[[int], AwaitMount]]:
        """Orders open the form, objects their cards."""
        return super().openers() | {"objects-table": self.crm.open_service_object}

    def prefill(self) -> OrderInput | None:
        """Customer and facility; on Service objects, the highlighted object too (it
        was left out, as if none were highlighted)."""
        if self.facility is None:
            return None
        chosen = (self.highlighted("objects-table")
                  if self.query_one(TabbedContent).active == "objects" else None)
        return OrderInput(customer_id=self.facility.customer_id, facility_id=self.facility_id,
                          service_object_id=chosen)

    def action_customer(self) -> None:
        """Open the customer's card (once this one has loaded)."""
        self.when_loaded(self._open_customer)

    def _open_customer(self) -> None:
        if self.facility is not None:
            self.crm.open_customer(self.facility.customer_id)


class ServiceObjectCardScreen(CardScreen):
    """A service object: model, serial number, where it is, and its orders."""

    SECTION = "Service object"
    ORDER_PARTY = "contact"
    DEFAULT_CSS = CARD_CSS.format(name="ServiceObjectCardScreen")
    BINDINGS = [
        Binding("c", "customer", "Customer", show=True),
        Binding("f", "facility", "Facility", show=True),
        Binding("e", "edit", "Edit", show=True, tooltip="The object's name, model and "
                "serial number"),
    ]
    NEEDS = {"add_order": Perm.CREATE, "edit": Perm.EDIT, "delete_entry": Perm.DELETE}

    def __init__(self, object_id: int) -> None:
        super().__init__()
        self.object_id = object_id
        self.obj: ServiceObjectInfo | None = None

    def fetch(self, order_limit: int) -> tuple[ServiceObjectInfo,
                                               tuple[OrderPage, OrderCounts]]:
        """The object and its orders."""
        return (registers.get_service_object(self.crm.actor, self.object_id),
                self.fetch_orders(order_limit))

    def owner(self) -> dict[str, int]:
        """The service object's orders."""
        return {"service_object_id": self.object_id}

    def deleting(self, check_only: bool) -> Callable[[], object]:
        """register_deletes.delete_service_object."""
        return partial(register_deletes.delete_service_object, self.crm.actor,
                       self.object_id, check_only=check_only)

    def named(self, info: Any) -> str:
        """"service object Pump"."""
        return f"service object {info.name}"

    def action_edit(self) -> AwaitMount | None:
        """Edit the object's details."""
        if self.obj is None:
            return None
        return self.app.push_screen(EditServiceObjectDialog(self.crm.actor, self.obj),
                                    self.saved)

    def show(self, data: tuple[ServiceObjectInfo, tuple[OrderPage, OrderCounts]]) -> None:
        """Fill the card."""
        obj, (orders, counts) = data
        self.obj = obj
        title = plain(obj.name, style="bold")
        title.append("  ·  service object", style="dim")
        where = join(obj.facility_name, obj.customer_name)
        self.set_title(title, plain(join(
            f"model {obj.model}" if obj.model else "",
            f"serial {obj.serial_number}" if obj.serial_number else "", where)))
        self.show_orders(orders.rows, orders.next_cursor, counts)

    def prefill(self) -> OrderInput | None:
        """Customer, facility and the object."""
        if self.obj is None:
            return None
        return OrderInput(customer_id=self.obj.customer_id, facility_id=self.obj.facility_id,
                          service_object_id=self.object_id)

    def action_customer(self) -> None:
        """Open the customer's card (once this one has loaded)."""
        self.when_loaded(self._open_customer)

    def _open_customer(self) -> None:
        if self.obj is not None and self.obj.customer_id is not None:
            self.crm.open_customer(self.obj.customer_id)

    def action_facility(self) -> None:
        """Open the facility's card (once this one has loaded)."""
        self.when_loaded(self._open_facility)

    def _open_facility(self) -> None:
        if self.obj is None or self.obj.facility_id is None:
            self.notify("This service object is not at a facility")
            return
        self.crm.open_facility(self.obj.facility_id)
