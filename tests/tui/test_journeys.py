"""Journeys 1, 3, 4 (without the sales order) and 8, end to end in the TUI on real SQLite."""

from __future__ import annotations

import datetime as dt

from textual.widgets import Input, OptionList, Select, Static, TextArea

from crm_tui.domain.records import Actor, Completed, OrderFilter, OrderInput
from crm_tui.services import bookings, notes, order_list, orders, registers
from crm_tui.tui.screens.booking_dialog import BookingDialog
from crm_tui.tui.screens.dialogs import ConflictDialog, NearDuplicateDialog
from crm_tui.tui.screens.order_form import OrderFormScreen
from crm_tui.tui.screens.orders import OrderListScreen
from crm_tui.tui.widgets.order_table import COMPLETED_STYLE, OrderTable
from tests.conftest import make_user
from tests.tui.conftest import FIXED_NOW, settle
from tests.tui.test_registers import wait_for


async def open_form(app, pilot, serial: int | None = None) -> OrderFormScreen:
    """Open the order form directly and wait until it has loaded."""
    await settle(app, pilot)
    app.open_order(serial)
    await settle(app, pilot)
    form = app.screen
    assert isinstance(form, OrderFormScreen) and form.ready
    return form


def type_into(form: OrderFormScreen, **values: str) -> None:
    """Fill inputs and pickers as a user would leave them."""
    for name, value in values.items():
        widget = form.query_one(f"#{name}")
        target = widget if isinstance(widget, Input) else widget.query_one(Input)
        target.value = value


async def test_journey_1_morning_at_the_sales_desk(eva: Actor, make_app) -> None:
    """To-do → open the order → read notes → add a note → book in six months → save."""
    anna = make_user(eva, "anna", "view", "edit", "create", "assign-self")
    customer = registers.add_customer(eva, "Bergström Värme AB")
    order = orders.create_order(eva, OrderInput(subject="Heat pump lead",
                                                customer_id=customer.id, assignees=["anna"]))
    notes.add_note(eva, order.serial, "Met at the fair.\nInterested in a second pump.")
    bookings.add_booking(eva, order.serial, FIXED_NOW - dt.timedelta(hours=1), "phone",
                         assignee="anna")
    app = make_app("anna", clock=lambda: FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")  # the overdue booking on the to-do panel
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, OrderFormScreen) and form.serial == order.serial
        timeline = [s.content.plain for s in form.notes.query(".note").results(Static)]
        assert len(timeline) == 1 and "Interested in a second pump." in timeline[0]
        assert "eva" in timeline[0]
        # The note editor has the focus on an existing order: type and ctrl+o.
        assert isinstance(app.focused, TextArea)
        await pilot.press(*"Called, wants an offer in March")
        await pilot.press("ctrl+o")
        await settle(app, pilot)
        saved = orders.get_order(anna, order.serial).notes
        assert [(n.author, n.text) for n in saved][-1] == ("anna",
                                                          "Called, wants an offer in March")
        assert len(form.notes.query(".note")) == 2 and form.notes.pending_text() == ""
        # Book the next contact: phone, in six months, reminder a day before.
        await pilot.press("ctrl+b")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, BookingDialog)
        when = dt.datetime(2027, 5, 28, 9, 0)
        dialog.query_one("#at", Input).value = f"{when:%Y-%m-%d %H:%M}"
        dialog.query_one("#reminder", Input).value = "1d"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        booked = [b for b in orders.get_order(anna, order.serial).bookings
                  if b.at.replace(tzinfo=None) == when]
        assert len(booked) == 1 and booked[0].kind == "phone"
        assert booked[0].reminder_at is not None
        assert booked[0].reminder_at.replace(tzinfo=None) == when - dt.timedelta(days=1)
        assert "2027-05-28 09:00" in form.query_one("#bookings", Static).content.plain
        # A field change, then save.
        form.query_one("#status", Select).value = "Contacted"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert orders.get_order(anna, order.serial).row.status == "Contacted"
        assert not form.is_dirty()


