"""Register search as you type, the cards, and literal rendering of hostile names."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from rich.text import Text
from textual.widgets import DataTable, Input, Select, Static, TabbedContent

from crm_tui.domain.records import Actor, OrderInput, SearchHit
from crm_tui.services import order_list, orders, register_deletes, register_edits, registers
from crm_tui.tui.app import CrmApp
from crm_tui.tui.screens.customer_card import CustomerCardScreen
from crm_tui.tui.screens.dialogs import ConfirmDialog
from crm_tui.tui.screens.order_form import OrderFormScreen
from crm_tui.tui.screens.register_cards import FacilityCardScreen, ServiceObjectCardScreen
from crm_tui.tui.screens.register_dialog import (
    AddFacilityDialog,
    AddServiceObjectDialog,
    EditFacilityDialog,
    EditServiceObjectDialog,
)
from crm_tui.tui.screens.registers import MoreRow, RegisterScreen, allot
from crm_tui.tui.widgets.order_table import COMPLETED_STYLE, OrderTable
from crm_tui.tui.widgets.picker import MATCH_STYLE, Picker
from tests.conftest import make_user
from tests.services.helpers import INCLUDE
from tests.tui.conftest import burst, settle

MARKUP_NAME = "[bold red]x[/]"
ESCAPE_NAME = "Evil \x1b]0;pwned\x07 Corp"


async def wait_for(pilot: object, predicate: Callable[[], bool], what: str,
                   timeout: float = 10.0) -> None:
    """Wait (without a fixed sleep) until ``predicate`` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)  # type: ignore[attr-defined]


async def open_registers(app: CrmApp, pilot: object) -> RegisterScreen:
    """Switch to the Registers section and wait for the first results."""
    await settle(app, pilot)
    await pilot.press("f4")  # type: ignore[attr-defined]
    screen = app.screen
    assert isinstance(screen, RegisterScreen)
    await wait_for(pilot, lambda: screen.loaded and not screen.searching, "first results")
    return screen


async def search(app: CrmApp, pilot: object, screen: RegisterScreen, text: str) -> None:
    """Type into the search box and wait until the results are for that text."""
    await pilot.press(*text)  # type: ignore[attr-defined]
    typed = screen.query_one("#search", Input).value
    await wait_for(pilot, lambda: screen.query_text == typed and not screen.searching,
                   f"results for {typed!r}")
    await settle(app, pilot)


async def open_card(app: CrmApp, pilot: object, customer_id: int) -> CustomerCardScreen:
    """Open a customer card and wait until it has loaded."""
    await settle(app, pilot)
    app.open_customer(customer_id)
    await settle(app, pilot)
    card = app.screen
    assert isinstance(card, CustomerCardScreen) and card.customer is not None
    return card


def rows(table: DataTable) -> list[list[Text]]:
    """Every row of a table, as its Text cells."""
    return [table.get_row_at(i) for i in range(table.row_count)]


def world(eva: Actor) -> dict[str, int]:
    """Two customers, a facility, a service object and orders (one completed)."""
    berg = registers.add_customer(eva, "Bergström Värme AB", city="Umeå", phone="090-123 45")
    other = registers.add_customer(eva, "Nordic Pumps", city="Luleå")
    plant = registers.add_facility(eva, "Bergström main plant", berg.id, address="Storgatan 1",
                                   city="Umeå")
    pump = registers.add_service_object(eva, "Heat pump F2120", customer=berg.id,
                                        facility=plant.id, model="F2120",
                                        serial_number="SN-1")
    first = orders.create_order(eva, OrderInput(subject="Quote for a second pump",
                                                customer_id=berg.id, facility_id=plant.id,
                                                service_object_id=pump.id,
                                                contact_name="Sven Ek"))
    done = orders.create_order(eva, OrderInput(subject="Old service visit",
                                               customer_id=berg.id, scheduled="2026-01-10"))
    orders.set_completed(eva, done.serial, True)
    later = orders.create_order(eva, OrderInput(subject="Spring check",
                                                customer_id=berg.id, scheduled="2027-03-01"))
    orders.create_order(eva, OrderInput(subject="Not Bergström's", customer_id=other.id))
    return {"berg": berg.id, "other": other.id, "plant": plant.id, "pump": pump.id,
            "first": first.serial, "done": done.serial, "later": later.serial}


async def test_search_as_you_type_finds_and_highlights(eva: Actor, make_app) -> None:
    """'bergstrom' finds 'Bergström Värme AB' and highlights the matching part."""
    world(eva)
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_registers(app, pilot)
        table = screen.query_one("#hits", DataTable)
        assert table.row_count == 4  # empty query: the first entries of every register
        await search(app, pilot, screen, "bergstrom")
        found = rows(table)
        names = [r[1].plain for r in found]
        assert names == ["Bergström Värme AB", "Bergström main plant", "Heat pump F2120"]
        assert "Nordic Pumps" not in names
        name = found[0][1]
        marked = [name.plain[s.start:s.end] for s in name.spans if s.style == MATCH_STYLE]
        assert marked == ["Bergström"]
        # The service object matched through its customer's name in the details column.
        details = found[2][2]
        assert [details.plain[s.start:s.end] for s in details.spans] == ["Bergström"]
        # The register switch: customers only.
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: screen.register_key == "customers"
                       and not screen.searching, "customers register")
        await settle(app, pilot)
        assert [r[0].plain for r in rows(table)] == ["Customer"]
        # No matches: a helpful hint, not a blank screen.
        await search(app, pilot, screen, "zzz")
        assert table.row_count == 0
        hint = screen.query_one("#hint", Static).content
        assert "No matches for bergstromzzz" in str(hint)


