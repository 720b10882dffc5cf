"""The order form's actions on the whole order: the customer's card from the order."""

from __future__ import annotations

from crm_tui.domain.records import Actor, OrderInput
from crm_tui.services import notes, orders, registers
from crm_tui.tui.screens.customer_card import CustomerCardScreen
from crm_tui.tui.screens.order_form import OrderFormScreen
from crm_tui.tui.widgets.picker import PickItem
from tests.conftest import make_user
from tests.tui.conftest import settle
from tests.tui.test_journeys import open_form, type_into


async def test_ctrl_g_opens_the_customers_card_and_esc_comes_back(eva: Actor, make_app) -> None:
    """The manual: from an order, "click on the customer's name and go directly to the
    customer card" (there was no way: QA20 L8). ctrl+g (or "Customer card" in the palette)
    opens it over the order, edits kept; Esc comes back to them. A new order's picked
    customer opens too; with none picked, it says what to do."""
    berg = registers.add_customer(eva, "Bergström Värme AB")
    serial = orders.create_order(eva, OrderInput(subject="Heat pump quote",
                                                 customer_id=berg.id)).serial
    app = make_app("eva")
    async with app.run_test(size=(100, 30)) as pilot:
        form = await open_form(app, pilot, serial)
        type_into(form, subject="Heat pump quote, two units")
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Customer card" in titles
        await pilot.press("ctrl+g")
        await settle(app, pilot)
        card = app.screen
        assert isinstance(card, CustomerCardScreen) and card.customer_id == berg.id
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is form and form.changes() == ["subject"]
        await pilot.press("escape", "y")  # leave the edit
        await settle(app, pilot)
        form = await open_form(app, pilot)  # a new order, no customer yet
        await pilot.press("ctrl+g")
        await settle(app, pilot)
        assert isinstance(app.screen, OrderFormScreen)
        assert "Pick the order's customer first" in [n.message for n in app._notifications]


async def test_typing_at_an_order_one_may_only_read_says_so(eva: Actor, make_app) -> None:
    """Anna may create but not edit, and is not assigned: the order she saves is read
    only to her, and what she typed next went nowhere without a word (QA20 L6). It is
    answered, once for a burst of keys."""
    make_user(eva, "anna", "view", "create")
    berg = registers.add_customer(eva, "Bergström Värme AB")
    app = make_app("anna")
    async with app.run_test(size=(120, 36)) as pilot:
        form = await open_form(app, pilot)
        type_into(form, subject="Visit", customer=berg.name)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert form.serial is not None and form.fields.disabled
        await pilot.press("tab", *"note x")
        await settle(app, pilot)
        told = [n.message for n in app._notifications if "read only to you" in n.message]
        assert told == ["This order is read only to you: changing it needs the 'edit' "
                        "permission; adding a note, 'edit' or being assigned to it"]
        assert orders.get_order(eva, form.serial).notes == ()


async def test_the_order_opened_again_from_its_customers_card_is_the_one_beneath(
        eva: Actor, make_app) -> None:
    """ctrl+g, then Enter on the same order in the card (or ctrl+n there, from a new
    order) opened a second form, which took the first one's draft: saving both added
    the note twice, or made the order twice (QA21 M1). It goes back to the form
    beneath, edits kept; a note added meanwhile elsewhere shows there."""
    berg = registers.add_customer(eva, "Bergström Värme AB")
    serial = orders.create_order(eva, OrderInput(subject="Heat pump quote",
                                                 customer_id=berg.id)).serial
    app = make_app("eva")
    async with app.run_test(size=(100, 30)) as pilot:
        form = await open_form(app, pilot, serial)
        form.notes.editor.insert("Called, no answer")
        await pilot.press("ctrl+g")
        await settle(app, pilot)
        assert isinstance(app.screen, CustomerCardScreen)
        notes.add_note(eva, serial, "From the desk")  # meanwhile, elsewhere
        await pilot.press("enter")  # the card's orders: this order
        await settle(app, pilot)
        assert app.screen is form
        assert [s for s in app.screen_stack if isinstance(s, OrderFormScreen)] == [form]
        assert form.notes.editor.text == "Called, no answer"
        assert [n.text for n in form.detail.notes] == ["From the desk"]
        assert "Back to contact order" in [n.message for n in app._notifications][-1]
        await pilot.press("escape", "y")
        await settle(app, pilot)
        new = await open_form(app, pilot)
        type_into(new, subject="Second unit", customer=berg.name)
        new.picker("customer").set_value(berg.name, PickItem(berg.id, berg.name))
        await pilot.press("ctrl+g")
        await settle(app, pilot)
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert app.screen is new and new.fields.values().subject == "Second unit"
        assert [s for s in app.screen_stack if isinstance(s, OrderFormScreen)] == [new]


async def test_ctrl_g_opens_the_customer_the_field_names(eva: Actor, make_app) -> None:
    """Another existing customer typed in full (not picked from the list) opened the
    saved one's card (QA21 L1); a new name is not in the register yet, and says so."""
    berg = registers.add_customer(eva, "Bergström Värme AB")
    other = registers.add_customer(eva, "Forsberg Värme AB")
    serial = orders.create_order(eva, OrderInput(subject="Heat pump quote",
                                                 customer_id=berg.id)).serial
    app = make_app("eva")
    async with app.run_test(size=(100, 30)) as pilot:
        form = await open_form(app, pilot, serial)
        picker = form.picker("customer")
        picker.input.focus()
        picker.input.value = "Forsberg Värme AB"
        picker.search_now()
        await settle(app, pilot)
        assert picker.exact_match() is not None
        await pilot.press("ctrl+g")
        await settle(app, pilot)
        assert isinstance(app.screen, CustomerCardScreen)
        assert app.screen.customer_id == other.id
        await pilot.press("escape")
        await settle(app, pilot)
        picker.input.value = "Brand New Kund AB"
        picker.search_now()
        await settle(app, pilot)
        await pilot.press("ctrl+g")
        await settle(app, pilot)
        assert app.screen is form
        assert ("'Brand New Kund AB' is not in the register yet: pick the customer, or "
                "save the order first") in [n.message for n in app._notifications]
