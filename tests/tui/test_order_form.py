"""The contact-order form: validation, pickers, permissions, notes, delete, live changes."""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import Input, Select, SelectionList, Static

from crm_tui.domain.errors import NotFound
from crm_tui.domain.records import Actor, OrderInput
from crm_tui.services import notes, orders, registers, statuses
from crm_tui.tui.screens.dialogs import ConfirmDialog
from crm_tui.tui.screens.order_form import OrderFormScreen
from tests.conftest import make_user
from tests.tui.conftest import FIXED_NOW, burst, settle
from tests.tui.test_journeys import open_form, type_into
from tests.tui.test_registers import wait_for


def error_of(form: OrderFormScreen, name: str) -> str:
    """The message shown under a field ('' when hidden)."""
    label = form.query_one(f"#{name}-error", Static)
    return label.content.plain if label.has_class("-shown") else ""


def toasts(app: object) -> list[str]:
    """Messages of the notifications currently shown."""
    return [str(n.message) for n in app._notifications]  # type: ignore[attr-defined]


async def test_dates_and_hours_are_validated_inline(eva: Actor, make_app) -> None:
    """Leaving a bad field shows why; save refuses until it is fixed."""
    customer = registers.add_customer(eva, "Bergström Värme AB")
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot)
        assert form.has_class("narrow")
        type_into(form, subject="Quote", customer="Bergström Värme AB")
        form.query_one("#scheduled", Input).focus()
        await pilot.press(*"2026-13-01")
        await pilot.press("tab")
        await pilot.pause()
        assert "not a valid date: use YYYY-MM-DD" in error_of(form, "scheduled")
        type_into(form, hours="-2")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "Hours must be 0 or more" in error_of(form, "hours")
        assert form.serial is None and app.focused is form.query_one("#scheduled")
        with pytest.raises(NotFound):
            orders.get_order(eva, 1)
        type_into(form, scheduled="2026-12-01", hours="1,5")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert error_of(form, "scheduled") == "" and error_of(form, "hours") == ""
        saved = orders.get_order(eva, 1)
        assert (saved.row.customer_id, str(saved.row.scheduled), str(saved.row.hours)) == (
            customer.id, "2026-12-01", "1.50")


async def test_the_customer_error_goes_once_a_customer_is_given(eva: Actor,
                                                                make_app) -> None:
    """Saving an empty form asks for a customer; typing or choosing one clears that
    (it stayed under a customer chosen from the list)."""
    registers.add_customer(eva, "Andersson Fastigheter AB")
    app = make_app("eva")
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(app, pilot)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert error_of(form, "customer").startswith("Customer: type a name")
        customer = form.picker("customer")
        customer.input.focus()
        await pilot.press(*"anders")
        await wait_for(pilot, lambda: customer.is_open, "the customer list")
        await pilot.press("enter")
        await settle(app, pilot)
        assert customer.value == "Andersson Fastigheter AB"
        assert error_of(form, "customer") == ""


async def test_pickers_search_as_you_type(eva: Actor, make_app) -> None:
    """Typing in the customer field lists matches; ↓/Enter chooses; facilities follow it."""
    berg = registers.add_customer(eva, "Bergström Värme AB", city="Umeå")
    other = registers.add_customer(eva, "Nordic Pumps")
    plant = registers.add_facility(eva, "Main plant", berg.id)
    registers.add_facility(eva, "Main depot", other.id)
    app = make_app("eva")
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(app, pilot)
        assert not form.has_class("narrow")
        customer = form.picker("customer")
        customer.input.focus()
        await pilot.press(*"bergs")
        await wait_for(pilot, lambda: customer.is_open, "the customer list")
        await pilot.press("enter")
        assert customer.chosen_id == berg.id and customer.value == "Bergström Värme AB"
        facility = form.picker("facility")
        await pilot.press("tab")
        await pilot.press(*"main")
        await wait_for(pilot, lambda: facility.is_open, "the facility list")
        listed = [str(o.prompt) for o in facility.query("OptionList").first().options]
        assert listed == ["Main plant"]  # only this customer's facilities
        await pilot.press("down", "enter")
        assert facility.chosen_id == plant.id
        # Typing another customer name clears the facility (it belonged to Bergström:
        # kept, it was created anew at the other customer, or refused for an object).
        customer.input.focus()
        await pilot.press("end", *" 2")
        await pilot.pause()
        assert customer.chosen_id is None and facility.chosen_id is None
        assert facility.value == ""
        assert "created on save" in str(customer.query_one(".picker-hint", Static).content)
        # A new customer has no facilities yet: nothing to offer, the facility is new too.
        facility.input.value = "Main plant"
        facility.search_now()
        await settle(app, pilot)
        assert not facility.is_open
        assert "new facility" in str(facility.query_one(".picker-hint", Static).content)