async def test_empty_database_shows_a_hint(eva: Actor, make_app) -> None:
    """A new database explains how customers get into the registers."""
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_registers(app, pilot)
        assert screen.query_one("#hits", DataTable).row_count == 0
        assert "registers are empty" in str(screen.query_one("#hint", Static).content)


def heading(table: DataTable, index: int) -> str:
    """The label of a table's column."""
    return table.ordered_columns[index].label.plain


async def test_enter_opens_card_with_all_orders(eva: Actor, make_app) -> None:
    """The customer card lists every order of the customer: open first, completed last.
    Each card's fourth column names what differs between its orders (the customer
    card's orders all have the one customer): facility, service object, contact."""
    ids = world(eva)
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_registers(app, pilot)
        await search(app, pilot, screen, "umea")
        await pilot.press("enter")
        await settle(app, pilot)
        card = app.screen
        assert isinstance(card, CustomerCardScreen) and card.customer_id == ids["berg"]
        table = card.query_one("#orders-table", DataTable)
        serials = [int(r[0].plain) for r in rows(table)]
        expected = [r.serial for r in order_list.customer_card(eva, ids["berg"]).orders]
        assert serials == expected and len(serials) == 3
        assert serials[-1] == ids["done"]  # completed after the open ones
        assert all(c.style == COMPLETED_STYLE for c in rows(table)[-1])
        assert not any(c.style == COMPLETED_STYLE for c in rows(table)[0])
        assert "Bergström Värme AB" in card.query_one("#card-title", Static).content.plain
        assert heading(table, 3) == "Facility"
        places = {int(r[0].plain): r[3].plain for r in rows(table)}
        assert places == {ids["first"]: "Bergström main plant", ids["later"]: "",
                          ids["done"]: ""}
        # Facilities tab, Enter opens the facility card, Escape goes back.
        await pilot.press("f")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, FacilityCardScreen)
        facility_orders = app.screen.query_one("#orders-table", DataTable)
        assert [int(r[0].plain) for r in rows(facility_orders)] == [ids["first"]]
        assert heading(facility_orders, 3) == "Object"
        assert rows(facility_orders)[0][3].plain == "Heat pump F2120"
        await pilot.press("s", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ServiceObjectCardScreen)
        object_orders = app.screen.query_one("#orders-table", DataTable)
        assert heading(object_orders, 3) == "Contact"
        assert [r[3].plain for r in rows(object_orders)] == ["Sven Ek"]
        await pilot.press("escape", "escape")
        await settle(app, pilot)
        assert app.screen is card
        # Enter on an order opens the form.
        await pilot.press("o", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, OrderFormScreen)
        assert app.screen.serial == serials[0]


async def test_a_card_pages_its_orders_and_keeps_its_place(eva: Actor, make_app) -> None:
    """A customer with more orders than two pages: the card shows the first page and
    the count of them all, End reads the rest and goes to the last (it read one more
    page a press), and coming back from an order deep in the list keeps the cursor on
    it."""
    page = order_list.CARD_PAGE
    owner = registers.add_customer(eva, "Många Order AB")
    made = [orders.create_order(eva, OrderInput(
        subject=f"Visit {i}", customer_id=owner.id,
        scheduled=f"2027-{i % 12 + 1:02d}-{i % 28 + 1:02d}")).serial
        for i in range(2 * page + 20)]
    orders.set_completed(eva, made[3], True)
    everything = [r.serial for r in order_list.list_orders(
        eva, INCLUDE, limit=order_list.MAX_PAGE).rows if r.customer_id == owner.id]
    assert sorted(everything) == sorted(made)
    app = make_app("eva")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        app.open_customer(owner.id)
        await settle(app, pilot)
        card = app.screen
        assert isinstance(card, CustomerCardScreen)
        table = card.query_one("#orders-table", OrderTable)
        assert table.serials == everything[:page]
        tabs = card.query_one(TabbedContent)
        assert str(tabs.get_tab("orders").label) == f"Orders {2 * page + 20}"
        # each tab's key (o, f, s, d) is its first letter, underlined: the footer has no
        # room for them, and they were in F1 and the palette only
        for tab in ("orders", "facilities", "objects", "details"):
            label = tabs.get_tab(tab).label
            assert [(span.start, span.end, str(span.style)) for span in label.spans
                    if "underline" in str(span.style)] == [(0, 1, "underline")], tab
        status = card.query_one("#orders-empty", Static).content
        assert f"{2 * page + 19} open, 1 completed" in str(status)
        assert f"{page} loaded" in str(status)
        await pilot.press("end")  # once: the rest, and the cursor on the last
        await wait_for(pilot, lambda: table.row_count == 2 * page + 20, "the rest")
        assert table.serials == everything and table.current_serial == everything[-1]
        assert f"{page} loaded" not in str(card.query_one("#orders-empty", Static).content)
        # Open an order of the second page, come back: the cursor is still on it.
        table.select_serial(everything[page + 5])
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, OrderFormScreen)
        assert app.screen.serial == everything[page + 5]
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is card and table.serials == everything
        assert table.current_serial == everything[page + 5]


async def test_add_order_from_search_prefills_everything(eva: Actor, make_app) -> None:
    """ctrl+n on a service object pre-fills customer, facility and object; save creates it."""
    ids = world(eva)
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_registers(app, pilot)
        await search(app, pilot, screen, "f2120")
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, OrderFormScreen)
        assert [form.picker(n).chosen_id for n in ("customer", "facility", "service_object")] \
            == [ids["berg"], ids["plant"], ids["pump"]]
        assert form.picker("customer").value == "Bergström Värme AB"
        await pilot.press(*"Service offer")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert form.serial is not None
        saved = orders.get_order(eva, form.serial)
        assert (saved.row.customer_id, saved.facility_id, saved.service_object_id) == (
            ids["berg"], ids["plant"], ids["pump"])
        assert saved.row.subject == "Service offer"
        assert f"Contact order {form.serial}" in form.query_one("#form-title",
                                                                Static).content.plain