async def test_journey_3_new_customer_and_facility(eva: Actor, make_app) -> None:
    """Typed names are created on save with the contact details; near-duplicates are asked."""
    existing = registers.add_customer(eva, "Bergström Värme AB")
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot)
        type_into(form, subject="Wants a quote", customer="Nordic Heat AB",
                  facility="Main plant", contact_name="Olle Berg",
                  contact_phone="070-123 45 67", contact_email="olle@nordicheat.se")
        await settle(app, pilot)
        assert "created on save" in str(form.picker("customer").query_one(
            ".picker-hint", Static).content)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert form.serial is not None
        created = orders.get_order(eva, form.serial)
        customer = registers.get_customer(eva, created.row.customer_id)
        assert (customer.name, customer.phone, customer.email) == (
            "Nordic Heat AB", "070-123 45 67", "olle@nordicheat.se")
        facility = registers.get_facility(eva, created.facility_id)
        assert (facility.name, facility.customer_id) == ("Main plant", customer.id)
        # the save says what it added: the user sees both were new
        assert [n.message for n in app._notifications][-1] == (
            f"Saved contact order {form.serial}; added customer Nordic Heat AB "
            f"({customer.number}), facility Main plant to the registers")
        assert form.picker("customer").chosen_id == customer.id  # now an existing order
        assert f"Contact order {form.serial}" in form.query_one("#form-title",
                                                                Static).content.plain
        # A second order for "Bergstrom Varme": the dialog points at the existing customer.
        await pilot.press("escape")
        form = await open_form(app, pilot)
        type_into(form, subject="Service visit", customer="Bergstrom Varme")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, NearDuplicateDialog)
        prompts = [str(o.prompt) for o in dialog.query_one(OptionList).options]
        assert "Bergström Värme AB" in prompts[0] and "Create a new" in prompts[-1]
        await pilot.press("enter")  # use the existing customer
        await settle(app, pilot)
        assert app.screen is form and form.serial is not None
        assert orders.get_order(eva, form.serial).row.customer_id == existing.id
        assert [n.message for n in app._notifications][-1] == (
            f"Saved contact order {form.serial}")  # nothing added
        names = [h.title for h in registers.search(eva, "bergstr", "customers")]
        assert names == ["Bergström Värme AB"]  # not created twice
        # A near-duplicate facility; this time the user creates the new one anyway.
        await pilot.press("escape")
        form = await open_form(app, pilot)
        type_into(form, subject="Second site", customer="Nordic Heat AB",
                  facility="Main Plant AB")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, NearDuplicateDialog)
        await pilot.press("end", "enter")  # "Create a new facility"
        await settle(app, pilot)
        assert app.screen is form and form.serial is not None
        card = order_list.customer_card(eva, customer.id)
        assert sorted(f.name for f in card.facilities) == ["Main Plant AB", "Main plant"]


async def test_journey_4_complete_the_order(eva: Actor, make_app) -> None:
    """Completing moves the order to the end of the list, in dark blue; notes stay."""
    customer = registers.add_customer(eva, "Bergström Värme AB")
    won = orders.create_order(eva, OrderInput(subject="Won: heat pump",
                                              customer_id=customer.id, scheduled="2026-01-01"))
    notes.add_note(eva, won.serial, "Signed the offer.")
    others = [orders.create_order(eva, OrderInput(subject=f"Lead {i}", customer_id=customer.id,
                                                  scheduled=f"2026-0{i + 2}-01")).serial
              for i in range(3)]
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, won.serial)
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert orders.get_order(eva, won.serial).row.completed
        assert "COMPLETED" in form.query_one("#form-title", Static).content.plain
        assert "reopen" in [b.binding.action for b in form.active_bindings.values()]
        assert [n.text for n in form.notes.notes] == ["Signed the offer."]
        await pilot.press("escape")
        await pilot.press("f3")
        await settle(app, pilot)
        listing = app.screen
        assert isinstance(listing, OrderListScreen)
        listing.set_criteria(OrderFilter(completed=Completed.INCLUDE))
        await settle(app, pilot)
        table = listing.query_one(OrderTable)
        assert table.serials == [*others, won.serial]
        last = table.get_row_at(table.row_count - 1)
        assert all(cell.style == COMPLETED_STYLE for cell in last)
        # Opened again, its notes are all still there.
        table.move_cursor(row=table.row_count - 1)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, OrderFormScreen)
        assert [n.text for n in app.screen.notes.notes] == ["Signed the offer."]


async def test_journey_8_two_people_one_order(eva: Actor, make_app) -> None:
    """A save after someone else's save shows what changed; re-apply keeps both; notes too."""
    bob = make_user(eva, "bob", "view", "edit", "create")
    customer = registers.add_customer(eva, "Bergström Värme AB")
    order = orders.create_order(eva, OrderInput(subject="Quote", customer_id=customer.id,
                                                hours="1"))
    app = make_app("eva")
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(app, pilot, order.serial)
        # Eva edits the subject and writes a note while Bob saves his change first.
        type_into(form, subject="Quote for two heat pumps")
        form.notes.editor.text = "Eva: sent the quote."
        orders.edit_order(bob, order.serial, OrderInput(hours="3", status="Contacted"),
                          base_version=order.version)
        notes.add_note(bob, order.serial, "Bob: customer called back.")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, ConflictDialog)
        body = dialog.text
        assert "Changed by them: \n  Status: Contacted\n  Hours: 3.00\n" in body  # saved
        assert "Your changes:    Subject" in body
        await pilot.press("a")  # re-apply mine on top of Bob's version
        await settle(app, pilot)
        assert app.screen is form
        saved = orders.get_order(eva, order.serial)
        assert saved.row.subject == "Quote for two heat pumps"
        assert (str(saved.row.hours), saved.row.status) == ("3.00", "Contacted")
        assert sorted(n.text for n in saved.notes) == ["Bob: customer called back.",
                                                        "Eva: sent the quote."]
        assert form.query_one("#hours", Input).value == "3"
        assert [n.text for n in form.notes.notes] == [n.text for n in saved.notes]
        # Bob changes the subject again; this time Eva reloads and loses nothing silently.
        orders.edit_order(bob, order.serial, OrderInput(subject="Bob's subject"),
                          base_version=saved.version)
        type_into(form, subject="Eva's subject")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, ConflictDialog)
        body = dialog.text
        assert "Changed by both: Subject" in body and "  Subject: Bob's subject\n" in body
        await pilot.press("r")
        await settle(app, pilot)
        assert form.query_one("#subject", Input).value == "Bob's subject"
        assert orders.get_order(eva, order.serial).row.subject == "Bob's subject"
        await wait_for(pilot, lambda: not form.is_dirty(), "a clean form after reload")
