"""The contact-order list: Journey 5 (filter, default, favourite, totals), paging, safety."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from rich.text import Text
from textual import events
from textual.widgets import Checkbox, Input, Select, Static

from crm_tui.db.database import db
from crm_tui.db.models import Counter
from crm_tui.domain.records import Actor, Completed, OrderFilter, OrderInput, OrderTotals
from crm_tui.services import filters, order_list, orders, settings
from crm_tui.tui.app import CrmApp
from crm_tui.tui.screens.dialogs import ConfirmDialog
from crm_tui.tui.screens.favourites_dialog import FavouritesDialog, NameDialog
from crm_tui.tui.screens.filter_dialog import LIST_DEFAULT, FilterDialog
from crm_tui.tui.screens.order_form import OrderFormScreen
from crm_tui.tui.screens.orders import OrderListScreen
from crm_tui.tui.widgets.order_table import COMPLETED_STYLE
from tests.conftest import make_user
from tests.tui.conftest import FIXED_NOW, burst, settle
from tests.tui.test_registers import wait_for

TODAY = FIXED_NOW.date()


def add_order(actor: Actor, customer: str, subject: str, *, days: int | None = 1,
              assignees: tuple[str, ...] = (), hours: str = "0") -> int:
    """Create an order through the service; returns its serial."""
    scheduled = TODAY + dt.timedelta(days=days) if days is not None else None
    return orders.create_order(actor, OrderInput(
        subject=subject, customer=customer, scheduled=scheduled, hours=hours,
        assignees=list(assignees), on_duplicate="create")).serial


def clock() -> dt.datetime:
    """The fixed 'now' of these tests."""
    return FIXED_NOW


async def open_orders(app: CrmApp, pilot: object) -> OrderListScreen:
    """Switch to the order list with its key and wait for it to load."""
    await pilot.press("2")  # type: ignore[attr-defined]
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, OrderListScreen)
    assert screen.loaded
    return screen


def totals_text(screen: OrderListScreen) -> str:
    """What the totals field shows."""
    content = screen.query_one("#totals", Static).content
    return content.plain if isinstance(content, Text) else str(content)


async def type_into(pilot: object, text: str) -> None:
    """Type text: short text key by key, longer text pasted (as from the clipboard)."""
    if len(text) <= 4:
        await pilot.press(*["space" if ch == " " else ch for ch in text])  # type: ignore[attr-defined]
        return
    app = pilot.app  # type: ignore[attr-defined]
    assert app.focused is not None
    app.focused.post_message(events.Paste(text))
    await pilot.pause()  # type: ignore[attr-defined]


async def test_journey5_filter_save_default_and_favourite(
        eva: Actor, make_app: Callable[..., CrmApp]) -> None:
    """Anna filters: mine, next 30 days, customer 'Berg'; default + favourite; totals."""
    anna = make_user(eva, "anna", "view", "edit", "create", "assign-self")
    make_user(eva, "bob", "view", "edit", "create")
    wanted = {add_order(eva, "Bergström Värme AB", "Heat pump quote", days=5,
                        assignees=("anna",), hours="2.5"),
              add_order(eva, "Bergström Värme AB", "Boiler service", days=20,
                        assignees=("anna", "bob"), hours="1.25"),
              add_order(eva, "Berg Energiteknik AB", "Spring offer", days=30,
                        assignees=("anna",), hours="4")}
    add_order(eva, "Bergström Värme AB", "Too late", days=45, assignees=("anna",), hours="3")
    add_order(eva, "Bergström Värme AB", "Bob's lead", days=10, assignees=("bob",), hours="7")
    add_order(eva, "Lindqvist Kyl", "Other customer", days=10, assignees=("anna",), hours="6")
    add_order(eva, "Bergström Värme AB", "Past", days=-3, assignees=("anna",), hours="1")
    done = add_order(eva, "Bergström Värme AB", "Done", days=4, assignees=("anna",), hours="9")
    orders.set_completed(eva, done, True)
    # "today" and "+30" stay relative, so the saved filter means "the next 30 days"
    # on any later day too; the services resolve it against the current date. The
    # completed order is in the list, last (the manual: "It remains in the list").
    expected = OrderFilter(mine=True, customer="Berg", scheduled_from_days=0,
                           scheduled_to_days=30, completed=Completed.INCLUDE)
    wanted.add(done)

    app = make_app("anna", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(app, pilot)
        assert screen.criteria == LIST_DEFAULT
        assert len(screen.table.serials) == 8  # all orders anna may see
        assert screen.table.serials[-1] == done  # the completed last
        assert "all orders" in str(screen.query_one("#filter-summary", Static).content)

        await pilot.press("f")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, FilterDialog)
        assert dialog.focused is not None and dialog.focused.id == "mine"
        await pilot.press("space", "tab", "tab", "tab")  # mine; skip assignee, status
        assert dialog.focused is not None and dialog.focused.id == "customer"
        await type_into(pilot, "Berg")
        await pilot.press("tab")
        await type_into(pilot, "2026-13-01")  # a bad date is refused inline
        error = dialog.query_one("#date-error", Static)
        assert not error.display  # no nagging while typing
        await pilot.press("enter")
        assert app.screen is dialog  # not applied
        assert error.display and "is not a date" in str(error.content)
        await pilot.press("ctrl+u")
        await type_into(pilot, "today")
        await pilot.press("tab")
        await type_into(pilot, "xx")
        await pilot.press("enter")  # a wrong To: To has the focus, not From (the fix
        # typed replaced the right From, QA18 L8)
        assert app.screen is dialog and dialog.focused is dialog.query_one("#to", Input)
        await type_into(pilot, "+3")  # typed over the wrong date, not after it (QA19)
        assert dialog.query_one("#to", Input).value == "+3"
        dialog.query_one("#to", Input).value = "xx"
        await pilot.press("enter")
        assert str(error.content).startswith("To: 'xx' is not a date")
        dialog.query_one("#from", Input).value = "2026-13-01"  # both wrong: both named
        await pilot.press("enter")
        assert str(error.content).count("\n") == 1 and dialog.focused.id == "from"
        dialog.query_one("#from", Input).value = "today"
        dialog.query_one("#to", Input).value = ""
        dialog.query_one("#to", Input).focus()
        await type_into(pilot, "+30")
        assert not error.display
        await pilot.press("enter")
        await settle(app, pilot)

        assert app.screen is screen
        assert screen.criteria == expected
        listed = [r.serial for r in order_list.list_orders(anna, expected.resolved(TODAY)).rows]
        assert screen.table.serials == listed
        assert set(listed) == wanted and listed[-1] == done
        assert "Berg" in str(screen.query_one("#filter-summary", Static).content)
        service_totals = order_list.totals(anna, expected.resolved(TODAY))
        assert service_totals.hours == Decimal("16.75") and service_totals.count == 4
        assert totals_text(screen) == "4 orders · 16.75 h"

        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert filters.get_default(anna) == expected

        await pilot.press("b")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, NameDialog)
        # A name too long is named in the dialog, which stays with what was typed (it
        # closed, and the name was to be typed again).
        name = dialog.query_one("#name", Input)
        name.value = "Ö" * 130
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is dialog and name.value == "Ö" * 130
        assert "at most 120" in str(dialog.query_one("#name-error", Static).content)
        name.value = ""
        await type_into(pilot, "My spring leads")
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is screen
        assert [(f.name, f.criteria) for f in filters.favorites(anna)] == [
            ("My spring leads", expected)]

    tomorrow = make_app("anna", clock=clock)  # "tomorrow": a new app instance
    async with tomorrow.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(tomorrow, pilot)
        assert screen.criteria == expected
        assert set(screen.table.serials) == wanted
        rows = list(order_list.iter_orders(anna, expected.resolved(TODAY)))
        assert totals_text(screen) == f"{len(rows)} orders · {sum(r.hours for r in rows):.2f} h"

        await pilot.press("x")  # clear, then pick the favourite again
        await settle(tomorrow, pilot)
        assert screen.criteria == LIST_DEFAULT
        await pilot.press("o")
        await settle(tomorrow, pilot)
        assert isinstance(tomorrow.screen, FavouritesDialog)
        await pilot.press("enter")
        await settle(tomorrow, pilot)
        assert screen.criteria == expected
        assert set(screen.table.serials) == wanted

        # The same name again asks before it replaces the favourite; No keeps it.
        await pilot.press("x", "b")
        await settle(tomorrow, pilot)
        await type_into(pilot, "My spring leads")
        await pilot.press("enter")
        await settle(tomorrow, pilot)
        assert isinstance(tomorrow.screen, ConfirmDialog)
        assert "Replace your favourite “My spring leads”" in tomorrow.screen.message
        await pilot.press("n")
        await settle(tomorrow, pilot)
        assert [f.criteria for f in filters.favorites(anna)] == [expected]
        # No: the name is asked again, as typed (the dialog closed, the name lost)
        assert isinstance(tomorrow.screen, NameDialog)
        assert tomorrow.screen.query_one("#name", Input).value == "My spring leads"
        await pilot.press("enter")
        await settle(tomorrow, pilot)
        await pilot.press("y")
        await settle(tomorrow, pilot)
        assert tomorrow.screen is screen
        assert [f.criteria for f in filters.favorites(anna)] == [LIST_DEFAULT]
        # Delete asks too.
        await pilot.press("o", "delete")
        await settle(tomorrow, pilot)
        assert isinstance(tomorrow.screen, ConfirmDialog)
        await pilot.press("escape")
        await settle(tomorrow, pilot)
        assert isinstance(tomorrow.screen, FavouritesDialog)
        assert len(filters.favorites(anna)) == 1
        await pilot.press("delete", "y")
        await settle(tomorrow, pilot)
        assert filters.favorites(anna) == []


async def test_pages_load_as_the_cursor_nears_the_end(
        eva: Actor, make_app: Callable[..., CrmApp], monkeypatch: pytest.MonkeyPatch) -> None:
    """More than two pages: moving down loads page by page; every serial appears once,
    in order. End reads the last page at once (it loaded one more page a press: ten
    presses for 1,200 orders); moving up from there loads the pages before it; Home
    goes back to the first page."""
    page = 25
    monkeypatch.setattr(OrderListScreen, "page_size", page)
    serials = [add_order(eva, f"Customer {i % 7}", f"Order {i}", days=i % 40)
               for i in range(2 * page + 12)]
    app = make_app("eva", clock=clock)
    opened: list[int | None] = []
    app.open_order = lambda serial=None, **_kw: opened.append(serial)  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(app, pilot)
        assert screen.table.row_count == page  # a page, not the whole table
        everything = [r.serial for r in order_list.iter_orders(eva)]
        await pilot.press("end")  # once: the last page, read from the end
        await settle(app, pilot)
        assert screen.table.serials == everything[-page:]
        assert screen.table.current_serial == everything[-1]
        await pilot.press("enter")
        assert opened == [everything[-1]]
        await pilot.press("home")  # the first page again, from the top
        await settle(app, pilot)
        assert screen.table.serials == everything[:page]
        assert screen.table.current_serial == everything[0]
        for _ in range(3):  # down: the next pages load as the cursor nears the end
            await pilot.press("pagedown")
            await settle(app, pilot)
        assert screen.table.serials == everything
        assert totals_text(screen) == f"{len(serials)} orders · 0.00 h"
        await pilot.press("home")
        await settle(app, pilot)
        assert screen.table.serials == everything  # all loaded: nothing read again
        screen.reload(keep=False)
        await settle(app, pilot)
        await pilot.press("end")
        await settle(app, pilot)
        for _ in range(4):  # up from the end: the pages before it load near the top
            await pilot.press("pageup")
            await settle(app, pilot)
        assert screen.table.serials == everything
        await pilot.press("home")
        assert screen.table.current_serial == everything[0]
        screen.reload(keep=False)  # at the end, an order added by someone else shows
        await settle(app, pilot)
        await pilot.press("end")
        await settle(app, pilot)
        added = add_order(eva, "Customer 1", "Added meanwhile", days=99)
        screen.refresh_data()
        await settle(app, pilot)
        assert screen.table.serials == everything[-page:] + [added]
        assert screen.table.current_serial == everything[-1]
        await pilot.press("n")
        assert opened[-1] is None


async def test_long_order_numbers_show_in_full(
        eva: Actor, make_app: Callable[..., CrmApp]) -> None:
    """At a million orders the numbers have seven digits: the number column grows to
    show them whole (it cut them to "1234…"), and the other columns still fit."""
    small = add_order(eva, "Acme", "First order")
    with db.atomic():
        Counter.update(value=1_234_566).where(Counter.name == "order_serial").execute()
    big = add_order(eva, "Acme", "Millionth order", days=2)
    assert (small, big) == (1, 1_234_567)
    app = make_app("eva", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(app, pilot)
        table = screen.table
        assert table.serials == [small, big]
        assert table.columns["serial"].width == 7
        assert sum(c.get_render_width(table) for c in table.columns.values()) <= 80 - 2
        assert "1234567" in app.export_screenshot()
        # Totals at that size read with thousands separators.
        screen._totals_loaded(screen._generation, OrderTotals(240_256, Decimal("575571.6")))
        assert totals_text(screen) == "240,256 orders · 575,571.60 h"


async def test_completed_last_in_dark_blue_and_refresh_on_resume(
        eva: Actor, make_app: Callable[..., CrmApp]) -> None:
    """Completed orders come after open ones, styled dark blue; edits show on return."""
    first = add_order(eva, "Alpha AB", "Finished job", days=1)
    second = add_order(eva, "Beta AB", "Open job", days=2)
    orders.set_completed(eva, first, True)
    app = make_app("eva", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, FilterDialog)
        dialog.query_one("#completed").value = str(Completed.INCLUDE)  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert screen.table.serials == [second, first]
        cells = screen.table.get_row_at(1)
        assert all(str(c.style) == COMPLETED_STYLE for c in cells)
        assert str(screen.table.get_row_at(0)[0].style) == ""

        third = add_order(eva, "Gamma AB", "Added elsewhere", days=0)
        await pilot.press("1")
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        assert screen.table.serials == [third, second, first]

        assert screen.table.current_serial == second  # the cursor stayed on its order

        await pilot.press("enter")  # the real order form opens, Escape comes back
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, OrderFormScreen) and form.serial == second
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen and screen.table.current_serial == second


async def test_empty_database_and_quick_search(
        eva: Actor, make_app: Callable[..., CrmApp]) -> None:
    """A new database explains what to do; '/' searches as you type (Enter applies)."""
    app = make_app("eva", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(app, pilot)
        state = screen.query_one("#state", Static)
        assert state.display and "Press n to create the first one" in str(state.content)
        assert totals_text(screen) == "0 orders · 0.00 h"

        wanted = add_order(eva, "Delta AB", "Heat pump noise", days=1)
        add_order(eva, "Epsilon AB", "Chiller service", days=1)
        await pilot.press("r")
        await settle(app, pilot)
        assert not state.display and screen.table.row_count == 2

        await pilot.press("slash")
        assert isinstance(app.focused, Input) and app.focused.id == "search"
        await type_into(pilot, "pump")
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.criteria.text == "pump"
        assert screen.table.serials == [wanted]
        assert app.focused is screen.table


async def test_user_text_renders_literally(eva: Actor,
                                           make_app: Callable[..., CrmApp]) -> None:
    """Markup and terminal escapes in customer names and subjects are shown as text."""
    markup = add_order(eva, "[bold red]x[/]", "[link=http://evil]click[/link]", days=1)
    escape = add_order(eva, "Evil \x1b]0;pwned\x07 AB", "Title \x1b[2J clear", days=2)
    app = make_app("eva", clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_orders(app, pilot)
        table = screen.table
        assert table.row_text(str(markup))[2:4] == ["[link=http://evil]click[/link]",
                                                     "[bold red]x[/]"]
        assert table.row_text(str(escape))[2:4] == ["Title \\x1b[2J clear",
                                                     "Evil \\x1b]0;pwned\\x07 AB"]
        lines = ["".join(s.text for s in table.render_line(y))
                 for y in range(table.size.height)]
        screen_text = "\n".join(lines)
        assert "[bold red]x[/]" in screen_text
        assert "Evil \\x1b]0;pwned" in screen_text
        assert "\x1b" not in screen_text and "\x07" not in screen_text
        svg = app.export_screenshot()
        assert "pwned" in svg and "\x1b" not in svg and "\x07" not in svg


async def test_a_saved_default_that_no_longer_lists_falls_back_to_all_orders(
        eva: Actor, make_app: Callable[..., CrmApp]) -> None:
    """The default filter names a status since renamed: the list says so and shows
    every order instead of an empty or broken screen; the saved filter is kept."""
    from crm_tui.services import statuses

    statuses.add_status(eva, "Väntar på del")
    kept = add_order(eva, "Delta AB", "Heat pump noise")
    filters.save_default(eva, OrderFilter(status="Väntar på del"))
    statuses.rename_status(eva, "Väntar på del", "Väntar på reservdel")
    app = make_app("eva", clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_orders(app, pilot)
        assert screen.criteria == LIST_DEFAULT
        assert screen.table.serials == [kept]
        assert any("Unknown status 'Väntar på del'" in str(n.message)
                   for n in app._notifications)
    assert filters.get_default(eva) == OrderFilter(status="Väntar på del")


async def test_keys_typed_right_after_enter_go_to_the_order_it_opens(
        eva: Actor, make_app: Callable[..., CrmApp]) -> None:
    """Enter on an order and text typed at once: it all goes into the new note of the
    order Enter opened, none to the list ("n" would start a new order, "f" open the
    filter, "x" clear it)."""
    serial = add_order(eva, "Bergström Värme AB", "Offer for heat pump")
    app = make_app("eva", clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_orders(app, pilot)
        burst(app, "enter", *"fixed, next visit")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, OrderFormScreen) and form.serial == serial and form.ready
        assert form.notes.editor.text == "fixed, next visit"
        assert app.screen_stack[-2:] == [screen, form]


async def test_a_subject_typed_right_after_n_goes_to_the_new_order(
        eva: Actor, make_app: Callable[..., CrmApp]) -> None:
    """"n" and a subject typed at once: the whole subject reaches the new order's
    subject (kept while the form loads), none of it the list, where "o" opens the
    favourites, "f" the filter, "x" clears it. In the search box the letters are text."""
    add_order(eva, "Bergström Värme AB", "Offer for heat pump")
    app = make_app("eva", clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_orders(app, pilot)
        criteria = screen.criteria
        burst(app, "n", *"Boiler fix, office")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, OrderFormScreen) and form.serial is None and form.ready
        assert form.query_one("#subject", Input).value == "Boiler fix, office"
        assert app.screen_stack[-2:] == [screen, form] and screen.criteria == criteria
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDialog)  # the typed subject is unsaved
        await pilot.press("y")
        await settle(app, pilot)
        assert app.screen is screen
        await pilot.press("slash", "n", "o", "b")
        await settle(app, pilot)
        assert app.screen is screen and screen.query_one("#search", Input).value == "nob"


async def test_keys_typed_right_after_f_go_to_the_filter(
        eva: Actor, make_app: Callable[..., CrmApp]) -> None:
    """"f" and keys typed at once: the filter opens within the key press and has its
    first field focused before the next key is handled, so none of them reaches the list
    ("n" would start a new order, "o" open the favourites, "b" ask to save one); space
    ticks "Assigned to me", tab moves on before the next key, the customer is typed, and
    ctrl+u clears it before the new name is typed and Enter applies (see key_order).
    The status choice fills in once the statuses are read."""
    from crm_tui.services import statuses
    statuses.add_status(eva, "Väntar på del")
    add_order(eva, "Bergström Värme AB", "Offer for heat pump")
    app = make_app("eva", clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_orders(app, pilot)
        titles = [c.title for c in app.get_system_commands(screen)]
        assert titles.count("Filter") == 1  # "f" and ctrl+f: one action, listed once
        burst(app, "f", *"nob", "space", "tab", "tab", "tab", *"Berg")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, FilterDialog)
        assert app.screen_stack[-2] is screen and screen.criteria == LIST_DEFAULT
        assert dialog.query_one("#mine", Checkbox).value is True
        assert dialog.query_one("#customer", Input).value == "Berg"
        status = dialog.query_one("#status", Select)
        names = [s.name for s in statuses.list_statuses()]
        assert "Väntar på del" in names
        assert [value for _, value in status._options] == ["", *names]
        assert status.value == ""
        burst(app, "ctrl+u", *"Bergström", "enter")  # a binding, then text, at once
        await settle(app, pilot)
        assert app.screen is screen
        assert screen.criteria == OrderFilter(mine=True, customer="Bergström",
                                              completed=Completed.INCLUDE)


async def test_enter_on_the_filters_checkbox_applies(eva: Actor,
                                                     make_app: Callable[..., CrmApp]) -> None:
    """The dialog says Enter applies; on "Assigned to me" Enter ticked the box instead.
    Space ticks it."""
    app = make_app("eva", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, FilterDialog)
        mine = dialog.query_one("#mine", Checkbox)
        assert mine.has_focus and not mine.value
        await pilot.press("space")
        assert mine.value
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is screen and screen.criteria.mine


async def test_an_orders_number_and_enter_in_the_search_opens_it(eva: Actor,
                                                                 make_app) -> None:
    """The search box with an order's number: Enter opens that order (the list showed
    it among orders whose text has the number, in date order); another number filters."""
    add_order(eva, "Bergström Värme AB", "Early", days=1)
    wanted = add_order(eva, "Bergström Värme AB", "Late", days=40)
    add_order(eva, "Nilsson AB", f"Call about order {wanted} again", days=2)
    app = make_app("eva", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(app, pilot)
        # typed on at once: the keys after Enter go into the order's new note (they were
        # typed into the search box, and the order did not open)
        burst(app, "slash", *str(wanted), "enter", *"hello")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, OrderFormScreen) and form.serial == wanted
        assert form.notes.pending_text() == "hello"
        form.notes.editor.text = ""
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen  # the list as it was: the number did not filter it
        assert screen.criteria.text is None and screen.table.row_count == 3
        assert not screen.query_one("#search", Input).display
        await pilot.press("slash", *"late", "enter")  # a filter's text Esc comes back to
        await settle(app, pilot)
        assert screen.criteria.text == "late" and screen.table.row_count == 1
        await pilot.press("slash", "ctrl+u", *str(wanted), "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, OrderFormScreen)
        await pilot.press("escape")
        await settle(app, pilot)
        assert screen.criteria.text == "late" and screen.table.row_count == 1
        await pilot.press("slash", "ctrl+u", "9", "9", "9", "enter")  # no such order
        await settle(app, pilot)
        assert app.screen is screen and screen.criteria.text == "999"
        assert any("No contact order 999" in str(n.message) for n in app._notifications)


async def test_a_number_searched_and_opened_comes_back_to_the_row_it_left(
        eva: Actor, make_app: Callable[..., CrmApp], monkeypatch: pytest.MonkeyPatch) -> None:
    """"/" and an order's number with a pause before Enter: the list was filtered by the
    number meanwhile, and Enter's return to the earlier list started at its top. It now
    comes back to the order the cursor was on, pages down."""
    monkeypatch.setattr(OrderListScreen, "page_size", 10)
    for i in range(80):
        add_order(eva, f"Customer {i % 5}", f"Order {i}", days=i % 30)
    wanted = add_order(eva, "Nilsson AB", "Wanted", days=39)
    app = make_app("eva", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(app, pilot)
        for _ in range(2):
            await pilot.press("pagedown")
            await settle(app, pilot)
        here, row = screen.table.current_serial, screen.table.cursor_row
        assert here is not None and row > 10 and here != wanted
        await pilot.press("slash", *str(wanted))
        await wait_for(pilot, lambda: screen.criteria.text == str(wanted),
                       "the number's filter")  # the pause: the list shows it
        await settle(app, pilot)
        assert screen.table.serials == [wanted]
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, OrderFormScreen) and app.screen.serial == wanted
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen and screen.criteria.text is None
        assert (screen.table.current_serial, screen.table.cursor_row) == (here, row)


async def test_an_empty_list_keeps_the_keys_it_suggests(eva: Actor, make_app) -> None:
    """A filter that matched nothing left the focus in the search box: the f, x or o the
    screen suggests typed over the filter's text instead."""
    add_order(eva, "Bergström Värme AB", "Heat pump")
    app = make_app("eva", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(app, pilot)
        await pilot.press("slash", *"zzzqqq", "enter")
        await settle(app, pilot)
        assert screen.table.row_count == 0 and screen.criteria.text == "zzzqqq"
        await pilot.press("f")
        await settle(app, pilot)
        assert isinstance(app.screen, FilterDialog)
        await pilot.press("escape")
        await settle(app, pilot)
        assert screen.criteria.text == "zzzqqq"
        await pilot.press("x")
        await settle(app, pilot)
        assert screen.criteria == LIST_DEFAULT and screen.table.row_count == 1
        assert screen.table.has_focus


async def test_the_filter_dialog_filters_by_assignee(eva: Actor, make_app) -> None:
    """Assigned to another user was in the CLI (--assigned-to) only."""
    make_user(eva, "carol", "view", "edit")
    carols = add_order(eva, "Bergström Värme AB", "Carol's", assignees=("carol",))
    add_order(eva, "Bergström Värme AB", "Nobody's")
    app = make_app("eva", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, FilterDialog)
        assigned = dialog.query_one("#assigned", Select)
        assert [value for _, value in assigned._options] == ["", "carol", "eva"]
        for button in dialog.query("Button"):  # it fits 80x24, buttons and all
            assert 0 < button.region.bottom <= 24
        assigned.value = "carol"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert screen.criteria.assigned_to == "carol"
        assert screen.table.serials == [carols]


async def test_a_refresh_keeps_the_order_past_the_rows_it_reads_again(
        eva: Actor, make_app: Callable[..., CrmApp], monkeypatch: pytest.MonkeyPatch) -> None:
    """A refresh reads the loaded rows again, at most MAX_RELOAD of them: from the top,
    an order further down was not among them and the cursor went to the top (past 500
    rows). It now reads them around the cursor's order, going down or, after End, up."""
    from crm_tui.tui.screens import orders as orders_screen

    page = 10
    monkeypatch.setattr(OrderListScreen, "page_size", page)
    monkeypatch.setattr(orders_screen, "MAX_RELOAD", 24)
    for i in range(75):
        add_order(eva, f"Customer {i % 7}", f"Order {i}", days=i % 40)
    app = make_app("eva", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(app, pilot)
        everything = [r.serial for r in order_list.iter_orders(eva)]
        for keys in (["pagedown"] * 4, ["end"] + ["pageup"] * 3):
            await pilot.press("home")
            await settle(app, pilot)
            for key in keys:
                await pilot.press(key)
                await settle(app, pilot)
            here = screen.table.current_serial
            assert here is not None and screen.table.row_count > 24, keys
            assert everything.index(here) >= 24 or keys[0] == "end", keys
            screen.refresh_data()  # as a change by someone else does
            await settle(app, pilot)
            assert screen.table.current_serial == here, keys
            loaded = screen.table.serials
            first = everything.index(loaded[0])
            assert loaded == everything[first:first + len(loaded)], keys  # no gaps
            for key in ("pageup",) * 8 + ("pagedown",) * 12:  # on both sides, no gaps
                await pilot.press(key)
                await settle(app, pilot)
            loaded = screen.table.serials
            first = everything.index(loaded[0])
            assert loaded == everything[first:first + len(loaded)], keys


async def test_an_order_removed_or_moved_elsewhere_keeps_the_cursor_near(
        eva: Actor, make_app: Callable[..., CrmApp], monkeypatch: pytest.MonkeyPatch) -> None:
    """Someone deletes or completes the order under the cursor: the cursor goes to the
    order that took its place (it went to the first row, or 100 rows away). The admin
    switches the list to order numbers: the cursor stays on its order."""
    page = 10
    monkeypatch.setattr(OrderListScreen, "page_size", page)
    for i in range(45):
        add_order(eva, f"Customer {i % 7}", f"Order {i}", days=i % 40)
    app = make_app("eva", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(app, pilot)
        for _ in range(2):
            await pilot.press("pagedown")
            await settle(app, pilot)
        everything = [r.serial for r in order_list.iter_orders(eva)]
        here = screen.table.current_serial
        assert here is not None and everything.index(here) > page
        after = everything[everything.index(here) + 1]
        orders.delete_order(eva, here)
        screen.refresh_data()
        await settle(app, pilot)
        assert screen.table.current_serial == after  # in its place
        nxt = everything[everything.index(after) + 1]
        orders.set_completed(eva, after, True)  # completed: to the end of the list
        screen.refresh_data()
        await settle(app, pilot)
        assert screen.table.current_serial == nxt
        settings.set_value(eva, "list_sort", "serial")
        screen.refresh_data()
        await settle(app, pilot)
        assert screen.table.current_serial == nxt  # the same order, in its new place
        loaded = screen.table.serials
        still_open = [serial for serial in loaded if serial != after]
        assert still_open == sorted(still_open)  # the completed one after them