async def test_add_order_on_a_customer_card_takes_what_is_highlighted(eva: Actor,
                                                                      make_app) -> None:
    """a on a customer card: the only facility; on the Facilities tab the highlighted
    facility; on Service objects the highlighted object and its facility."""
    ids = world(eva)
    second = registers.add_facility(eva, "Depå", ids["berg"])
    app = make_app("eva")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)

        async def added(*keys: str) -> list[int | None]:
            app.open_customer(ids["berg"])
            await settle(app, pilot)
            await pilot.press(*keys, "a")
            await settle(app, pilot)
            form = app.screen
            assert isinstance(form, OrderFormScreen), keys
            chosen = [form.picker(n).chosen_id for n in ("customer", "facility",
                                                          "service_object")]
            app.pop_screen()
            app.pop_screen()
            await settle(app, pilot)
            return chosen

        assert await added() == [ids["berg"], None, None]  # two facilities: none chosen
        assert await added("f", "down") == [ids["berg"], second.id, None]
        assert await added("f") == [ids["berg"], ids["plant"], None]
        assert await added("s") == [ids["berg"], ids["plant"], ids["pump"]]
        with_one = registers.add_customer(eva, "Sjöberg Rör AB")
        only = registers.add_facility(eva, "Lagret", with_one.id)
        app.open_customer(with_one.id)
        await settle(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        assert app.screen.picker("facility").chosen_id == only.id
        # A facility card's Service objects tab: the highlighted object (it was left out).
        registers.add_service_object(eva, "Boiler", customer=ids["berg"],
                                     facility=ids["plant"])
        app.open_facility(ids["plant"])
        await settle(app, pilot)
        await pilot.press("s", "down", "a")  # Boiler, Heat pump F2120: the second
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, OrderFormScreen)
        assert [form.picker(n).chosen_id for n in ("customer", "facility", "service_object")
                ] == [ids["berg"], ids["plant"], ids["pump"]]


async def test_an_empty_card_says_whose_orders_it_lacks(eva: Actor, make_app) -> None:
    """A technician who sees only their orders is not told a customer has none."""
    ids = world(eva)
    make_user(eva, "tom", "view-assigned")
    for user, words in (("tom", "No contact orders assigned to you yet."),
                        ("eva", None)):
        app = make_app(user)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            app.open_customer(ids["berg"])
            await settle(app, pilot)
            empty = str(app.screen.query_one("#orders-empty", Static).content)
            if words is None:
                assert "open" in empty and "completed" in empty  # eva sees its orders
                assert not empty.startswith("Assigned to you")
            else:
                assert empty == words  # and no "press a": tom may not add
    # With an order of his: the counts say whose they are (the customer has more).
    orders.assign(eva, ids["first"], ["tom"])
    app = make_app("tom")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.open_customer(ids["berg"])
        await settle(app, pilot)
        empty = str(app.screen.query_one("#orders-empty", Static).content)
        assert empty.startswith("Assigned to you: 1 open, 0 completed")
    fresh = registers.add_customer(eva, "Sjöberg Rör AB")
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.open_customer(fresh.id)
        await settle(app, pilot)
        assert str(app.screen.query_one("#orders-empty", Static).content) == (
            "No contact orders yet. Press a (or ctrl+n) to add one.")


async def test_customer_card_details_are_editable(eva: Actor, make_app) -> None:
    """e edits the details in place; ctrl+s saves them through the service."""
    ids = world(eva)
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.open_customer(ids["berg"])
        await settle(app, pilot)
        await pilot.press("e")
        city = app.screen.query_one("#c-city", Input)
        city.value = "Skellefteå"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert registers.get_customer(eva, ids["berg"]).city == "Skellefteå"
        assert "Skellefteå" in app.screen.query_one("#card-info", Static).content.plain
        app.screen.query_one("#c-email", Input).value = "not-an-address"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert registers.get_customer(eva, ids["berg"]).email == ""
        error = app.screen.query_one("#details-error", Static).content.plain
        assert "not a valid e-mail" in error
        app.screen.query_one("#c-email", Input).value = ""
        app.screen.query_one("#c-name", Input).value = "Nordic Pumps AB"  # like another
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert registers.get_customer(eva, ids["berg"]).name == "Bergström Värme AB"
        assert "Another customer is named like this: 'Nordic Pumps'" in str(
            app.screen.query_one("#details-error", Static).content)
        await pilot.press("ctrl+s")  # again: saved
        await settle(app, pilot)
        assert registers.get_customer(eva, ids["berg"]).name == "Nordic Pumps AB"
        card = app.screen
        app.screen.query_one("#c-city", Input).value = "Piteå"
        # Esc in a field leaves the fields, for the tabs' keys (it left the card, and
        # in a field o, f, s and d were typed)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is card and not isinstance(app.focused, Input)
        await pilot.press("f")
        await settle(app, pilot)
        assert card.query_one(TabbedContent).active == "facilities"
        await pilot.press("escape")  # unsaved details: asks first
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(app, pilot)
        assert not isinstance(app.screen, CustomerCardScreen)


