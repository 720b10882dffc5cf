"""What the order form does to the order as a whole: complete or reopen it, delete
it, book the next contact, open its customer's card (kept apart from the form's
fields and saving, which order_form.py holds)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from crm_tui.domain.records import OrderDetail
from crm_tui.domain.text import printable
from crm_tui.services import orders
from crm_tui.tui.screens.dialogs import ConfirmDialog
from crm_tui.tui.work import call_service

if TYPE_CHECKING:
    from crm_tui.tui.app import CrmApp


class OrderActions:
    """A mixin of OrderFormScreen: the actions on the whole order."""

    serial: int | None
    detail: OrderDetail | None
    crm: CrmApp
    app: Any
    _after_save: Callable[[], None] | None
    _retry: Callable[[int], None] | None

    # provided by OrderFormScreen and Textual's Screen
    notify: Any
    dismiss: Any
    changes: Any
    action_save: Any
    apply_detail: Any
    picker: Any
    _save_failed: Any
    _refresh_side: Any

    def action_customer_card(self) -> None:
        """Open the order's customer's card (the manual: "click on the customer's name
        and go directly to the customer card"); Esc comes back to the order. The one
        the field names: picked, typed in full, or the saved one if left as it was."""
        picker = self.picker("customer")
        typed = picker.value.strip()
        exact = picker.exact_match()
        customer_id = (picker.chosen_id if picker.chosen_id is not None
                       else exact.id if exact is not None
                       else self.detail.row.customer_id
                       if self.detail is not None and typed == self.detail.row.customer
                       else None)
        if customer_id is None:
            self.notify(f"'{printable(typed)}' is not in the register yet: pick the "
                        "customer, or save the order first" if typed
                        else "Pick the order's customer first", severity="warning",
                        markup=False)
            return
        self.crm.open_customer(customer_id)

    def action_complete(self) -> None:
        """Complete (archive) the order; it stays readable, last in the list, dark blue."""
        self._set_completed(True)

    def action_reopen(self) -> None:
        """Reopen a completed order."""
        self._set_completed(False)

    def _set_completed(self, flag: bool) -> None:
        if self.serial is None or self.detail is None:
            self.notify("Save the order first (ctrl+s)", severity="warning")
            return
        if self.changes():  # save the edits first, then complete
            self._after_save = lambda: self._set_completed(flag)
            self.action_save()
            return
        serial = self.serial

        def run(base_version: int) -> None:
            call_service(self, orders.set_completed, self.crm.actor, serial, flag,
                         base_version, done=done, failed=self._save_failed, group="save")

        def done(detail: OrderDetail) -> None:
            self.apply_detail(detail)
            self.notify(printable(orders.completed_message(detail) if flag
                                  else f"Contact order {serial} reopened"), markup=False,
                        timeout=8 if flag else 5)

        self._retry = run
        run(self.detail.version)

    def action_delete(self) -> None:
        """Delete the order with its notes and bookings (asks first)."""
        if self.serial is None:
            return
        serial = self.serial

        def answered(yes: bool | None) -> None:
            if yes:
                call_service(self, orders.delete_order, self.crm.actor, serial,
                             done=lambda _: self._deleted(serial), group="save")

        self.app.push_screen(ConfirmDialog(
            f"Delete contact order {serial} with its notes and bookings? "
            "The audit log keeps a copy.", title="Delete contact order", yes="Delete"),
            answered)

    def _deleted(self, serial: int) -> None:
        self.notify(f"Deleted contact order {serial}")
        self.dismiss()

    def action_booking(self) -> None:
        """Book the next contact (phone, meeting, …) with a reminder."""
        if self.serial is None:
            self.notify("Save the order first (ctrl+s), then book", severity="warning")
            return
        from crm_tui.tui.screens.booking_dialog import BookingDialog

        self.app.push_screen(BookingDialog(self.serial), self._booked)

    def _booked(self, booking: object) -> None:
        if booking is None or self.serial is None:
            return
        self.notify("Booked")
        call_service(self, orders.get_order, self.crm.actor, self.serial,
                     done=self._refresh_side, group="load")