async def test_a_save_right_after_typing_leaves_the_pickers_closed(
        eva: Actor, make_app) -> None:
    """A new customer's name and ctrl+s typed at once: the order is saved with the new
    customer, and the search for what was typed (asked for before the save set the
    field) does not open the list of matches over the saved value afterwards."""
    registers.add_customer(eva, "Gamla och Nya Kunden AB")  # a match for the typed name
    app = make_app("eva")
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(app, pilot)
        type_into(form, subject="Service visit")
        customer = form.picker("customer")
        customer.input.focus()
        await pilot.pause()
        burst(app, *"Nya Kunden AB", "ctrl+s")
        await settle(app, pilot)
        assert form.serial is not None
        assert orders.get_order(eva, form.serial).row.customer == "Nya Kunden AB"
        assert customer.chosen_id is not None and app.focused is customer.input
        customer.search_now()  # a search on its way as the value is set (the race)
        customer.set_value(customer.value, customer.item)
        await settle(app, pilot)
        assert not customer.is_open
        customer.search_now()  # asked for after: it opens, as ↓ does
        await wait_for(pilot, lambda: customer.is_open, "the customer list")


async def test_assignees_as_permissions_allow(eva: Actor, make_app) -> None:
    """A new order is sent on to anyone its creator ticks (journeys 2 and 6: refused
    to a technician with create and assign-self, QA20 M1); on a saved order
    assign-self offers only me, and without assign permissions nobody can be ticked."""
    make_user(eva, "anna", "view", "edit", "create")
    make_user(eva, "bob", "view", "edit", "create", "assign-self")
    customer = registers.add_customer(eva, "Bergström Värme AB")
    app = make_app("bob")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot)
        box = form.query_one("#assignees", SelectionList)
        assert [o.value for o in box.options if not o.disabled] == ["anna", "bob", "eva"]
        hint = form.query_one("#assignees-hint", Static)
        assert not hint.display
        box.select("anna")
        type_into(form, subject="Visit", customer=customer.name)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert orders.get_order(eva, form.serial).row.assignees == ("anna",)
        # saved: changing who is assigned needs 'assign'; only himself, with assign-self
        assert [o.value for o in box.options if not o.disabled] == ["bob"]
        assert hint.display and str(hint.content) == (  # why the others are greyed out
            "Assigning others needs the 'assign' permission")
    app = make_app("anna")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, 1)
        assert all(o.disabled for o in form.query_one("#assignees", SelectionList).options)
        assert str(form.query_one("#assignees-hint", Static).content).endswith(
            "; yourself, 'assign-self'")
    app = make_app("eva")  # an admin may assign anyone: no hint
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, 1)
        assert not form.query_one("#assignees-hint", Static).display


async def test_status_list_and_an_inactive_current_status(eva: Actor, make_app) -> None:
    """Statuses come from the admin's list; a deactivated current one is still shown."""
    customer = registers.add_customer(eva, "Bergström Värme AB")
    order = orders.create_order(eva, OrderInput(subject="Old", customer_id=customer.id,
                                                status="Lost"))
    statuses.set_status_active(eva, "Lost", False)
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, order.serial)
        select = form.query_one("#status", Select)
        assert select.value == "Lost"
        labels = [str(prompt) for prompt, _value in select._options]
        assert "Lost (inactive)" in labels and "New lead" in labels
        select.value = "Won"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert orders.get_order(eva, order.serial).row.status == "Won"


async def test_notes_append_and_never_rewrite(eva: Actor, make_app) -> None:
    """A pasted e-mail thread is stored as is; old notes stay untouched."""
    customer = registers.add_customer(eva, "Bergström Värme AB")
    order = orders.create_order(eva, OrderInput(subject="Quote", customer_id=customer.id))
    first = notes.add_note(eva, order.serial, "First call.")
    thread = "\n".join(f"> On day {i}, the customer wrote: [b]offer[/b] line {i}"
                       for i in range(600))
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, order.serial)
        editor = form.notes.editor
        assert app.focused is editor
        app.post_message(events.Paste(thread))  # as the terminal delivers a paste
        await pilot.pause()
        assert editor.text == thread
        await pilot.press("ctrl+s")  # no field changes: ctrl+s adds the note
        await settle(app, pilot)
        saved = orders.get_order(eva, order.serial).notes
        assert [(n.id, n.text) for n in saved] == [(first.id, "First call."),
                                                   (saved[1].id, thread)]
        assert editor.text == "" and len(form.notes.query(".note")) == 2
        await pilot.press("ctrl+o")  # nothing typed: a hint, no empty note
        await settle(app, pilot)
        assert len(orders.get_order(eva, order.serial).notes) == 2


async def test_delete_asks_first(eva: Actor, make_app) -> None:
    """f8 asks; No keeps the order, Yes deletes it and closes the form."""
    customer = registers.add_customer(eva, "Bergström Värme AB")
    order = orders.create_order(eva, OrderInput(subject="Mistake", customer_id=customer.id))
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, order.serial)
        await pilot.press("f8")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(app, pilot)
        assert app.screen is form and orders.get_order(eva, order.serial)
        await pilot.press("f8")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        assert not isinstance(app.screen, OrderFormScreen)
        with pytest.raises(NotFound):
            orders.get_order(eva, order.serial)