async def test_a_reload_keeps_the_details_being_edited(eva: Actor, make_app) -> None:
    """Someone else's change reloads the card; the details being edited stay as typed
    (they were overwritten without a word), the others follow the database, a clash is
    named, and is refused once by ctrl+s (one ctrl+s wrote over it); the second saves
    what was typed. A section key asks first."""
    ids = world(eva)
    bob = make_user(eva, "bob", "view", "edit")
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        card = await open_card(app, pilot, ids["berg"])
        await pilot.press("e")
        card.query_one("#c-name", Input).value = "Bergström Värme & Kyla AB"
        register_edits.edit_customer(bob, ids["berg"], city="Piteå")
        card.refresh_data()  # as the change watcher does
        await wait_for(pilot, lambda: card.customer is not None
                       and card.customer.city == "Piteå", "the reload")
        assert card.query_one("#c-name", Input).value == "Bergström Värme & Kyla AB"
        assert card.query_one("#c-city", Input).value == "Piteå"
        assert str(card.query_one("#details-error", Static).content) == ""
        register_edits.edit_customer(bob, ids["berg"], name="Bergström AB")
        card.refresh_data()
        await wait_for(pilot, lambda: card.customer is not None
                       and card.customer.name == "Bergström AB", "the second reload")
        assert card.query_one("#c-name", Input).value == "Bergström Värme & Kyla AB"
        assert "Changed by someone else meanwhile: Name (now 'Bergström AB')" in str(
            card.query_one("#details-error", Static).content)
        await pilot.press("f3")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(app, pilot)
        assert app.screen is card
        # One ctrl+s does not write over their name: it is named again, with its value.
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert registers.get_customer(eva, ids["berg"]).name == "Bergström AB"
        assert "name (now 'Bergström AB')" in str(card.query_one("#details-error",
                                                                 Static).content)
        assert card.query_one("#c-name", Input).value == "Bergström Värme & Kyla AB"
        await pilot.press("ctrl+s")  # the second one does
        await settle(app, pilot)
        saved = registers.get_customer(eva, ids["berg"])
        assert (saved.name, saved.city) == ("Bergström Värme & Kyla AB", "Piteå")
        assert str(card.query_one("#details-error", Static).content) == ""
        assert not card.unsaved()
        await pilot.press("f5")  # the Inbox, as everywhere (it reloaded the card)
        await settle(app, pilot)
        assert app.current_mode == "notifications"


async def test_cards_add_facilities_and_service_objects(eva: Actor, make_app) -> None:
    """+ on a customer card's Facilities or Service objects tab, or on a facility card,
    adds one there (the app could not: only the CLI could). A near-duplicate name is
    named once; Add again adds it anyway. Errors stay in the dialog."""
    ids = world(eva)
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        card = await open_card(app, pilot, ids["berg"])
        await pilot.press("plus")  # on the Orders tab: says where it works
        await settle(app, pilot)
        assert app.screen is card
        await pilot.press("f", "plus", *"Depå Norr", "tab")
        app.screen.query_one("#r-address", Input).value = "Verkstadsgatan 2"  # (quicker)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is card
        added = registers.find_facility("Depå Norr")
        assert (added.customer_id, added.address) == (ids["berg"], "Verkstadsgatan 2")
        facilities = card.query_one("#facilities-table", DataTable)
        assert "Depå Norr" in [r[0].plain for r in rows(facilities)]
        # Home and End: the first and the last facility (they moved between columns)
        await pilot.press("end")
        assert facilities.cursor_row == facilities.row_count - 1 > 0
        await pilot.press("home")
        assert facilities.cursor_row == 0
        await pilot.press("plus")
        await settle(app, pilot)
        app.screen.query_one("#r-facility", Input).value = "bergström main plant"  # like one
        await pilot.press("enter")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, AddFacilityDialog)
        assert "looks like existing 'Bergström main plant'" in str(
            dialog.query_one("#register-error", Static).content)
        await pilot.press("enter")  # again: added anyway
        await settle(app, pilot)
        assert app.screen is card and len(card.facilities) == 3
        await pilot.press("s", "plus", "enter")  # no name: refused in the dialog
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, AddServiceObjectDialog)
        assert "must not be empty" in str(dialog.query_one("#register-error", Static).content)
        await pilot.press(*"Vent", "tab", *"Swegon", "tab", *"SW-9", "enter")
        await settle(app, pilot)
        assert app.screen is card
        unit = registers.find_service_object("SW-9")
        assert (unit.customer_id, unit.facility_id, unit.model) == (ids["berg"], None,
                                                                     "Swegon")
        # A facility card adds at that facility.
        app.open_facility(ids["plant"])
        await settle(app, pilot)
        facility_card = app.screen
        assert isinstance(facility_card, FacilityCardScreen)
        await pilot.press("plus", *"Boiler", "enter")
        await settle(app, pilot)
        assert app.screen is facility_card
        assert registers.find_service_object("Boiler").facility_id == ids["plant"]
        objects = facility_card.query_one("#objects-table", DataTable)
        assert "Boiler" in [r[0].plain for r in rows(objects)]
        await pilot.press("plus", "escape")  # cancel: nothing added
        await settle(app, pilot)
        assert app.screen is facility_card


