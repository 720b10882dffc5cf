"""Unsaved work in an order form is kept as a draft while typing, and comes back when
the form opens again after the app (or its SSH connection) ended without a word."""

from __future__ import annotations

from crm_tui.domain.records import Actor, OrderInput
from crm_tui.services import drafts, orders, registers
from crm_tui.tui.screens.dialogs import ConfirmDialog, ConflictDialog
from crm_tui.tui.screens.order_form import OrderFormScreen
from tests.conftest import make_user
from tests.tui.conftest import burst, settle
from tests.tui.test_journeys import open_form, type_into
from tests.tui.test_registers import wait_for


def messages(app: object) -> list[str]:
    """The toasts shown."""
    return [str(n.message) for n in app._notifications]  # type: ignore[attr-defined]


async def test_typed_work_comes_back_after_the_app_ended(eva: Actor, make_app) -> None:
    """A technician's connection drops with a changed subject and a typed note: the
    next form of the order shows both, over the order as it is; ctrl+s saves them and
    the draft goes. Someone's change to another field meanwhile is kept, and saving
    shows it first (the draft's edits were based on the older version)."""
    anna = make_user(eva, "anna", "view", "edit")
    customer = registers.add_customer(eva, "Bergström Värme AB")
    order = orders.create_order(eva, OrderInput(subject="Quote", customer_id=customer.id,
                                                contact_name="Kim"))
    app = make_app("anna")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, order.serial)
        await pilot.press(*"Called, wants two")  # the note editor has the focus
        type_into(form, subject="Quote for two heat pumps")
        form.drafts.tick()  # as the timer does every few seconds
        await wait_for(pilot, lambda: drafts.get(anna, order.serial) is not None,
                       "the draft")
    # The app ended without Leave (a dropped connection): the draft stays.
    orders.edit_order(eva, order.serial, OrderInput(contact_name="Kim Ek"),
                      order.version)
    app = make_app("anna")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, order.serial)
        assert form.fields.values().subject == "Quote for two heat pumps"
        assert form.fields.values().contact_name == "Kim Ek"  # theirs, not the draft's
        assert form.notes.pending_text() == "Called, wants two"
        assert any("Brought back from " in m and "Subject, the typed note" in m
                   for m in messages(app))
        await pilot.press("ctrl+s")  # the order changed since: what changed is shown
        await settle(app, pilot)
        assert isinstance(app.screen, ConflictDialog)
        assert "Contact name: Kim Ek" in app.screen.text
        await pilot.press("a")  # re-apply mine
        await settle(app, pilot)
        assert app.screen is form and not form.is_dirty()
        saved = orders.get_order(eva, order.serial)
        assert (saved.row.subject, saved.row.contact.name) == ("Quote for two heat pumps",
                                                               "Kim Ek")
        assert [n.text for n in saved.notes] == ["Called, wants two"]
        await wait_for(pilot, lambda: drafts.get(anna, order.serial) is None,
                       "the draft dropped")


async def test_a_new_order_comes_back_and_leaving_drops_the_draft(eva: Actor,
                                                                  make_app) -> None:
    """A new order being typed comes back in the next new form; Leave drops it."""
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot)
        type_into(form, subject="Second heat pump", contact_name="Kim")
        # kept by the form's own timer, within a few seconds
        await wait_for(pilot, lambda: drafts.get(eva, None) is not None, "the draft")
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)  # the start names the unsaved work
        assert any("Kept from another session: a new contact order (n on the list)" in m
                   for m in messages(app))
        form = await open_form(app, pilot)
        assert (form.fields.values().subject, form.fields.values().contact_name) == (
            "Second heat pump", "Kim")
        await pilot.press(*"s")  # the subject brought back is not selected: typed on
        assert form.fields.values().subject == "Second heat pumps"
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")  # Leave: the draft goes with it
        await settle(app, pilot)
        assert not isinstance(app.screen, OrderFormScreen)
        assert drafts.get(eva, None) is None
        form = await open_form(app, pilot)
        assert form.fields.values().subject == ""


async def test_a_draft_goes_once_nothing_is_unsaved(eva: Actor, make_app) -> None:
    """Typed back to what was loaded, or saved: no draft is left to bring back."""
    customer = registers.add_customer(eva, "Bergström Värme AB")
    order = orders.create_order(eva, OrderInput(subject="Quote", customer_id=customer.id))
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, order.serial)
        type_into(form, subject="Quote!")
        form.drafts.tick()
        await wait_for(pilot, lambda: drafts.get(eva, order.serial) is not None,
                       "the draft")
        type_into(form, subject="Quote")
        form.drafts.tick()
        assert drafts.get(eva, order.serial) is None  # removed at once
        # Another session of the same user dropped this one's draft (it opened the
        # order and left it): the next tick keeps it again.
        type_into(form, subject="Quote?")
        form.drafts.tick()
        await wait_for(pilot, lambda: drafts.get(eva, order.serial) is not None,
                       "the draft")
        drafts.drop(eva, order.serial)
        form.drafts.tick()
        await wait_for(pilot, lambda: drafts.get(eva, order.serial) is not None,
                       "the draft kept again")
        type_into(form, subject="Quote")
        form.drafts.tick()
        form = await open_form(app, pilot)  # a new one, saved
        type_into(form, subject="New one", customer="Bergström Värme AB")
        form.drafts.tick()
        await wait_for(pilot, lambda: drafts.get(eva, None) is not None, "the draft")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert form.serial is not None and not form.is_dirty()
        assert drafts.get(eva, None) is None and drafts.get(eva, form.serial) is None