async def test_leaving_with_unsaved_changes_asks(eva: Actor, make_app) -> None:
    """Escape with edits asks; No stays with the edits, Yes leaves and saves nothing."""
    customer = registers.add_customer(eva, "Bergström Värme AB")
    order = orders.create_order(eva, OrderInput(subject="Quote", customer_id=customer.id))
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, order.serial)
        type_into(form, subject="Changed")
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert app.screen.message.endswith(f"Not saved: contact order {order.serial}: Subject")
        await pilot.press("n")
        await settle(app, pilot)
        assert app.screen is form and form.query_one("#subject", Input).value == "Changed"
        await pilot.press("f9")  # reload: asks too (it dropped the edits)
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("right", "left", "enter")  # Left and Right go along the buttons
        await settle(app, pilot)
        assert app.screen is form and form.query_one("#subject", Input).value == "Changed"
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("right", "enter")  # No, then Leave
        await settle(app, pilot)
        assert not isinstance(app.screen, OrderFormScreen)
        assert orders.get_order(eva, order.serial).row.subject == "Quote"


async def test_changing_section_or_quitting_with_unsaved_work_asks(eva: Actor,
                                                                   make_app) -> None:
    """A section key (F2…, the palette's "Go to") or ctrl+q with a typed note or edited
    fields asks first: they used to drop both without a word. No keeps the form and what
    was typed; Yes goes on and saves nothing."""
    customer = registers.add_customer(eva, "Bergström Värme AB")
    order = orders.create_order(eva, OrderInput(subject="Quote", customer_id=customer.id))
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, order.serial)
        await pilot.press(*"Called")  # the note editor has the focus
        assert form.notes.editor.text == "Called"
        for key in ("f2", "f4", "f6", "ctrl+q"):  # f6: the editor selected its line
            await pilot.press(key)
            await settle(app, pilot)
            assert isinstance(app.screen, ConfirmDialog), key
            assert app.screen.message.endswith(
                f"Not saved: contact order {order.serial}: the typed note")
            await pilot.press(key)  # a second one while asked: still the one question
            await settle(app, pilot)
            assert isinstance(app.screen, ConfirmDialog)
            assert [type(s) for s in app.screen_stack].count(ConfirmDialog) == 1
            await pilot.press("n")
            await settle(app, pilot)
            assert app.screen is form and form.notes.editor.text == "Called"
            assert app.return_code is None
            await pilot.press(key, "enter")  # Enter typed ahead (to open a row): No
            await settle(app, pilot)
            assert app.screen is form and form.notes.editor.text == "Called"
            assert app.return_code is None
        form.notes.editor.text = ""
        type_into(form, subject="Changed")
        await pilot.press("f2")
        await settle(app, pilot)
        assert app.screen.message.endswith(f"contact order {order.serial}: Subject")
        await pilot.press("y")
        await settle(app, pilot)
        assert app.current_mode == "todo" and not isinstance(app.screen, OrderFormScreen)
        assert orders.get_order(eva, order.serial).row.subject == "Quote"
        assert orders.get_order(eva, order.serial).notes == ()
        await pilot.press("ctrl+q")  # nothing unsaved now: no question
        await settle(app, pilot)
        assert app.return_code == 0


async def test_digits_on_a_drop_down_or_tick_list_stay_in_the_form(eva: Actor,
                                                                   make_app) -> None:
    """1-5 switch sections from lists; on the form's Status or Assigned they were a "+1"
    typed ahead for the next field, and asked to leave the form. F2 still does."""
    customer = registers.add_customer(eva, "Bergström Värme AB")
    order = orders.create_order(eva, OrderInput(subject="Quote", customer_id=customer.id))
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, order.serial)
        type_into(form, subject="Changed")
        for field in ("#status", "#assignees"):
            form.query_one(field).focus()
            await pilot.press("1", "2", "5")
            await settle(app, pilot)
            assert app.screen is form, field
        await pilot.press("f2")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(app, pilot)
        assert app.current_mode == "todo"
        await pilot.press("2")  # from the to-do's list: the orders
        await settle(app, pilot)
        assert app.current_mode == "orders"


async def test_refusals_show_the_service_message(eva: Actor, make_app) -> None:
    """A user without 'edit' sees why the save was refused; nothing changes. One who
    may only read is not offered ctrl+s at all."""
    make_user(eva, "vera", "view")
    make_user(eva, "walt", "view", "create")
    customer = registers.add_customer(eva, "Bergström Värme AB")
    order = orders.create_order(eva, OrderInput(subject="Quote", customer_id=customer.id,
                                                assignees=["walt"]))
    app = make_app("vera")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, order.serial)
        assert "delete" not in [b.binding.action for b in form.active_bindings.values()]
        assert form.check_action("save", ()) is False
        type_into(form, subject="Not mine to change")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert orders.get_order(eva, order.serial).row.subject == "Quote"
    app = make_app("walt")  # an assignee: ctrl+s saves notes; the fields are refused
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, order.serial)
        type_into(form, subject="Not mine to change")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert any("may not edit contact orders" in t for t in toasts(app))
        assert orders.get_order(eva, order.serial).row.subject == "Quote"