async def test_cards_edit_facilities_and_service_objects(eva: Actor, make_app) -> None:
    """e on a facility or service-object card edits its details in a dialog: only what
    was changed is saved, errors stay in the dialog, and a change by someone else since
    it opened is named before Save (again) writes over it."""
    ids = world(eva)
    make_user(eva, "vera", "view")
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_facility(ids["plant"])
        await settle(app, pilot)
        card = app.screen
        assert isinstance(card, FacilityCardScreen)
        await pilot.press("e")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, EditFacilityDialog)
        assert dialog.query_one("#r-address", Input).value == "Storgatan 1"
        dialog.query_one("#r-city", Input).value = "Skellefteå"
        dialog.query_one("#r-latitude", Input).value = "64.75"
        await pilot.press("ctrl+s")  # one coordinate alone: refused, in the dialog
        await settle(app, pilot)
        assert app.screen is dialog
        assert "both latitude and longitude" in str(
            dialog.query_one("#register-error", Static).content)
        dialog.query_one("#r-longitude", Input).value = "20.951234"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is card
        saved = registers.get_facility(eva, ids["plant"])
        assert (saved.name, saved.address, saved.city, saved.latitude, saved.longitude) == (
            "Bergström main plant", "Storgatan 1", "Skellefteå", 64.75, 20.951234)
        assert "Skellefteå" in str(card.query_one("#card-info", Static).content)
        await pilot.press("e")  # shown again in full, not rounded
        await settle(app, pilot)
        assert app.screen.query_one("#r-longitude", Input).value == "20.951234"
        await pilot.press("escape")
        await settle(app, pilot)
        # The service object: someone renames it while the dialog is open.
        app.open_service_object(ids["pump"])
        await settle(app, pilot)
        object_card = app.screen
        assert isinstance(object_card, ServiceObjectCardScreen)
        await pilot.press("e")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, EditServiceObjectDialog)
        register_edits.edit_service_object(eva, ids["pump"], name="Heat pump (attic)")
        dialog.query_one("#r-model", Input).value = "F2040"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is dialog
        error = str(dialog.query_one("#register-error", Static).content)
        assert "name (now 'Heat pump (attic)')" in error and "Save again" in error
        # Their name shows in the dialog (it kept the old one); the typed model stays.
        await wait_for(pilot, lambda: dialog.query_one("#r-service_object", Input).value
                       == "Heat pump (attic)", "their name in the dialog")
        assert dialog.query_one("#r-model", Input).value == "F2040"
        await pilot.press("ctrl+s")  # again: the model is saved, their name kept
        await settle(app, pilot)
        assert app.screen is object_card
        unit = registers.get_service_object(eva, ids["pump"])
        assert (unit.name, unit.model, unit.serial_number) == ("Heat pump (attic)", "F2040",
                                                               "SN-1")
        assert "F2040" in str(object_card.query_one("#card-info", Static).content)
    # Without the edit permission, e is dimmed and does nothing.
    app = make_app("vera")
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_service_object(ids["pump"])
        await settle(app, pilot)
        card = app.screen
        assert card.check_action("edit", ()) is None
        await pilot.press("e")
        await settle(app, pilot)
        assert app.screen is card
        # The customer card's details: d shows them (e, dimmed, was the only key).
        app.open_customer(ids["berg"])
        await settle(app, pilot)
        customer_card = app.screen
        assert isinstance(customer_card, CustomerCardScreen)
        assert customer_card.check_action("edit", ()) is None
        await pilot.press("d")
        await settle(app, pilot)
        assert customer_card.query_one(TabbedContent).active == "details"
        assert customer_card.query_one("#c-name", Input).value == "Bergström Värme AB"
    # Tab goes round the details being edited (past the last, "a" typed on made an order)
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_customer(ids["berg"])
        await settle(app, pilot)
        card = app.screen
        await pilot.press("e", *["tab"] * 6)
        assert card.focused is card.query_one("#c-name", Input)
        await pilot.press("shift+tab")
        assert card.focused is card.query_one("#c-email", Input)
        await pilot.press(*"a@b.se")
        await settle(app, pilot)
        assert app.screen is card and card.query_one("#c-email", Input).value.endswith("a@b.se")
        # typed all at once: each Tab moves on within its key press (the focus moved one
        # key late, and "Tab Tab Storgatan 1" saved the name "S")
        card.query_one("#c-email", Input).value = ""
        card.action_edit()  # the name has the focus
        burst(app, "tab", "tab", *"Storgatan 1")
        await settle(app, pilot)
        assert card.query_one("#c-name", Input).value == "Bergström Värme AB"
        assert card.query_one("#c-address", Input).value.endswith("Storgatan 1")


async def test_hostile_names_render_literally(eva: Actor, make_app) -> None:
    """Markup and terminal escapes in names show as text in results, cards and the form."""
    markup = registers.add_customer(eva, MARKUP_NAME)
    evil = registers.add_customer(eva, ESCAPE_NAME)
    order = orders.create_order(eva, OrderInput(subject=MARKUP_NAME, customer_id=evil.id,
                                                contact_name=ESCAPE_NAME))
    app = make_app("eva")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_registers(app, pilot)
        table = screen.query_one("#hits", DataTable)
        names = [r[1].plain for r in rows(table)]
        assert MARKUP_NAME in names
        assert "Evil \\x1b]0;pwned\\x07 Corp" in names
        assert not any("\x1b" in n for n in names)
        svg = app.export_screenshot()
        assert "[bold&#160;red]x[/]" in svg and "\x1b" not in svg
        await search(app, pilot, screen, "[bold")
        assert [r[1].plain for r in rows(table)] == [MARKUP_NAME]
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen.query_one("#card-title", Static).content.plain.startswith(MARKUP_NAME)
        assert app.screen.query_one("#c-name", Input).value == MARKUP_NAME
        await pilot.press("escape")
        app.open_customer(evil.id)
        await settle(app, pilot)
        title = app.screen.query_one("#card-title", Static).content.plain
        assert "\x1b" not in title and "\\x1b" in title
        orders_table = app.screen.query_one("#orders-table", DataTable)
        assert rows(orders_table)[0][2].plain == MARKUP_NAME
        assert "\x1b" not in app.export_screenshot()
        await pilot.press("enter")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, OrderFormScreen) and form.serial == order.serial
        assert form.query_one("#subject", Input).value == MARKUP_NAME
        customer = form.query_one("#customer", Picker).value
        assert "\x1b" not in customer and "\\x1b" in customer
        assert "\x1b" not in form.query_one("#contact_name", Input).value
        assert "\x1b" not in app.export_screenshot()
        assert not form.is_dirty()  # showing names safely is not an edit
        assert markup.name == MARKUP_NAME