async def test_a_draft_of_an_order_deleted_since_is_told_once(eva: Actor, make_app) -> None:
    """It was announced at every start, and the order could not be opened."""
    customer = registers.add_customer(eva, "Bergström Värme AB")
    order = orders.create_order(eva, OrderInput(subject="Quote", customer_id=customer.id))
    drafts.keep(eva, order.serial, base_version=order.version, loaded={}, values={},
                note="Called, wants two")
    orders.delete_order(eva, order.serial)
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        told = messages(app)
        assert any(f"Contact order {order.serial} was deleted since you worked on it; "
                   "the note you had typed: Called, wants two" in m for m in told)
        assert not any("Kept from another session" in m for m in told)
        await wait_for(pilot, lambda: drafts.get(eva, order.serial) is None,
                       "the draft dropped")


async def test_a_kept_note_and_one_typed_as_the_order_opens_are_both_kept(
        eva: Actor, make_app) -> None:
    """Enter on the order and a note typed at once: the typed one was kept and the
    draft's note dropped for good (or the two were glued into one line)."""
    customer = registers.add_customer(eva, "Bergström Värme AB")
    order = orders.create_order(eva, OrderInput(subject="Quote", customer_id=customer.id))
    drafts.keep(eva, order.serial, base_version=order.version, loaded={}, values={},
                note="First draft line")
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await app.open_order(order.serial)  # as Enter on a list row: mounted, loading
        burst(app, *"second typed")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, OrderFormScreen)
        assert form.notes.pending_text() == "First draft line\nsecond typed"
        assert any("the typed note" in m for m in messages(app))
        form.drafts.tick()
        await wait_for(pilot, lambda: getattr(drafts.get(eva, order.serial), "note", "")
                       == "First draft line\nsecond typed", "the draft with both")


async def test_reload_in_the_conflict_drops_a_brought_back_draft(eva: Actor,
                                                                make_app) -> None:
    """A draft brought back over an order someone changed since: saving shows the
    conflict, and Reload shows their version. The draft came back at the next start
    with its old values over their version, and its ctrl+s then wrote over their change
    without a conflict."""
    anna = make_user(eva, "anna", "view", "edit")
    customer = registers.add_customer(eva, "Bergström Värme AB")
    order = orders.create_order(eva, OrderInput(subject="Quote", customer_id=customer.id,
                                                hours="1"))
    app = make_app("anna")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, order.serial)
        type_into(form, subject="Anna's subject", hours="5")
        form.drafts.tick()
        await wait_for(pilot, lambda: drafts.get(anna, order.serial) is not None,
                       "the draft")
    theirs = orders.edit_order(eva, order.serial, OrderInput(subject="Eva's subject",
                                                              hours="2"), order.version)
    app = make_app("anna")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, order.serial)
        assert form.fields.values().subject == "Anna's subject"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ConflictDialog)
        await pilot.press("r")  # reload theirs
        await settle(app, pilot)
        assert app.screen is form and form.fields.values().subject == "Eva's subject"
        assert not form.is_dirty() and form.base_version == theirs.version
        form.drafts.tick()
        await settle(app, pilot)
        assert drafts.get(anna, order.serial) is None
    app = make_app("anna")  # nothing comes back: their version stands
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, order.serial)
        assert form.fields.values().subject == "Eva's subject"
        assert not any("Brought back" in m for m in messages(app))
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    saved = orders.get_order(eva, order.serial).row
    assert (saved.subject, str(saved.hours)) == ("Eva's subject", "2.00")


async def test_a_brought_back_draft_names_an_existing_customer_as_existing(
        eva: Actor, make_app) -> None:
    """A new order's draft keeps a customer and a facility as typed names. Brought back,
    the form called them "+ new customer: created on save" although both existed (QA16
    L3); it now looks the names up for the hints, as typing them does."""
    registers.add_customer(eva, "Brf Eken")
    registers.add_facility(eva, "Eken 1", "Brf Eken")
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot)
        type_into(form, subject="Leak", customer="Brf Eken", facility="Eken 1")
        await wait_for(pilot, lambda: drafts.get(eva, None) is not None, "the draft")
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot)
        fields = form.fields

        def hint(name: str) -> str:
            return str(fields.picker(name).query_one(".picker-hint").render())

        await wait_for(pilot, lambda: hint("customer").startswith("= the existing"),
                       "the customer named as existing")
        await wait_for(pilot, lambda: hint("facility").startswith("= the existing"),
                       "the facility named as existing")
        assert "new" not in hint("customer") + hint("facility")