async def test_an_assignee_without_edit_reads_the_fields_and_adds_notes(
        eva: Actor, make_app) -> None:
    """The fields are read only for one who may not change them (they could be typed
    into, and ctrl+s then refused the edit and dropped the typed note with it); ctrl+s
    saves the note."""
    make_user(eva, "bob", "view-assigned")
    customer = registers.add_customer(eva, "Bergström Värme AB")
    order = orders.create_order(eva, OrderInput(subject="Quote", customer_id=customer.id,
                                                assignees=["bob"]))
    app = make_app("bob")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, order.serial)
        assert form.fields.disabled and not form.notes.editor.disabled
        assert "Read only" in str(form.query_one("#form-title", Static).content)
        await pilot.press(*"Called back")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        saved = orders.get_order(eva, order.serial)
        assert [n.text for n in saved.notes] == ["Called back"]
        assert saved.row.subject == "Quote"


async def test_a_new_order_saved_without_edit_turns_read_only(eva: Actor, make_app) -> None:
    """One who may create but not edit saves a new order: its fields are read only from
    then on (they took typing, and the next ctrl+s was refused)."""
    make_user(eva, "tom", "view-assigned", "create", "assign-self")
    registers.add_customer(eva, "Bergström Värme AB")
    app = make_app("tom")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot)
        assert not form.fields.disabled
        type_into(form, subject="Second heat pump", customer="Bergström Värme AB")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert form.serial is not None and form.fields.disabled
        assert "Read only" in str(form.query_one("#form-title", Static).content)
        assert orders.get_order(eva, form.serial).row.subject == "Second heat pump"


async def test_a_viewer_is_told_up_front_what_they_may_not_do(eva: Actor,
                                                               make_app) -> None:
    """No form that is refused only on saving: a card's keys for what the actor may
    not do (a new order, editing, "+") are dimmed and do nothing (they were offered and
    refused on pressing); the order list's new order says why at once."""
    make_user(eva, "dina", "view")
    customer = registers.add_customer(eva, "Bergström Värme AB")
    plant = registers.add_facility(eva, "Verket", customer.id)
    app = make_app("dina")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        for open_card, dimmed in (
                (lambda: app.open_customer(customer.id),
                 {"add_order", "edit", "save_details", "add_register"}),
                (lambda: app.open_facility(plant.id), {"add_order", "edit", "add_object"})):
            open_card()
            await settle(app, pilot)
            card = app.screen
            shown = {b.binding.action: b.enabled for b in card.active_bindings.values()}
            assert {action for action in dimmed if shown.get(action) is False} == dimmed
            for keys in (["ctrl+n"], ["e"], ["plus"]):
                await pilot.press(*keys)
                await settle(app, pilot)
                assert app.screen is card, keys
        app.pop_screen()
        await settle(app, pilot)
        card = app.screen
        assert all(field.disabled for field in card.query("#details Input"))
        hints = [str(s.content) for s in card.query("#details .card-empty")]
        assert hints == ["Read only: changing the details needs the 'edit' permission"]
        await pilot.press("f4")  # the registers' Add order too
        await settle(app, pilot)
        assert app.screen.check_action("add_order", ()) is None
        app.open_order(None)
        await settle(app, pilot)
        assert any("may not create contact orders" in t for t in toasts(app))
        # An order: nothing to type a note into, no ^o ^b ^t to be refused on pressing
        serial = orders.create_order(eva, OrderInput(subject="Quote",
                                                     customer_id=customer.id)).serial
        form = await open_form(app, pilot, serial)
        assert form.fields.disabled and form.notes.editor.disabled
        assert "added by the order's assignees" in str(
            form.notes.query_one(".notes-hint", Static).content)
        offered = {b.binding.action for b in form.active_bindings.values()
                   if form.check_action(b.binding.action, ()) is not False}
        assert not {"add_note", "booking", "complete", "save"} & offered


async def test_changes_elsewhere_show_up(eva: Actor, make_app) -> None:
    """Another user's note appears; their field edits load unless mine are pending."""
    bob = make_user(eva, "bob", "view", "edit")
    customer = registers.add_customer(eva, "Bergström Värme AB")
    order = orders.create_order(eva, OrderInput(subject="Quote", customer_id=customer.id))
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, order.serial)
        notes.add_note(bob, order.serial, "Bob was here.")
        changed = orders.edit_order(bob, order.serial, OrderInput(hours="2"))
        form.refresh_data()
        await settle(app, pilot)
        assert [n.text for n in form.notes.notes] == ["Bob was here."]
        assert form.query_one("#hours", Input).value == "2"
        type_into(form, subject="Mine")
        orders.edit_order(bob, order.serial, OrderInput(hours="4"),
                          base_version=changed.version)
        form.refresh_data()
        await settle(app, pilot)
        assert form.query_one("#subject", Input).value == "Mine"
        assert "Changed by someone else" in form.query_one("#form-title", Static).content.plain