def test_allot_shares_the_screen_and_keeps_a_line_for_more() -> None:
    """Each register shows its first hits; one with hits left over gets a "more" line."""
    assert allot({"customers": 2, "facilities": 1}, 12) == {"customers": 2, "facilities": 1}
    assert allot({"customers": 30, "facilities": 2, "service-objects": 30}, 12) == {
        "customers": 4, "facilities": 2, "service-objects": 4}  # 4+1, 2, 4+1 lines
    assert allot({"customers": 40}, 12) == {"customers": 11}  # and its "more" line
    assert allot({"customers": 12}, 12) == {"customers": 12}
    assert allot({}, 12) == {}


def many(eva: Actor) -> None:
    """More customers than a screen holds, and a few facilities."""
    first = registers.add_customer(eva, "Bergkvist 00")
    for number in range(1, 40):
        registers.add_customer(eva, f"Bergkvist {number:02}")
    for number in range(3):
        registers.add_facility(eva, f"Bergkvist plant {number}", first.id)


async def test_more_lines_open_a_register_and_fetch_more(eva: Actor, make_app) -> None:
    """A screenful of results; "more" lists one register, then scrolls on to more."""
    many(eva)
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_registers(app, pilot)
        table = screen.query_one("#hits", DataTable)
        await search(app, pilot, screen, "bergkvist")
        visible = table.scrollable_content_region.height - table.header_height
        assert table.row_count == visible  # a screenful, no more
        facilities = [h for h in screen.hits if h.register == "facilities"]
        assert len(facilities) == 3  # every facility fits beside the customers
        more = screen.rows.index(MoreRow("customers"))
        assert "more customers" in rows(table)[more][1].plain
        before = [h for h in screen.hits if h.register == "customers"]
        await pilot.press(*["down"] * more, "enter")  # from the search box
        await wait_for(pilot, lambda: screen.register_key == "customers"
                       and not screen.searching, "the customers register")
        await settle(app, pilot)
        # The customers shown before, then a screenful more, the cursor on the first new
        assert screen.hits[:len(before)] == before
        assert len(screen.hits) >= len(before) + visible - 1  # less its "more" line
        assert table.cursor_row == len(before)
        assert screen.current_hit() not in before
        assert screen.rows[-1] == MoreRow("customers")
        shown = len(screen.hits)
        # Moving on to the "more" line fetches the next screenful, the cursor stays.
        await pilot.press(*["down"] * (table.row_count - 1 - table.cursor_row))
        await wait_for(pilot, lambda: len(screen.hits) > shown and not screen.searching,
                       "more customers")
        await settle(app, pilot)
        assert table.cursor_row == shown and screen.current_hit() == screen.hits[shown]
        # A taller terminal gets a taller screenful.
        await pilot.press("ctrl+r", "ctrl+r", "ctrl+r")  # back to all registers
        await wait_for(pilot, lambda: screen.register_key == "all" and not screen.searching,
                       "all registers")
        await pilot.resize_terminal(120, 40)
        await wait_for(pilot, lambda: table.row_count > visible and not screen.searching,
                       "a taller screenful")
        await settle(app, pilot)
        assert table.row_count == table.scrollable_content_region.height - 1


async def test_a_stale_search_never_overwrites_a_newer_one(eva: Actor, make_app,
                                                           monkeypatch) -> None:
    """'a' answers after 'ab' has been shown: the table keeps the results for 'ab'."""
    many(eva)
    registers.add_customer(eva, "Abba Kvist")
    real = registers.search
    release, answered = threading.Event(), threading.Event()

    def slow_for_a(actor: Actor, text: str, *args: object) -> list[SearchHit]:
        if text == "a":
            release.wait(10)
            try:
                return real(actor, text, *args)  # type: ignore[arg-type]
            finally:
                answered.set()
        return real(actor, text, *args)  # type: ignore[arg-type]

    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_registers(app, pilot)
        monkeypatch.setattr(registers, "search", slow_for_a)
        await pilot.press("a")
        assert screen.searching
        await search(app, pilot, screen, "b")
        assert screen.query_text == "ab"
        assert [h.title for h in screen.hits] == ["Abba Kvist"]
        release.set()
        await wait_for(pilot, answered.is_set, "the stale search to answer")
        await settle(app, pilot)
        assert screen.query_text == "ab" and not screen.searching
        assert [r[1].plain for r in rows(screen.query_one("#hits", DataTable))] == [
            "Abba Kvist"]


async def test_keys_typed_right_after_enter_reach_the_card_it_opens(
        eva: Actor, make_app) -> None:
    """Enter and a key at once, as a terminal delivers a fast typist's keys: from the
    search box, the key reaches the customer card Enter opened (not the search text);
    from a card's facilities, "a" adds an order at the facility card Enter opened, not
    at the customer card it was typed on."""
    ids = world(eva)
    app = make_app("eva")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_registers(app, pilot)
        await search(app, pilot, screen, "nordic")
        burst(app, "enter", "f")
        await settle(app, pilot)
        card = app.screen
        assert isinstance(card, CustomerCardScreen) and card.customer_id == ids["other"]
        assert screen.query_one("#search", Input).value == "nordic"
        assert card.query_one(TabbedContent).active == "facilities"  # its "f"
        await pilot.press("escape")
        await settle(app, pilot)
        app.open_customer(ids["berg"])
        await settle(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        burst(app, "enter", "a")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, OrderFormScreen) and form.prefill is not None
        assert form.prefill.facility_id == ids["plant"]
        assert isinstance(app.screen_stack[-2], FacilityCardScreen)