async def test_a_rename_around_the_order_shows_in_its_title(eva: Actor, make_app) -> None:
    """Its status renamed by the admin: the title showed the old name until the order
    was opened again. Fields being edited stay as typed."""
    customer = registers.add_customer(eva, "Bergström Värme AB")
    order = orders.create_order(eva, OrderInput(subject="Quote", customer_id=customer.id))
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, order.serial)
        title = form.query_one("#form-title", Static)
        statuses.rename_status(eva, "New lead", "Fresh lead")
        form.refresh_data()
        await settle(app, pilot)
        assert "Fresh lead" in title.content.plain and not form.is_dirty()
        status = form.query_one("#status", Select)

        def offered() -> list[str]:
            return [str(prompt) for prompt, _value in status._options]

        # the drop-down offers the new name, not the old one and "(inactive)"
        assert status.value == "Fresh lead" and "Fresh lead" in offered()
        assert "New lead" not in offered() and not any("inactive" in o for o in offered())
        type_into(form, subject="Mine")
        statuses.rename_status(eva, "Fresh lead", "Hot lead")
        form.refresh_data()
        await settle(app, pilot)
        assert "Hot lead" in title.content.plain
        assert form.query_one("#subject", Input).value == "Mine" and form.changes() == [
            "subject"]
        assert status.value == "Hot lead" and "Fresh lead" not in " ".join(offered())


async def test_reopen_a_completed_order(eva: Actor, make_app) -> None:
    """ctrl+t on a completed order reopens it."""
    customer = registers.add_customer(eva, "Bergström Värme AB")
    order = orders.create_order(eva, OrderInput(subject="Done", customer_id=customer.id))
    orders.set_completed(eva, order.serial, True)
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, order.serial)
        actions = [b.binding.action for b in form.active_bindings.values()]
        assert "reopen" in actions and "complete" not in actions
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert not orders.get_order(eva, order.serial).row.completed
        assert "COMPLETED" not in form.query_one("#form-title", Static).content.plain


async def test_the_title_says_what_the_order_is_about(eva: Actor, make_app) -> None:
    """At 80x24 the fields are scrolled away below the note editor: the title shows the
    subject, customer, facility and status in one line, user text literally."""
    customer = registers.add_customer(eva, "[red]Acme[/] \x1b[31mAB")
    order = orders.create_order(eva, OrderInput(
        subject="Leaking [b]valve[/b] in the boiler room behind the garage, by the stairs",
        customer_id=customer.id))
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, order.serial)
        title = form.query_one("#form-title", Static)
        lines = title.content.plain.splitlines()
        assert lines[0].startswith(f"Contact order {order.serial}")
        assert lines[1] == ("Leaking [b]valve[/b] in the boiler room behind the garage, by "
                            "the stairs · [red]Acme[/] \\x1b[31mAB · New lead")
        assert title.size.height == 2  # one line each, however long the subject


async def test_keys_typed_while_the_order_loads_never_reach_its_fields(
        eva: Actor, make_app) -> None:
    """Enter on an order, then typing at once: the keys go to the new note (the form
    gives it the focus once loaded), never into the subject, which a save of the note
    would then have saved too."""
    customer = registers.add_customer(eva, "Acme AB")
    order = orders.create_order(eva, OrderInput(subject="Quote", customer_id=customer.id))
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.open_order(order.serial)
        await pilot.press("x", "y", "z")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, OrderFormScreen) and form.ready
        assert form.query_one("#subject", Input).value == "Quote"
        assert form.changes() == []
        assert form.notes.editor.text == "xyz", form.notes.editor.text
        assert app.focused is form.notes.editor


async def test_assignees_take_space_at_once_and_show_ticks_without_colour(
        eva: Actor, make_app) -> None:
    """The assignee list highlights its first row as it takes the focus (Space did
    nothing until an arrow key), and a ticked box shows X, an unticked one is empty
    (both showed X, told apart by colour alone)."""
    make_user(eva, "anna", "view")
    app = make_app("eva")
    async with app.run_test(size=(100, 40)) as pilot:
        form = await open_form(app, pilot)
        box = form.query_one("#assignees", SelectionList)
        assert box.option_count == 2 and box.highlighted is None
        box.focus()
        await pilot.pause()
        await pilot.press("space")
        await pilot.pause()
        first = box.get_option_at_index(0).value
        assert box.selected == [first]
        marks = [box.render_line(row).text[:3] for row in range(2)]
        assert marks == ["▐X▌", "▐ ▌"]


async def test_scheduled_takes_today_and_days_from_today(eva: Actor, make_app) -> None:
    """'+30' (or 'today', 'tomorrow') in Scheduled becomes the date it means, as the
    filter's dates do; it was refused as not a date."""
    registers.add_customer(eva, "Bergström Värme AB")
    app = make_app("eva", clock=lambda: FIXED_NOW)
    async with app.run_test(size=(100, 40)) as pilot:
        form = await open_form(app, pilot)
        type_into(form, subject="Spring check", customer="Bergström Värme AB",
                  scheduled="+30")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert form.serial is not None
        assert form.query_one("#scheduled", Input).value == "2026-12-28"
        assert str(orders.get_order(eva, form.serial).row.scheduled) == "2026-12-28"


async def test_pasting_lines_into_a_field_keeps_them_all(eva: Actor, make_app) -> None:
    """A paste of two lines into a one-line field kept the first line alone, unsaid."""
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot)
        subject = form.query_one("#subject", Input)
        subject.focus()
        await pilot.pause()
        app.post_message(events.Paste("Chiller\r\n  garage 2\n\n"))
        await settle(app, pilot)
        assert subject.value == "Chiller garage 2"
        assert any("joined into one" in t for t in toasts(app))


async def test_checkboxes_say_on_or_off_without_colour() -> None:
    """The filter's and the admin's checkboxes drew X when off too."""
    from textual.app import App, ComposeResult

    from crm_tui.tui.widgets.tick_list import TickBox

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield TickBox("Assigned to me", False, id="off")
            yield TickBox("E-mail notifications", True, id="on")

    app = Host()
    async with app.run_test(size=(60, 10)) as pilot:
        off, on = app.query_one("#off", TickBox), app.query_one("#on", TickBox)
        assert str(off.render()).startswith("▐ ▌") and str(on.render()).startswith("▐X▌")
        off.toggle()
        await pilot.pause()
        assert str(off.render()).startswith("▐X▌")


async def test_the_customer_typed_back_keeps_its_facility_and_object(eva: Actor,
                                                                    make_app) -> None:
    """A letter of the customer's name deleted and typed again cleared the order's
    facility and service object, and ctrl+s saved them away unsaid."""
    customer = registers.add_customer(eva, "Bergström Värme AB")
    registers.add_customer(eva, "Nordic Pumps AB")
    plant = registers.add_facility(eva, "Verket", customer.id)
    pump = registers.add_service_object(eva, "Heat pump", facility=plant.id)
    order = orders.create_order(eva, OrderInput(subject="Quote", service_object_id=pump.id))
    app = make_app("eva")
    async with app.run_test(size=(100, 40)) as pilot:
        form = await open_form(app, pilot, order.serial)
        field = form.picker("customer").input
        field.focus()
        await pilot.press("end", "backspace")
        await pilot.pause()
        assert form.picker("facility").value == ""  # another customer, so far
        await pilot.press("B")
        await settle(app, pilot)
        assert [form.picker(n).chosen_id for n in ("customer", "facility", "service_object")
                ] == [customer.id, plant.id, pump.id]
        # The facility and the object likewise: a letter typed and taken away again
        # kept the text but lost the link ("the existing facility of that name is
        # used"), and counted as a change.
        for name in ("facility", "service_object"):
            form.picker(name).input.focus()
            await pilot.press("end", "x", "backspace")
            await settle(app, pilot)
            assert form.picker(name).chosen_id == (plant.id if name == "facility"
                                                   else pump.id), name
        assert form.changes() == []
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        saved = orders.get_order(eva, order.serial)
        assert (saved.facility_id, saved.service_object_id) == (plant.id, pump.id)
        # Another customer does clear them.
        form.picker("customer").set_value("")
        field.focus()
        await pilot.press(*"Nordic Pumps AB")
        await settle(app, pilot)
        assert form.picker("facility").value == "" and form.picker("service_object").value == ""


async def test_a_facility_and_object_apart_are_named_until_fixed(eva: Actor,
                                                                make_app) -> None:
    """Another facility with the service object of the first is refused under the
    object's field; the message goes as the object is changed (it stayed until the next
    save), and the fixed form saves."""
    customer = registers.add_customer(eva, "Bergström Värme AB")
    north = registers.add_facility(eva, "Norra verket", customer.id)
    registers.add_facility(eva, "Södra verket", customer.id)
    boiler = registers.add_service_object(eva, "Boiler", facility=north.id)
    order = orders.create_order(eva, OrderInput(subject="Quote", service_object_id=boiler.id))
    app = make_app("eva")
    async with app.run_test(size=(100, 40)) as pilot:
        form = await open_form(app, pilot, order.serial)
        form.picker("facility").set_value("Södra verket")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        error = form.query_one("#service_object-error", Static)
        assert "'Boiler' is at facility 'Norra verket'" in str(error.content)
        assert error.has_class("-shown")
        form.picker("service_object").input.focus()
        await pilot.press("ctrl+u")  # the object cleared
        await settle(app, pilot)
        assert not error.has_class("-shown")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        saved = orders.get_order(eva, order.serial)
        assert (saved.row.facility, saved.service_object_id) == ("Södra verket", None)