async def test_results_fit_the_width_and_show_where_they_are_cut(eva: Actor,
                                                                 make_app) -> None:
    """Details ran off an 80-column screen with no sign (a phone number cut looked like
    another), and Name kept the width of an earlier search's longest name."""
    owner = registers.add_customer(eva, "Bergström Värme AB", city="Skellefteå")
    registers.add_facility(eva, "Lagret", owner.id, city="Skellefteå",
                           address="Långa Industrigatan 123, ingång från lastkajen 4B")
    registers.add_customer(eva, "Zeta Förvaltningsaktiebolag i Västerbottens län AB")
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_registers(app, pilot)
        table = screen.query_one("#hits", DataTable)
        await search(app, pilot, screen, "zeta")
        wide = table.columns["name"].width
        screen.query_one("#search", Input).value = ""
        await search(app, pilot, screen, "bergstrom")
        assert table.columns["name"].width < wide  # its own longest name
        lines = ["".join(s.text for s in table.render_line(y)).rstrip() for y in (1, 2)]
        assert lines[1].startswith(" Facility  Lagret") and lines[1].endswith("…")
        assert "lastkajen 4B" not in lines[1]
        assert table.virtual_size.width <= table.size.width


async def test_moves_typed_as_a_card_opens_wait_for_its_rows(eva: Actor, make_app) -> None:
    """Enter, s, Down, Down and a typed at once: the moves came before the card had its
    rows and were lost, and the new order got the first service object."""
    ids = world(eva)
    for name in ("Boiler A", "Chiller B"):
        registers.add_service_object(eva, name, customer=ids["berg"], facility=ids["plant"])
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_registers(app, pilot)
        await search(app, pilot, screen, "bergström värme")
        burst(app, "enter", "s", "down", "down", "a")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, OrderFormScreen)
        assert form.fields.values().service_object == "Heat pump F2120"  # the third
        await pilot.press("escape")
        await settle(app, pilot)
        card = app.screen
        assert isinstance(card, CustomerCardScreen)
        table = card.query_one("#objects-table", DataTable)
        assert table.cursor_row == 2
        await pilot.press("up")  # once loaded, moves are the table's own
        assert table.cursor_row == 1


async def test_enter_right_after_typing_opens_what_was_typed(eva: Actor, make_app) -> None:
    """Enter typed with the search text, before its results were shown, opened the top
    hit of the text before: another customer (and "a" then a new order for it)."""
    ids = world(eva)
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_registers(app, pilot)
        await search(app, pilot, screen, "bergström värme")
        burst(app, "ctrl+u", *"Nordic Pumps", "enter", "a")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, OrderFormScreen)
        assert form.fields.values().customer_id == ids["other"]
        # ctrl+n and Down typed with the text act on its results too (ctrl+n made an
        # order for the old top hit, and was saved so)
        await pilot.press("escape")
        await settle(app, pilot)
        if isinstance(app.screen, CustomerCardScreen):
            await pilot.press("escape")
            await settle(app, pilot)
        assert app.screen is screen
        screen.action_focus_search()
        burst(app, "ctrl+u", *"bergström", "ctrl+n")
        await settle(app, pilot)
        assert app.screen.fields.values().customer_id == ids["berg"]
        await pilot.press("escape")
        await settle(app, pilot)
        screen.action_focus_search()
        burst(app, "ctrl+u", *"bergström", "down", "enter")  # the second hit: the plant
        await settle(app, pilot)
        assert isinstance(app.screen, FacilityCardScreen)


async def test_coming_back_to_the_registers_a_new_search_replaces_the_old(
        eva: Actor, make_app) -> None:
    """The search text kept was typed on after ("Hellström FastigheterSolrosen")."""
    ids = world(eva)
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_registers(app, pilot)
        await search(app, pilot, screen, "bergström värme")
        await pilot.press("f2")
        await settle(app, pilot)
        burst(app, "3", *"Nordic", "enter")
        await settle(app, pilot)
        assert screen.query_one("#search", Input).value == "Nordic"
        card = app.screen
        assert isinstance(card, CustomerCardScreen) and card.customer_id == ids["other"]



async def test_letters_typed_in_the_results_start_a_new_search(eva: Actor,
                                                               make_app) -> None:
    """With the results list focused, "hansson" typed there was lost up to its "a",
    which added an order with "nsson" for its subject. A letter with no key of its own
    now starts a new search in the search box; F4 puts the focus back in the search box
    with its text selected, so what is typed next replaces it."""
    ids = world(eva)
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_registers(app, pilot)
        await search(app, pilot, screen, "bergström")
        table = screen.query_one("#hits", DataTable)
        search_box = screen.query_one("#search", Input)
        screen.set_focus(table)  # as a click or Tab leaves it
        burst(app, *"nordic", "enter")
        await settle(app, pilot)
        assert search_box.value == "nordic"
        card = app.screen
        assert isinstance(card, CustomerCardScreen) and card.customer_id == ids["other"]
        await pilot.press("escape")
        await settle(app, pilot)
        screen.set_focus(table)
        await pilot.press("f4")
        assert search_box.has_focus and search_box.selected_text == "nordic"
        burst(app, *"bergström", "enter")
        await settle(app, pilot)
        card = app.screen
        assert isinstance(card, CustomerCardScreen) and card.customer_id == ids["berg"]