async def test_a_database_that_did_not_answer_leaves_the_form_able_to_save(
        eva: Actor, make_app, monkeypatch) -> None:
    """A save that failed with a locked (or gone) database left the form "saving" for
    good: ctrl+s did nothing again, and leaving dropped what was typed. Now the error
    is named and the next ctrl+s saves. The note editor likewise."""
    from peewee import OperationalError

    customer = registers.add_customer(eva, "Bergström Värme AB")
    order = orders.create_order(eva, OrderInput(subject="Quote", customer_id=customer.id))
    real_edit, real_note = orders.edit_order, notes.add_note

    def locked(*args: object, **kwargs: object) -> None:
        raise OperationalError("database is locked")

    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, order.serial)
        monkeypatch.setattr(orders, "edit_order", locked)
        monkeypatch.setattr(notes, "add_note", locked)
        type_into(form, subject="Quote for two")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert any("The database did not answer (database is locked)" in m
                   for m in toasts(app))
        assert not form.busy and form.is_dirty()
        await pilot.press(*"Called")
        await pilot.press("ctrl+o")
        await settle(app, pilot)
        assert form.notes.pending_text() == "Called"
        monkeypatch.setattr(orders, "edit_order", real_edit)
        monkeypatch.setattr(notes, "add_note", real_note)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        saved = orders.get_order(eva, order.serial)
        assert saved.row.subject == "Quote for two"
        assert [n.text for n in saved.notes] == ["Called"]


async def test_keys_typed_right_after_enter_go_to_the_next_field(eva: Actor,
                                                                  make_app) -> None:
    """"abc" Enter "xyz" arriving together gave the subject "abcxy" and the customer
    "z": Enter moved on only once its Submitted message came back."""
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot)
        burst(app, *"abc", "enter", *"xyz")
        await settle(app, pilot)
        values = form.fields.values()
        assert (values.subject, values.customer) == ("abc", "xyz")


async def test_a_new_orders_typed_note_is_saved_with_it_once(eva: Actor, make_app) -> None:
    """ctrl+s on a new order with a typed note saves both in one go: one note, the
    editor emptied (it was added after the order, in a second step)."""
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot)
        type_into(form, subject="Second heat pump", customer="Bergström Värme AB")
        form.notes.editor.text = "Called, wants an offer"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert form.serial is not None and form.notes.pending_text() == ""
        saved = orders.get_order(eva, form.serial)
        assert [n.text for n in saved.notes] == ["Called, wants an offer"]


async def test_a_slow_save_says_so_and_is_not_sent_twice(eva: Actor, make_app,
                                                         monkeypatch) -> None:
    """A save the database is slow to answer said nothing (on a phone that invites
    more presses); now it says it is on its way, and ctrl+s again says it still is."""
    import threading

    customer = registers.add_customer(eva, "Bergström Värme AB")
    order = orders.create_order(eva, OrderInput(subject="Quote", customer_id=customer.id))
    real, release, calls = orders.edit_order, threading.Event(), []

    def slow(*args: object, **kwargs: object) -> object:
        calls.append(1)
        release.wait(10)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(orders, "edit_order", slow)
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, order.serial)
        type_into(form, subject="Quote for two")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: any("Saving…" in m for m in toasts(app)), "Saving…")
        await pilot.press("ctrl+s")
        assert any("Still saving the order" in m for m in toasts(app))
        release.set()
        await settle(app, pilot)
        assert len(calls) == 1 and not form.busy
        assert orders.get_order(eva, order.serial).row.subject == "Quote for two"


async def test_a_customer_typed_out_offers_its_facilities(eva: Actor, make_app) -> None:
    """A customer typed in full, not picked from the list, is the one saving uses; its
    facility typed in full was called "+ new facility: created on save"."""
    customer = registers.add_customer(eva, "Sandbergs Rör AB")
    registers.add_facility(eva, "Huvudkontor", customer.id)
    other = registers.add_customer(eva, "Nordic Pumps AB")
    registers.add_facility(eva, "Huvudkontor", other.id)
    app = make_app("eva")
    async with app.run_test(size=(100, 40)) as pilot:
        form = await open_form(app, pilot)
        form.picker("customer").input.focus()
        await pilot.press(*"Sandbergs Rör AB")
        await settle(app, pilot)
        form.picker("facility").input.focus()
        await pilot.press(*"Huvudkontor")
        await settle(app, pilot)
        hint = form.picker("facility").query_one(".picker-hint", Static)
        assert str(hint.content) == "= the existing facility of that name is used"
        type_into(form, subject="Quote")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        saved = orders.get_order(eva, form.serial)
        assert (saved.row.customer, saved.row.facility) == ("Sandbergs Rör AB", "Huvudkontor")
        assert registers.get_facility(eva, saved.facility_id).customer_id == customer.id


async def test_keys_typed_as_a_new_order_opens_keep_their_fields(eva: Actor,
                                                                  make_app) -> None:
    """n, "abc", Enter, "xyz" at once on the list (the form still loading) put
    everything in the subject; Enter moves on as it does once the form has loaded."""
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        burst(app, "f3", "n", *"abc", "enter", *"xyz")  # from the to-do, all at once
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, OrderFormScreen)
        values = form.fields.values()
        assert (values.subject, values.customer) == ("abc", "xyz")


async def test_notes_typed_and_added_at_once_are_two_notes(eva: Actor, make_app) -> None:
    """"b one" ctrl+o "b two" ctrl+s at once added "b one", then "b oneb two": the
    first stayed in the editor while it was saved. Typed as the order opens, ctrl+o
    and ctrl+s were lost."""
    customer = registers.add_customer(eva, "Bergström Värme AB")
    order = orders.create_order(eva, OrderInput(subject="Quote", customer_id=customer.id))
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, order.serial)
        burst(app, *"b one", "ctrl+o", *"b two", "ctrl+s")
        await settle(app, pilot)
        assert [n.text for n in orders.get_order(eva, order.serial).notes] == [
            "b one", "b two"]
        assert form.notes.pending_text() == ""
        await pilot.press("escape")
        await settle(app, pilot)
        await app.open_order(order.serial)  # as Enter on a row: mounted, still loading
        burst(app, *"c one", "ctrl+o", *"c two", "ctrl+s")
        await settle(app, pilot)
        assert [n.text for n in orders.get_order(eva, order.serial).notes][2:] == [
            "c one", "c two"]


async def test_down_and_enter_typed_with_a_name_pick_its_first_match(eva: Actor,
                                                                     make_app) -> None:
    """Down and Enter typed with the name, before any list was there: the Down did
    nothing, and the name was saved as a new customer (or facility) beside the one
    meant. The cursor goes after a name picked (typing on went into its middle)."""
    customer = registers.add_customer(eva, "Brf Solrosen")
    registers.add_facility(eva, "Kontor Täby", customer.id)
    app = make_app("eva")
    async with app.run_test(size=(100, 40)) as pilot:
        form = await open_form(app, pilot)
        burst(app, *"Quote", "tab", *"Brf Solro", "down", "enter", "tab", *"Kontor T",
              "down", "enter")
        await settle(app, pilot)
        values = form.fields.values()
        assert (values.customer, values.customer_id) == ("Brf Solrosen", customer.id)
        assert values.facility == "Kontor Täby" and values.facility_id is not None
        field = form.picker("facility").input
        assert field.cursor_position == len("Kontor Täby")


async def test_complete_and_delete_say_what_they_need(eva: Actor, make_app) -> None:
    """ctrl+t and F8 on an order did nothing at all for one without 'edit' or 'delete'
    (QA19 M2): they are still not offered, and pressing one says what it needs."""
    make_user(eva, "dina", "view")
    serial = orders.create_order(eva, OrderInput(subject="Quote",
                                                 customer="Bergström Värme AB")).serial
    app = make_app("dina")
    async with app.run_test(size=(100, 30)) as pilot:
        form = await open_form(app, pilot, serial)
        for key, words in (("ctrl+t", "Complete needs the 'edit' permission"),
                           ("f8", "Delete needs the 'delete' permission")):
            await pilot.press(key)
            await settle(app, pilot)
            assert app.screen is form, key
            assert words in toasts(app), key
        assert not orders.get_order(eva, serial).row.completed


async def test_a_customer_deleted_after_it_was_picked_is_named_not_kept(
        eva: Actor, make_app) -> None:
    """The customer picked in a new order is deleted before the save: the save is
    refused naming it, under the Customer field, and the pick goes (its "✓ C-2" hint
    stayed, QA19 L9); the name typed stays, to pick again or to make anew."""
    from crm_tui.services import register_deletes
    from crm_tui.tui.widgets.picker import PickItem

    stale = registers.add_customer(eva, "Zeta Stale AB", number="C-2")
    app = make_app("eva")
    async with app.run_test(size=(100, 30)) as pilot:
        form = await open_form(app, pilot)
        type_into(form, subject="Stale form")
        picker = form.picker("customer")
        picker.set_value("Zeta Stale AB", PickItem(stale.id, "Zeta Stale AB", number="C-2"))
        register_deletes.delete_customer(eva, "C-2")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form and form.serial is None
        assert any("Customer C-2 'Zeta Stale AB' was deleted by eva" in t
                   for t in toasts(app))
        assert picker.item is None and picker.value == "Zeta Stale AB"
        hint = str(picker.query_one(".picker-hint").render())
        assert "✓" not in hint and "new customer" in hint
        from crm_tui.services import order_list

        assert list(order_list.iter_orders(eva)) == []  # nothing saved anywhere