async def test_a_facility_named_like_markup_is_offered_literally(eva: Actor,
                                                                 make_app) -> None:
    """The add-service-object dialog's Facility choice took facility names as markup:
    "Plant @ [Site=North/2]" ended the app (MarkupError) on a facility card's +, and
    "Lager [gamla]" showed as "Lager" (QA17 H1)."""
    ids = world(eva)
    odd = registers.add_facility(eva, "Plant @ [Site=North/2]", "Bergström Värme AB")
    registers.add_facility(eva, "Lager [gamla]", "Bergström Värme AB")
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_facility(odd.id)
        await settle(app, pilot)
        await pilot.press("plus")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, AddServiceObjectDialog)
        select = dialog.query_one("#r-facility", Select)
        assert select.value == odd.id
        assert "Plant @ [Site=North/2]" in [str(label) for label, _ in select._options]
        await pilot.press("escape")
        await settle(app, pilot)
        card = await open_card(app, pilot, ids["berg"])
        await pilot.press("s", "plus")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, AddServiceObjectDialog)
        select = dialog.query_one("#r-facility", Select)
        labels = [str(label) for label, _ in select._options]
        assert {"Plant @ [Site=North/2]", "Lager [gamla]"} <= set(labels)
        select.focus()
        await pilot.press("enter")  # the facility list, opened
        await settle(app, pilot)
        assert select.expanded
        for _ in range(len(labels)):  # down through every facility
            await pilot.press("down")
        await settle(app, pilot)
        assert app.is_running and app.screen is dialog and select.expanded
        await pilot.press("escape")  # the list closes
        await settle(app, pilot)
        assert not select.expanded
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is card


async def test_a_card_deletes_its_entry_once_nothing_uses_it(eva: Actor, make_app) -> None:
    """ctrl+d on a card: an entry in use is refused, naming its uses; one nothing uses is
    deleted after a question, and the card closes (QA17 M4: they stayed for good)."""
    ids = world(eva)
    typo = registers.add_customer(eva, "Bergstrom Varme Typo", on_duplicate="create")
    registers.add_facility(eva, "Typo Lager", typo.id)
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        card = await open_card(app, pilot, ids["berg"])
        await pilot.press("ctrl+d")
        await settle(app, pilot)
        assert app.screen is card
        assert any("has 3 contact orders, 1 facility and 1 service object" in str(n.message)
                   for n in app._notifications)
        card = await open_card(app, pilot, typo.id)
        await pilot.press("ctrl+d")  # its facility first
        await settle(app, pilot)
        assert app.screen is card
        await pilot.press("f", "enter")  # the facility's card
        await settle(app, pilot)
        facility_card = app.screen
        assert isinstance(facility_card, FacilityCardScreen)
        await pilot.press("ctrl+d")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "Delete facility Typo Lager of Bergstrom Varme Typo?" in app.screen.message
        await pilot.press("y")
        await settle(app, pilot)
        assert app.screen is card and card.facilities == []
        await pilot.press("ctrl+d")
        await settle(app, pilot)
        await pilot.press("n")  # no: kept
        await settle(app, pilot)
        assert app.screen is card and registers.find_customer("Bergstrom Varme Typo")
        await pilot.press("ctrl+d")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        assert app.screen is not card  # back to the card opened before it (Berg's)
        assert [h.title for h in registers.search(eva, "typo")] == []
        assert any(str(n.message) == "Deleted customer 1003 Bergstrom Varme Typo"
                   for n in app._notifications)
    # without the 'delete' permission it is dimmed and does nothing
    make_user(eva, "anna", "view", "edit", "create")
    app = make_app("anna")
    async with app.run_test(size=(80, 24)) as pilot:
        card = await open_card(app, pilot, ids["other"])
        assert card.check_action("delete_entry", ()) is None
        await pilot.press("ctrl+d")
        await settle(app, pilot)
        assert app.screen is card


async def test_a_key_the_user_may_not_use_says_which_permission(eva: Actor,
                                                               make_app) -> None:
    """ctrl+d, a and e on a card for one without 'delete', 'create' or 'edit' did nothing
    at all (QA18 L4): they are still dimmed, and pressing one says what it needs."""
    ids = world(eva)
    make_user(eva, "dina", "view")
    app = make_app("dina")
    async with app.run_test(size=(80, 24)) as pilot:
        card = await open_card(app, pilot, ids["berg"])
        for key, words in (("ctrl+d", "Delete needs the 'delete' permission"),
                           ("a", "Add order needs the 'create' permission"),
                           ("e", "Edit details needs the 'edit' permission")):
            await pilot.press(key)
            await settle(app, pilot)
            assert app.screen is card, key
            assert any(str(n.message) == words for n in app._notifications), key
        assert card.check_action("delete_entry", ()) is None
        assert registers.find_customer("Bergström Värme AB")


async def test_a_card_whose_entry_was_deleted_meanwhile_says_so(eva: Actor,
                                                               make_app) -> None:
    """Someone deletes the customer whose card is open: the card says it is no longer
    in the register, and a new order from it is refused saying why (it opened an empty
    form that said "Could not open the order", QA19 L7)."""
    typo = registers.add_customer(eva, "Typo Kund AB", number="C-9")
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        card = await open_card(app, pilot, typo.id)
        register_deletes.delete_customer(eva, "C-9")
        card.refresh_data()  # as the change watcher does
        await settle(app, pilot)
        assert str(card.query_one("#card-title", Static).content) == (
            "No longer in the register")
        assert "Customer C-9 'Typo Kund AB' was deleted by eva on " in str(
            card.query_one("#card-info", Static).content)
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert app.screen is card
        assert any("was deleted by eva" in str(n.message) for n in app._notifications)
